// The chaos campaign's judgement of a SIGTERMed leader: exit 0, or 1 exactly when the Lease shows it
// was lost while draining (renewals stopped for the renew deadline, or another replica took it).
import { describe, expect, it } from '@jest/globals';
import { judgeTerm, leaseStory, type LeaseVersion, type TermObservation } from '../../chaos/term.ts';

const LIMITS = { gracefulMs: 10_000, renewDeadlineMs: 6000, slackMs: 2000, toleranceMs: 1000 };
const T = 1_000_000;
const renewals = (from: number, to: number, every = 1000): LeaseVersion[] => {
  const out: LeaseVersion[] = [];
  for (let t = from; t <= to; t += every) out.push({ holder: 'a-1', renewMs: T + t });
  return out;
};
const term = (o: Partial<TermObservation>): TermObservation => ({
  identity: 'a-1',
  signalAt: T,
  exitAt: T + 4000,
  code: 0,
  signal: null,
  lease: [...renewals(-500, 3500), { holder: '', renewMs: T + 3800 }],
  stopped: { exitCode: 0, reason: 'stopped' },
  ...o,
});

describe('leaseStory', () => {
  it('a drain that renews every second and releases: gap 1 s, released', () => {
    expect(leaseStory(term({}))).toEqual({ maxGapMs: 1000, released: true });
  });
  it('renewals that stop: the gap runs to the exit; another holder before a release is a takeover', () => {
    expect(leaseStory(term({ exitAt: T + 9000, lease: renewals(-500, 1500) }))).toEqual({ maxGapMs: 7500, released: false });
    expect(leaseStory(term({ lease: [...renewals(-500, 500), { holder: 'b-2', renewMs: T + 3000 }] }))).toEqual({ maxGapMs: 3500, takenBy: 'b-2', released: false });
  });
});

describe('judgeTerm', () => {
  it('exit 0 with the lease kept and released in time: passes', () => {
    expect(judgeTerm(term({}), LIMITS)).toMatchObject({ ok: true });
  });

  it('exit 1 with renewals stopped for longer than the renew deadline, and the controller saying so: passes', () => {
    const lost = term({ exitAt: T + 9000, code: 1, lease: renewals(-500, 1500), stopped: { exitCode: 1, reason: 'stopped; leadership lost while draining' } });
    expect(judgeTerm(lost, LIMITS)).toMatchObject({ ok: true });
  });

  it('exit 0 although the lease was lost (the old defect): fails', () => {
    const v = judgeTerm(term({ exitAt: T + 9000, lease: renewals(-500, 1500) }), LIMITS);
    expect(v.ok).toBe(false);
    expect(v.detail).toContain('exit 0, but the lease was lost while draining');
    expect(judgeTerm(term({ lease: [...renewals(-500, 500), { holder: 'b-2', renewMs: T + 3000 }] }), LIMITS).ok).toBe(false);
  });

  it('exit 1 although the lease was renewed throughout: fails, whatever the controller says', () => {
    const v = judgeTerm(term({ code: 1, stopped: { exitCode: 1, reason: 'stopped; leadership lost while draining' } }), LIMITS);
    expect(v.ok).toBe(false);
    expect(v.detail).toContain('exit 1, but the lease was renewed throughout');
  });

  it('near the renew deadline the controller must agree with its exit code', () => {
    // Last renewal 5.5 s before the exit: too close to call from the Lease.
    const close = { exitAt: T + 6000, lease: renewals(-500, 500) };
    expect(judgeTerm(term({ ...close, code: 1, stopped: { exitCode: 1, reason: 'stopped; leadership lost while draining' } }), LIMITS).ok).toBe(true);
    expect(judgeTerm(term({ ...close, code: 0, stopped: { exitCode: 0, reason: 'stopped' } }), LIMITS).ok).toBe(true);
    expect(judgeTerm(term({ ...close, code: 1, stopped: { exitCode: 1, reason: 'stopped' } }), LIMITS)).toMatchObject({ ok: false, detail: expect.stringContaining('without the controller saying it lost the lease') });
    expect(judgeTerm(term({ ...close, code: 0, stopped: { exitCode: 0, reason: 'stopped; leadership lost while draining' } }), LIMITS).ok).toBe(false);
  });

  it('too slow, killed by a signal, or another exit code: fails', () => {
    expect(judgeTerm(term({ exitAt: T + 12_500 }), LIMITS)).toMatchObject({ ok: false, detail: expect.stringContaining('took longer than 12 s') });
    expect(judgeTerm(term({ code: null, signal: 'SIGKILL' }), LIMITS).ok).toBe(false);
    expect(judgeTerm(term({ code: 2 }), LIMITS).ok).toBe(false);
  });
});
