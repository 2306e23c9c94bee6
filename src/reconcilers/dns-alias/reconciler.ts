// DnsAlias controller: key -> read the resource -> resolve target and zones -> build desired ->
// observe the zones -> check for loops across resources -> plan -> hand the changes to the zone
// coordinator -> status.
//
// Writes are not awaited inside a reconcile: the changes go to the coordinator, which plans all
// DnsAliases' changes to one zone together and sends them once per write interval; when they are
// written the key is queued again and confirms by planning against the (updated) listing. So
// batching depends neither on the worker count nor on how fast reconciles come.
import { route53Port, type Route53Port } from '../../aws/route53.ts';
import { ADOPT_CONSENT_HINT, adoptionAllowed } from '../../config.ts';
import { FINALIZER, RESOURCES, type DnsAlias, type DnsAliasStatus, type LoadBalancedService } from '../../crds/index.ts';
import {
  TerminalError,
  errorMessage,
  isDeleting,
  referenceIndex,
  watchReferenced,
  type ControllerDeps,
  type ControllerRegistration,
  type ReconcileContext,
  type Outcome,
  type ReconcileResult,
} from '../../runtime/index.ts';
import { AliasRegistry, type AliasEntry } from './alias-registry.ts';
import { creationOrder, writeGroups, type WriteGroup } from './apply.ts';
import { buildDesired, type AliasTargetInfo, type DesiredName } from './build.ts';
import { checkPlacement, findLoopThroughRecords, resolveChain, type Hop } from './chain.ts';
import type { Hold } from './holds.ts';
import { cnameLookup, observeZones, resolveZones, type Observation } from './observe.ts';
import { ownerString, type Owner } from './ownership.ts';
import { plan, planDeletion, type ChangeUnit, type DriftEntry, type PreviousRecord } from './plan.ts';
import { describeRecord } from './records.ts';
import { DnsReason, chainSummary, describeDrift, syncedStatus, withOutcome } from './status.ts';
import { ChainLoopError, ReplanError, WriteHeldError, ZoneCoordinator, type ZonePlan } from './zone-coordinator.ts';
import { writeTiming } from './write-schedule.ts';
import { ZoneResolver } from './zones.ts';
import type { RecordSet } from '../../aws/route53.ts';

const DA = RESOURCES.dnsAlias;
const LBS = RESOURCES.loadBalancedService;
const LBS_INDEX = 'dnsalias.spec.target.loadBalancedServiceRef';

export interface DnsAliasOptions {
  port?: Route53Port;
  /** minimum time between two writes to one zone (ALBATROSS_ROUTE53_ZONE_WRITE_INTERVAL_MS, default 5000) */
  writeIntervalMs?: number;
  /** each zone in use is listed again this often (ALBATROSS_ROUTE53_LISTING_TTL_MS, default the resync period) */
  listingTtlMs?: number;
  /** how long hosted zone lookups are cached (default the resync period) */
  zoneTtlMs?: number;
  /** first backoff of a change that failed (default 1000, doubling up to holdMaxMs, default 60000) */
  holdBaseMs?: number;
  holdMaxMs?: number;
  /** receives the coordinator (bench and tests read its per-zone call counts) */
  onCoordinator?: (c: ZoneCoordinator) => void;
}

function envNumber(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${v}: expected a non-negative number of milliseconds`);
  return n;
}

/** A write handed to the coordinator; the next reconcile of the key reads its outcome. */
interface PendingWrite {
  state: 'pending' | 'done' | 'failed';
  since: number;
  /** the version of the object (versionOf) the changes were planned for */
  version: string;
  /** the Reconciling status was written because the write took long */
  progressShown: boolean;
  error?: unknown;
  units: ChangeUnit[];
  drift: DriftEntry[];
  progress: Outcome;
  extra: Partial<DnsAliasStatus>;
}

/** One group of a plan as the coordinator plans it again when it builds the batch. */
interface GroupPlan {
  group: WriteGroup;
  /** every name of this resource in the group's zone */
  names: string[];
  plan(records: readonly RecordSet[]): ZonePlan;
}

function describeChange(u: ChangeUnit): string[] {
  return u.changes.filter((c) => c.record.type !== 'TXT').map((c) => `${c.action} ${c.record.name} ${describeRecord(c.record)} (zone ${u.zoneId})`);
}

function hopsOf(desired: readonly DesiredName[]): Map<string, number> {
  return new Map(desired.map((d) => [`${d.zoneId} ${d.name}`, d.hopIndex]));
}

/** Every name of the resource per zone (desired and previously written). */
function namesByZone(names: Iterable<{ zoneId: string; name: string }>): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const n of names) {
    let s = out.get(n.zoneId);
    if (!s) out.set(n.zoneId, (s = new Set()));
    s.add(n.name);
  }
  return new Map([...out].map(([z, s]) => [z, [...s]]));
}

function withZone(observed: Observation['records'], zoneId: string, records: readonly RecordSet[]): Map<string, readonly RecordSet[]> {
  const m = new Map(observed);
  m.set(zoneId, records);
  return m;
}

/** What a reconcile of the object answers: its spec generation and whether it is being deleted. */
function versionOf(o: DnsAlias): string {
  return `${o.metadata?.generation ?? 0}${isDeleting(o) ? ' deleting' : ''}`;
}

class DnsAliasReconciler {
  private readonly deps: ControllerDeps;
  private readonly coordinator: ZoneCoordinator;
  private readonly zones: ZoneResolver;
  private readonly registry = new AliasRegistry();
  private readonly pending = new Map<string, PendingWrite>();
  /** partner key -> keys stalled in a loop through the partner's chain (woken when it changes) */
  private readonly loopWaiters = new Map<string, Set<string>>();
  /** key -> the version of the object (generation, deleting) its last reconcile finished with */
  private readonly settled = new Map<string, string>();
  /** key -> the version whose finished write the key's reconcile in progress is confirming */
  private readonly confirming = new Map<string, string>();
  /** how long a write may take before status says so; also the poll when there is no enqueue */
  private readonly progressAfterMs: number;

  constructor(deps: ControllerDeps, opts: DnsAliasOptions) {
    this.deps = deps;
    const port = opts.port ?? route53Port();
    // The zone-level resync: each zone in use lists itself again once per resync period (however
    // spread the resources' own re-checks are) and wakes the owners of names that changed; a zone
    // not used for longer is listed again on its next use.
    const period = opts.listingTtlMs ?? envNumber('ALBATROSS_ROUTE53_LISTING_TTL_MS') ?? deps.config.resyncPeriodMs;
    const writeIntervalMs = opts.writeIntervalMs ?? envNumber('ALBATROSS_ROUTE53_ZONE_WRITE_INTERVAL_MS') ?? 5_000;
    this.coordinator = new ZoneCoordinator({
      port,
      writeIntervalMs,
      relistEveryMs: period,
      // The periodic re-listing waits while the zone's writes are busy, at most one more period
      // (zone-coordinator.ts); a listing is used up to that age, never older.
      listingMaxAgeMs: period * 2,
      ...(opts.holdBaseMs !== undefined ? { holdBaseMs: opts.holdBaseMs } : {}),
      ...(opts.holdMaxMs !== undefined ? { holdMaxMs: opts.holdMaxMs } : {}),
      onZoneChanged: (zoneId, names) => {
        for (const n of names) for (const key of this.registry.keysAt(zoneId, n)) this.deps.enqueue?.(key);
      },
      busy: (zoneId) => this.busy(zoneId),
    });
    this.zones = new ZoneResolver(port, opts.zoneTtlMs ?? deps.config.resyncPeriodMs);
    // A batch waits at most 24 write intervals for company (write-schedule.ts: while the zone is
    // busy; else 6), then is sent; a write that takes longer than that says so in status.
    this.progressAfterMs = deps.enqueue ? writeTiming(writeIntervalMs).busyMaxWaitMs + 5_000 : Math.max(50, writeIntervalMs / 2);
    opts.onCoordinator?.(this.coordinator);
  }

  private get aliases() {
    return this.deps.caches.get<DnsAlias>(DA);
  }

  private forget(key: string, owner: Owner): void {
    this.pending.delete(key);
    this.setRegistry(key, undefined);
    this.coordinator.forgetOwner(ownerString(owner));
  }

  /** Updates what others know of this resource; partners stalled in a loop through it look again if its chain changed. */
  private setRegistry(key: string, entry: AliasEntry | undefined): void {
    const before = JSON.stringify(this.registry.get(key)?.edges ?? []);
    if (entry) this.registry.set(entry);
    else this.registry.delete(key);
    const waiters = this.loopWaiters.get(key);
    if (waiters && before !== JSON.stringify(entry?.edges ?? [])) {
      this.loopWaiters.delete(key);
      for (const w of waiters) if (w !== key) this.deps.enqueue?.(w);
    }
  }

  async reconcile(ctx: ReconcileContext): Promise<ReconcileResult> {
    try {
      return await this.reconcileKey(ctx);
    } finally {
      this.confirming.delete(ctx.key);
      // Settled unless a write is pending (then it settles when it comes back to confirm).
      const obj = this.aliases.get(ctx.namespace, ctx.name);
      if (!obj) this.settled.delete(ctx.key);
      else if (this.pending.get(ctx.key)?.state !== 'pending') this.settled.set(ctx.key, versionOf(obj));
      else this.settled.delete(ctx.key);
    }
  }

  /**
   * Whether resources that may write to this zone have changed and not been reconciled yet (new,
   * edited, being deleted, or back from a failed write): the zone's batch waits for them. A
   * resource not known to write elsewhere counts for every zone. One whose write is done and whose
   * spec has not changed since does not: confirming plans nothing new (it writes its status and
   * releases a finalizer), and on a busy machine those confirmations are most of the queue.
   */
  private busy(zoneId: string): boolean {
    for (const o of this.aliases.list()) {
      const key = `${o.metadata?.namespace}/${o.metadata?.name}`;
      const version = versionOf(o);
      if (this.settled.get(key) === version) continue;
      const w = this.pending.get(key);
      if (w?.state === 'pending' || (w?.state === 'done' && w.version === version) || this.confirming.get(key) === version) continue;
      const known = this.registry.get(key);
      if (!known || known.names.some((n) => n.zoneId === zoneId)) return true;
    }
    return false;
  }

  private async reconcileKey(ctx: ReconcileContext): Promise<ReconcileResult> {
    const obj = this.aliases.get(ctx.namespace, ctx.name);
    const owner: Owner = { cluster: this.deps.config.clusterName, kind: DA.kind, namespace: ctx.namespace, name: ctx.name };
    if (!obj) {
      this.forget(ctx.key, owner);
      return {};
    }

    // A write of ours is still queued or in flight: the key is queued again when it is done.
    const write = this.pending.get(ctx.key);
    if (write?.state === 'pending') {
      if (!write.progressShown && performance.now() - write.since >= this.progressAfterMs) {
        write.progressShown = true;
        await this.deps.status.update(DA, obj, (cur) => withOutcome(cur.status, write.progress, cur.metadata?.generation, write.extra), ctx.signal);
      }
      return this.comeBack();
    }
    this.pending.delete(ctx.key);
    if (write?.state === 'done') this.confirming.set(ctx.key, write.version);
    if (write?.state === 'failed') {
      const err = write.error;
      if (err instanceof WriteHeldError) {
        // Told once per failed try (the hold then keeps the change back; status says why).
        if (err.fresh) this.deps.events.warning(obj, DnsReason.AwsError, this.heldMessage(err.hold));
      } else if (!(err instanceof ReplanError) && !(err instanceof ChainLoopError)) {
        await this.reportAwsError(obj, err, ctx);
      }
      // ReplanError / ChainLoopError: planned again below against the zone as it is now.
    }
    if (write?.state === 'done') this.recordWritten(obj, write);

    if (isDeleting(obj)) return this.finalize(obj, owner, ctx);
    await this.deps.finalizers.add(DA, obj, FINALIZER, ctx.signal);
    return this.sync(obj, owner, ctx, write?.state === 'done' ? write.drift : []);
  }

  /** Events for what a finished write changed. */
  private recordWritten(obj: DnsAlias, w: PendingWrite): void {
    const created: string[] = [];
    const updated: string[] = [];
    const deleted: string[] = [];
    for (const u of w.units) {
      if (u.drift.length > 0) continue;
      for (const c of u.changes) {
        if (c.record.type === 'TXT') continue;
        const line = `${c.record.name} ${describeRecord(c.record)} (zone ${u.zoneId})`;
        (c.action === 'CREATE' ? created : c.action === 'UPSERT' ? updated : deleted).push(line);
      }
    }
    if (created.length) this.deps.events.normal(obj, 'Created', `created ${created.join('; ')}`);
    if (updated.length) this.deps.events.normal(obj, 'Updated', `updated ${updated.join('; ')}`);
    if (deleted.length) this.deps.events.normal(obj, 'Deleted', `deleted ${deleted.join('; ')}`);
    if (w.drift.length) this.deps.events.normal(obj, 'DriftCorrected', `changed back: ${describeDrift(w.drift)}`);
  }

  private async reportAwsError(obj: DnsAlias, err: unknown, ctx: ReconcileContext): Promise<never> {
    const kind = (err as { kind?: unknown }).kind;
    const message = `Route 53: ${errorMessage(err)}`;
    if (kind === 'terminal') throw new TerminalError(DnsReason.AwsError, message, { cause: err, recheck: true });
    this.deps.events.warning(obj, 'AwsError', message);
    await this.deps.status.update(
      DA,
      obj,
      (cur) => withOutcome(cur.status, { state: 'Reconciling', reason: DnsReason.AwsError, message }, cur.metadata?.generation),
      ctx.signal,
    );
    throw err;
  }

  private heldMessage(h: Hold): string {
    const what = h.rejected ? 'Route 53 refused the changes of this resource' : 'writing to Route 53 failed';
    return `${what} (attempt ${h.attempts}, tried again with backoff): ${errorMessage(h.error)}`;
  }

  /** Changes held back after a failure: status says why; the key comes back when the backoff ends. */
  private async held(obj: DnsAlias, h: Hold, ctx: ReconcileContext, extra: Partial<DnsAliasStatus> = {}): Promise<ReconcileResult> {
    const message = this.heldMessage(h);
    // Refused by Route 53: it will not go through by waiting (Stalled); other failures are passing (Reconciling).
    const outcome: Outcome = { state: h.rejected ? 'Stalled' : 'Reconciling', reason: DnsReason.AwsError, message };
    await this.deps.status.update(DA, obj, (cur) => withOutcome(cur.status, outcome, cur.metadata?.generation, extra), ctx.signal);
    return { requeueAfterMs: Math.max(50, Math.ceil(h.until - performance.now())) };
  }

  /** The target hostname (and alias data), or why it is not known yet. */
  private target(obj: DnsAlias): { hostname: string; alias?: AliasTargetInfo } | { notReady: string } {
    const t = obj.spec.target;
    const finalRecord = obj.spec.finalRecord ?? 'CNAME';
    if (!t.loadBalancedServiceRef) {
      if (finalRecord === 'Alias') {
        throw new TerminalError(DnsReason.InvalidSpec, 'spec.finalRecord: Alias requires spec.target.loadBalancedServiceRef (an alias needs the load balancer\'s hosted zone)');
      }
      if (!t.hostname) throw new TerminalError(DnsReason.InvalidSpec, 'spec.target: set exactly one of loadBalancedServiceRef or hostname');
      return { hostname: t.hostname };
    }
    const ref = t.loadBalancedServiceRef.name;
    const lbs = this.deps.caches.get<LoadBalancedService>(LBS).get(obj.metadata!.namespace!, ref);
    if (!lbs) return { notReady: `LoadBalancedService ${ref} not found` };
    const lb = lbs.status?.loadBalancer;
    if (!lb?.dnsName) return { notReady: `LoadBalancedService ${ref} has no load balancer DNS name yet` };
    if (finalRecord !== 'Alias') return { hostname: lb.dnsName };
    if (!lb.canonicalHostedZoneId) return { notReady: `LoadBalancedService ${ref} has no canonical hosted zone id yet` };
    return {
      hostname: lb.dnsName,
      alias: { dnsName: lb.dnsName, canonicalHostedZoneId: lb.canonicalHostedZoneId, dualstack: lbs.spec.loadBalancer?.ipAddressType === 'dualstack' },
    };
  }

  private async stalled(obj: DnsAlias, reason: string, message: string, ctx: ReconcileContext, extra: Partial<DnsAliasStatus> = {}): Promise<ReconcileResult> {
    this.deps.events.warning(obj, reason, message);
    ctx.log.warn({ reason, message }, 'dnsalias stalled');
    await this.deps.status.update(DA, obj, (cur) => withOutcome(cur.status, { state: 'Stalled', reason, message }, cur.metadata?.generation, extra), ctx.signal);
    // Not a TerminalError: the holder of a name or a missing zone can change without any event we
    // watch, so the periodic re-check (resync) looks again.
    return {};
  }

  private hopsOrThrow(obj: DnsAlias, target: string | undefined): { hops: Hop[]; chain: string[] } {
    const r = resolveChain(obj.spec.names, target);
    if (!r.ok) throw new TerminalError(DnsReason.InvalidSpec, r.problems.map((p) => `${p.field}: ${p.message}`).join('; '));
    return { hops: r.hops, chain: r.chain };
  }

  /**
   * A loop the chain would close through records in its zones or through other DnsAliases' chains
   * (as they will be once written): the path, or undefined. Others' chains come first: they are
   * what will be there once the pending writes are done.
   */
  private findLoop(key: string, names: readonly string[], target: string, observed: Observation['records']): string[] | undefined {
    const fromRecords = cnameLookup(observed);
    const loop = findLoopThroughRecords(names, target, (n) => this.registry.nextOf(n, key) ?? fromRecords(n));
    if (!loop) return undefined;
    // Wake this resource when a partner's chain changes (it may open the loop).
    for (const partner of this.registry.writersOf(loop, key)) {
      let s = this.loopWaiters.get(partner);
      if (!s) this.loopWaiters.set(partner, (s = new Set()));
      s.add(key);
    }
    return loop;
  }

  private async sync(obj: DnsAlias, owner: Owner, ctx: ReconcileContext, justCorrected: DriftEntry[]): Promise<ReconcileResult> {
    const spec = obj.spec;
    const key = ctx.key;
    const target = this.target(obj);
    if ('notReady' in target) {
      // Validate what we can; leave whatever is in Route 53 as it is.
      const { chain } = this.hopsOrThrow(obj, undefined);
      this.setRegistry(key, undefined);
      await this.deps.status.update(
        DA,
        obj,
        (cur) => withOutcome(cur.status, { state: 'Reconciling', reason: DnsReason.ReferenceNotReady, message: target.notReady }, cur.metadata?.generation, { chain, chainSummary: chainSummary(chain) }),
        ctx.signal,
      );
      return {};
    }
    const { hops, chain } = this.hopsOrThrow(obj, target.hostname);

    const zones = await resolveZones(hops, this.zones);
    if (!zones.ok) {
      this.setRegistry(key, undefined);
      const reason = zones.reason === 'Ambiguous' ? DnsReason.HostedZoneAmbiguous : DnsReason.HostedZoneNotFound;
      return this.stalled(obj, reason, zones.problems.map((p) => `${p.field}: ${p.message}`).join('; '), ctx);
    }
    const finalRecord = spec.finalRecord ?? 'CNAME';
    const placement = checkPlacement(hops, zones.zones.map((z) => z.name), finalRecord);
    if (placement.length > 0) throw new TerminalError(DnsReason.InvalidSpec, placement.map((p) => `${p.field}: ${p.message}`).join('; '));

    const desired = buildDesired({
      hops,
      zones: zones.zones,
      ttlSeconds: spec.ttlSeconds ?? 300,
      finalRecord,
      ...(target.alias ? { alias: target.alias } : {}),
      owner,
    });
    const previous: PreviousRecord[] = (obj.status?.records ?? []).flatMap((r) =>
      r.hostedZoneId && r.name ? [{ hostedZoneId: r.hostedZoneId, name: r.name, type: r.type, value: r.value, ttl: r.ttl }] : [],
    );
    const observed = await observeZones(this.coordinator, new Set(desired.map((d) => d.zoneId)), previous.map((p) => p.hostedZoneId), ctx.signal).catch((err: unknown) => {
      // A zone deleted since it was looked up: look the zones up again next time.
      if ((err as { kind?: unknown }).kind === 'not_found') this.zones.clear();
      throw err;
    });

    // What this resource will write, for the others' loop checks: its CNAMEs (the last one only when
    // the final record is a CNAME).
    const targetName = target.hostname.toLowerCase().replace(/\.$/, '');
    const cnames = hops.filter((_, i) => i < hops.length - 1 || finalRecord === 'CNAME').map((h) => [h.name, h.next || targetName] as const);
    const names = [...desired.map((d) => ({ zoneId: d.zoneId, name: d.name })), ...previous.map((p) => ({ zoneId: p.hostedZoneId, name: p.name }))];
    this.setRegistry(key, { key, names, edges: cnames });

    const loopOf = (): string[] | undefined => (finalRecord === 'CNAME' ? this.findLoop(key, chain.slice(0, -1), targetName, observed.records) : undefined);
    const loop = loopOf();
    if (loop) return this.stalled(obj, DnsReason.ChainLoop, `the target leads back into this chain through existing records or other DnsAliases: ${loop.join(' -> ')}`, ctx);

    // spec.adopt counts only where the operator consented (--adopt-namespaces).
    const adopt = spec.adopt === true && adoptionAllowed(this.deps.config, ctx.namespace);
    const p = plan({ desired, observed: observed.records, owner, adopt, previous });
    if (p.conflicts.length > 0) {
      // Nothing of this chain will be written: others' loop checks must not count on it.
      this.setRegistry(key, { key, names, edges: [] });
      const withConsent = spec.adopt === true && !adopt ? plan({ desired, observed: observed.records, owner, adopt: true, previous }) : undefined;
      if (withConsent && withConsent.conflicts.length === 0) {
        const held = p.conflicts.map((c) => `${c.name} (zone ${c.zoneId}) holds ${c.holder}`).join('; ');
        const message = `nothing written: ${held}; spec.adopt is true, but the operator has not allowed adoption in namespace ${ctx.namespace} (add it to the controller's ${ADOPT_CONSENT_HINT})`;
        return this.stalled(obj, DnsReason.AdoptionNotAllowed, message, ctx, { chain, chainSummary: chainSummary(chain) });
      }
      const message = `nothing written: ${p.conflicts.map((c) => c.message).join('; ')}`;
      return this.stalled(obj, DnsReason.Conflict, message, ctx, { chain, chainSummary: chainSummary(chain) });
    }

    const report = (spec.driftPolicy ?? 'Correct') === 'Report';
    const drift = p.units.flatMap((u) => u.drift);
    const toWrite = report ? p.units.filter((u) => u.drift.length === 0) : p.units;

    if (toWrite.length === 0) {
      const shownDrift = report ? drift : justCorrected;
      if (report && drift.length > 0) this.deps.events.warning(obj, 'Drifted', `Route 53 differs from the spec: ${describeDrift(drift)}`);
      await this.deps.status.update(
        DA,
        obj,
        (cur) => syncedStatus(cur.status, { chain, records: p.records, drift: shownDrift, driftPolicy: report ? 'Report' : 'Correct' }, cur.metadata?.generation),
        ctx.signal,
      );
      return {};
    }

    const hopIndex = hopsOf(desired);
    const ordered = creationOrder(toWrite, (u) => hopIndex.get(`${u.zoneId} ${u.name}`));
    const extra = { chain, chainSummary: chainSummary(chain) };
    const byZone = namesByZone(names);
    const groups: GroupPlan[] = writeGroups(ordered).map((group) => {
      const inGroup = new Set(group.units.map((u) => u.name));
      return {
        group,
        names: byZone.get(group.zoneId) ?? [],
        // Planned again against the zone as the batch leaves: same inputs, the zone as it is then.
        plan: (records) => {
          const again = plan({ desired, observed: withZone(observed.records, group.zoneId, records), owner, adopt, previous });
          if (again.conflicts.length > 0) return { replan: again.conflicts.map((c) => c.message).join('; ') };
          return { units: again.units.filter((u) => u.zoneId === group.zoneId && inGroup.has(u.name) && (!report || u.drift.length === 0)) };
        },
      };
    });
    const hold = this.firstHold(owner, groups);
    if (hold) return this.held(obj, hold, ctx, extra);

    ctx.log.info({ changes: ordered.flatMap(describeChange), drift: drift.length }, 'submitting Route 53 changes');
    const message = `writing ${ordered.reduce((n, u) => n + u.changes.length, 0)} change(s) to zone(s) ${[...new Set(ordered.map((u) => u.zoneId))].join(', ')}`;
    const loopMessage = (): string | undefined => {
      const l = loopOf();
      return l ? `the target leads back into this chain through other DnsAliases: ${l.join(' -> ')}` : undefined;
    };
    this.submit(ctx.key, versionOf(obj), owner, groups, loopMessage, report ? [] : drift, ctx.signal, { state: 'Reconciling', reason: DnsReason.Progressing, message }, extra);
    return this.comeBack();
  }

  /**
   * While a write is pending: with the manager's enqueue the key is queued when the write is done
   * (or when it takes long enough for status to say so), so no poll is scheduled (a poll left in
   * the queue would cost every resource a reconcile after each write); without it, poll.
   */
  private comeBack(): ReconcileResult {
    return this.deps.enqueue ? {} : { requeueAfterMs: this.progressAfterMs };
  }

  private firstHold(owner: Owner, groups: readonly GroupPlan[]): Hold | undefined {
    for (const g of groups) {
      const h = this.coordinator.heldBack(ownerString(owner), g.group.zoneId, g.group.units);
      if (h) return h;
    }
    return undefined;
  }

  private submit(
    key: string,
    version: string,
    owner: Owner,
    groups: readonly GroupPlan[],
    loop: (() => string | undefined) | undefined,
    drift: DriftEntry[],
    signal: AbortSignal,
    progress: Outcome,
    extra: Partial<DnsAliasStatus> = {},
  ): void {
    const units = groups.flatMap((g) => g.group.units);
    const w: PendingWrite = { state: 'pending', since: performance.now(), version, progressShown: false, units, drift, progress, extra };
    this.pending.set(key, w);
    const who = ownerString(owner);
    // A write that takes long (a long wait for company, throttling): status says so once.
    const slow = setTimeout(() => {
      if (w.state === 'pending') this.deps.enqueue?.(key);
    }, this.progressAfterMs);
    slow.unref();
    const run = async (): Promise<void> => {
      // One group after the other: the next zone's names point at what the previous group wrote.
      for (const g of groups) {
        await this.coordinator.submit({ owner: who, zoneId: g.group.zoneId, names: g.names, plan: g.plan, ...(loop ? { loop } : {}), estimate: g.group.units, signal });
      }
    };
    run()
      .then(
        () => {
          w.state = 'done';
        },
        (err: unknown) => {
          w.state = 'failed';
          w.error = err;
        },
      )
      .finally(() => {
        clearTimeout(slow);
        // Confirming a write that went through (status, finalizer) comes after the resources that
        // changed and have not been reconciled: those may still add to the zone's next batch.
        this.deps.enqueue?.(key, w.state === 'done' ? { after: 'changes' } : undefined);
      });
  }

  /** Deletion: Delete removes the records and TXTs this resource owns (nothing else); Retain leaves them. */
  private async finalize(obj: DnsAlias, owner: Owner, ctx: ReconcileContext): Promise<ReconcileResult> {
    if ((obj.spec.deletionPolicy ?? 'Delete') === 'Retain') {
      this.deps.events.normal(obj, 'Retained', 'deletionPolicy Retain: Route 53 records left in place');
      await this.deps.finalizers.remove(DA, obj, FINALIZER, ctx.signal);
      this.forget(ctx.key, owner);
      return {};
    }
    // What to look at: every name status says we wrote, plus the spec's names where the zones resolve.
    const names: Array<{ hostedZoneId: string; name: string; hop: number }> = (obj.status?.records ?? []).flatMap((r) =>
      r.hostedZoneId && r.name ? [{ hostedZoneId: r.hostedZoneId, name: r.name, hop: -1 }] : [],
    );
    const chain = resolveChain(obj.spec.names, undefined);
    if (chain.ok) {
      const resolved = await Promise.all(chain.hops.map((h) => this.zones.resolve(h.zone)));
      resolved.forEach((r, i) => {
        if (r.ok) names.push({ hostedZoneId: r.zone.id, name: chain.hops[i]!.name, hop: i });
      });
    }
    for (const n of names) {
      if (n.hop < 0) n.hop = names.find((m) => m.name === n.name && m.hop >= 0)?.hop ?? Number.MAX_SAFE_INTEGER;
    }
    // A resource being deleted writes no chain any more.
    this.setRegistry(ctx.key, { key: ctx.key, names: names.map((n) => ({ zoneId: n.hostedZoneId, name: n.name })), edges: [] });
    const zoneIds = new Set(names.map((n) => n.hostedZoneId));
    const observed = await observeZones(this.coordinator, [], zoneIds, ctx.signal);
    const hopOf = new Map(names.map((n) => [`${n.hostedZoneId} ${n.name}`, n.hop]));
    const firstHopFirst = (units: ChangeUnit[]): ChangeUnit[] =>
      units.sort((a, b) => (hopOf.get(`${a.zoneId} ${a.name}`) ?? 0) - (hopOf.get(`${b.zoneId} ${b.name}`) ?? 0));
    // First hop first: nothing is left pointing at a name that is already gone.
    const units = firstHopFirst(planDeletion(names, observed.records, owner));
    if (units.length > 0) {
      const byZone = namesByZone(names.map((n) => ({ zoneId: n.hostedZoneId, name: n.name })));
      const groups: GroupPlan[] = writeGroups(units).map((group) => {
        const inGroup = new Set(group.units.map((u) => u.name));
        return {
          group,
          names: byZone.get(group.zoneId) ?? [],
          plan: (records) => ({
            units: planDeletion(names, withZone(observed.records, group.zoneId, records), owner).filter((u) => u.zoneId === group.zoneId && inGroup.has(u.name)),
          }),
        };
      });
      const hold = this.firstHold(owner, groups);
      if (hold) return this.held(obj, hold, ctx);
      this.submit(ctx.key, versionOf(obj), owner, groups, undefined, [], ctx.signal, { state: 'Reconciling', reason: DnsReason.Deleting, message: `deleting ${units.length} owned name(s)` });
      return this.comeBack();
    }
    await this.deps.finalizers.remove(DA, obj, FINALIZER, ctx.signal);
    this.forget(ctx.key, owner);
    return {};
  }
}

/** The DnsAlias controller registration; options are for tests and the bench. */
export function dnsAliasController(opts: DnsAliasOptions = {}): ControllerRegistration {
  return {
    name: 'dnsalias',
    resource: DA,
    indexes: [referenceIndex<DnsAlias>(DA, LBS_INDEX, (a) => [a.spec?.target?.loadBalancedServiceRef?.name])],
    watches: [watchReferenced(LBS, DA, LBS_INDEX)],
    create: (deps) => {
      const r = new DnsAliasReconciler(deps, opts);
      return { reconcile: (ctx) => r.reconcile(ctx) };
    },
  };
}
