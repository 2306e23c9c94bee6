// When a zone's pending changes are sent (pure). A zone writes at most once per write interval,
// and the first change to an idle zone waits one interval too, so the changes of one apply (or of
// a busy controller working through its queue) join one batch instead of splitting by timing.
// While changes keep arriving (gaps shorter than the quiet time: half the interval, or twice the
// longest gap seen in the batch, at most two intervals) the batch waits for them, up to maxWait
// from its oldest change. A batch that is already full goes at once; and what is left of a
// backlog after a write of full batches (the rest of the same apply) goes as soon as it has
// settled, a quiet time after that write rather than an interval: the interval gathers an
// apply's changes, and this remainder is already gathered (the Route 53 budget still paces calls).

export interface WriteTiming {
  /** minimum time between two writes to a zone, and how long a first change waits for company */
  intervalMs: number;
  /** the batch waits while changes arrive closer together than this */
  quietMs: number;
  /** ... but its oldest change never waits longer than this */
  maxWaitMs: number;
  /**
   * ... unless the batch is not full yet and resources that may write to the zone are still
   * waiting to be reconciled (a large apply, a backlog): then up to this long, so their changes
   * fill whole batches instead of leaving one partial batch per longest wait
   */
  busyMaxWaitMs: number;
}

/** The timing derived from the one setting (ALBATROSS_ROUTE53_ZONE_WRITE_INTERVAL_MS). */
export function writeTiming(intervalMs: number): WriteTiming {
  return { intervalMs, quietMs: intervalMs / 2, maxWaitMs: intervalMs * 6, busyMaxWaitMs: intervalMs * 24 };
}

export interface PendingTimes {
  firstPendingAt: number;
  lastSubmitAt: number;
  /** when the zone's previous write ended (undefined: never written) */
  lastWriteEndAt: number | undefined;
  /** the pending changes fill at least one whole batch */
  full: boolean;
  /** the longest gap between two of the pending changes' arrivals (0: one, or none apart) */
  longestGapMs?: number;
  /** the zone's previous write sent full batches only (a backlog): the pending changes are its rest */
  afterFullWrite?: boolean;
}

/**
 * The gap after which a batch counts as settled. Changes that arrive in spurts (an apply a chunk
 * at a time on a busy machine): twice the longest gap seen in this batch, at most two intervals.
 */
export function quietFor(t: WriteTiming, longestGapMs = 0): number {
  return Math.min(Math.max(t.quietMs, 2 * longestGapMs), 2 * t.intervalMs);
}

/** The time at which the pending changes are due to be sent. */
export function flushDueAt(p: PendingTimes, t: WriteTiming): number {
  if (p.full) return p.lastSubmitAt;
  const quiet = quietFor(t, p.longestGapMs);
  const spacing = p.afterFullWrite ? quiet : t.intervalMs;
  const settled = Math.max(p.firstPendingAt + spacing, Math.min(p.lastSubmitAt + quiet, p.firstPendingAt + t.maxWaitMs));
  return p.lastWriteEndAt === undefined ? settled : Math.max(settled, p.lastWriteEndAt + spacing);
}
