// A controller: a work queue of keys and N workers calling the reconciler. Level-based: the
// reconciler gets a key, never the event. Errors retry with per-key backoff; TerminalError writes
// Stalled=True and is not retried; success schedules the periodic re-check (resync, jittered).
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { setOutcome, type Condition } from './conditions.ts';
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
}

type StatusObject = KubeObject & { status?: { conditions?: Condition[] } };

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly o: ControllerOptions;
  private workers: Promise<void>[] = [];
  private abort = new AbortController();
  private active = 0;

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
    this.o.log.info({ workers: this.o.workers }, 'controller started');
  }

  /** Stops handing out keys; resolves when in-flight reconciles have returned. */
  async drain(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
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
