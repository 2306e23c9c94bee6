// The types a reconciler is written against. Implementations live beside this file; reconcilers
// import everything through ./index.ts.
import type { Logger } from 'pino';
import type { Config } from '../config.ts';

/** Which REST resource: `{group: '', version: 'v1', plural: 'secrets', kind: 'Secret'}`. */
export interface ResourceType {
  /** '' for the core group. */
  group: string;
  version: string;
  plural: string;
  kind: string;
}

/**
 * The least a Kubernetes object must have for the runtime to handle it. Objects in caches are plain
 * JSON as the apiserver sent it (timestamps are RFC 3339 strings, even where a client-node type says
 * Date), with apiVersion and kind always filled in and metadata.managedFields dropped.
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: unknown;
  };
}

/** A read-only view of one informer's store. Returned objects are deep-frozen: clone before editing. */
export interface Cache<T extends KubeObject = KubeObject> {
  readonly resource: ResourceType;
  get(namespace: string, name: string): T | undefined;
  /** `namespace/name` */
  getByKey(key: string): T | undefined;
  /** All objects, or those of one namespace. */
  list(namespace?: string): T[];
  /** Objects whose index function returned `value` for index `index` (see IndexDefinition). */
  byIndex(index: string, value: string): T[];
  /** True once the first list has been stored (and stays true across relists). */
  hasSynced(): boolean;
}

/** Every cache the process has. Only kinds declared in a registration (see ControllerRegistration) exist. */
export interface Caches {
  get<T extends KubeObject = KubeObject>(resource: ResourceType): Cache<T>;
}

/** A secondary index on one kind: `indexFn` returns the values an object is found under. */
export interface IndexDefinition<T extends KubeObject = KubeObject> {
  resource: ResourceType;
  /** Unique per resource across all controllers, e.g. 'spec.certificateRefs'. */
  name: string;
  /** By convention values are `namespace/name` of what the object references (see indexKey()). */
  indexFn(obj: T): string[];
}

/**
 * Reconcile primary objects when a related object changes. Called with the object on add, with the
 * old and the new object on update (keys are merged), and with the last known state on delete.
 */
export interface WatchDefinition<T extends KubeObject = KubeObject> {
  resource: ResourceType;
  /** Keys (`namespace/name`) of primary objects of this controller to reconcile. */
  mapToKeys(obj: T, caches: Caches): string[];
}

/** What one reconcile is given. The reconciler reads current state itself; it never sees the event. */
export interface ReconcileContext {
  namespace: string;
  name: string;
  /** `namespace/name` */
  key: string;
  /** pino child logger bound to {controller, key, reconcileId}. */
  log: Logger;
  /** Aborted when the process loses leadership or shuts down: pass it to every AWS/Kube call. */
  signal: AbortSignal;
  reconcileId: string;
}

export interface ReconcileResult {
  /** Reconcile this key again after this delay (in addition to the periodic resync). */
  requeueAfterMs?: number;
  /**
   * The periodic re-check is due after this delay instead of one resync period (jittered): an
   * object found in sync at its last check keeps that check's phase, so re-checks stay spread.
   */
  resyncAfterMs?: number;
}

export interface Reconciler {
  /**
   * Make the world match the object named by ctx.key. Return to succeed; throw to retry with
   * per-key exponential backoff; throw TerminalError when retrying cannot help.
   */
  reconcile(ctx: ReconcileContext): Promise<ReconcileResult | void>;
  /** Called once when the manager stops, after in-flight reconciles ended: release threads etc. */
  close?(): Promise<void>;
}

export type EventType = 'Normal' | 'Warning';

/** Writes core/v1 Events on an object. Never throws and never blocks: failures are logged. */
export interface EventRecorder {
  /** Repeats of (object, type, reason, message) bump `count` on one Event instead of creating new ones. */
  record(obj: KubeObject, type: EventType, reason: string, message: string): void;
  normal(obj: KubeObject, reason: string, message: string): void;
  warning(obj: KubeObject, reason: string, message: string): void;
}

export interface StatusUpdateResult<T> {
  /** False when the computed status equalled the stored one (nothing was sent). */
  written: boolean;
  /** The object after the write (or as read, when nothing was written); undefined if it is gone. */
  object: T | undefined;
  /** written: the resourceVersion the write replaced (its precondition) */
  basedOn?: string;
}

/** Writes `.status` through the /status subresource. */
export interface StatusWriter {
  /**
   * `compute(current)` returns the complete new status. It is called with `obj` first and, after a
   * 409 conflict, again with the object freshly read from the apiserver (so keep it pure).
   * `status.observedGeneration` is set to the object's metadata.generation for you. Nothing is sent
   * when the result deep-equals the current status. A 404 (object gone) returns {written: false}.
   */
  update<T extends KubeObject & { status?: object }>(
    resource: ResourceType,
    obj: T,
    compute: (current: T) => NonNullable<T['status']>,
    signal?: AbortSignal,
  ): Promise<StatusUpdateResult<T>>;
}

/** Adds/removes one finalizer with a JSON patch guarded by a `test` op, so others' finalizers survive. */
export interface Finalizers {
  /** No-op (no request) when present. Returns the object as stored afterwards. */
  add<T extends KubeObject>(resource: ResourceType, obj: T, finalizer: string, signal?: AbortSignal): Promise<T>;
  /** No-op when absent. Returns the object afterwards, or undefined when the apiserver deleted it. */
  remove<T extends KubeObject>(
    resource: ResourceType,
    obj: T,
    finalizer: string,
    signal?: AbortSignal,
  ): Promise<T | undefined>;
}

export interface ListOptions {
  /**
   * Ask for PartialObjectMetadataList: the apiserver sends only each item's metadata (for Secrets:
   * no data ever crosses the wire). Items come back with the resource's apiVersion and kind.
   */
  metadataOnly?: boolean;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface KubeList<T> {
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/**
 * A small JSON REST client (plain objects, no class instances). Errors are KubeApiError with the
 * HTTP status. Prefer caches for reads; use this for writes and for reads the cache cannot serve
 * (e.g. Secret data, which the Secret cache does not hold).
 */
export interface KubeClient {
  /** undefined on 404. */
  get<T extends KubeObject>(resource: ResourceType, namespace: string, name: string, signal?: AbortSignal): Promise<T | undefined>;
  /** One page; namespace undefined = all namespaces. */
  list<T extends KubeObject>(resource: ResourceType, namespace: string | undefined, opts?: ListOptions, signal?: AbortSignal): Promise<KubeList<T>>;
  create<T extends KubeObject>(resource: ResourceType, obj: T, signal?: AbortSignal): Promise<T>;
  /** PUT; obj.metadata.resourceVersion, when set, is the optimistic-concurrency precondition. */
  replace<T extends KubeObject>(resource: ResourceType, obj: T, opts?: { subresource?: 'status' }, signal?: AbortSignal): Promise<T>;
  patch<T extends KubeObject>(
    resource: ResourceType,
    namespace: string,
    name: string,
    type: PatchType,
    body: unknown,
    opts?: { subresource?: 'status'; fieldManager?: string; force?: boolean },
    signal?: AbortSignal,
  ): Promise<T>;
  /** Resolves also on 404. */
  delete(resource: ResourceType, namespace: string, name: string, signal?: AbortSignal): Promise<void>;
}

/** Everything a controller factory receives. */
export interface ControllerDeps {
  config: Config;
  caches: Caches;
  kube: KubeClient;
  status: StatusWriter;
  finalizers: Finalizers;
  /** Events carry `source.component: albatross-<controller name>`. */
  events: EventRecorder;
  /** pino child bound to {controller}. */
  log: Logger;
  /**
   * Queue a key of this controller for reconciling (e.g. when work a reconcile started elsewhere
   * finished). Absent outside the manager (unit tests): then wait instead. `after: 'changes'`
   * queues it behind every change waiting (at the periodic re-check's priority): for follow-up
   * work that should not hold back objects that changed.
   */
  enqueue?: (key: string, opts?: { after?: 'changes' }) => void;
}

/** One entry in src/reconcilers/index.ts. */
export interface ControllerRegistration {
  /** Short, stable, lower-case: the `controller` label in metrics and logs, e.g. 'loadbalancedservice'. */
  name: string;
  /** The primary kind: its changes (spec/metadata, not status-only) enqueue its own key. */
  resource: ResourceType;
  indexes?: IndexDefinition[];
  watches?: WatchDefinition[];
  /** Further kinds to cache that are only read (no watch handler, no index). */
  reads?: ResourceType[];
  /**
   * The primary kind has a /status subresource with kstatus conditions (default true). The runtime
   * then writes observedGeneration and Reconciling=True on first sight, before the reconciler runs:
   * an object without status is `Current` to kstatus (Flux `wait`), as if it were done.
   */
  statusConditions?: boolean;
  /**
   * The primary kind's status has lastHeartbeatTime (default false): while an object is neither
   * Ready nor Stalled, the runtime confirms its status at least once a minute (Controller.heartbeat).
   */
  statusHeartbeat?: boolean;
  /** Called once before caches start. Build AWS clients etc. here. */
  create(deps: ControllerDeps): Reconciler | Promise<Reconciler>;
}
