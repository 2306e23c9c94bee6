// AWS -> actual: the hosted zones of the chain and their records. No Kubernetes here, so the
// `albatross plan` CLI can use it as is.
import type { HostedZone, RecordSet } from '../../aws/route53.ts';
import type { Hop } from './chain.ts';
import type { ZoneListing } from './zone-coordinator.ts';
import type { ZoneResolution } from './zones.ts';

/** Where listings come from: the shared coordinator in the controller, the port in the CLI. */
export interface ZoneReader {
  listZone(zoneId: string, signal?: AbortSignal): Promise<ZoneListing>;
}

export interface ZoneLookup {
  resolve(ref: Hop['zone']): Promise<ZoneResolution>;
}

export type ZonesResult =
  | { ok: true; zones: HostedZone[] }
  | { ok: false; reason: 'NotFound' | 'Ambiguous'; problems: Array<{ field: string; message: string }> };

/** Resolves every hop's zone; all problems are reported together, each naming its field. */
export async function resolveZones(hops: readonly Hop[], lookup: ZoneLookup): Promise<ZonesResult> {
  const results = await Promise.all(hops.map((h) => lookup.resolve(h.zone)));
  const problems: Array<{ field: string; message: string }> = [];
  let reason: 'NotFound' | 'Ambiguous' = 'NotFound';
  const zones: HostedZone[] = [];
  results.forEach((r, i) => {
    if (r.ok) zones.push(r.zone);
    else {
      problems.push({ field: `spec.names[${hops[i]!.index}].hostedZone`, message: r.message });
      if (r.reason === 'Ambiguous') reason = 'Ambiguous';
    }
  });
  return problems.length > 0 ? { ok: false, reason, problems } : { ok: true, zones };
}

export interface Observation {
  records: Map<string, readonly RecordSet[]>;
  /** listing version per zone, handed back to the coordinator with the changes planned on it */
  versions: Map<string, number>;
}

/**
 * Lists each zone once. Zones in `optional` (earlier chains' zones, for cleanup) may have been
 * deleted: a missing one is skipped, which means nothing there is touched.
 */
export async function observeZones(
  reader: ZoneReader,
  required: Iterable<string>,
  optional: Iterable<string>,
  signal?: AbortSignal,
): Promise<Observation> {
  const req = new Set(required);
  const all = new Set([...req, ...optional]);
  const records = new Map<string, readonly RecordSet[]>();
  const versions = new Map<string, number>();
  await Promise.all(
    [...all].map(async (zoneId) => {
      try {
        const l = await reader.listZone(zoneId, signal);
        records.set(zoneId, l.records);
        versions.set(zoneId, l.version);
      } catch (err) {
        if (!req.has(zoneId) && (err as { kind?: unknown }).kind === 'not_found') return;
        throw err;
      }
    }),
  );
  return { records, versions };
}

/** CNAME targets by name per listing, built once per listing (listings are shared and replaced, never edited). */
const cnameMaps = new WeakMap<readonly RecordSet[], Map<string, string>>();

function cnamesOf(records: readonly RecordSet[]): Map<string, string> {
  let map = cnameMaps.get(records);
  if (!map) {
    map = new Map();
    for (const r of records) if (r.type === 'CNAME' && r.values[0]) map.set(r.name, r.values[0].replace(/\.$/, '').toLowerCase());
    cnameMaps.set(records, map);
  }
  return map;
}

/** The CNAME value at a name in any observed zone (for the cross-resource loop check). */
export function cnameLookup(observed: Observation['records']): (name: string) => string | undefined {
  const maps = [...observed.values()].map(cnamesOf);
  return (name) => {
    for (const m of maps) {
      const v = m.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}
