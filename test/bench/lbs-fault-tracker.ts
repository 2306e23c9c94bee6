// The fault run's judge (issue 10: "30 % throttling + 10 % 5xx for 10 minutes at N = 50: every
// status updated at least once a minute with the true reason"): fed every LoadBalancedService as
// listed every few seconds, it keeps per object the longest time its status went without a change
// while the object was not Ready (a Ready object with nothing to do has nothing to report), and
// sorts what the Ready condition said into kinds, so a reason that is not true shows. Pure.

export interface TrackedCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

export interface TrackedObject {
  name: string;
  generation: number | undefined;
  status: { observedGeneration?: number; conditions?: TrackedCondition[] } | undefined;
  /** the whole status, as the apiserver returned it: any change in it is an update */
  statusJson: string;
}

/**
 * What the Ready condition says about a not-Ready object:
 *   fault              AwsError naming an injected fault (a throttling or 5xx code): true
 *   aws-other          AwsError with another code (true or not: the examples say what)
 *   progressing        Progressing (AWS catching up, the load balancer provisioning)
 *   reference-true     ReferenceNotReady while the certificate was indeed not Ready
 *   reference-false    ReferenceNotReady while the certificate was Ready: not true
 *   stalled            Stalled=True (a human is asked to act: wrong under transient faults)
 *   no-status          no Ready condition for this generation yet
 *   other              anything else
 */
export type ReasonKind = 'fault' | 'aws-other' | 'progressing' | 'reference-true' | 'reference-false' | 'stalled' | 'no-status' | 'other';

/** The codes the limits proxy answers injected faults with (and AWS's other throttling codes). */
const FAULT_CODES = /\b(Throttling|ThrottlingException|RequestLimitExceeded|TooManyRequestsException|InternalFailure|ServiceUnavailable|InternalError)\b/;

export function reasonKind(o: TrackedObject, certificateReady: boolean): ReasonKind {
  const conditions = o.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  if (!ready || (o.generation !== undefined && ready.observedGeneration !== o.generation)) return 'no-status';
  if (conditions.some((c) => c.type === 'Stalled' && c.status === 'True')) return 'stalled';
  switch (ready.reason) {
    case 'AwsError':
      return FAULT_CODES.test(ready.message ?? '') ? 'fault' : 'aws-other';
    case 'Progressing':
      return 'progressing';
    case 'ReferenceNotReady':
      return certificateReady ? 'reference-false' : 'reference-true';
    default:
      return 'other';
  }
}

function saidOf(o: TrackedObject | undefined): string {
  const ready = o?.status?.conditions?.find((c) => c.type === 'Ready');
  return ready ? `${ready.status}/${ready.reason ?? ''}: ${ready.message ?? ''}`.slice(0, 200) : '';
}

export function isReadyNow(o: TrackedObject): boolean {
  const ready = o.status?.conditions?.find((c) => c.type === 'Ready');
  return o.status?.observedGeneration === o.generation && ready?.status === 'True' && ready.observedGeneration === o.generation;
}

interface PerObject {
  /** when the status last changed (or the object was applied) */
  since: number;
  statusJson: string | undefined;
  /** what Ready said since then ("status/reason: message"), for the worst gap's report */
  said: string;
  ready: boolean;
  maxGapMs: number;
  /** the longest gap's window and what Ready said through it */
  maxGapFrom: number;
  maxGapTo: number;
  maxGapSaid: string;
  updates: number;
}

/** One object's longest gap: when it opened and closed (seconds since the tracker's start) and
 *  what the Ready condition said through it, to find the gap in the controller's log. */
export interface WorstGap {
  name: string;
  maxGapSeconds: number;
  fromSeconds: number;
  toSeconds: number;
  updates: number;
  said: string;
}

export interface TrackerReport {
  samples: number;
  objects: number;
  /** the longest time any not-Ready object's status went unchanged, seconds (± the sampling interval) */
  maxGapSeconds: number;
  /** objects whose longest gap exceeded the limit */
  objectsOverLimit: number;
  limitSeconds: number;
  /** per-object longest gaps, seconds: median, 95th percentile */
  gapP50Seconds: number;
  gapP95Seconds: number;
  /** the worst objects: name, longest gap (when, what Ready said), status updates seen */
  worst: WorstGap[];
  /** samples of not-Ready objects by what the Ready condition said */
  reasonSamples: Record<ReasonKind, number>;
  /** objects that showed each kind at least once */
  reasonObjects: Record<ReasonKind, number>;
  /** up to 3 messages per kind other than fault and progressing */
  examples: Partial<Record<ReasonKind, string[]>>;
  /** objects Ready at the last sample */
  readyAtEnd: number;
}

const KINDS: ReasonKind[] = ['fault', 'aws-other', 'progressing', 'reference-true', 'reference-false', 'stalled', 'no-status', 'other'];

export class StatusGapTracker {
  private readonly objects = new Map<string, PerObject>();
  private readonly kindObjects = new Map<ReasonKind, Set<string>>(KINDS.map((k) => [k, new Set<string>()]));
  private readonly reasonSamples = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<ReasonKind, number>;
  private readonly examples: Partial<Record<ReasonKind, string[]>> = {};
  private samples = 0;
  private lastReady = 0;
  private readonly limitMs: number;
  private readonly startedAt: number;

  /** `startedAt`: when the objects were applied (a status is owed from then on). */
  constructor(
    names: string[],
    startedAt: number,
    limitSeconds = 60,
  ) {
    this.limitMs = limitSeconds * 1000;
    this.startedAt = startedAt;
    for (const n of names) {
      this.objects.set(n, { since: startedAt, statusJson: undefined, said: '', ready: false, maxGapMs: 0, maxGapFrom: startedAt, maxGapTo: startedAt, maxGapSaid: '', updates: 0 });
    }
  }

  private static extend(st: PerObject, now: number): void {
    if (now - st.since <= st.maxGapMs) return;
    st.maxGapMs = now - st.since;
    st.maxGapFrom = st.since;
    st.maxGapTo = now;
    st.maxGapSaid = st.said;
  }

  sample(now: number, items: TrackedObject[], certificateReady: boolean): void {
    this.samples += 1;
    const seen = new Map(items.map((o) => [o.name, o]));
    let ready = 0;
    for (const [name, st] of this.objects) {
      const o = seen.get(name);
      const json = o?.statusJson;
      if (json !== undefined && json !== st.statusJson) {
        if (!st.ready) StatusGapTracker.extend(st, now);
        st.since = now;
        st.statusJson = json;
        st.said = saidOf(o);
        st.updates += 1;
      } else if (!st.ready) {
        StatusGapTracker.extend(st, now);
      }
      st.ready = o ? isReadyNow(o) : false;
      if (st.ready) {
        ready += 1;
        continue;
      }
      const kind = o ? reasonKind(o, certificateReady) : 'no-status';
      this.reasonSamples[kind] += 1;
      this.kindObjects.get(kind)!.add(name);
      if (kind !== 'fault' && kind !== 'progressing' && kind !== 'no-status') {
        const msg = `${name}: ${o?.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? ''}`.slice(0, 300);
        const list = (this.examples[kind] ??= []);
        if (list.length < 3) list.push(msg);
      }
    }
    this.lastReady = ready;
  }

  /** Closes every open gap at `now` (the end of the window) and reports. */
  report(now: number): TrackerReport {
    const gaps: WorstGap[] = [];
    const at = (t: number): number => Math.round((t - this.startedAt) / 100) / 10;
    for (const [name, st] of this.objects) {
      if (!st.ready) StatusGapTracker.extend(st, now);
      gaps.push({ name, maxGapSeconds: st.maxGapMs / 1000, fromSeconds: at(st.maxGapFrom), toSeconds: at(st.maxGapTo), updates: st.updates, said: st.maxGapSaid });
    }
    gaps.sort((a, b) => b.maxGapSeconds - a.maxGapSeconds);
    const sorted = gaps.map((g) => g.maxGapSeconds).sort((a, b) => a - b);
    const pct = (p: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : 0);
    return {
      samples: this.samples,
      objects: this.objects.size,
      maxGapSeconds: gaps[0]?.maxGapSeconds ?? 0,
      objectsOverLimit: gaps.filter((g) => g.maxGapSeconds * 1000 > this.limitMs).length,
      limitSeconds: this.limitMs / 1000,
      gapP50Seconds: pct(0.5),
      gapP95Seconds: pct(0.95),
      worst: gaps.slice(0, 5),
      reasonSamples: { ...this.reasonSamples },
      reasonObjects: Object.fromEntries(KINDS.map((k) => [k, this.kindObjects.get(k)!.size])) as Record<ReasonKind, number>,
      examples: this.examples,
      readyAtEnd: this.lastReady,
    };
  }
}
