// core/v1 Events, aggregated: the same (object, type, reason, message) within 10 minutes is one
// Event whose count goes up, written at most once per flush interval; each object has a token
// bucket (burst 25, then one per 5 minutes, like client-go's spam filter) for new Events.
// Events are written two at a time at most, behind the controller's own work (status, finalizers:
// a burst of 500 deletions is 500 Events too), and, like client-go's broadcaster, dropped rather
// than queued without bound when more than 1000 wait.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { errorMessage, KubeApiError } from './errors.ts';
import { CORE } from './resources.ts';
import type { EventRecorder, EventType, KubeClient, KubeObject } from './types.ts';

export interface EventTuning {
  aggregateWindowMs: number;
  flushIntervalMs: number;
  burst: number;
  refillEveryMs: number;
  maxTracked: number;
  /** Event writes in flight at once */
  maxInFlight: number;
  /** Event writes waiting for a slot beyond which new Events are dropped */
  maxQueued: number;
}

export const DEFAULT_EVENT_TUNING: EventTuning = {
  aggregateWindowMs: 10 * 60_000,
  flushIntervalMs: 5_000,
  burst: 25,
  refillEveryMs: 5 * 60_000,
  maxTracked: 4096,
  maxInFlight: 2,
  maxQueued: 1000,
};

interface Tracked {
  namespace: string;
  name: string | undefined;
  count: number;
  writtenCount: number;
  lastSeen: number;
  flushTimer: NodeJS.Timeout | undefined;
  chain: Promise<void>;
}

interface Bucket {
  tokens: number;
  updated: number;
}

const MESSAGE_LIMIT = 1024;

/**
 * The Event's `action` (events.k8s.io/v1 requires one; core/v1 carries it too): what the controller
 * was doing. Taken from the reason so every call site agrees: the change it made in AWS, else the
 * reconcile during which it found a problem (AwsError, Conflict, InvalidSpec, Drifted, Stalled reasons).
 */
const ACTION_OF_REASON: Readonly<Record<string, string>> = {
  Created: 'Create',
  Updated: 'Update',
  DriftCorrected: 'Update',
  Deleted: 'Delete',
  Retained: 'Delete',
  DeletionProtectionDisabled: 'Delete',
};
export const eventAction = (reason: string): string => ACTION_OF_REASON[reason] ?? 'Reconcile';

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class KubeEventRecorder implements EventRecorder {
  private readonly kube: KubeClient;
  private readonly component: string;
  private readonly instance: string;
  private readonly log: Logger;
  private readonly tuning: EventTuning;
  private readonly tracked = new Map<string, Tracked>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly pending = new Set<Promise<void>>();
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(opts: { kube: KubeClient; component: string; instance: string; log: Logger; tuning?: Partial<EventTuning> }) {
    this.kube = opts.kube;
    this.component = opts.component;
    this.instance = opts.instance;
    this.log = opts.log;
    this.tuning = { ...DEFAULT_EVENT_TUNING, ...opts.tuning };
  }

  normal(obj: KubeObject, reason: string, message: string): void {
    this.record(obj, 'Normal', reason, message);
  }

  warning(obj: KubeObject, reason: string, message: string): void {
    this.record(obj, 'Warning', reason, message);
  }

  record(obj: KubeObject, type: EventType, reason: string, message: string): void {
    const meta = obj.metadata ?? {};
    const now = Date.now();
    const msg = message.length > MESSAGE_LIMIT ? `${message.slice(0, MESSAGE_LIMIT - 3)}...` : message;
    const key = [meta.uid ?? `${meta.namespace}/${meta.name}`, type, reason, msg].join('\u0000');
    const existing = this.tracked.get(key);
    if (existing && now - existing.lastSeen < this.tuning.aggregateWindowMs && existing.name) {
      existing.count++;
      existing.lastSeen = now;
      this.scheduleFlush(key, existing);
      return;
    }
    if (this.waiting.length >= this.tuning.maxQueued) {
      this.log.debug({ reason, object: `${meta.namespace}/${meta.name}` }, 'event dropped: too many events waiting to be written');
      return;
    }
    if (!this.take(meta.uid ?? key, now)) {
      this.log.debug({ reason, object: `${meta.namespace}/${meta.name}` }, 'event dropped by rate limit');
      return;
    }
    const t: Tracked = {
      namespace: meta.namespace ?? 'default',
      name: undefined,
      count: 1,
      writtenCount: 0,
      lastSeen: now,
      flushTimer: undefined,
      chain: Promise.resolve(),
    };
    this.tracked.delete(key);
    this.tracked.set(key, t);
    this.evict();
    const name = `${meta.name ?? 'object'}.${randomBytes(8).toString('hex')}`;
    t.name = name;
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: t.namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
      },
      type,
      reason,
      action: eventAction(reason),
      message: msg,
      count: 1,
      firstTimestamp: microTime(now),
      lastTimestamp: microTime(now),
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: this.instance,
    };
    this.enqueue(t, async () => {
      await this.kube.create(CORE.event, event);
      t.writtenCount = 1;
    });
  }

  /** Resolves when every write started so far has finished (for tests and shutdown). */
  async flush(): Promise<void> {
    for (const [key, t] of this.tracked) {
      if (t.flushTimer) {
        clearTimeout(t.flushTimer);
        t.flushTimer = undefined;
        this.writeCount(key, t);
      }
    }
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private scheduleFlush(key: string, t: Tracked): void {
    if (t.flushTimer) return;
    t.flushTimer = setTimeout(() => {
      t.flushTimer = undefined;
      this.writeCount(key, t);
    }, this.tuning.flushIntervalMs);
    t.flushTimer.unref();
  }

  private writeCount(key: string, t: Tracked): void {
    this.enqueue(t, async () => {
      if (t.count === t.writtenCount || !t.name) return;
      const count = t.count;
      try {
        await this.kube.patch(CORE.event, t.namespace, t.name, 'merge', { count, lastTimestamp: microTime(t.lastSeen) });
        t.writtenCount = count;
      } catch (err) {
        // Expired (Events live ~1h): the next occurrence starts a new Event.
        if (err instanceof KubeApiError && err.statusCode === 404) this.tracked.delete(key);
        else throw err;
      }
    });
  }

  /** Writes for one Event run one after another, and at most maxInFlight of all at once. */
  private enqueue(t: Tracked, write: () => Promise<void>): void {
    const p = t.chain
      .then(() => this.limited(write))
      .catch((err: unknown) => this.log.warn({ err: errorMessage(err) }, 'could not write event'));
    t.chain = p;
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private async limited(write: () => Promise<void>): Promise<void> {
    // A finished write hands its slot to the next waiting one (inFlight stays counted).
    if (this.inFlight >= this.tuning.maxInFlight) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.inFlight++;
    try {
      await write();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.inFlight--;
    }
  }

  private take(objectKey: string, now: number): boolean {
    const b = this.buckets.get(objectKey) ?? { tokens: this.tuning.burst, updated: now };
    const refill = Math.floor((now - b.updated) / this.tuning.refillEveryMs);
    if (refill > 0) {
      b.tokens = Math.min(this.tuning.burst, b.tokens + refill);
      b.updated += refill * this.tuning.refillEveryMs;
    }
    if (b.tokens < 1) {
      this.buckets.set(objectKey, b);
      return false;
    }
    b.tokens--;
    this.buckets.delete(objectKey);
    this.buckets.set(objectKey, b);
    if (this.buckets.size > this.tuning.maxTracked) this.buckets.delete(this.buckets.keys().next().value!);
    return true;
  }

  private evict(): void {
    while (this.tracked.size > this.tuning.maxTracked) {
      const oldest = this.tracked.keys().next().value!;
      const t = this.tracked.get(oldest);
      if (t?.flushTimer) clearTimeout(t.flushTimer);
      this.tracked.delete(oldest);
    }
  }
}
