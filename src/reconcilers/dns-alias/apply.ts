// The order a plan's change units are written in: creating, the last hop goes first so a public name
// never points at a name that does not exist yet; deleting, the first hop goes first so nothing is
// left pointing at a removed name. Consecutive units of one zone form one group; the groups are
// handed to the coordinator one after the other, each once the previous one is written.
import type { ChangeUnit } from './plan.ts';

export interface WriteGroup {
  zoneId: string;
  units: ChangeUnit[];
}

/** Groups consecutive units of one zone, keeping the given order. */
export function writeGroups(units: readonly ChangeUnit[]): WriteGroup[] {
  const groups: WriteGroup[] = [];
  for (const u of units) {
    const last = groups[groups.length - 1];
    if (last && last.zoneId === u.zoneId) last.units.push(u);
    else groups.push({ zoneId: u.zoneId, units: [u] });
  }
  return groups;
}

/** Orders units for creation/update: last hop first, then cleanup of names that left the chain. */
export function creationOrder(units: readonly ChangeUnit[], hopIndexOf: (u: ChangeUnit) => number | undefined): ChangeUnit[] {
  const rank = (u: ChangeUnit): number => {
    const i = hopIndexOf(u);
    return i === undefined ? Number.MAX_SAFE_INTEGER : -i;
  };
  return [...units].sort((a, b) => rank(a) - rank(b));
}
