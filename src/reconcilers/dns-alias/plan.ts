// Pure diff of desired names against what the zones hold. Output is JSON-serialisable: per-name
// change units (a record and its ownership TXT always travel together), conflicts that block all
// writes, and per-record sync state for status. Nothing is deleted unless its TXT names us.
import type { RecordChange, RecordSet } from '../../aws/route53.ts';
import type { DesiredName } from './build.ts';
import { holdingOf, ownerString, ownerTxtName, type Owner } from './ownership.ts';
import { describeRecord, displayValue, sameRecord } from './records.ts';

/** Record types this controller writes at a chain name. */
const MANAGED_TYPES = new Set(['CNAME', 'A', 'AAAA']);

/** A record this resource wrote earlier (from status.records): drift evidence and cleanup list. */
export interface PreviousRecord {
  hostedZoneId: string;
  name: string;
  type?: string;
  value?: string;
  ttl?: number;
}

export interface DriftEntry {
  path: string;
  desired: string;
  actual: string;
}

/** All changes for one name in one zone; sent in one batch so the TXT never lags its record. */
export interface ChangeUnit {
  zoneId: string;
  name: string;
  changes: RecordChange[];
  /** set when this unit puts back what we had already written (changed behind our back) */
  drift: DriftEntry[];
}

export interface Conflict {
  zoneId: string;
  name: string;
  /** who or what holds the name, for the message */
  holder: string;
  message: string;
}

export interface RecordStatus {
  hostedZoneId: string;
  name: string;
  type: string;
  value: string;
  ttl?: number;
  inSync: boolean;
}

export interface Plan {
  units: ChangeUnit[];
  conflicts: Conflict[];
  records: RecordStatus[];
}

export interface PlanInput {
  desired: readonly DesiredName[];
  /** full listing per zone; a zone missing here was not observed and gets no writes or deletes */
  observed: ReadonlyMap<string, readonly RecordSet[]>;
  owner: Owner;
  adopt: boolean;
  /** what status says we wrote; names there but no longer desired are cleaned up if still ours */
  previous: readonly PreviousRecord[];
}

function key(zoneId: string, name: string): string {
  return `${zoneId} ${name}`;
}

/** Whether status says we wrote exactly this record (value and TTL): a difference now is drift. */
function previouslyWrote(previous: readonly PreviousRecord[], zoneId: string, r: RecordSet, ignoreTtl = false): boolean {
  return previous.some(
    (p) =>
      p.hostedZoneId === zoneId &&
      p.name === r.name &&
      p.type === r.type &&
      p.value === displayValue(r) &&
      (r.alias || ignoreTtl ? true : p.ttl === r.ttl),
  );
}

function typesList(records: readonly RecordSet[]): string {
  return [...new Set(records.map((r) => r.type))].sort().join(', ');
}

interface NameState {
  atName: RecordSet[];
  txt: RecordSet | undefined;
}

/** Records by name per listing, built once per listing (listings are shared and replaced, never edited). */
const indexes = new WeakMap<readonly RecordSet[], Map<string, RecordSet[]>>();

function byName(listing: readonly RecordSet[]): Map<string, RecordSet[]> {
  let index = indexes.get(listing);
  if (!index) {
    index = new Map();
    for (const r of listing) {
      const l = index.get(r.name);
      if (l) l.push(r);
      else index.set(r.name, [r]);
    }
    indexes.set(listing, index);
  }
  return index;
}

function stateOf(listing: readonly RecordSet[], name: string): NameState {
  const index = byName(listing);
  return {
    atName: [...(index.get(name) ?? [])],
    txt: index.get(ownerTxtName(name))?.find((r) => r.type === 'TXT' && r.setIdentifier === undefined),
  };
}

/** Deletes for every record of ours at a name, TXT last (same batch). */
function deleteUnit(zoneId: string, name: string, state: NameState): ChangeUnit | undefined {
  const changes: RecordChange[] = state.atName
    .filter((r) => MANAGED_TYPES.has(r.type) && r.setIdentifier === undefined)
    .map((record) => ({ action: 'DELETE', record }));
  if (state.txt) changes.push({ action: 'DELETE', record: state.txt });
  return changes.length > 0 ? { zoneId, name, changes, drift: [] } : undefined;
}

/**
 * Whether we may write at this name: a conflict, or the go-ahead with `ours` telling whether the
 * records there are already ours (true) or free/adopted (false, so nothing there is deleted).
 */
function judge(
  d: DesiredName,
  state: NameState,
  owner: Owner,
  adopt: boolean,
  previous: readonly PreviousRecord[],
): { conflict: Conflict } | { ours: boolean } {
  const { zoneId, name } = d;
  const conflict = (holder: string, message: string): { conflict: Conflict } => ({ conflict: { zoneId, name, holder, message } });
  const where = `${name} (zone ${zoneId})`;
  const holding = holdingOf(state.txt?.values, owner);
  if (holding.kind === 'other') {
    const holder = ownerString(holding.owner);
    return conflict(holder, `${where} is owned by ${holder} per its TXT record ${ownerTxtName(name)}`);
  }
  // Weighted/latency/failover records are someone else's design; we never take them over.
  const routed = state.atName.filter((r) => r.setIdentifier !== undefined);
  if (routed.length > 0) {
    return conflict(
      `${typesList(routed)} routing-policy records`,
      `${where} holds ${typesList(routed)} records with a routing policy (set identifier "${routed[0]!.setIdentifier}"), which this controller never takes over`,
    );
  }
  // TXT deleted behind our back: a record holding the value we wrote there is still ours.
  const ours =
    holding.kind === 'ours' ||
    (holding.kind === 'none' && state.atName.some((r) => MANAGED_TYPES.has(r.type) && previouslyWrote(previous, zoneId, r, true)));
  const wantCname = d.records.some((r) => r.type === 'CNAME');
  // A CNAME cannot share its name with any other record; Route 53 refuses it, moto does not.
  if (wantCname) {
    const others = state.atName.filter((r) => r.type !== 'CNAME' && !(ours && MANAGED_TYPES.has(r.type)));
    if (others.length > 0) {
      return conflict(
        `${typesList(others)} record(s) at ${name}`,
        `refusing a CNAME at ${where}: the name already has ${others.map(describeRecord).join('; ')}, and a CNAME cannot coexist with other records`,
      );
    }
  }
  if (ours) return { ours: true };
  if (holding.kind === 'foreign-txt' && !adopt) {
    return conflict(
      `TXT record ${ownerTxtName(name)} (${state.txt!.values.join(' ')})`,
      `${where}: its ownership name ${ownerTxtName(name)} already holds a TXT record that no Albatross resource owns; set spec.adopt: true to take it over`,
    );
  }
  const desiredTypes = new Set(d.records.map((r) => r.type));
  const occupying = state.atName.filter((r) => desiredTypes.has(r.type) || r.type === 'CNAME');
  if (occupying.length === 0) return { ours: false };
  const sameIdentity = occupying.every((r) => desiredTypes.has(r.type));
  if (adopt && sameIdentity) return { ours: false };
  const described = occupying.map(describeRecord).join('; ');
  return conflict(
    `unowned ${described}`,
    `${where} already holds ${described} that no Albatross resource owns` +
      (sameIdentity ? '; set spec.adopt: true to take it over' : '; adopt cannot take over a record of another type'),
  );
}

function changesFor(d: DesiredName, state: NameState, ours: boolean, previous: readonly PreviousRecord[]): ChangeUnit | undefined {
  const changes: RecordChange[] = [];
  const drift: DriftEntry[] = [];
  const desiredTypes = new Set(d.records.map((r) => r.type));
  // Our own records of a type no longer wanted (CNAME <-> Alias switch, dualstack -> ipv4) go first.
  for (const r of state.atName) {
    if (ours && MANAGED_TYPES.has(r.type) && !desiredTypes.has(r.type) && r.setIdentifier === undefined) changes.push({ action: 'DELETE', record: r });
  }
  for (const want of d.records) {
    const have = state.atName.find((r) => r.type === want.type && r.setIdentifier === undefined);
    if (have && sameRecord(have, want)) continue;
    // CREATE only claims a free name (Route 53 then refuses it if someone got there first); at a
    // name we own, UPSERT is idempotent, also after a crash or a record deleted behind our back.
    changes.push({ action: have || ours ? 'UPSERT' : 'CREATE', record: want });
    if (previouslyWrote(previous, d.zoneId, want)) {
      drift.push({
        path: `records[${d.zoneId}/${d.name}/${want.type}]`,
        desired: describeRecord(want),
        actual: have ? describeRecord(have) : 'absent',
      });
    }
  }
  if (!state.txt || !sameRecord(state.txt, d.txt)) {
    changes.push({ action: state.txt ? 'UPSERT' : 'CREATE', record: d.txt });
    const restoring = d.records.some((r) => previouslyWrote(previous, d.zoneId, r));
    if (restoring && (!state.txt || state.txt.values.join() !== d.txt.values.join() || state.txt.ttl !== d.txt.ttl)) {
      drift.push({
        path: `records[${d.zoneId}/${d.txt.name}/TXT]`,
        desired: describeRecord(d.txt),
        actual: state.txt ? describeRecord(state.txt) : 'absent',
      });
    }
  }
  return changes.length > 0 ? { zoneId: d.zoneId, name: d.name, changes, drift } : undefined;
}

export function plan(input: PlanInput): Plan {
  const { desired, observed, owner, adopt, previous } = input;
  const units: ChangeUnit[] = [];
  const conflicts: Conflict[] = [];
  const records: RecordStatus[] = [];
  const desiredKeys = new Set(desired.map((d) => key(d.zoneId, d.name)));

  for (const d of desired) {
    const listing = observed.get(d.zoneId);
    if (!listing) throw new Error(`zone ${d.zoneId} was not observed; cannot plan ${d.name}`);
    const state = stateOf(listing, d.name);
    for (const want of d.records) {
      const have = state.atName.find((r) => r.type === want.type && r.setIdentifier === undefined);
      records.push({
        hostedZoneId: d.zoneId,
        name: d.name,
        type: want.type,
        value: displayValue(want),
        ...(want.alias ? {} : { ttl: want.ttl }),
        inSync: !!have && sameRecord(have, want) && !!state.txt && sameRecord(state.txt, d.txt),
      });
    }
    const verdict = judge(d, state, owner, adopt, previous);
    if ('conflict' in verdict) {
      conflicts.push(verdict.conflict);
      continue;
    }
    const unit = changesFor(d, state, verdict.ours, previous);
    if (unit) units.push(unit);
  }

  // Names we wrote before that left the chain: removed, but only where the TXT still names us.
  const cleaned = new Set<string>();
  for (const p of previous) {
    const k = key(p.hostedZoneId, p.name);
    if (desiredKeys.has(k) || cleaned.has(k)) continue;
    cleaned.add(k);
    const listing = observed.get(p.hostedZoneId);
    if (!listing) continue;
    const state = stateOf(listing, p.name);
    if (holdingOf(state.txt?.values, owner).kind !== 'ours') continue;
    const unit = deleteUnit(p.hostedZoneId, p.name, state);
    if (unit) units.push(unit);
  }

  // A conflict anywhere means nothing is written at all: a half-written chain is worse than none.
  if (conflicts.length > 0) return { units: [], conflicts, records };
  return { units, conflicts, records };
}

/** Deletion: every listed name whose TXT names us loses its records and TXT; others are left. */
export function planDeletion(
  names: ReadonlyArray<{ hostedZoneId: string; name: string }>,
  observed: ReadonlyMap<string, readonly RecordSet[]>,
  owner: Owner,
): ChangeUnit[] {
  const units: ChangeUnit[] = [];
  const seen = new Set<string>();
  for (const n of names) {
    const k = key(n.hostedZoneId, n.name);
    if (seen.has(k)) continue;
    seen.add(k);
    const listing = observed.get(n.hostedZoneId);
    if (!listing) continue;
    const state = stateOf(listing, n.name);
    if (holdingOf(state.txt?.values, owner).kind !== 'ours') continue;
    const unit = deleteUnit(n.hostedZoneId, n.name, state);
    if (unit) units.push(unit);
  }
  return units;
}
