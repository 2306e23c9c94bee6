import { describe, expect, it } from '@jest/globals';
import { StatusGapTracker, reasonKind, type TrackedObject } from '../../bench/lbs-fault-tracker.ts';

const obj = (name: string, ready: { status: string; reason: string; message?: string } | undefined, extra = 0, stalled = false): TrackedObject => {
  const status = ready
    ? {
        observedGeneration: 1,
        conditions: [
          { type: 'Ready', status: ready.status, reason: ready.reason, message: ready.message ?? '', observedGeneration: 1 },
          { type: 'Stalled', status: stalled ? 'True' : 'False', reason: ready.reason, observedGeneration: 1 },
        ],
        extra,
      }
    : undefined;
  return { name, generation: 1, status, statusJson: JSON.stringify(status ?? null) };
};
const throttled = { status: 'False', reason: 'AwsError', message: 'elbv2.CreateRule: Throttling: Rate exceeded; retrying' };

describe('fault run status tracker', () => {
  it('sorts reasons: injected faults, a certificate said not Ready while it is, Stalled, no status', () => {
    expect(reasonKind(obj('a', throttled), true)).toBe('fault');
    expect(reasonKind(obj('a', { status: 'False', reason: 'AwsError', message: 'elbv2.CreateLoadBalancer: InternalFailure: We encountered an internal error' }), true)).toBe('fault');
    expect(reasonKind(obj('a', { status: 'False', reason: 'AwsError', message: 'elbv2.CreateRule: PriorityInUse: x' }), true)).toBe('aws-other');
    expect(reasonKind(obj('a', { status: 'False', reason: 'ReferenceNotReady' }), true)).toBe('reference-false');
    expect(reasonKind(obj('a', { status: 'False', reason: 'ReferenceNotReady' }), false)).toBe('reference-true');
    expect(reasonKind(obj('a', { status: 'False', reason: 'Blocked' }, 0, true), true)).toBe('stalled');
    expect(reasonKind(obj('a', undefined), true)).toBe('no-status');
  });

  it('measures the longest unchanged stretch of a not-Ready status, from the apply, and stops the clock while Ready', () => {
    const t = new StatusGapTracker(['a', 'b'], 0, 60);
    t.sample(10_000, [obj('a', throttled, 1)], true); // a: first status after 10 s; b: none yet
    t.sample(80_000, [obj('a', throttled, 1), obj('b', throttled, 1)], true); // a unchanged 70 s; b first after 80 s
    t.sample(90_000, [obj('a', throttled, 2), obj('b', { status: 'True', reason: 'Reconciled' })], true);
    t.sample(500_000, [obj('a', { status: 'True', reason: 'Reconciled' }), obj('b', { status: 'True', reason: 'Reconciled' })], true); // b Ready for 410 s: no gap
    const r = t.report(500_000);
    expect(r.worst.find((w) => w.name === 'a')?.maxGapSeconds).toBe(410); // 90 s -> 500 s not Ready, unchanged
    expect(r.worst.find((w) => w.name === 'b')?.maxGapSeconds).toBe(80);
    // when a's worst gap was and what its status said through it, to find it in the controller's log
    expect(r.worst.find((w) => w.name === 'a')).toMatchObject({ fromSeconds: 90, toSeconds: 500, said: 'False/AwsError: elbv2.CreateRule: Throttling: Rate exceeded; retrying' });
    expect(r.worst.find((w) => w.name === 'b')).toMatchObject({ fromSeconds: 0, toSeconds: 80, said: '' });
    expect(r.objectsOverLimit).toBe(2);
    expect(r.readyAtEnd).toBe(2);
    expect(r.reasonSamples.fault).toBe(4);
    expect(r.reasonSamples['no-status']).toBe(1);
  });

  it('an open gap at the end of the window counts', () => {
    const t = new StatusGapTracker(['a'], 0, 60);
    t.sample(5_000, [obj('a', throttled, 1)], true);
    const r = t.report(100_000);
    expect(r.maxGapSeconds).toBe(95);
    expect(r.worst[0]).toMatchObject({ fromSeconds: 5, toSeconds: 100, updates: 1 });
  });
});
