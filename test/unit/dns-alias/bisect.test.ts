import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { mentionsName, sendBisecting } from '../../../src/reconcilers/dns-alias/bisect.ts';

class Refused extends Error {}

/** Route 53 as far as bisecting goes: a batch holding any bad item is refused whole. */
function route53(bad: ReadonlySet<number>, message = 'Invalid request') {
  const sent: number[][] = [];
  const send = async (items: number[]): Promise<void> => {
    sent.push(items);
    const b = items.filter((i) => bad.has(i));
    if (b.length > 0) throw new Refused(message.replace('$', String(b[0])));
  };
  return { sent, send };
}

const opts = { isRejection: (e: unknown) => e instanceof Refused };

describe('sendBisecting', () => {
  test('one bad item among 16: all others accepted, the bad one refused on its own, within 1 + 2·log2(16) calls', async () => {
    const r53 = route53(new Set([11]));
    const r = await sendBisecting(Array.from({ length: 16 }, (_, i) => i), r53.send, opts);
    expect(r.rejected.map((x) => x.item)).toEqual([11]);
    expect(r.accepted.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i).filter((i) => i !== 11));
    expect(r53.sent.length).toBeLessThanOrEqual(9);
  });

  test('a half that is accepted proves the other half holds the refusal: it is split without being sent whole again', async () => {
    const r53 = route53(new Set([3]));
    await sendBisecting([0, 1, 2, 3], r53.send, opts);
    // [0..3] refused, [0,1] accepted, so [2,3] is not sent whole: [2] accepted, [3] known bad
    expect(r53.sent).toEqual([[0, 1, 2, 3], [0, 1], [2]]);
  });

  test('items the message names are set aside first', async () => {
    const r53 = route53(new Set([5]), "Tried to create resource record set [name='n$.example.com.', type='CNAME'] but it already exists");
    const r = await sendBisecting(Array.from({ length: 16 }, (_, i) => i), r53.send, {
      ...opts,
      named: (err, items) => items.filter((i) => mentionsName(String((err as Error).message), `n${i}.example.com`)),
    });
    expect(r.rejected.map((x) => x.item)).toEqual([5]);
    expect(r53.sent.map((s) => s.length)).toEqual([16, 15]);
  });

  test('a failure that is not a refusal (throttling, 5xx) stops: what was not sent is reported failed', async () => {
    let n = 0;
    const send = async (items: number[]): Promise<void> => {
      n++;
      if (n === 1) throw new Refused('bad');
      if (n === 2) throw new Error('503');
      void items;
    };
    const r = await sendBisecting([0, 1, 2, 3], send, opts);
    expect(r.accepted).toEqual([]);
    expect(r.failed.flatMap((f) => f.items).sort()).toEqual([0, 1, 2, 3]);
  });

  test('property: every good item is accepted exactly once, every bad one refused, no accepted batch holds a bad item', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 64 }), fc.uniqueArray(fc.integer({ min: 0, max: 63 }), { maxLength: 6 }), async (n, badList) => {
        const bad = new Set(badList.filter((b) => b < n));
        const r53 = route53(bad);
        const items = Array.from({ length: n }, (_, i) => i);
        const r = await sendBisecting(items, r53.send, opts);
        const accepted = r.accepted.flat();
        expect(accepted.sort((a, b) => a - b)).toEqual(items.filter((i) => !bad.has(i)));
        expect(r.rejected.map((x) => x.item).sort((a, b) => a - b)).toEqual([...bad].sort((a, b) => a - b));
        for (const b of r.accepted) expect(b.some((i) => bad.has(i))).toBe(false);
        // no more than one call per node of the halving tree
        expect(r53.sent.length).toBeLessThanOrEqual(2 * n);
      }),
      { numRuns: 100 },
    );
  });
});

describe('mentionsName', () => {
  test('whole names only, with or without the trailing dot, any case', () => {
    expect(mentionsName("[name='A.example.com.', type='CNAME']", 'a.example.com')).toBe(true);
    expect(mentionsName('RRSet with DNS name a.example.com is not permitted', 'a.example.com')).toBe(true);
    expect(mentionsName("[name='_albatross.a.example.com.']", 'a.example.com')).toBe(false);
    expect(mentionsName("[name='xa.example.com.']", 'a.example.com')).toBe(false);
    expect(mentionsName("[name='a.example.com.au.']", 'a.example.com')).toBe(false);
  });
});
