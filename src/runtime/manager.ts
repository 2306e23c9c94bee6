// The manager: builds one informer per kind, the controllers and their watches; starts caches,
// waits for them to sync, takes the lease (if leader election is on) and then starts the
// controllers. Losing the lease aborts in-flight work and ends with exit code 1; stop() drains
// (bounded), aborts what is left, releases the lease and stops the caches.
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { reportConditions } from './condition-metrics.ts';
import { Controller } from './controller.ts';
import { KubeEventRecorder } from './events.ts';
import { FinalizerPatcher } from './finalizers.ts';
import { Informer, type InformerEvent } from './informer.ts';
import { jsonEqual } from './json-equal.ts';
import { keyOf } from './keys.ts';
import type { RestClient } from './kube/rest.ts';
import { LeaderElector } from './leader-election.ts';
import { DEFAULT_REFLECTOR_TUNING, sleep, type ReflectorTuning } from './reflector.ts';
import { resourceId } from './resources.ts';
import { StatusUpdater } from './status.ts';
import type { Cache, Caches, ControllerRegistration, KubeObject, Reconciler, ResourceType } from './types.ts';

export interface ManagerTuning {
  reflector?: Partial<ReflectorTuning>;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** statusHeartbeat controllers: a not-Ready status unchanged this long is confirmed (default 30 s) */
  statusHeartbeatMs?: number;
  statusHeartbeatTickMs?: number;
}

export interface ManagerOptions {
  config: Config;
  client: RestClient;
  log: Logger;
  registrations: ControllerRegistration[];
  tuning?: ManagerTuning;
}

export interface ManagerExit {
  exitCode: number;
  reason: string;
}

/** Which updates of the primary object are worth a reconcile: anything but status-only changes. */
export function primaryChanged(old: KubeObject, obj: KubeObject): boolean {
  const a = old.metadata ?? {};
  const b = obj.metadata ?? {};
  return (
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    !jsonEqual(a.labels, b.labels) ||
    !jsonEqual(a.annotations, b.annotations) ||
    !jsonEqual(a.finalizers, b.finalizers) ||
    // kinds without a status subresource/generation (e.g. ConfigMaps): any change counts
    (a.generation === undefined && a.resourceVersion !== b.resourceVersion)
  );
}

export class Manager {
  readonly config: Config;
  readonly log: Logger;
  private readonly client: RestClient;
  private readonly registrations: ControllerRegistration[];
  private readonly tuning: ManagerTuning;
  private readonly informers = new Map<string, Informer>();
  private readonly controllers: Controller[] = [];
  private readonly reconcilers: Reconciler[] = [];
  private readonly recorders: KubeEventRecorder[] = [];
  private readonly elector: LeaderElector | undefined;
  private readonly lifetime = new AbortController();
  /** Aborts in-flight reconciles. */
  private readonly work = new AbortController();
  /** Ends lease renewal: only when the lease is released (or lost), so it is held while in-flight work drains. */
  private readonly leaseHold = new AbortController();
  /** The lease was lost while a graceful stop was draining: the exit is then a failure (1). */
  private lostDuringStop = false;
  private setupDone = false;
  private unreportConditions: (() => void) | undefined;
  private started = false;
  private stopping: Promise<void> | undefined;
  private synced = false;
  private controllersStarted = false;
  private resolveDone!: (exit: ManagerExit) => void;
  readonly done: Promise<ManagerExit>;

  constructor(opts: ManagerOptions) {
    this.config = opts.config;
    this.client = opts.client;
    this.log = opts.log;
    this.registrations = opts.registrations;
    this.tuning = opts.tuning ?? {};
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    const le = opts.config.leaderElection;
    if (le.enabled) {
      this.elector = new LeaderElector({
        kube: this.client,
        namespace: le.namespace,
        name: le.id,
        identity: le.identity,
        leaseDurationMs: le.leaseDurationMs,
        renewDeadlineMs: le.renewDeadlineMs,
        retryPeriodMs: le.retryPeriodMs,
        log: this.log.child({ component: 'leader-election' }),
      });
    }
  }

  /** Creates informers, indexes, controllers (calls the factories) and wires the watches. */
  async setup(): Promise<void> {
    if (this.setupDone) return;
    for (const reg of this.registrations) {
      this.informer(reg.resource);
      for (const r of reg.reads ?? []) this.informer(r);
      for (const w of reg.watches ?? []) this.informer(w.resource);
      for (const ix of reg.indexes ?? []) this.informer(ix.resource).store.addIndex(ix);
    }
    const caches: Caches = {
      get: <T extends KubeObject>(r: ResourceType) => {
        const inf = this.informers.get(resourceId(r));
        if (!inf) throw new Error(`no cache for ${resourceId(r)}: declare it in the registration (resource, watches, indexes or reads)`);
        return inf.store as unknown as Cache<T>;
      },
    };
    const status = new StatusUpdater(this.client, this.log.child({ component: 'status' }));
    const finalizers = new FinalizerPatcher(this.client);
    for (const reg of this.registrations) {
      const log = this.log.child({ controller: reg.name });
      const events = new KubeEventRecorder({
        kube: this.client,
        component: `albatross-${reg.name}`,
        instance: this.config.leaderElection.identity,
        log,
      });
      this.recorders.push(events);
      let enqueue: (key: string, opts?: { after?: 'changes' }) => void = () => undefined;
      const reconciler = await reg.create({ config: this.config, caches, kube: this.client, status, finalizers, events, log, enqueue: (key, opts) => enqueue(key, opts) });
      this.reconcilers.push(reconciler);
      const primary = this.informer(reg.resource);
      const controller = new Controller({
        name: reg.name,
        resource: reg.resource,
        reconciler,
        store: primary.store,
        status,
        events,
        log,
        workers: this.config.maxConcurrentReconciles,
        resyncPeriodMs: this.config.resyncPeriodMs,
        statusConditions: reg.statusConditions ?? true,
        recordWrite: (written, basedOn) => primary.recordWrite(written, basedOn),
        backoffBaseMs: this.tuning.backoffBaseMs,
        backoffMaxMs: this.tuning.backoffMaxMs,
        statusHeartbeat: reg.statusHeartbeat ?? false,
        statusHeartbeatMs: this.tuning.statusHeartbeatMs,
        statusHeartbeatTickMs: this.tuning.statusHeartbeatTickMs,
      });
      this.controllers.push(controller);
      enqueue = (key, opts) => controller.enqueue(key, opts?.after === 'changes' ? 'resync' : 'change');
      primary.onEvent((e) => {
        if (e.type !== 'update' || primaryChanged(e.old, e.obj)) controller.enqueue(keyOf(e.obj));
      });
      for (const w of reg.watches ?? []) {
        this.informer(w.resource).onEvent((e: InformerEvent) => {
          const keys = new Set(w.mapToKeys(e.obj, caches));
          if (e.type === 'update') for (const k of w.mapToKeys(e.old, caches)) keys.add(k);
          for (const k of keys) controller.enqueue(k);
        });
      }
    }
    this.unreportConditions = reportConditions(() => (this.isLeader() ? this.conditionObjects() : []));
    this.setupDone = true;
  }

  /** Each kstatus kind's cached objects, for albatross_resource_condition. */
  private conditionObjects(): Array<{ kind: string; objects: readonly KubeObject[] }> {
    return this.registrations
      .filter((reg) => reg.statusConditions ?? true)
      .map((reg) => ({ kind: reg.resource.kind, objects: this.informers.get(resourceId(reg.resource))?.store.list() ?? [] }));
  }

  /** Starts everything in the background; resolves once caches and (if enabled) election are running. */
  async start(): Promise<void> {
    await this.setup();
    if (this.started) return;
    this.started = true;
    for (const inf of this.informers.values()) inf.start();
    void this.run().catch((err: unknown) => {
      this.log.fatal({ err }, 'manager failed');
      void this.shutdown({ exitCode: 1, reason: `manager failed: ${String(err)}` });
    });
  }

  private async run(): Promise<void> {
    const signal = this.lifetime.signal;
    try {
      await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
    } catch (err) {
      if (signal.aborted) return; // stopped before the caches synced
      throw err;
    }
    this.synced = true;
    this.log.info({ caches: [...this.informers.keys()] }, 'caches synced');
    if (this.elector) {
      if (!(await this.elector.acquire(signal))) return;
      void this.elector.holdLeadership(this.leaseHold.signal).then((outcome) => {
        if (outcome !== 'lost') return;
        if (this.stopping) {
          // Another replica may lead now: nothing in flight may go on.
          this.lostDuringStop = true;
          this.work.abort(new Error('leadership lost'));
          return;
        }
        void this.shutdown({ exitCode: 1, reason: 'leadership lost' }, { abortAtOnce: true });
      });
    }
    if (signal.aborted) return;
    for (const c of this.controllers) c.start(this.work.signal);
    this.controllersStarted = true;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(signal?: AbortSignal): Promise<void> {
    return Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal))).then(() => undefined);
  }

  isLeader(): boolean {
    return this.elector ? this.elector.isLeader() : this.controllersStarted;
  }

  leaderElectionEnabled(): boolean {
    return this.elector !== undefined;
  }

  getCache(r: ResourceType): Informer | undefined {
    return this.informers.get(resourceId(r));
  }

  getControllers(): readonly Controller[] {
    return this.controllers;
  }

  /** Graceful stop (SIGTERM): drain for up to gracefulShutdownTimeout, abort the rest, release the lease. */
  stop(): Promise<void> {
    return this.shutdown({ exitCode: 0, reason: 'stopped' });
  }

  /**
   * Everything happens within --graceful-shutdown-timeout of the signal (the pod's SIGKILL comes
   * after terminationGracePeriodSeconds, which the chart keeps above it): in-flight reconciles get
   * the time up to the deadline minus a reserve, then their AWS calls are aborted; the reserve
   * covers what must still happen (aborted work settling, releasing the lease, stopping the caches,
   * sending the last events), each step bounded by the time left. While draining the lease is still
   * renewed, so no standby takes over work that is still in flight; if it is lost anyway the work is
   * aborted at once and the exit code is 1.
   */
  private shutdown(exit: ManagerExit, opts: { abortAtOnce?: boolean } = {}): Promise<void> {
    if (this.stopping) return this.stopping;
    const startedAt = Date.now();
    const grace = this.config.gracefulShutdownTimeoutMs;
    const deadline = startedAt + grace;
    const reserve = Math.min(SHUTDOWN_RESERVE_MS, grace / 4);
    const left = (): number => Math.max(0, deadline - Date.now());
    this.stopping = (async () => {
      this.log.info({ reason: exit.reason, gracefulShutdownTimeoutMs: grace }, 'shutting down');
      this.lifetime.abort();
      this.unreportConditions?.();
      const drained = Promise.all(this.controllers.map((c) => c.drain()));
      if (opts.abortAtOnce) {
        this.work.abort(new Error(exit.reason));
      } else {
        const inTime = await within(drained, Math.max(0, left() - reserve));
        if (!inTime && !this.work.signal.aborted) {
          this.log.warn({ timeoutMs: grace }, 'in-flight reconciles did not finish in time: aborting them');
          this.work.abort(new Error('shutdown timeout'));
        }
      }
      // A reconciler that ignores its AbortSignal (or waits on something shared) must not keep the
      // process past its deadline: what is aborted may finish on its own, it changes nothing more.
      if (!(await within(drained, Math.min(ABORT_SETTLE_MS, left() / 2)))) this.log.warn('in-flight reconciles still settling after abort; exiting anyway');
      await within(Promise.all(this.reconcilers.map((r) => r.close?.())), Math.min(CLOSE_MS, left() / 2));
      this.leaseHold.abort();
      if (!opts.abortAtOnce && !this.lostDuringStop) await this.elector?.release(Math.min(RELEASE_MS, left()));
      await within(Promise.all([...this.informers.values()].map((i) => i.stop())), left());
      await within(Promise.all(this.recorders.map((r) => r.flush())), left());
      const final: ManagerExit = this.lostDuringStop ? { exitCode: 1, reason: `${exit.reason}; leadership lost while draining` } : exit;
      this.log.info({ exitCode: final.exitCode, reason: final.reason, tookMs: Date.now() - startedAt }, 'stopped');
      this.resolveDone(final);
    })();
    return this.stopping;
  }

  private informer(r: ResourceType): Informer {
    const id = resourceId(r);
    let inf = this.informers.get(id);
    if (!inf) {
      if (this.started) throw new Error(`cache for ${id} requested after start`);
      inf = new Informer({
        client: this.client,
        resource: r,
        namespaces: this.config.namespaces,
        log: this.log.child({ component: 'informer' }),
        tuning: { ...DEFAULT_REFLECTOR_TUNING, ...this.tuning.reflector },
      });
      this.informers.set(id, inf);
    }
    return inf;
  }
}

/** Of the graceful period, what is kept for the steps after aborting (at most a quarter of it). */
const SHUTDOWN_RESERVE_MS = 5000;
/** How long aborted reconciles get to return. */
const ABORT_SETTLE_MS = 2000;
const CLOSE_MS = 1000;
/** Releasing the lease: one Lease update. */
const RELEASE_MS = 2000;

/** True if p settled within ms. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  const settled = await Promise.race([p.then(() => true, () => true), sleep(ms, timer.signal).then(() => false)]);
  timer.abort();
  return settled;
}
