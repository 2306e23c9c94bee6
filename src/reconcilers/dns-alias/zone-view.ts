// A zone's records by name (pure): what the coordinator plans against while it builds a batch, each
// planned change applied in turn, so the DnsAliases of one batch see each other's claims.
import type { RecordChange, RecordSet } from '../../aws/route53.ts';
import { OWNER_PREFIX, ownerTxtName } from './ownership.ts';

function sameSet(a: RecordSet, b: { name: string; type: string; setIdentifier?: string }): boolean {
  return a.name === b.name && a.type === b.type && a.setIdentifier === b.setIdentifier;
}

/** The zone after a change batch Route 53 accepted, as Route 53 applies it. */
export function applyChanges(records: readonly RecordSet[], changes: readonly RecordChange[]): RecordSet[] {
  const touched = new Set(changes.map((c) => c.record.name));
  const out = records.filter((r) => !touched.has(r.name));
  const view = new ZoneView(records.filter((r) => touched.has(r.name)));
  view.apply(changes);
  for (const n of touched) out.push(...view.at([n], false));
  return out;
}

export class ZoneView {
  private readonly byName = new Map<string, RecordSet[]>();

  constructor(records: readonly RecordSet[]) {
    for (const r of records) {
      const list = this.byName.get(r.name);
      if (list) list.push(r);
      else this.byName.set(r.name, [r]);
    }
  }

  /** The records at these names and (withOwnership) at their ownership TXT names. */
  at(names: readonly string[], withOwnership = true): RecordSet[] {
    const out: RecordSet[] = [];
    const seen = new Set<string>();
    for (const n of names) {
      for (const m of withOwnership ? [n, ownerTxtName(n)] : [n]) {
        if (seen.has(m)) continue;
        seen.add(m);
        out.push(...(this.byName.get(m) ?? []));
      }
    }
    return out;
  }

  apply(changes: readonly RecordChange[]): void {
    for (const c of changes) {
      const kept = (this.byName.get(c.record.name) ?? []).filter((r) => !sameSet(r, c.record));
      if (c.action !== 'DELETE') kept.push(c.record);
      if (kept.length > 0) this.byName.set(c.record.name, kept);
      else this.byName.delete(c.record.name);
    }
  }
}

function key(r: RecordSet): string {
  return JSON.stringify([r.type, r.setIdentifier ?? '', r.ttl ?? null, [...r.values].sort(), r.alias ?? null]);
}

/**
 * Names whose records differ between two listings of a zone, ownership TXT names reported as the
 * name they own (so its owner can be found).
 */
export function changedNames(before: readonly RecordSet[], after: readonly RecordSet[]): string[] {
  const index = (rs: readonly RecordSet[]): Map<string, string[]> => {
    const m = new Map<string, string[]>();
    for (const r of rs) {
      const l = m.get(r.name);
      if (l) l.push(key(r));
      else m.set(r.name, [key(r)]);
    }
    return m;
  };
  const a = index(before);
  const b = index(after);
  const out = new Set<string>();
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    const x = (a.get(name) ?? []).sort().join('\n');
    const y = (b.get(name) ?? []).sort().join('\n');
    if (x !== y) out.add(name.startsWith(OWNER_PREFIX) ? name.slice(OWNER_PREFIX.length) : name);
  }
  return [...out];
}
