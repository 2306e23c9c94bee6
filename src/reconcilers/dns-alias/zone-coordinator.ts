// One coordinator per process for all DnsAliases. Per hosted zone it
//  - shares record listings across reconciles (a short-lived cache that our own successful writes
//    are applied to, so a burst of writes does not cost a re-listing each),
//  - collects change units submitted close together (debounced window, capped) and sends them as few
//    ChangeResourceRecordSets calls as Route 53's limits allow,
//  - sends one batch at a time (Route 53 answers PriorRequestNotComplete to overlapping changes),
//    retrying on throttling,
//  - refuses a unit planned against a listing older than a write to one of its names (the planner
//    must look again), so two resources can never both "create" the same free name.
import { Counter, register } from 'prom-client';
import type { RecordChange, RecordSet, Route53Port } from '../../aws/route53.ts';
import { changeCost, packBatches, ROUTE53_LIMITS, type BatchLimits } from './batcher.ts';
import type { ChangeUnit } from './plan.ts';

export interface CoordinatorOptions {
  port: Route53Port;
  /** a zone's batch is sent once no new submission came for this long ... */
  windowMs?: number;
  /** ... or once its oldest submission has waited this long */
  maxWaitMs?: number;
  /** how long a zone listing is reused (our own writes are applied to it; others' show up after this) */
  listingTtlMs?: number;
  /** attempts per batch on throttling / PriorRequestNotComplete (beyond the SDK's own retries) */
  maxAttempts?: number;
  baseBackoffMs?: number;
  limits?: BatchLimits;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  onBatch?: (zoneId: string, changes: readonly RecordChange[]) => void;
}

/** The plan was made against a listing that a later write made stale: plan again (soon). */
export class StalePlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StalePlanError';
  }
}

export interface ZoneListing {
  records: readonly RecordSet[];
  /** pass back to submit(): a write to one of the unit's names after this version makes it stale */
  version: number;
}

export interface ZoneStats {
  listCalls: number;
  changeCalls: number;
  changes: number;
}

interface Entry {
  owner: string;
  units: ChangeUnit[];
  basedOn: number;
  batchesLeft: number;
  done: boolean;
  signal: AbortSignal | undefined;
  resolve(): void;
  reject(err: unknown): void;
}

interface Listing {
  promise: Promise<readonly RecordSet[]>;
  /** set once the listing arrived */
  records?: readonly RecordSet[];
  version: number;
  /** when it was fetched from Route 53 (our writes applied later do not make it younger) */
  at: number;
}

/** The zone after a change batch Route 53 accepted, as Route 53 applies it. */
export function applyChanges(records: readonly RecordSet[], changes: readonly RecordChange[]): RecordSet[] {
  let out = [...records];
  for (const c of changes) {
    const same = (r: RecordSet): boolean => r.name === c.record.name && r.type === c.record.type && r.setIdentifier === c.record.setIdentifier;
    out = out.filter((r) => !same(r));
    if (c.action !== 'DELETE') out.push(c.record);
  }
  return out;
}

interface Zone {
  version: number;
  /** record name -> {version, at} of our last write to it */
  written: Map<string, { version: number; at: number }>;
  /** versions up to this have had their `written` entries pruned */
  prunedBelow: number;
  listing?: Listing;
  pending: Entry[];
  timer?: NodeJS.Timeout;
  /** when the oldest pending submission arrived */
  firstPendingAt: number;
  /** Route 53 change count (UPSERT twice) of what is pending */
  pendingCost: number;
  flushing: Promise<void>;
  stats: ZoneStats;
}

const WRITTEN_RETENTION_MS = 10 * 60_000;

function metric<T extends string>(name: string, help: string, labelNames: T[]): Counter<T> {
  return (register.getSingleMetric(name) as Counter<T> | undefined) ?? new Counter({ name, help, labelNames });
}
const batchesTotal = metric('albatross_route53_change_batches_total', 'ChangeResourceRecordSets batches sent, by hosted zone and outcome', [
  'hosted_zone_id',
  'outcome',
]);
const changesTotal = metric('albatross_route53_changes_total', 'Record changes sent to Route 53, by hosted zone and action', [
  'hosted_zone_id',
  'action',
]);

function errorKind(err: unknown): string | undefined {
  const k = (err as { kind?: unknown } | undefined)?.kind;
  return typeof k === 'string' ? k : undefined;
}

export class ZoneCoordinator {
  private readonly zones = new Map<string, Zone>();
  private readonly port: Route53Port;
  private readonly windowMs: number;
  private readonly maxWaitMs: number;
  private readonly listingTtlMs: number;
  private readonly maxAttempts: number;
  private readonly baseBackoffMs: number;
  private readonly limits: BatchLimits;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly onBatch: ((zoneId: string, changes: readonly RecordChange[]) => void) | undefined;

  constructor(opts: CoordinatorOptions) {
    this.port = opts.port;
    this.windowMs = opts.windowMs ?? 200;
    this.maxWaitMs = Math.max(this.windowMs, opts.maxWaitMs ?? 5_000);
    this.listingTtlMs = opts.listingTtlMs ?? 10_000;
    this.maxAttempts = opts.maxAttempts ?? 8;
    this.baseBackoffMs = opts.baseBackoffMs ?? 200;
    this.limits = opts.limits ?? ROUTE53_LIMITS;
    this.now = opts.now ?? (() => performance.now());
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms).unref()));
    this.onBatch = opts.onBatch;
  }

  private zone(zoneId: string): Zone {
    let z = this.zones.get(zoneId);
    if (!z) {
      z = {
        version: 0,
        written: new Map(),
        prunedBelow: 0,
        pending: [],
        firstPendingAt: 0,
        pendingCost: 0,
        flushing: Promise.resolve(),
        stats: { listCalls: 0, changeCalls: 0, changes: 0 },
      };
      this.zones.set(zoneId, z);
    }
    return z;
  }

  /** Calls made per zone since start (for the bench and tests). */
  stats(): Map<string, ZoneStats> {
    return new Map([...this.zones].map(([id, z]) => [id, { ...z.stats }]));
  }

  /** Every record of the zone, shared with other reconciles until it expires or we write. */
  async listZone(zoneId: string, signal?: AbortSignal): Promise<ZoneListing> {
    const z = this.zone(zoneId);
    const cached = z.listing;
    if (!cached || cached.version !== z.version || this.now() - cached.at > this.listingTtlMs) {
      const version = z.version;
      z.stats.listCalls++;
      // Not tied to the caller's signal: other reconciles share this listing.
      const promise = this.port.listRecordSets(zoneId);
      const entry: Listing = { promise, version, at: this.now() };
      z.listing = entry;
      promise.then(
        (records) => {
          entry.records = records;
        },
        () => {
          if (z.listing === entry) z.listing = undefined;
        },
      );
    }
    const listing = z.listing!;
    const records = listing.records ?? (await abortable(listing.promise, signal));
    return { records, version: listing.version };
  }

  /** Drops a zone's cached listing (e.g. before a periodic drift check wants fresh data). */
  invalidate(zoneId: string): void {
    this.zone(zoneId).listing = undefined;
  }

  /**
   * Queues units for one zone (from one owner) and resolves once all were written. Rejects with
   * StalePlanError when the plan was based on a listing older than a write to one of its names.
   */
  submit(zoneId: string, owner: string, units: readonly ChangeUnit[], basedOn: number, signal?: AbortSignal): Promise<void> {
    const live = units.filter((u) => u.changes.length > 0);
    if (live.length === 0) return Promise.resolve();
    const z = this.zone(zoneId);
    return abortable(
      new Promise<void>((resolve, reject) => {
        if (z.pending.length === 0) {
          z.firstPendingAt = this.now();
          z.pendingCost = 0;
        }
        z.pending.push({ owner, units: [...live], basedOn, batchesLeft: 0, done: false, signal, resolve, reject });
        z.pendingCost += live.flatMap((u) => u.changes).reduce((n, c) => n + changeCost(c).changes, 0);
        // Debounce: wait for a quiet windowMs, but never longer than maxWaitMs for the oldest entry,
        // and not at all once a full batch is waiting.
        if (z.timer) clearTimeout(z.timer);
        const full = z.pendingCost >= this.limits.maxChanges;
        const wait = full ? 0 : Math.max(0, Math.min(this.windowMs, z.firstPendingAt + this.maxWaitMs - this.now()));
        z.timer = setTimeout(() => {
          z.timer = undefined;
          z.flushing = z.flushing.then(() => this.flush(zoneId));
        }, wait);
        z.timer.unref();
      }),
      signal,
    );
  }

  private finish(e: Entry, err?: unknown): void {
    if (e.done) return;
    e.done = true;
    if (err === undefined) e.resolve();
    else e.reject(err);
  }

  private async flush(zoneId: string): Promise<void> {
    const z = this.zone(zoneId);
    this.prune(z);
    const entries = z.pending.splice(0);
    z.pendingCost = 0;
    const claimed = new Map<string, string>();
    const live: Entry[] = [];
    for (const e of entries) {
      if (e.signal?.aborted) {
        this.finish(e, new Error('aborted before it was sent'));
        continue;
      }
      const names = e.units.flatMap((u) => u.changes.map((c) => c.record.name));
      const staleName = names.find((n) => (z.written.get(n)?.version ?? -1) > e.basedOn);
      const clash = names.find((n) => claimed.has(n) && claimed.get(n) !== e.owner);
      if (e.basedOn < z.prunedBelow || staleName || clash) {
        const why = clash
          ? `${clash} is being written by ${claimed.get(clash)} in the same batch`
          : `${staleName ?? 'the zone'} changed since it was listed`;
        this.finish(e, new StalePlanError(`plan for zone ${zoneId} is stale: ${why}`));
        continue;
      }
      for (const n of names) claimed.set(n, e.owner);
      live.push(e);
    }
    const tagged = live.flatMap((entry) => entry.units.map((u) => ({ entry, changes: u.changes })));
    const { batches, oversized } = packBatches(tagged, this.limits);
    for (const o of oversized) {
      this.finish(o.entry, new Error(`the changes for one name in zone ${zoneId} exceed Route 53's per-request limits`));
    }
    for (const b of batches) for (const e of new Set(b.units.map((u) => u.entry))) e.batchesLeft++;
    for (const b of batches) {
      const units = b.units.filter((u) => !u.entry.done);
      if (units.length > 0) await this.sendShared(zoneId, units);
      for (const e of new Set(b.units.map((u) => u.entry))) {
        e.batchesLeft--;
        if (e.batchesLeft === 0) this.finish(e);
      }
    }
  }

  /** Sends units of several owners together; if Route 53 refuses the batch, each owner alone. */
  private async sendShared(zoneId: string, units: ReadonlyArray<{ entry: Entry; changes: readonly RecordChange[] }>): Promise<void> {
    const owners = [...new Set(units.map((u) => u.entry))];
    try {
      await this.send(zoneId, units.flatMap((u) => u.changes));
    } catch (err) {
      if (owners.length === 1 || errorKind(err) !== 'invalid') {
        for (const e of owners) this.finish(e, err);
        return;
      }
      // One owner's change made the atomic batch invalid: find out whose, without blocking the rest.
      for (const e of owners) {
        try {
          await this.send(zoneId, units.filter((u) => u.entry === e).flatMap((u) => u.changes));
        } catch (own) {
          this.finish(e, own);
        }
      }
    }
  }

  private async send(zoneId: string, changes: readonly RecordChange[]): Promise<void> {
    const z = this.zone(zoneId);
    for (let attempt = 1; ; attempt++) {
      z.stats.changeCalls++;
      try {
        this.onBatch?.(zoneId, changes);
        await this.port.changeRecordSets(zoneId, [...changes], `albatross: ${changes.length} change(s)`);
        batchesTotal.inc({ hosted_zone_id: zoneId, outcome: 'success' });
        for (const c of changes) changesTotal.inc({ hosted_zone_id: zoneId, action: c.action });
        z.stats.changes += changes.length;
        z.version++;
        const at = this.now();
        for (const c of changes) z.written.set(c.record.name, { version: z.version, at });
        // Keep a listing that had arrived and was current, with this batch applied; one still in
        // flight may or may not include the batch, so it is dropped (its takers get a stale version).
        const l = z.listing;
        if (l?.records && l.version === z.version - 1) {
          const records = applyChanges(l.records, changes);
          z.listing = { promise: Promise.resolve(records), records, version: z.version, at: l.at };
        } else {
          z.listing = undefined;
        }
        return;
      } catch (err) {
        batchesTotal.inc({ hosted_zone_id: zoneId, outcome: errorKind(err) ?? 'error' });
        if (errorKind(err) !== 'throttled' || attempt >= this.maxAttempts) throw err;
        const backoff = Math.min(10_000, this.baseBackoffMs * 2 ** (attempt - 1));
        await this.sleep(backoff / 2 + Math.random() * (backoff / 2));
      }
    }
  }

  private prune(z: Zone): void {
    const cutoff = this.now() - WRITTEN_RETENTION_MS;
    for (const [name, w] of z.written) {
      if (w.at < cutoff) {
        z.written.delete(name);
        z.prunedBelow = Math.max(z.prunedBelow, w.version);
      }
    }
  }
}

/** Rejects when the signal aborts, without cancelling the shared work behind the promise. */
function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
