import { describe, expect, it, jest } from '@jest/globals';
import { WorkQueue } from '../../../src/runtime/workqueue.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Takes whatever is ready right now, without waiting. */
async function drainReady(q: WorkQueue): Promise<string[]> {
  const out: string[] = [];
  while (q.len() > 0) {
    const k = await q.get();
    if (k === undefined) break;
    out.push(k);
    q.done(k);
  }
  return out;
}

describe('WorkQueue', () => {
  it('queues a key once however often it is added', async () => {
    const q = new WorkQueue({ name: 'dedup' });
    q.add('ns/a');
    q.add('ns/a');
    q.add('ns/a', 'resync');
    expect(q.len()).toBe(1);
    expect(await drainReady(q)).toEqual(['ns/a']);
  });

  it('serves keys first in, first out within a priority', async () => {
    const q = new WorkQueue({ name: 'fifo' });
    for (const k of ['c', 'a', 'b']) q.add(k);
    expect(await drainReady(q)).toEqual(['c', 'a', 'b']);
  });

  it('serves spec changes before periodic resyncs, and a change overtakes its own pending resync', async () => {
    const q = new WorkQueue({ name: 'priority' });
    q.add('r1', 'resync');
    q.add('r2', 'resync');
    q.add('c1', 'change');
    q.add('r2', 'change');
    q.add('c2', 'change');
    expect(await drainReady(q)).toEqual(['c1', 'r2', 'c2', 'r1']);
  });

  it('never hands a key to two workers: an add during processing waits for done()', async () => {
    const q = new WorkQueue({ name: 'exclusive' });
    q.add('k');
    const first = await q.get();
    expect(first).toBe('k');
    q.add('k');
    expect(q.len()).toBe(0);
    let second: string | undefined;
    const waiting = q.get().then((k) => (second = k));
    await sleep(10);
    expect(second).toBeUndefined();
    q.done('k');
    await waiting;
    expect(second).toBe('k');
  });

  it('re-queues a key added during processing with the highest priority asked for', async () => {
    const q = new WorkQueue({ name: 'dirty-priority' });
    q.add('k');
    const k = await q.get();
    q.add('k', 'resync');
    q.add('k', 'change');
    q.add('other', 'resync');
    q.done(k!);
    expect(await drainReady(q)).toEqual(['k', 'other']);
  });

  it('backs off per key exponentially, bounded, and forget() resets it', () => {
    const q = new WorkQueue({ name: 'backoff', backoffBaseMs: 100, backoffMaxMs: 1000 });
    const delays = [1, 2, 3, 4, 5, 6].map(() => q.addRateLimited('k'));
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(q.addRateLimited('other')).toBe(100);
    q.forget('k');
    expect(q.addRateLimited('k')).toBe(100);
    q.shutDown();
  });

  it('adds a rate-limited key only after its delay', async () => {
    const q = new WorkQueue({ name: 'delay', backoffBaseMs: 60 });
    const t0 = Date.now();
    q.addRateLimited('k');
    expect(q.len()).toBe(0);
    const k = await q.get();
    expect(k).toBe('k');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55);
    q.done('k');
  });

  it('keeps the earlier of two scheduled times for one key', async () => {
    // Fake clock: the key must be ready at exactly 30 ms, whatever the machine's load.
    jest.useFakeTimers();
    try {
      const q = new WorkQueue({ name: 'earliest' });
      q.addAfter('k', 5000);
      q.addAfter('k', 30);
      q.addAfter('k', 10_000);
      jest.advanceTimersByTime(29);
      expect(q.len()).toBe(0);
      jest.advanceTimersByTime(1);
      expect(q.len()).toBe(1);
      expect(await q.get()).toBe('k');
      q.done('k');
      expect(q.scheduledCount()).toBe(0);
      q.shutDown();
    } finally {
      jest.useRealTimers();
    }
  });

  it('serves scheduled keys in deadline order', async () => {
    const q = new WorkQueue({ name: 'deadline-order' });
    q.addAfter('late', 80);
    q.addAfter('early', 20);
    q.addAfter('middle', 50);
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      const k = (await q.get())!;
      got.push(k);
      q.done(k);
    }
    expect(got).toEqual(['early', 'middle', 'late']);
  });

  it('drops a pending resync when the key is processed anyway', async () => {
    const q = new WorkQueue({ name: 'resync-covered' });
    q.addAfter('k', 40, 'resync');
    q.add('k');
    const k = await q.get();
    q.done(k!);
    expect(q.scheduledCount()).toBe(0);
    await sleep(80);
    expect(q.len()).toBe(0);
    q.shutDown();
  });

  it('keeps a pending retry when the key is processed (only resyncs are covered)', async () => {
    const q = new WorkQueue({ name: 'retry-kept', backoffBaseMs: 30 });
    q.addRateLimited('k');
    q.add('k');
    q.done((await q.get())!);
    expect(await q.get()).toBe('k');
    q.shutDown();
  });

  it('on shutDown, waiting get() calls resolve undefined and adds are ignored', async () => {
    const q = new WorkQueue({ name: 'shutdown' });
    const pending = q.get();
    q.shutDown();
    expect(await pending).toBeUndefined();
    q.add('k');
    expect(q.len()).toBe(0);
    expect(await q.get()).toBeUndefined();
  });

  it('with many workers and random adds, never processes one key twice at once and loses no add', async () => {
    const q = new WorkQueue({ name: 'stress' });
    const keys = ['a', 'b', 'c', 'd', 'e'];
    const inFlight = new Set<string>();
    const lastAdd = new Map<string, number>();
    const lastStart = new Map<string, number>();
    let violations = 0;
    let processed = 0;
    let seq = 0;
    const worker = async (): Promise<void> => {
      for (;;) {
        const k = await q.get();
        if (k === undefined) return;
        if (inFlight.has(k)) violations++;
        inFlight.add(k);
        lastStart.set(k, seq++);
        await sleep(Math.random() * 3);
        inFlight.delete(k);
        processed++;
        q.done(k);
      }
    };
    const workers = Array.from({ length: 8 }, () => worker());
    for (let i = 0; i < 400; i++) {
      const k = keys[Math.floor(Math.random() * keys.length)]!;
      lastAdd.set(k, seq++);
      q.add(k, Math.random() < 0.5 ? 'change' : 'resync');
      if (i % 10 === 0) await sleep(1);
    }
    while (q.len() > 0 || q.processingCount() > 0) await sleep(5);
    q.shutDown();
    await Promise.all(workers);
    expect(violations).toBe(0);
    expect(processed).toBeLessThan(400);
    // Level-based guarantee: every key was processed after its last add.
    for (const k of keys) if (lastAdd.has(k)) expect(lastStart.get(k)!).toBeGreaterThan(lastAdd.get(k)!);
  });
});
