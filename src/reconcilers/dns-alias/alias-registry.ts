// What every DnsAlias of this controller wants, as far as other DnsAliases need to know it:
// - the CNAMEs its chain writes (name -> next), so a loop across resources (a -> b and b -> a
//   applied together) is found before either is written, not after both are;
// - the names it holds per zone, so a re-listing that shows a change at a name wakes its owner.
// Kept in memory, refreshed by every reconcile, dropped when the resource is gone.

export interface AliasEntry {
  /** work queue key, namespace/name */
  key: string;
  /** names per zone this resource writes or cleans up */
  names: ReadonlyArray<{ zoneId: string; name: string }>;
  /** the CNAMEs of its chain as they will be once written: [name, next] (empty when it writes none) */
  edges: ReadonlyArray<readonly [string, string]>;
}

export class AliasRegistry {
  private readonly entries = new Map<string, AliasEntry>();
  /** "zoneId name" -> keys */
  private readonly byName = new Map<string, Set<string>>();
  /** name -> (key -> next) */
  private readonly edges = new Map<string, Map<string, string>>();

  set(e: AliasEntry): void {
    this.delete(e.key);
    this.entries.set(e.key, e);
    for (const n of e.names) {
      const k = `${n.zoneId} ${n.name}`;
      let s = this.byName.get(k);
      if (!s) this.byName.set(k, (s = new Set()));
      s.add(e.key);
    }
    for (const [from, to] of e.edges) {
      let m = this.edges.get(from);
      if (!m) this.edges.set(from, (m = new Map()));
      m.set(e.key, to);
    }
  }

  delete(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    for (const n of e.names) {
      const k = `${n.zoneId} ${n.name}`;
      const s = this.byName.get(k);
      s?.delete(key);
      if (s?.size === 0) this.byName.delete(k);
    }
    for (const [from] of e.edges) {
      const m = this.edges.get(from);
      m?.delete(key);
      if (m?.size === 0) this.edges.delete(from);
    }
  }

  get(key: string): AliasEntry | undefined {
    return this.entries.get(key);
  }

  /** Keys of the resources that hold `name` in zone `zoneId`. */
  keysAt(zoneId: string, name: string): string[] {
    return [...(this.byName.get(`${zoneId} ${name}`) ?? [])];
  }

  /** Where another resource's chain will point `name` (undefined: no other resource writes a CNAME there). */
  nextOf(name: string, exceptKey: string): string | undefined {
    const m = this.edges.get(name);
    if (!m) return undefined;
    for (const [key, next] of m) if (key !== exceptKey) return next;
    return undefined;
  }

  /** Keys of other resources whose chains write a CNAME at one of `names`. */
  writersOf(names: Iterable<string>, exceptKey: string): string[] {
    const out = new Set<string>();
    for (const n of names) for (const key of this.edges.get(n)?.keys() ?? []) if (key !== exceptKey) out.add(key);
    return [...out];
  }

  get size(): number {
    return this.entries.size;
  }
}
