// kstatus conditions in the metav1.Condition shape. Pure functions: they return new arrays.

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  /** CamelCase, non-empty (the apiserver refuses an empty reason). */
  reason: string;
  message?: string;
}

export function getCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(conditions, type)?.status === 'True';
}

/**
 * Sets one condition. lastTransitionTime is kept when the status is unchanged (reason and message
 * may change without a transition) and set to `now` otherwise; observedGeneration is `generation`.
 * Order of other conditions is preserved; a new type is appended.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  input: ConditionInput,
  generation: number | undefined,
  now: Date = new Date(),
): Condition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === input.type);
  const previous = index >= 0 ? list[index] : undefined;
  const next: Condition = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: input.message ?? '',
    lastTransitionTime:
      previous && previous.status === input.status ? previous.lastTransitionTime : rfc3339Seconds(now),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
  if (index >= 0) list[index] = next;
  else list.push(next);
  return list;
}

export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/** The three kstatus summary states; each sets Ready, Reconciling and Stalled consistently. */
export type Outcome =
  | { state: 'Ready'; reason: string; message?: string }
  | { state: 'Reconciling'; reason: string; message?: string }
  | { state: 'Stalled'; reason: string; message?: string };

/**
 * Ready → Ready=True, Reconciling=False, Stalled=False.
 * Reconciling → Ready=False, Reconciling=True, Stalled=False.
 * Stalled → Ready=False, Reconciling=False, Stalled=True.
 * All three carry the outcome's reason and message.
 */
export function setOutcome(
  conditions: readonly Condition[] | undefined,
  outcome: Outcome,
  generation: number | undefined,
  now: Date = new Date(),
): Condition[] {
  const { reason, message } = outcome;
  const flag = (on: boolean): ConditionStatus => (on ? 'True' : 'False');
  let list = setCondition(conditions, { type: 'Ready', status: flag(outcome.state === 'Ready'), reason, message }, generation, now);
  list = setCondition(list, { type: 'Reconciling', status: flag(outcome.state === 'Reconciling'), reason, message }, generation, now);
  list = setCondition(list, { type: 'Stalled', status: flag(outcome.state === 'Stalled'), reason, message }, generation, now);
  return list;
}

/** metav1.Time is serialised to whole seconds. */
export function rfc3339Seconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
