// The CNAME chain: public name first, each name pointing at the next, the last at the target.
// Everything here is pure; zones are resolved elsewhere and passed in for the placement check.
import { canonical, isWithinZone, isZoneApex, normalizeName } from './names.ts';

/** How a hop names its hosted zone: by id, or by name (+ private to choose in split horizon). */
export interface ZoneRef {
  id?: string;
  name?: string;
  private?: boolean;
}

export interface NameSpec {
  name: string;
  hostedZone: ZoneRef;
}

export interface Hop {
  /** index in spec.names */
  index: number;
  name: string;
  zone: ZoneRef;
  /** what this hop points at: the next name, or the target for the last hop */
  next: string;
}

export interface ChainProblem {
  field: string;
  message: string;
}

export type ChainResult = { ok: true; hops: Hop[]; chain: string[] } | { ok: false; problems: ChainProblem[] };

/**
 * Validates and links the names into hops. The target is the hostname the last hop points at
 * (undefined while a referenced load balancer has no DNS name yet: hops then end in '').
 */
export function resolveChain(names: readonly NameSpec[], target: string | undefined): ChainResult {
  const problems: ChainProblem[] = [];
  if (names.length === 0) problems.push({ field: 'spec.names', message: 'must list at least one name' });
  const canonicalNames: string[] = [];
  const seen = new Map<string, number>();
  names.forEach((n, i) => {
    const field = `spec.names[${i}].name`;
    const r = normalizeName(n.name);
    if ('error' in r) {
      problems.push({ field, message: `"${n.name}" ${r.error}` });
      canonicalNames.push('');
      return;
    }
    const first = seen.get(r.name);
    if (first !== undefined) {
      problems.push({ field, message: `"${r.name}" repeats spec.names[${first}].name (a chain may not visit a name twice)` });
    } else {
      seen.set(r.name, i);
    }
    canonicalNames.push(r.name);
    const z = n.hostedZone ?? {};
    if ((z.id ? 1 : 0) + (z.name ? 1 : 0) !== 1) {
      problems.push({ field: `spec.names[${i}].hostedZone`, message: 'must set exactly one of id or name' });
    } else if (z.name) {
      const zr = normalizeName(z.name);
      if ('error' in zr) problems.push({ field: `spec.names[${i}].hostedZone.name`, message: `"${z.name}" ${zr.error}` });
    }
  });

  let finalTarget = '';
  if (target !== undefined) {
    const t = normalizeName(target);
    if ('error' in t) {
      problems.push({ field: 'spec.target', message: `target "${target}" ${t.error}` });
    } else {
      finalTarget = t.name;
      const loopAt = seen.get(t.name);
      if (loopAt !== undefined) {
        problems.push({
          field: 'spec.target',
          message: `target "${t.name}" is spec.names[${loopAt}].name: the chain would loop`,
        });
      }
    }
  }
  if (problems.length > 0) return { ok: false, problems };

  const hops = canonicalNames.map((name, i) => {
    const ref = names[i]!.hostedZone;
    const zone: ZoneRef = ref.id
      ? { id: ref.id.trim().replace(/^\/?hostedzone\//, '') }
      : { name: canonical(ref.name ?? ''), ...(ref.private !== undefined ? { private: ref.private } : {}) };
    return { index: i, name, zone, next: canonicalNames[i + 1] ?? finalTarget };
  });
  return { ok: true, hops, chain: finalTarget ? [...canonicalNames, finalTarget] : canonicalNames };
}

/**
 * Checks each hop against the zone it resolved to: the name must lie inside the zone, and a CNAME
 * may not sit at the zone apex (the apex holds SOA and NS). With finalRecord Alias the last hop is
 * an A/AAAA alias, which is allowed at the apex.
 */
export function checkPlacement(
  hops: readonly Hop[],
  zoneNames: readonly string[],
  finalRecord: 'CNAME' | 'Alias',
): ChainProblem[] {
  const problems: ChainProblem[] = [];
  hops.forEach((hop, i) => {
    const zone = zoneNames[i] ?? '';
    const field = `spec.names[${hop.index}].name`;
    if (!isWithinZone(hop.name, zone)) {
      problems.push({ field, message: `"${hop.name}" is not inside its hosted zone "${zone}"` });
      return;
    }
    const isCname = i < hops.length - 1 || finalRecord === 'CNAME';
    if (isCname && isZoneApex(hop.name, zone)) {
      problems.push({
        field,
        message: `"${hop.name}" is the apex of zone "${zone}", where a CNAME is not allowed (use finalRecord: Alias on the last name)`,
      });
    }
  });
  return problems;
}

/**
 * Follows the target through CNAMEs already present in the zones we have listed; if that walk comes
 * back to one of our names, writing the chain would make a loop across resources (A -> B -> A).
 */
export function findLoopThroughRecords(
  chainNames: readonly string[],
  target: string,
  cnameOf: (name: string) => string | undefined,
  maxSteps = 32,
): string[] | undefined {
  const ours = new Set(chainNames);
  const path = [target];
  let cur = target;
  for (let step = 0; step < maxSteps; step++) {
    if (ours.has(cur)) return path;
    const next = cnameOf(cur);
    if (next === undefined) return undefined;
    if (path.includes(next)) return undefined; // a loop elsewhere, not through us
    path.push(next);
    cur = next;
  }
  return undefined;
}
