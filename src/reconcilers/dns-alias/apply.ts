// Sends a plan's change units through the shared per-zone coordinator, in dependency order:
// creating, the last hop goes first so a public name never points at a name that does not exist yet;
// deleting, the first hop goes first so nothing is left pointing at a removed name.
import type { ChangeUnit } from './plan.ts';

export interface ChangeSink {
  submit(zoneId: string, owner: string, units: readonly ChangeUnit[], basedOn: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Groups consecutive units of one zone (in the given order) and submits group after group, each
 * waiting for the previous one to be written. Units of one group share a Route 53 batch with other
 * resources' changes to that zone.
 */
export async function applyInOrder(
  sink: ChangeSink,
  owner: string,
  units: readonly ChangeUnit[],
  versions: ReadonlyMap<string, number>,
  signal?: AbortSignal,
): Promise<void> {
  const groups: ChangeUnit[][] = [];
  for (const u of units) {
    const last = groups[groups.length - 1];
    if (last && last[0]!.zoneId === u.zoneId) last.push(u);
    else groups.push([u]);
  }
  for (const g of groups) {
    const zoneId = g[0]!.zoneId;
    await sink.submit(zoneId, owner, g, versions.get(zoneId) ?? -1, signal);
  }
}

/** Orders units for creation/update: last hop first, then cleanup of names that left the chain. */
export function creationOrder(units: readonly ChangeUnit[], hopIndexOf: (u: ChangeUnit) => number | undefined): ChangeUnit[] {
  const rank = (u: ChangeUnit): number => {
    const i = hopIndexOf(u);
    return i === undefined ? Number.MAX_SAFE_INTEGER : -i;
  };
  return [...units].sort((a, b) => rank(a) - rank(b));
}
