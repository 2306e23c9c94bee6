// An informer: a Store kept up to date by one Reflector per watched namespace (or one for all),
// telling handlers about adds, updates and deletes. Objects are transformed (managedFields and
// kubectl's last-applied-configuration dropped; Secrets arrive as metadata only and keep no annotations; Services and EndpointSlices trimmed, cache-shapes.ts),
// their strings interned (intern.ts) and deep-frozen before they are stored.
import type { Logger } from 'pino';
import type { RestClient } from './kube/rest.ts';
import { internStrings } from './intern.ts';
import { keyOf } from './keys.ts';
import { trimForCache } from './cache-shapes.ts';
import { Reflector, type ReflectorSink, type ReflectorTuning } from './reflector.ts';
import { resourceId } from './resources.ts';
import { Store } from './store.ts';
import type { KubeObject, ResourceType } from './types.ts';

export type InformerEvent =
  | { type: 'add'; obj: KubeObject }
  | { type: 'update'; old: KubeObject; obj: KubeObject }
  | { type: 'delete'; obj: KubeObject };

export type InformerHandler = (event: InformerEvent) => void;

export class Informer {
  readonly resource: ResourceType;
  readonly store: Store;
  private readonly reflectors: Reflector[];
  private readonly handlers: InformerHandler[] = [];
  private readonly log: Logger;
  private abort: AbortController | undefined;
  private running: Promise<void[]> | undefined;
  private syncWaiters: (() => void)[] = [];

  constructor(opts: { client: RestClient; resource: ResourceType; namespaces: string[]; log: Logger; tuning: ReflectorTuning }) {
    this.resource = opts.resource;
    this.store = new Store(opts.resource);
    this.log = opts.log.child({ resource: resourceId(opts.resource) });
    const sink = this.sink();
    const scopes: (string | undefined)[] = opts.namespaces.length > 0 ? opts.namespaces : [undefined];
    this.reflectors = scopes.map(
      (namespace) =>
        new Reflector({ client: opts.client, resource: opts.resource, namespace, sink, log: this.log.child({ namespace: namespace ?? '*' }), tuning: opts.tuning }),
    );
  }

  onEvent(handler: InformerHandler): void {
    this.handlers.push(handler);
  }

  start(): void {
    if (this.abort) return;
    this.abort = new AbortController();
    const signal = this.abort.signal;
    this.running = Promise.all(this.reflectors.map((r) => r.run(signal)));
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await this.running;
  }

  hasSynced(): boolean {
    return this.store.hasSynced();
  }

  /** Resolves when synced; rejects when signal aborts first. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.hasSynced()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(new Error(`${resourceId(this.resource)} cache did not sync`));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  /**
   * Our own write of an object whose precondition was the exact resourceVersion `basedOn` (a
   * status replace): when the cache still holds that version, the written object is the next one
   * the watch will bring, so it is stored now, with the event the watch would have caused (the
   * watch's copy is then a no-op: same resourceVersion). A reconcile that writes again right after
   * (the finalizer after the first-sight status) then starts from it instead of failing its
   * precondition and reading the object back.
   */
  recordWrite(written: KubeObject, basedOn: string | undefined): void {
    if (basedOn === undefined || !written.metadata?.resourceVersion) return;
    if (this.store.getByKey(keyOf(written))?.metadata?.resourceVersion !== basedOn) return;
    const e = upsert(this.store, this.prepare(written));
    if (e) this.emit(e);
  }

  private emit(event: InformerEvent): void {
    for (const h of this.handlers) {
      try {
        h(event);
      } catch (err) {
        this.log.error({ err }, 'informer event handler threw');
      }
    }
  }

  private sink(): ReflectorSink {
    return {
      replace: (objects, namespace) => {
        const events = replaceScope(this.store, objects.map((o) => this.prepare(o)), namespace);
        // Handlers hear of the list only once all of it is stored.
        if (this.allScopesListed(namespace)) this.markSynced();
        for (const e of events) this.emit(e);
      },
      upsert: (raw) => {
        const e = upsert(this.store, this.prepare(raw));
        if (e) this.emit(e);
      },
      remove: (raw) => {
        const old = this.store.delete(keyOf(raw));
        this.emit({ type: 'delete', obj: old ?? this.prepare(raw) });
      },
    };
  }

  private listedScopes = new Set<string>();
  private allScopesListed(namespace: string | undefined): boolean {
    this.listedScopes.add(namespace ?? '*');
    return this.listedScopes.size >= this.reflectors.length;
  }

  private markSynced(): void {
    if (this.store.hasSynced()) return;
    this.store.markSynced();
    this.log.debug({ count: this.store.size }, 'cache synced');
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of waiters) w();
  }

  private prepare(obj: KubeObject): KubeObject {
    // One copy of each repeated string (intern.ts): most of a cached object's strings repeat across objects.
    return deepFreeze(internStrings(transform(this.resource, obj)));
  }
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Drops what the runtime never needs from cached objects. */
export function transform(resource: ResourceType, obj: KubeObject): KubeObject {
  const copy = { ...trimForCache(resource, obj) } as KubeObject & { data?: unknown; stringData?: unknown };
  if (copy.metadata) {
    const { managedFields: _managedFields, ...meta } = copy.metadata as KubeObject['metadata'] & { managedFields?: unknown };
    // `kubectl apply` keeps a copy of the whole applied manifest here; nothing of ours reads it.
    if (meta.annotations && LAST_APPLIED in meta.annotations) {
      const { [LAST_APPLIED]: _lastApplied, ...rest } = meta.annotations;
      if (Object.keys(rest).length > 0) meta.annotations = rest;
      else delete meta.annotations;
    }
    copy.metadata = meta;
  }
  if (resource.group === '' && resource.plural === 'secrets') {
    delete copy.data;
    delete copy.stringData;
  }
  return copy;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Makes one scope of the store equal a fresh list; returns what changed. Objects whose
 * resourceVersion did not change produce no event (a relist is not a reason to reconcile).
 */
export function replaceScope(store: Store, objects: KubeObject[], namespace: string | undefined): InformerEvent[] {
  const fresh = new Map<string, KubeObject>();
  for (const o of objects) fresh.set(keyOf(o), o);
  const events: InformerEvent[] = [];
  for (const key of store.keysIn(namespace)) {
    if (!fresh.has(key)) {
      const old = store.delete(key);
      if (old) events.push({ type: 'delete', obj: old });
    }
  }
  for (const obj of fresh.values()) {
    const e = upsert(store, obj);
    if (e) events.push(e);
  }
  return events;
}

/** Stores obj; undefined when the store already had this resourceVersion. */
export function upsert(store: Store, obj: KubeObject): InformerEvent | undefined {
  const old = store.getByKey(keyOf(obj));
  if (old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) return undefined;
  store.set(obj);
  return old ? { type: 'update', old, obj } : { type: 'add', obj };
}
