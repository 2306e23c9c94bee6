import { describe, expect, test } from '@jest/globals';
import { flushDueAt, writeTiming } from '../../../src/reconcilers/dns-alias/write-schedule.ts';

const t = writeTiming(5000); // quiet 2.5 s, longest wait 30 s

describe('flushDueAt', () => {
  test('a first change to an idle zone waits one write interval for company', () => {
    expect(flushDueAt({ firstPendingAt: 100, lastSubmitAt: 100, lastWriteEndAt: undefined, full: false }, t)).toBe(5100);
  });

  test('changes still arriving (closer than the quiet time) keep the batch open past the interval', () => {
    expect(flushDueAt({ firstPendingAt: 0, lastSubmitAt: 4900, lastWriteEndAt: undefined, full: false }, t)).toBe(7400);
    expect(flushDueAt({ firstPendingAt: 0, lastSubmitAt: 12_000, lastWriteEndAt: undefined, full: false }, t)).toBe(14_500);
  });

  test('... but never longer than the longest wait from the oldest change', () => {
    expect(flushDueAt({ firstPendingAt: 0, lastSubmitAt: 29_900, lastWriteEndAt: undefined, full: false }, t)).toBe(30_000);
  });

  test('at most one write per interval: the next batch waits until an interval after the last write ended', () => {
    expect(flushDueAt({ firstPendingAt: 10_000, lastSubmitAt: 10_000, lastWriteEndAt: 12_000, full: false }, t)).toBe(17_000);
    expect(flushDueAt({ firstPendingAt: 10_000, lastSubmitAt: 10_000, lastWriteEndAt: 1_000, full: false }, t)).toBe(15_000);
  });

  test('changes arriving in spurts: quiet is twice the longest gap seen in the batch, at most two intervals', () => {
    const base = { firstPendingAt: 0, lastWriteEndAt: undefined, full: false };
    expect(flushDueAt({ ...base, lastSubmitAt: 9000, longestGapMs: 3000 }, t)).toBe(15_000);
    expect(flushDueAt({ ...base, lastSubmitAt: 9000, longestGapMs: 1000 }, t)).toBe(11_500); // half the interval is longer
    expect(flushDueAt({ ...base, lastSubmitAt: 9000, longestGapMs: 8000 }, t)).toBe(19_000); // two intervals at most
    expect(flushDueAt({ ...base, lastSubmitAt: 29_000, longestGapMs: 8000 }, t)).toBe(30_000); // never past the longest wait
  });

  test("the rest of a backlog after a write of full batches goes once settled: a quiet time after that write, not an interval", () => {
    // the rest waited since 3 s, the last change came at 4.4 s, the full write ended at 3.3 s
    expect(flushDueAt({ firstPendingAt: 3000, lastSubmitAt: 4400, lastWriteEndAt: 3300, full: false, afterFullWrite: true }, t)).toBe(6900);
    expect(flushDueAt({ firstPendingAt: 3000, lastSubmitAt: 4400, lastWriteEndAt: 3300, full: false }, t)).toBe(8300);
    // still arriving in spurts: twice the longest gap, as for any batch
    expect(flushDueAt({ firstPendingAt: 3000, lastSubmitAt: 9000, lastWriteEndAt: 3300, full: false, afterFullWrite: true, longestGapMs: 3000 }, t)).toBe(15_000);
  });

  test('a full batch goes at once', () => {
    expect(flushDueAt({ firstPendingAt: 0, lastSubmitAt: 700, lastWriteEndAt: 600, full: true }, t)).toBe(700);
  });

  test('the one setting gives the other two', () => {
    expect(writeTiming(5000)).toEqual({ intervalMs: 5000, quietMs: 2500, maxWaitMs: 30_000, busyMaxWaitMs: 120_000 });
  });
});
