// DnsAlias controller: key -> read the resource -> resolve target and zones -> build desired ->
// observe the zones -> plan -> hand the changes to the per-zone coordinator -> status.
//
// Writes are not awaited inside a reconcile: the units go to the coordinator, which merges them
// with other DnsAliases' changes to the same zone, and the key comes back shortly to confirm by
// observing. So batching does not depend on how many reconciles run at once.
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
import { applyInOrder, creationOrder } from './apply.ts';
import { buildDesired, type AliasTargetInfo, type DesiredName } from './build.ts';
import { checkPlacement, findLoopThroughRecords, resolveChain, type Hop } from './chain.ts';
import { cnameLookup, observeZones, resolveZones } from './observe.ts';
import { ownerString, type Owner } from './ownership.ts';
import { plan, planDeletion, type ChangeUnit, type DriftEntry, type PreviousRecord } from './plan.ts';
import { describeRecord } from './records.ts';
import { DnsReason, chainSummary, describeDrift, syncedStatus, withOutcome } from './status.ts';
import { StalePlanError, ZoneCoordinator } from './zone-coordinator.ts';
import { ZoneResolver } from './zones.ts';

const DA = RESOURCES.dnsAlias;
const LBS = RESOURCES.loadBalancedService;
const LBS_INDEX = 'dnsalias.spec.target.loadBalancedServiceRef';

export interface DnsAliasOptions {
  port?: Route53Port;
  /** debounce window for a zone's change batch (ALBATROSS_ROUTE53_BATCH_WINDOW_MS, default 200) */
  batchWindowMs?: number;
  /** longest a change waits for more to join its batch (ALBATROSS_ROUTE53_BATCH_MAX_WAIT_MS, default 5000) */
  batchMaxWaitMs?: number;
  /** how long a zone listing is shared (ALBATROSS_ROUTE53_LISTING_TTL_MS, default 10000) */
  listingTtlMs?: number;
  /** how long hosted zone lookups by name are cached (default 60000) */
  zoneTtlMs?: number;
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
  /** how often the key came back while the write was still pending (the poll slows down) */
  polls: number;
  error?: unknown;
  units: ChangeUnit[];
  drift: DriftEntry[];
  /** shown as Reconciling when the write takes longer than a few polls (a status write per
   * reconcile would cost more than the batching saves) */
  progress: Outcome;
  extra: Partial<DnsAliasStatus>;
}

function describeChange(u: ChangeUnit): string[] {
  return u.changes.filter((c) => c.record.type !== 'TXT').map((c) => `${c.action} ${c.record.name} ${describeRecord(c.record)} (zone ${u.zoneId})`);
}

function hopsOf(desired: readonly DesiredName[]): Map<string, number> {
  return new Map(desired.map((d) => [`${d.zoneId} ${d.name}`, d.hopIndex]));
}

class DnsAliasReconciler {
  private readonly deps: ControllerDeps;
  private readonly coordinator: ZoneCoordinator;
  private readonly zones: ZoneResolver;
  private readonly pending = new Map<string, PendingWrite>();
  private readonly pollMs: number;

  constructor(deps: ControllerDeps, opts: DnsAliasOptions) {
    this.deps = deps;
    const port = opts.port ?? route53Port();
    const windowMs = opts.batchWindowMs ?? envNumber('ALBATROSS_ROUTE53_BATCH_WINDOW_MS') ?? 200;
    this.coordinator = new ZoneCoordinator({
      port,
      windowMs,
      maxWaitMs: opts.batchMaxWaitMs ?? envNumber('ALBATROSS_ROUTE53_BATCH_MAX_WAIT_MS') ?? 5_000,
      listingTtlMs: opts.listingTtlMs ?? envNumber('ALBATROSS_ROUTE53_LISTING_TTL_MS') ?? 10_000,
    });
    this.zones = new ZoneResolver(port, opts.zoneTtlMs ?? 60_000);
    this.pollMs = Math.max(50, windowMs);
    opts.onCoordinator?.(this.coordinator);
  }

  private get aliases() {
    return this.deps.caches.get<DnsAlias>(DA);
  }

  async reconcile(ctx: ReconcileContext): Promise<ReconcileResult> {
    const obj = this.aliases.get(ctx.namespace, ctx.name);
    if (!obj) {
      this.pending.delete(ctx.key);
      return {};
    }
    const owner: Owner = { cluster: this.deps.config.clusterName, kind: DA.kind, namespace: ctx.namespace, name: ctx.name };

    // A write of ours is still queued or in flight: come back when it has been sent.
    const write = this.pending.get(ctx.key);
    if (write?.state === 'pending') {
      if (write.polls === 3) {
        await this.deps.status.update(DA, obj, (cur) => withOutcome(cur.status, write.progress, cur.metadata?.generation, write.extra), ctx.signal);
      }
      return { requeueAfterMs: Math.min(2_000, this.pollMs * 2 ** write.polls++) };
    }
    this.pending.delete(ctx.key);
    if (write?.state === 'failed' && !(write.error instanceof StalePlanError)) {
      await this.reportAwsError(obj, write.error, ctx);
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

  private async sync(obj: DnsAlias, owner: Owner, ctx: ReconcileContext, justCorrected: DriftEntry[]): Promise<ReconcileResult> {
    const spec = obj.spec;
    const target = this.target(obj);
    if ('notReady' in target) {
      // Validate what we can; leave whatever is in Route 53 as it is.
      const { chain } = this.hopsOrThrow(obj, undefined);
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
    const observed = await observeZones(this.coordinator, new Set(desired.map((d) => d.zoneId)), previous.map((p) => p.hostedZoneId), ctx.signal);

    if (finalRecord === 'CNAME') {
      const loop = findLoopThroughRecords(chain.slice(0, -1), target.hostname.toLowerCase().replace(/\.$/, ''), cnameLookup(observed.records));
      if (loop) return this.stalled(obj, DnsReason.ChainLoop, `the target leads back into this chain through existing records: ${loop.join(' -> ')}`, ctx);
    }

    // spec.adopt counts only where the operator consented (--adopt-namespaces).
    const mayAdopt = spec.adopt === true && adoptionAllowed(this.deps.config, ctx.namespace);
    const p = plan({ desired, observed: observed.records, owner, adopt: mayAdopt, previous });
    if (p.conflicts.length > 0) {
      const withConsent = spec.adopt === true && !mayAdopt ? plan({ desired, observed: observed.records, owner, adopt: true, previous }) : undefined;
      if (withConsent && withConsent.conflicts.length === 0) {
        const names = p.conflicts.map((c) => `${c.name} (zone ${c.zoneId}) holds ${c.holder}`).join('; ');
        const message = `nothing written: ${names}; spec.adopt is true, but the operator has not allowed adoption in namespace ${ctx.namespace} (add it to the controller's ${ADOPT_CONSENT_HINT})`;
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
    ctx.log.info({ changes: ordered.flatMap(describeChange), drift: drift.length }, 'submitting Route 53 changes');
    const message = `writing ${ordered.reduce((n, u) => n + u.changes.length, 0)} change(s) to zone(s) ${[...new Set(ordered.map((u) => u.zoneId))].join(', ')}`;
    this.submit(ctx.key, ordered, report ? [] : drift, observed.versions, ownerString(owner), ctx.signal, { state: 'Reconciling', reason: DnsReason.Progressing, message }, { chain, chainSummary: chainSummary(chain) });
    return { requeueAfterMs: this.pollMs };
  }

  private submit(
    key: string,
    units: ChangeUnit[],
    drift: DriftEntry[],
    versions: ReadonlyMap<string, number>,
    owner: string,
    signal: AbortSignal,
    progress: Outcome,
    extra: Partial<DnsAliasStatus> = {},
  ): void {
    const w: PendingWrite = { state: 'pending', polls: 0, units, drift, progress, extra };
    this.pending.set(key, w);
    applyInOrder(this.coordinator, owner, units, versions, signal).then(
      () => {
        w.state = 'done';
      },
      (err: unknown) => {
        w.state = 'failed';
        w.error = err;
      },
    );
  }

  /** Deletion: Delete removes the records and TXTs this resource owns (nothing else); Retain leaves them. */
  private async finalize(obj: DnsAlias, owner: Owner, ctx: ReconcileContext): Promise<ReconcileResult> {
    if ((obj.spec.deletionPolicy ?? 'Delete') === 'Retain') {
      this.deps.events.normal(obj, 'Retained', 'deletionPolicy Retain: Route 53 records left in place');
      await this.deps.finalizers.remove(DA, obj, FINALIZER, ctx.signal);
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
    const zoneIds = new Set(names.map((n) => n.hostedZoneId));
    const observed = await observeZones(this.coordinator, [], zoneIds, ctx.signal);
    const hopOf = new Map(names.map((n) => [`${n.hostedZoneId} ${n.name}`, n.hop]));
    // First hop first: nothing is left pointing at a name that is already gone.
    const units = planDeletion(names, observed.records, owner).sort(
      (a, b) => (hopOf.get(`${a.zoneId} ${a.name}`) ?? 0) - (hopOf.get(`${b.zoneId} ${b.name}`) ?? 0),
    );
    if (units.length > 0) {
      this.submit(ctx.key, units, [], observed.versions, ownerString(owner), ctx.signal, { state: 'Reconciling', reason: DnsReason.Deleting, message: `deleting ${units.length} owned name(s)` });
      return { requeueAfterMs: this.pollMs };
    }
    await this.deps.finalizers.remove(DA, obj, FINALIZER, ctx.signal);
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
