// The SIGTERM of the leader under faults, judged against the documented contract (docs/operations.md):
// the process stops within --graceful-shutdown-timeout and exits 0, unless it lost the lease while
// draining (it could not renew for --renew-deadline, or another replica took it), then 1. Whether
// the lease was lost is read from the Lease itself (every version, from a watch), not from the
// controller: the gaps between the leader's renewals and whether anyone else held it before it let
// go. Pure, unit-tested.

/** One version of the Lease, as the watch delivered it. */
export interface LeaseVersion {
  holder: string;
  /** spec.renewTime, ms since the epoch (the writer's clock: the same machine here) */
  renewMs: number;
}

export interface TermObservation {
  /** the SIGTERMed leader's holderIdentity */
  identity: string;
  /** when the signal was sent and when the process exited (ms since the epoch) */
  signalAt: number;
  exitAt: number;
  code: number | null;
  signal: string | null;
  /** the Lease as it was when the signal was sent, then every later version until the exit */
  lease: readonly LeaseVersion[];
  /** what the controller's last 'stopped' line said, if it got that far */
  stopped?: { exitCode?: number; reason?: string };
}

export interface TermVerdict {
  ok: boolean;
  detail: string;
}

/**
 * The lease's story between the signal and the exit: the longest time the leader went without a
 * renewal while it still held the lease, and whether another identity held it before the leader
 * released it (holder emptied).
 */
export function leaseStory(o: Pick<TermObservation, 'identity' | 'exitAt' | 'lease'>): { maxGapMs: number; takenBy?: string; released: boolean } {
  let last: number | undefined;
  let maxGapMs = 0;
  for (const v of o.lease) {
    if (v.holder === o.identity) {
      if (last !== undefined) maxGapMs = Math.max(maxGapMs, v.renewMs - last);
      last = v.renewMs;
      continue;
    }
    // Released (holder emptied, renewTime = the release): the hold ended there.
    if (v.holder === '') {
      if (last !== undefined) maxGapMs = Math.max(maxGapMs, v.renewMs - last);
      return { maxGapMs, released: true };
    }
    // Someone else holds it and the leader never let go: taken over.
    if (last !== undefined) maxGapMs = Math.max(maxGapMs, o.exitAt - last);
    return { maxGapMs, takenBy: v.holder, released: false };
  }
  if (last !== undefined) maxGapMs = Math.max(maxGapMs, o.exitAt - last);
  return { maxGapMs, released: false };
}

/**
 * Exit 0 within the timeout + `slackMs` when the lease was kept; exit 1 when it was lost, and then it
 * must have been. Renewal gaps within `toleranceMs` of the renew deadline are too close to call from
 * the outside (request latency, when the watch saw it): there the controller's own 'stopped' line must
 * agree with its exit code. Outside that band the Lease decides.
 */
export function judgeTerm(o: TermObservation, limits: { gracefulMs: number; renewDeadlineMs: number; slackMs: number; toleranceMs: number }): TermVerdict {
  const took = o.exitAt - o.signalAt;
  const story = leaseStory(o);
  const said = o.stopped?.reason ?? '';
  const saidLost = /leadership lost/.test(said);
  const lost = story.takenBy !== undefined || story.maxGapMs >= limits.renewDeadlineMs + limits.toleranceMs;
  const kept = story.takenBy === undefined && story.maxGapMs < limits.renewDeadlineMs - limits.toleranceMs;
  const facts = `exit ${o.code ?? o.signal} after ${(took / 1000).toFixed(1)} s; lease: longest renewal gap ${(story.maxGapMs / 1000).toFixed(1)} s` +
    `${story.takenBy ? `, taken over by ${story.takenBy}` : story.released ? ', released' : ', not released'}; controller: ${said ? `"${said}"` : 'no stopped line'}`;
  const fail = (why: string): TermVerdict => ({ ok: false, detail: `${why}: ${facts}` });
  if (took > limits.gracefulMs + limits.slackMs) return fail(`took longer than ${(limits.gracefulMs + limits.slackMs) / 1000} s`);
  if (o.code === 0) {
    if (lost) return fail('exit 0, but the lease was lost while draining (docs: exit 1)');
    if (saidLost) return fail('exit 0, but the controller said it lost the lease');
    return { ok: true, detail: facts };
  }
  if (o.code === 1) {
    if (kept) return fail('exit 1, but the lease was renewed throughout (docs: exit 0 unless the lease was lost)');
    if (!saidLost) return fail('exit 1 without the controller saying it lost the lease');
    return { ok: true, detail: facts };
  }
  return fail('neither exit 0 nor exit 1');
}
