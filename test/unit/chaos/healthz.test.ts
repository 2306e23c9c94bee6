// The machine's share of a slow /healthz answer: the longest a reference process (idle, same node)
// took on a request overlapping it, counting an unanswered one up to now.
import { describe, expect, it } from '@jest/globals';
import { HEALTHZ_LIMIT_MS, machineDelay } from '../../chaos/healthz.ts';

describe('machineDelay', () => {
  const reference = [{ t0: 0, t1: 40 }, { t0: 500, t1: 1700 }, { t0: 2200, t1: 2230 }, { t0: 2700 }];

  it('takes the slowest reference request that overlapped the answer', () => {
    expect(machineDelay(400, 1900, reference, 3000)).toBe(1200);
    expect(machineDelay(1800, 2300, reference, 3000)).toBe(30);
  });

  it('counts a reference request still unanswered up to now', () => {
    expect(machineDelay(2600, 3500, reference, 3600)).toBe(900);
  });

  it('nothing overlapping: the machine cost nothing', () => {
    expect(machineDelay(100, 450, reference, 3000)).toBe(0);
  });

  it('so a 1.4 s answer beside a 1.2 s reference is the machine, beside a 40 ms one the replica', () => {
    const own = (t0: number, t1: number) => t1 - t0 - machineDelay(t0, t1, reference, 3000) > HEALTHZ_LIMIT_MS;
    expect(own(400, 1800)).toBe(false);
    expect(own(1750, 3150)).toBe(true);
  });
});
