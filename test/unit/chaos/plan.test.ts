import { describe, expect, it } from '@jest/globals';
import { PROFILES, planFaults } from '../../chaos/plan.ts';
import { seededRandom } from '../../support/rng.ts';

describe('the fault schedule', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(planFaults(PROFILES.full, 42)).toEqual(planFaults(PROFILES.full, 42));
    expect(planFaults(PROFILES.full, 42)).not.toEqual(planFaults(PROFILES.full, 43));
  });

  it.each(['full', 'short'] as const)('%s: has the profile’s counts of each fault, in time order, inside the fault window', (name) => {
    const p = PROFILES[name];
    const events = planFaults(p, 7);
    const count = (kind: string) => events.filter((e) => e.kind === kind).length;
    expect([count('kill'), count('kill-leader'), count('restart-apiserver'), count('edit'), count('term-leader')]).toEqual([p.kills, p.leaderKills, p.apiserverRestarts, p.edits, 1]);
    expect(events.map((e) => e.atMs)).toEqual([...events.map((e) => e.atMs)].sort((a, b) => a - b));
    for (const e of events) {
      expect(e.atMs).toBeGreaterThan(0);
      expect(e.atMs).toBeLessThan(p.faultMs);
      if (e.kind === 'edit') expect(e.service).toBeLessThan(p.services);
    }
  });

  it('spreads apiserver restarts so one is over before the next begins', () => {
    const restarts = planFaults(PROFILES.full, 99).filter((e) => e.kind === 'restart-apiserver');
    for (let i = 1; i < restarts.length; i++) {
      const prev = restarts[i - 1]!;
      expect(restarts[i]!.atMs - prev.atMs).toBeGreaterThan(prev.kind === 'restart-apiserver' ? prev.downMs : 0);
    }
  });
});

describe('seededRandom', () => {
  it('repeats its sequence for a seed, stays in [0, 1)', () => {
    const a = seededRandom(5);
    const b = seededRandom(5);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });
});
