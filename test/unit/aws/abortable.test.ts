// A caller stops waiting on shared work when its own signal aborts; the work goes on for others,
// and an aborted caller sends no AWS call at all.
import { describe, expect, it } from '@jest/globals';
import { abortable } from '../../../src/aws/abortable.ts';
import { callAws } from '../../../src/aws/call.ts';

describe('abortable', () => {
  it('passes the result through while the signal is live', async () => {
    await expect(abortable(Promise.resolve(7), new AbortController().signal)).resolves.toBe(7);
    await expect(abortable(Promise.reject(new Error('no')), new AbortController().signal)).rejects.toThrow('no');
    await expect(abortable(Promise.resolve(1), undefined)).resolves.toBe(1);
  });

  it('rejects as soon as the signal aborts; the shared promise still settles for the others', async () => {
    let finish!: (v: string) => void;
    const shared = new Promise<string>((r) => (finish = r));
    const a = new AbortController();
    const mine = abortable(shared, a.signal);
    const theirs = abortable(shared, new AbortController().signal);
    a.abort(new Error('shutdown timeout'));
    await expect(mine).rejects.toThrow('shutdown timeout');
    finish('listing');
    await expect(theirs).resolves.toBe('listing');
  });

  it('an already aborted signal rejects at once', async () => {
    const a = new AbortController();
    a.abort(new Error('leadership lost'));
    await expect(abortable(new Promise(() => undefined), a.signal)).rejects.toThrow('leadership lost');
  });
});

describe('callAws with an aborted signal', () => {
  it('sends nothing', async () => {
    const a = new AbortController();
    a.abort(new Error('leadership lost'));
    let sent = 0;
    await expect(callAws('elbv2', 'DescribeLoadBalancers', async () => void sent++, { signal: a.signal })).rejects.toThrow('leadership lost');
    expect(sent).toBe(0);
  });
});
