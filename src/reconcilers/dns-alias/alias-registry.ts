// What every DnsAlias of this controller wants, as far as other DnsAliases need to know it:
// - the CNAMEs its chain writes (name -> next), so a loop across resources (a -> b and b -> a
//   applied together) is found before either is written, not after both are;
// - the names it holds per zone, so a re-listing that shows a change at a name wakes its owner.
// Kept in memory, refreshed by every reconcile, dropped when the resource is gone.
import { internString } from '../../runtime/intern.ts';

export interface AliasEntry {
  /** work queue key, namespace/name */
  key: string;
  /** names per zone this resource writes or cleans up */
  names: ReadonlyArray<{ zoneId: string; name: string }>;
  /** the CNAMEs of its chain as they will be once written: [name, next] (empty when it writes none) */
  edges: ReadonlyArray<readonly [string, string]>;
}

/** One key or, once a second one arrives, a Set of them: almost every name has one owner, and a one-element Set costs more than the key (issue 11). */
type OneOrMany = string | Set<string>;

function addTo(m: Map<string, OneOrMany>, k: string, v: string): void {
  const cur = m.get(k);
  if (cur === undefined) m.set(k, v);
  else if (typeof cur === 'string') {
    if (cur !== v) m.set(k, new Set([cur, v]));
  } else cur.add(v);
}

function removeFrom(m: Map<string, OneOrMany>, k: string, v: string): void {
  const cur = m.get(k);
  if (cur === undefined) return;
  if (typeof cur === 'string') {
    if (cur === v) m.delete(k);
    return;
  }
  cur.delete(v);
  if (cur.size === 0) m.delete(k);
  else if (cur.size === 1) m.set(k, cur.values().next().value as string);
}

function* each(v: OneOrMany | undefined): Iterable<string> {
  if (v === undefined) return;
  if (typeof v === 'string') yield v;
  else yield* v;
}

export class AliasRegistry {
  private readonly entries = new Map<string, AliasEntry>();
  /** zoneId -> name -> keys */
  private readonly byName = new Map<string, Map<string, OneOrMany>>();
  /** name -> keys whose chains write a CNAME there */
  private readonly writers = new Map<string, OneOrMany>();

  set(e: AliasEntry): void {
    this.delete(e.key);
    // Interned: the same names are in the cached DnsAliases and the zone listings.
    const entry: AliasEntry = {
      key: internString(e.key),
      names: e.names.map((n) => ({ zoneId: internString(n.zoneId), name: internString(n.name) })),
      edges: e.edges.map(([from, to]) => [internString(from), internString(to)] as const),
    };
    this.entries.set(entry.key, entry);
    for (const n of entry.names) {
      let zone = this.byName.get(n.zoneId);
      if (!zone) this.byName.set(n.zoneId, (zone = new Map()));
      addTo(zone, n.name, entry.key);
    }
    for (const [from] of entry.edges) addTo(this.writers, from, entry.key);
  }

  delete(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    for (const n of e.names) {
      const zone = this.byName.get(n.zoneId);
      if (!zone) continue;
      removeFrom(zone, n.name, key);
      if (zone.size === 0) this.byName.delete(n.zoneId);
    }
    for (const [from] of e.edges) removeFrom(this.writers, from, key);
  }

  get(key: string): AliasEntry | undefined {
    return this.entries.get(key);
  }

  /** Keys of the resources that hold `name` in zone `zoneId`. */
  keysAt(zoneId: string, name: string): string[] {
    return [...each(this.byName.get(zoneId)?.get(name))];
  }

  /** Where another resource's chain will point `name` (undefined: no other resource writes a CNAME there). */
  nextOf(name: string, exceptKey: string): string | undefined {
    for (const key of each(this.writers.get(name))) {
      if (key === exceptKey) continue;
      const edge = this.entries.get(key)?.edges.find(([from]) => from === name);
      if (edge) return edge[1];
    }
    return undefined;
  }

  /** Keys of other resources whose chains write a CNAME at one of `names`. */
  writersOf(names: Iterable<string>, exceptKey: string): string[] {
    const out = new Set<string>();
    for (const n of names) for (const key of each(this.writers.get(n))) if (key !== exceptKey) out.add(key);
    return [...out];
  }

  get size(): number {
    return this.entries.size;
  }
}
