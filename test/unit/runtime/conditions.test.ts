import { describe, expect, it } from '@jest/globals';
import { getCondition, setCondition, setOutcome } from '../../../src/runtime/conditions.ts';

const t1 = new Date('2026-01-01T00:00:00.123Z');
const t2 = new Date('2026-01-01T01:00:00Z');

describe('setCondition', () => {
  it('keeps lastTransitionTime while the status stays the same, even when reason and message change', () => {
    const a = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'Creating', message: 'x' }, 1, t1);
    const b = setCondition(a, { type: 'Ready', status: 'False', reason: 'Waiting', message: 'y' }, 2, t2);
    expect(getCondition(b, 'Ready')).toEqual({
      type: 'Ready', status: 'False', reason: 'Waiting', message: 'y', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 2,
    });
  });

  it('moves lastTransitionTime when the status changes', () => {
    const a = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'Creating' }, 1, t1);
    const b = setCondition(a, { type: 'Ready', status: 'True', reason: 'Reconciled' }, 1, t2);
    expect(getCondition(b, 'Ready')?.lastTransitionTime).toBe('2026-01-01T01:00:00Z');
    expect(getCondition(b, 'Ready')?.message).toBe('');
  });

  it('does not change the input and keeps the order of other conditions', () => {
    const a = setCondition(setCondition(undefined, { type: 'A', status: 'True', reason: 'R' }, 1, t1), { type: 'B', status: 'True', reason: 'R' }, 1, t1);
    const frozen = Object.freeze(a.map((c) => Object.freeze(c)));
    const b = setCondition(frozen, { type: 'A', status: 'False', reason: 'R' }, 1, t2);
    expect(b.map((c) => c.type)).toEqual(['A', 'B']);
    expect(frozen[0]!.status).toBe('True');
  });
});

describe('setOutcome', () => {
  it.each([
    ['Ready', 'True', 'False', 'False'],
    ['Reconciling', 'False', 'True', 'False'],
    ['Stalled', 'False', 'False', 'True'],
  ] as const)('%s sets Ready=%s Reconciling=%s Stalled=%s with the same reason', (state, ready, reconciling, stalled) => {
    const c = setOutcome(undefined, { state, reason: 'Why', message: 'because' }, 3, t1);
    expect(c.map((x) => [x.type, x.status, x.reason, x.observedGeneration])).toEqual([
      ['Ready', ready, 'Why', 3],
      ['Reconciling', reconciling, 'Why', 3],
      ['Stalled', stalled, 'Why', 3],
    ]);
  });
});
