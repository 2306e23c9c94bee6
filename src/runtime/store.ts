// The in-memory store behind one informer: objects by key, plus secondary indexes.
import { keyOf, parseKey } from './keys.ts';
import type { Cache, IndexDefinition, KubeObject, ResourceType } from './types.ts';

interface Index {
  fn: (obj: KubeObject) => string[];
  byValue: Map<string, Set<string>>;
  valuesOfKey: Map<string, string[]>;
}

export class Store<T extends KubeObject = KubeObject> implements Cache<T> {
  readonly resource: ResourceType;
  private readonly objects = new Map<string, T>();
  private readonly indexes = new Map<string, Index>();
  private synced = false;

  constructor(resource: ResourceType) {
    this.resource = resource;
  }

  addIndex(def: IndexDefinition): void {
    const existing = this.indexes.get(def.name);
    if (existing) {
      if (existing.fn === def.indexFn) return;
      throw new Error(`index "${def.name}" on ${def.resource.plural} is defined twice with different functions`);
    }
    const index: Index = { fn: def.indexFn.bind(def), byValue: new Map(), valuesOfKey: new Map() };
    this.indexes.set(def.name, index);
    for (const [key, obj] of this.objects) this.indexObject(index, key, obj);
  }

  get(namespace: string, name: string): T | undefined {
    return this.objects.get(`${namespace}/${name}`);
  }

  getByKey(key: string): T | undefined {
    return this.objects.get(key);
  }

  list(namespace?: string): T[] {
    const all = [...this.objects.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
  }

  keys(): string[] {
    return [...this.objects.keys()];
  }

  get size(): number {
    return this.objects.size;
  }

  byIndex(name: string, value: string): T[] {
    const index = this.indexes.get(name);
    if (!index) throw new Error(`no index "${name}" on ${this.resource.plural}`);
    const keys = index.byValue.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const o = this.objects.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  markSynced(): void {
    this.synced = true;
  }

  /** Stores obj (already transformed and frozen); returns the previous version. */
  set(obj: T): T | undefined {
    const key = keyOf(obj);
    const old = this.objects.get(key);
    this.objects.set(key, obj);
    for (const index of this.indexes.values()) {
      this.unindex(index, key);
      this.indexObject(index, key, obj);
    }
    return old;
  }

  delete(key: string): T | undefined {
    const old = this.objects.get(key);
    if (!old) return undefined;
    this.objects.delete(key);
    for (const index of this.indexes.values()) this.unindex(index, key);
    return old;
  }

  /** Keys in one namespace (or all when namespace is undefined). */
  keysIn(namespace: string | undefined): string[] {
    if (namespace === undefined) return this.keys();
    return this.keys().filter((k) => parseKey(k).namespace === namespace);
  }

  private indexObject(index: Index, key: string, obj: T): void {
    let values: string[];
    try {
      values = [...new Set(index.fn(obj))];
    } catch {
      values = []; // a malformed object must not break the cache; the reconciler reports it
    }
    if (values.length === 0) return;
    index.valuesOfKey.set(key, values);
    for (const v of values) {
      let set = index.byValue.get(v);
      if (!set) index.byValue.set(v, (set = new Set()));
      set.add(key);
    }
  }

  private unindex(index: Index, key: string): void {
    const values = index.valuesOfKey.get(key);
    if (!values) return;
    index.valuesOfKey.delete(key);
    for (const v of values) {
      const set = index.byValue.get(v);
      set?.delete(key);
      if (set && set.size === 0) index.byValue.delete(v);
    }
  }
}
