// A controller: a work queue of keys and N workers calling the reconciler. Level-based: the
// reconciler gets a key, never the event. Errors retry with per-key backoff; TerminalError writes
// Stalled=True and is not retried; success schedules the periodic re-check (resync, jittered).
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { rfc3339Seconds, setOutcome, type Condition } from './conditions.ts';
import { TerminalError, errorMessage } from './errors.ts';
import { parseKey } from './keys.ts';
import { isDeleting } from './objects.ts';
import { activeWorkers, initControllerMetrics, maxConcurrentReconciles, reconcileErrors, reconcileTime, reconcileTotal, terminalReconcileErrors } from './metrics.ts';
import type { Store } from './store.ts';
import type { EventRecorder, KubeObject, Reconciler, ResourceType, StatusWriter } from './types.ts';
import { WorkQueue, type Priority } from './workqueue.ts';

export interface ControllerOptions {
  name: string;
  resource: ResourceType;
  reconciler: Reconciler;
  store: Store;
  status: StatusWriter;
  events: EventRecorder;
  log: Logger;
  workers: number;
  resyncPeriodMs: number;
  /** See ControllerRegistration.statusConditions. */
  statusConditions?: boolean;
  /** Tells the primary cache about the first-sight status write (Informer.recordWrite). */
  recordWrite?: (written: KubeObject, basedOnResourceVersion: string | undefined) => void;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** See ControllerRegistration.statusHeartbeat; the intervals are tunable for tests. */
  statusHeartbeat?: boolean;
  /** A not-Ready status unchanged this long is confirmed again (default 30 s). */
  statusHeartbeatMs?: number;
  /** How often unchanged statuses are looked for (default 5 s). */
  statusHeartbeatTickMs?: number;
}

type StatusObject = KubeObject & { status?: { conditions?: Condition[]; observedGeneration?: number; lastHeartbeatTime?: string } };

export const STATUS_HEARTBEAT_MS = 30_000;
export const STATUS_HEARTBEAT_TICK_MS = 5_000;
/** Heartbeat writes per tick at most (oldest first), so a cold start of thousands cannot flood the apiserver. */
const HEARTBEAT_MAX_PER_TICK = 100;

/** A short digest of the status as written (160 bits: the map holds one per not-Ready object). */
function statusFingerprint(obj: StatusObject): string {
  return createHash('sha1').update(JSON.stringify(obj.status ?? null)).digest('base64');
}

/**
 * Is the controller still working on this object: not being deleted, not Ready for its generation,
 * and not Stalled for it (Stalled waits for a human: nothing to confirm every minute)?
 */
export function needsHeartbeat(obj: StatusObject): boolean {
  if (isDeleting(obj)) return false;
  const gen = obj.metadata?.generation;
  const conditions = obj.status?.conditions ?? [];
  const current = (type: string): boolean => conditions.some((c) => c.type === type && c.status === 'True' && c.observedGeneration === gen);
  return !(obj.status?.observedGeneration === gen && current('Ready')) && !current('Stalled');
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly o: ControllerOptions;
  private workers: Promise<void>[] = [];
  private abort = new AbortController();
  private active = 0;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeating = false;
  /**
   * key -> a fingerprint of the status last seen by the heartbeat and since when it has not
   * changed. The status, not the resourceVersion: a metadata-only write (the finalizer added when a
   * worker first reaches the object, a label) changes the version while the status a user reads
   * stays as it was, and restarting the clock on it left statuses unchanged for 55-60 s in the
   * fault run (heartbeat 30 s).
   */
  private readonly unchanged = new Map<string, { rv: string | undefined; fp: string; since: number }>();

  constructor(opts: ControllerOptions) {
    this.o = opts;
    this.name = opts.name;
    this.queue = new WorkQueue({ name: opts.name, backoffBaseMs: opts.backoffBaseMs, backoffMaxMs: opts.backoffMaxMs });
    initControllerMetrics(opts.name);
    maxConcurrentReconciles.set({ controller: opts.name }, opts.workers);
    activeWorkers.set({ controller: opts.name }, 0);
  }

  enqueue(key: string, priority: Priority = 'change'): void {
    this.queue.add(key, priority);
  }

  /** Starts the workers. `parent` aborts in-flight reconciles (lost leadership, shutdown timeout). */
  start(parent: AbortSignal): void {
    this.abort = new AbortController();
    const onAbort = (): void => this.abort.abort(parent.reason);
    if (parent.aborted) onAbort();
    else parent.addEventListener('abort', onAbort, { once: true });
    for (let i = 0; i < this.o.workers; i++) this.workers.push(this.work());
    if (this.o.statusHeartbeat) {
      this.unchanged.clear();
      this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.o.statusHeartbeatTickMs ?? STATUS_HEARTBEAT_TICK_MS);
      this.heartbeatTimer.unref?.();
    }
    this.o.log.info({ workers: this.o.workers }, 'controller started');
  }

  /** Stops handing out keys; resolves when in-flight reconciles have returned. */
  async drain(): Promise<void> {
    this.queue.shutDown();
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    await Promise.all(this.workers);
  }

  /**
   * statusHeartbeat: every object the controller is still working on gets its status confirmed at
   * least once a minute, whatever it is waiting for (its turn in the queue behind a throttled AWS,
   * its next attempt after a failure whose status write changed nothing, a long reconcile): the
   * conditions stay the last real outcome, status.lastHeartbeatTime says when that was confirmed.
   * An object nobody has picked up yet gets its first-sight status (Reconciling=True) here too.
   * Only statuses unchanged since the last look are written: no extra write where the reconciler
   * writes anyway.
   */
  private async heartbeat(): Promise<void> {
    if (this.heartbeating || this.queue.isShuttingDown() || this.abort.signal.aborted) return;
    this.heartbeating = true;
    try {
      const now = Date.now();
      const every = this.o.statusHeartbeatMs ?? STATUS_HEARTBEAT_MS;
      const tick = this.o.statusHeartbeatTickMs ?? STATUS_HEARTBEAT_TICK_MS;
      const keys = new Set(this.o.store.keys());
      for (const k of this.unchanged.keys()) if (!keys.has(k)) this.unchanged.delete(k);
      const due: Array<{ key: string; obj: StatusObject; since: number }> = [];
      for (const key of keys) {
        const obj = this.o.store.getByKey(key) as StatusObject | undefined;
        if (!obj || !needsHeartbeat(obj)) {
          this.unchanged.delete(key);
          continue;
        }
        const seen = this.unchanged.get(key);
        // A generation no worker has seen yet: first sight in the tick that finds it.
        if (obj.status?.observedGeneration !== obj.metadata?.generation) {
          due.push({ key, obj, since: seen?.since ?? now - tick });
          continue;
        }
        // The same version is the same status: hashed only when the version moved.
        const rv = obj.metadata?.resourceVersion;
        let since = seen?.since ?? now;
        if (!seen || seen.rv !== rv) {
          const fp = statusFingerprint(obj);
          if (seen?.fp !== fp) since = now;
          this.unchanged.set(key, { rv, fp, since });
        }
        if (now - since >= every) due.push({ key, obj, since });
      }
      due.sort((a, b) => a.since - b.since);
      for (const { key, obj } of due.slice(0, HEARTBEAT_MAX_PER_TICK)) {
        if (this.abort.signal.aborted || this.queue.isShuttingDown()) return;
        const time = rfc3339Seconds(new Date());
        try {
          const r = await this.o.status.update<StatusObject>(
            this.o.resource,
            obj,
            (cur) => ({
              ...cur.status,
              // The write sets status.observedGeneration: conditions of an older generation would then
              // read as this one's (kstatus), so a generation not seen yet is said to be in progress.
              ...(cur.status?.observedGeneration !== cur.metadata?.generation
                ? { conditions: setOutcome(cur.status?.conditions, { state: 'Reconciling', reason: 'Progressing', message: 'seen by the controller; waiting for its turn' }, cur.metadata?.generation) }
                : {}),
              lastHeartbeatTime: time,
            }),
            this.abort.signal,
          );
          if (r.object) this.unchanged.set(key, { rv: r.object.metadata?.resourceVersion, fp: statusFingerprint(r.object), since: Date.now() });
          this.o.log.debug({ key, written: r.written }, 'status heartbeat');
        } catch (err) {
          this.o.log.debug({ key, err: errorMessage(err) }, 'status heartbeat failed');
        }
      }
    } finally {
      this.heartbeating = false;
    }
  }

  /** Aborts in-flight reconciles through their AbortSignal. */
  abortInFlight(reason: string): void {
    this.abort.abort(new Error(reason));
  }

  inFlight(): number {
    return this.active;
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      this.active++;
      activeWorkers.set({ controller: this.name }, this.active);
      try {
        await this.reconcileKey(key);
      } finally {
        this.active--;
        activeWorkers.set({ controller: this.name }, this.active);
        this.queue.done(key);
      }
    }
  }

  private async reconcileKey(key: string): Promise<void> {
    const { namespace, name } = parseKey(key);
    const reconcileId = randomBytes(6).toString('hex');
    const log = this.o.log.child({ key, reconcileId });
    const signal = this.abort.signal;
    const started = process.hrtime.bigint();
    const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;
    log.debug('reconcile start');
    try {
      await this.markSeen(key, signal, log);
      const result = (await this.o.reconciler.reconcile({ namespace, name, key, log, signal, reconcileId })) ?? {};
      this.queue.forget(key);
      const requeue = result.requeueAfterMs;
      reconcileTotal.inc({ controller: this.name, result: requeue && requeue > 0 ? 'requeue_after' : 'success' });
      if (requeue && requeue > 0) this.queue.addAfter(key, requeue, 'change');
      if (this.o.store.getByKey(key)) this.queue.addAfter(key, result.resyncAfterMs ?? jitter(this.o.resyncPeriodMs), 'resync');
      else this.queue.cancelScheduled(key);
      log.debug({ durationMs: Math.round(seconds() * 1000), requeueAfterMs: requeue }, 'reconcile done');
    } catch (err) {
      reconcileErrors.inc({ controller: this.name });
      reconcileTotal.inc({ controller: this.name, result: 'error' });
      if (signal.aborted) {
        log.info({ err: errorMessage(err) }, 'reconcile aborted');
        return;
      }
      if (err instanceof TerminalError) {
        terminalReconcileErrors.inc({ controller: this.name });
        await this.stall(key, err, log);
        return;
      }
      const retryInMs = this.queue.addRateLimited(key);
      log.error({ err: errorMessage(err), retryInMs, attempt: this.queue.numRequeues(key) }, 'reconcile failed');
    } finally {
      reconcileTime.observe({ controller: this.name }, seconds());
    }
  }

  /**
   * kstatus reads an object without status as Current (done). On first sight (no
   * status.observedGeneration yet) say Reconciling=True for this generation before any work, so
   * Flux's `wait` and Argo CD wait for the real outcome. Later generations need nothing: a stale
   * observedGeneration already reads as InProgress.
   */
  private async markSeen(key: string, signal: AbortSignal, log: Logger): Promise<void> {
    if (!this.o.statusConditions) return;
    const obj = this.o.store.getByKey(key) as (StatusObject & { status?: { observedGeneration?: number } }) | undefined;
    if (!obj || isDeleting(obj) || obj.status?.observedGeneration !== undefined) return;
    const outcome = { state: 'Reconciling', reason: 'Progressing', message: 'seen by the controller; working toward the spec' } as const;
    const result = await this.o.status.update<StatusObject>(this.o.resource, obj, (cur) => ({
      ...cur.status,
      conditions: setOutcome(cur.status?.conditions, outcome, cur.metadata?.generation),
    }), signal);
    if (result.written && result.object) this.o.recordWrite?.(result.object, result.basedOn);
    log.debug({ written: result.written }, 'first sight: Reconciling=True');
  }

  /**
   * Stalled=True, a Warning event, no retry: the next change to the object (or a watched one)
   * re-queues it; with `recheck`, so does the periodic re-check.
   */
  private async stall(key: string, err: TerminalError, log: Logger): Promise<void> {
    log.warn({ reason: err.reason, err: err.message, recheck: err.recheck }, 'reconcile stalled (terminal error)');
    this.queue.forget(key);
    const obj = this.o.store.getByKey(key) as StatusObject | undefined;
    if (obj && err.recheck) this.queue.addAfter(key, jitter(this.o.resyncPeriodMs), 'resync');
    else this.queue.cancelScheduled(key);
    if (!obj) return;
    this.o.events.warning(obj, err.reason, err.message);
    try {
      await this.o.status.update<StatusObject>(this.o.resource, obj, (cur) => ({
        ...cur.status,
        conditions: setOutcome(cur.status?.conditions, { state: 'Stalled', reason: err.reason, message: err.message }, cur.metadata?.generation),
      }), this.abort.signal);
    } catch (writeErr) {
      log.error({ err: errorMessage(writeErr) }, 'could not write Stalled status; retrying');
      this.queue.addRateLimited(key);
    }
  }
}

/** d ± 10% */
export function jitter(ms: number): number {
  return Math.round(ms * (0.9 + Math.random() * 0.2));
}
