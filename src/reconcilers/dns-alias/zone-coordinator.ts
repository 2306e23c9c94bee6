// One coordinator per process for all DnsAliases: the zone-level reconcile. Per hosted zone it
//  - keeps one listing of the zone (all pages), shared by every reconcile, kept current with our
//    own successful writes, and listed again once per resync period (later while its writes are
//    busy, at most two periods after the last listing) or after a write failed; a fresh listing
//    that differs from what we had wakes the owners of the names that changed (drift);
//  - collects the changes DnsAliases submit and, once per write interval (write-schedule.ts),
//    plans all of them together against that one listing, in submission order, each seeing the
//    claims of those before it; a submission whose plan no longer holds (a name was taken) is sent
//    back to be planned again, one whose chain would loop through another's is not written;
//  - sends them as the fewest ChangeResourceRecordSets calls Route 53's limits allow (batcher.ts),
//    one call at a time per zone (Route 53 answers PriorRequestNotComplete to overlapping changes),
//    a record and its ownership TXT always in the same atomic batch;
//  - when Route 53 refuses a batch, finds the offending submissions (bisect.ts), sends the rest,
//    and holds back only the offender's change, with a backoff that other writes do not reset
//    (holds.ts).
import { Counter, register } from 'prom-client';
import type { RecordChange, RecordSet, Route53Port } from '../../aws/route53.ts';
import { changeCost, packBatches, ROUTE53_LIMITS, type BatchCost, type BatchLimits } from './batcher.ts';
import { mentionsName, sendBisecting } from './bisect.ts';
import { fingerprint, WriteHolds, type Hold } from './holds.ts';
import { internStrings } from '../../runtime/intern.ts';
import type { ChangeUnit } from './plan.ts';
import { flushDueAt, quietFor, writeTiming, type WriteTiming } from './write-schedule.ts';
import { applyChanges, changedNames, ZoneView } from './zone-view.ts';

export { applyChanges } from './zone-view.ts';

export interface CoordinatorOptions {
  port: Route53Port;
  /** minimum time between two writes to one zone (ALBATROSS_ROUTE53_ZONE_WRITE_INTERVAL_MS, default 5000) */
  writeIntervalMs?: number;
  /** a listing older than this is listed again before use (default 5 min) */
  listingMaxAgeMs?: number;
  /**
   * the zone lists itself again this long after each listing, as long as it was used since (the
   * zone-level resync: once per resync period, however spread the resources' own re-checks are)
   */
  relistEveryMs?: number;
  /** attempts per batch on throttling / PriorRequestNotComplete, beyond callAws's own retries */
  maxAttempts?: number;
  baseBackoffMs?: number;
  /** a failed change is held back this long, doubling for each repeat, up to holdMaxMs */
  holdBaseMs?: number;
  holdMaxMs?: number;
  limits?: BatchLimits;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  onBatch?: (zoneId: string, changes: readonly RecordChange[]) => void;
  /** a fresh listing shows these names (record or ownership TXT) changed by someone else */
  onZoneChanged?: (zoneId: string, names: string[]) => void;
  /** more changes to the zone are on their way (resources not reconciled yet): a batch waits for them */
  busy?: (zoneId: string) => boolean;
}

/** The plan no longer holds against the zone as it is now (a name was taken, the zone changed): plan again. */
export class ReplanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplanError';
  }
}

/** Writing this chain would close a loop through other DnsAliases' chains; nothing was written. */
export class ChainLoopError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChainLoopError';
  }
}

/** The change failed (fresh: just now; else earlier) and is held back until hold.until. */
export class WriteHeldError extends Error {
  readonly hold: Hold;
  readonly fresh: boolean;
  constructor(hold: Hold, fresh: boolean) {
    super(errorText(hold.error));
    this.name = 'WriteHeldError';
    this.hold = hold;
    this.fresh = fresh;
  }
}

export interface ZoneListing {
  records: readonly RecordSet[];
  /** goes up with every change of the listing (our writes, a new listing) */
  version: number;
}

export type ZonePlan = { units: ChangeUnit[] } | { replan: string };

/** One resource's changes to one zone, planned again by the coordinator when the batch is made. */
export interface ZoneSubmission {
  /** the resource (its ownership string): holds are kept per owner and zone */
  owner: string;
  zoneId: string;
  /** every name the plan reads or writes in this zone (records there and at their ownership TXT names) */
  names: readonly string[];
  /** plans against the records at `names` as the zone will be when this batch is sent */
  plan(records: readonly RecordSet[]): ZonePlan;
  /** a loop across DnsAliases the chain would close now (message), checked right before sending */
  loop?(): string | undefined;
  /** what the reconcile planned (tells when a batch is full) */
  estimate: readonly ChangeUnit[];
  signal?: AbortSignal;
}

export interface ZoneStats {
  /** listings (each of all pages) */
  listCalls: number;
  changeCalls: number;
  changes: number;
  /** times the periodic re-listing found the zone's writes busy and waited (armRelist) */
  relistsPostponed: number;
}

interface Entry {
  s: ZoneSubmission;
  at: number;
  cost: BatchCost;
  resolve(): void;
  reject(err: unknown): void;
}

interface Planned {
  e: Entry;
  changes: RecordChange[];
  fp: string;
  suspect: boolean;
}

interface Listing {
  records: readonly RecordSet[];
  fetchedAt: number;
}

interface Zone {
  version: number;
  listing?: Listing;
  /** a write failed since the listing was made: list again before trusting it */
  stale: boolean;
  fetching?: Promise<void>;
  /** listings and writes of the zone, one after the other */
  lane: Promise<void>;
  pending: Entry[];
  pendingCost: BatchCost;
  firstPendingAt: number;
  lastSubmitAt: number;
  /** the longest gap between two submissions of the pending batch */
  longestGapMs: number;
  lastWriteEndAt: number | undefined;
  /** the last write sent full batches only (the rest of a backlog may follow once settled) */
  lastWriteFull: boolean;
  timer?: NodeJS.Timeout;
  flushQueued: boolean;
  /** listZone or submit since the last listing (the zone is still in use) */
  used: boolean;
  relistTimer?: NodeJS.Timeout;
  stats: ZoneStats;
}

const ZERO: BatchCost = { changes: 0, elements: 0, chars: 0 };
const add = (a: BatchCost, b: BatchCost): BatchCost => ({ changes: a.changes + b.changes, elements: a.elements + b.elements, chars: a.chars + b.chars });
const noop = (): void => undefined;

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

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class ZoneCoordinator {
  private readonly zones = new Map<string, Zone>();
  private readonly port: Route53Port;
  private readonly timing: WriteTiming;
  private readonly maxAgeMs: number;
  private readonly relistEveryMs: number | undefined;
  private readonly maxAttempts: number;
  private readonly baseBackoffMs: number;
  private readonly limits: BatchLimits;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly onBatch: CoordinatorOptions['onBatch'];
  private readonly onZoneChanged: CoordinatorOptions['onZoneChanged'];
  private readonly busy: CoordinatorOptions['busy'];
  readonly holds: WriteHolds;

  constructor(opts: CoordinatorOptions) {
    this.port = opts.port;
    this.timing = writeTiming(opts.writeIntervalMs ?? 5_000);
    this.maxAgeMs = opts.listingMaxAgeMs ?? 300_000;
    this.relistEveryMs = opts.relistEveryMs;
    this.maxAttempts = opts.maxAttempts ?? 4;
    this.baseBackoffMs = opts.baseBackoffMs ?? 200;
    this.limits = opts.limits ?? ROUTE53_LIMITS;
    this.now = opts.now ?? (() => performance.now());
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms).unref()));
    this.onBatch = opts.onBatch;
    this.onZoneChanged = opts.onZoneChanged;
    this.busy = opts.busy;
    this.holds = new WriteHolds({ baseMs: opts.holdBaseMs ?? 1_000, maxMs: opts.holdMaxMs ?? 60_000, now: this.now });
  }

  private zone(zoneId: string): Zone {
    let z = this.zones.get(zoneId);
    if (!z) {
      z = {
        version: 0,
        stale: false,
        lane: Promise.resolve(),
        pending: [],
        pendingCost: ZERO,
        firstPendingAt: 0,
        lastSubmitAt: 0,
        longestGapMs: 0,
        lastWriteEndAt: undefined,
        lastWriteFull: false,
        flushQueued: false,
        used: false,
        stats: { listCalls: 0, changeCalls: 0, changes: 0, relistsPostponed: 0 },
      };
      this.zones.set(zoneId, z);
    }
    return z;
  }

  /** Calls made per zone since start (for the bench and tests). */
  stats(): Map<string, ZoneStats> {
    return new Map([...this.zones].map(([id, z]) => [id, { ...z.stats }]));
  }

  private fresh(z: Zone): boolean {
    return !!z.listing && !z.stale && this.now() - z.listing.fetchedAt <= this.maxAgeMs;
  }

  /** Every record of the zone: the shared listing, listed again when too old or after a failed write. */
  async listZone(zoneId: string, signal?: AbortSignal): Promise<ZoneListing> {
    const z = this.zone(zoneId);
    this.use(zoneId, z);
    if (!this.fresh(z)) await abortable(this.refresh(zoneId, z), signal);
    return { records: z.listing!.records, version: z.version };
  }

  /** The records we have for a zone now, without listing (undefined: never listed). */
  cachedRecords(zoneId: string): readonly RecordSet[] | undefined {
    return this.zones.get(zoneId)?.listing?.records;
  }

  /** Makes the next use of the zone list it again. */
  invalidate(zoneId: string): void {
    this.zone(zoneId).stale = true;
  }

  /** The hold that keeps these changes of `owner` back, if any (the reconcile then does not submit them). */
  heldBack(owner: string, zoneId: string, units: readonly ChangeUnit[]): Hold | undefined {
    return this.holds.active(holdKey(owner, zoneId), fingerprint(units.flatMap((u) => u.changes)));
  }

  /** A deleted resource: its holds go. */
  forgetOwner(owner: string): void {
    this.holds.forget(`${owner} `);
  }

  /** One listing at a time per zone, never during one of its writes; concurrent callers share it. */
  private refresh(zoneId: string, z: Zone): Promise<void> {
    if (!z.fetching) {
      const asked = this.now();
      const p = z.lane.then(async () => {
        if (z.listing && !z.stale && z.listing.fetchedAt >= asked) return; // a write's re-listing got there first
        await this.fetch(zoneId, z);
      });
      z.fetching = p;
      z.lane = p.then(noop, noop);
      p.then(noop, noop).finally(() => {
        if (z.fetching === p) z.fetching = undefined;
      });
    }
    return z.fetching;
  }

  /** Lists the zone now (the caller holds the lane). */
  private async fetch(zoneId: string, z: Zone): Promise<void> {
    z.stats.listCalls++;
    let records: RecordSet[];
    try {
      // Interned (src/runtime/intern.ts): the values repeat (the same load balancers, TXT owners).
      records = internStrings(await this.port.listRecordSets(zoneId));
    } catch (err) {
      if (errorKind(err) === 'not_found') z.listing = undefined;
      throw err;
    }
    const before = z.listing;
    z.listing = { records, fetchedAt: this.now() };
    z.stale = false;
    z.version++;
    z.used = false;
    this.armRelist(zoneId, z);
    if (before && this.onZoneChanged) {
      const names = changedNames(before.records, records);
      if (names.length > 0) this.onZoneChanged(zoneId, names);
    }
  }

  private use(zoneId: string, z: Zone): void {
    z.used = true;
    if (!z.relistTimer) this.armRelist(zoneId, z);
  }

  /**
   * The zone-level resync: list again one period after this listing, if the zone was used
   * meanwhile. While the zone's writes are busy (changes pending or being sent, or resources that
   * may write here not reconciled yet) the re-listing waits, looking again every write interval,
   * but at most until two periods after the listing: a listing taken in the middle of a burst of
   * our own writes is out of date at once (they are applied to the one we have anyway) and its
   * pages compete with those writes for the account's Route 53 rate. A failed write does not wait
   * for this: it marks the listing stale, and the next write or read lists the zone first.
   */
  private armRelist(zoneId: string, z: Zone): void {
    if (this.relistEveryMs === undefined || !z.listing) return;
    const every = this.relistEveryMs;
    if (z.relistTimer) clearTimeout(z.relistTimer);
    const fetchedAt = z.listing.fetchedAt;
    const fire = (): void => {
      z.relistTimer = undefined;
      // Not used for a whole period: no timer until the zone is used again.
      if (!z.used) return;
      if (this.now() < fetchedAt + 2 * every && this.writesBusy(zoneId, z)) {
        z.stats.relistsPostponed++;
        z.relistTimer = setTimeout(fire, Math.min(this.timing.intervalMs, Math.max(0, fetchedAt + 2 * every - this.now())));
        z.relistTimer.unref();
        return;
      }
      this.refresh(zoneId, z).catch(noop);
    };
    z.relistTimer = setTimeout(fire, Math.max(0, fetchedAt + every - this.now()));
    z.relistTimer.unref();
  }

  /**
   * Changes to the zone are pending, being sent, or on their way (resources not reconciled yet), or
   * the zone was written within the longest wait: a retarget or delete of thousands is a run of
   * batches with gaps between them while the next one fills, and a re-listing in such a gap (34
   * pages at 5,000 names) cost 3.5 x the run's own calls.
   */
  private writesBusy(zoneId: string, z: Zone): boolean {
    const recentlyWritten = z.lastWriteEndAt !== undefined && this.now() - z.lastWriteEndAt < this.timing.maxWaitMs;
    return z.pending.length > 0 || z.flushQueued || recentlyWritten || (this.busy?.(zoneId) ?? false);
  }

  /**
   * Queues one resource's changes to one zone; resolves once they are written (or turned out to be
   * needed no more). Rejects with ReplanError, ChainLoopError, WriteHeldError or the AWS error.
   */
  submit(s: ZoneSubmission): Promise<void> {
    const live = s.estimate.filter((u) => u.changes.length > 0);
    if (live.length === 0) return Promise.resolve();
    const z = this.zone(s.zoneId);
    this.use(s.zoneId, z);
    return abortable(
      new Promise<void>((resolve, reject) => {
        const now = this.now();
        if (z.pending.length === 0) {
          z.firstPendingAt = now;
          z.pendingCost = ZERO;
          z.longestGapMs = 0;
          // A new batch to a zone with nothing pending waits an interval for company again.
          z.lastWriteFull = false;
        } else z.longestGapMs = Math.max(z.longestGapMs, now - z.lastSubmitAt);
        z.lastSubmitAt = now;
        const cost = live.flatMap((u) => u.changes).map(changeCost).reduce(add, ZERO);
        z.pending.push({ s, at: now, cost, resolve, reject });
        z.pendingCost = add(z.pendingCost, cost);
        this.schedule(s.zoneId, z);
      }),
      s.signal,
    );
  }

  private full(c: BatchCost): boolean {
    return c.changes >= this.limits.maxChanges || c.elements >= this.limits.maxValueElements || c.chars >= this.limits.maxValueChars;
  }

  private schedule(zoneId: string, z: Zone): void {
    if (z.flushQueued || z.pending.length === 0) return;
    const full = this.full(z.pendingCost);
    const due = flushDueAt({ firstPendingAt: z.firstPendingAt, lastSubmitAt: z.lastSubmitAt, lastWriteEndAt: z.lastWriteEndAt, full, longestGapMs: z.longestGapMs, afterFullWrite: z.lastWriteFull }, this.timing);
    if (z.timer) clearTimeout(z.timer);
    z.timer = setTimeout(() => {
      z.timer = undefined;
      // Due by the clock, but the controller is still working through resources that may write
      // here (its queue, a backlog on a busy machine), or changes are still arriving at the pace
      // they have come (a long apply the controller keeps up with): a batch that is not full
      // waits for them, up to the longer wait for a busy zone (a full one has gone already), so a
      // large apply fills whole batches instead of sending a partial one every longest wait.
      const quiet = quietFor(this.timing, z.longestGapMs);
      const arriving = this.now() - z.lastSubmitAt < quiet && z.lastSubmitAt + quiet > z.firstPendingAt + this.timing.maxWaitMs;
      if (!full && (arriving || this.busy?.(zoneId)) && this.now() < z.firstPendingAt + this.timing.busyMaxWaitMs) {
        z.timer = setTimeout(() => this.schedule(zoneId, z), Math.min(this.timing.quietMs, z.firstPendingAt + this.timing.busyMaxWaitMs - this.now()));
        z.timer.unref();
        return;
      }
      z.flushQueued = true;
      // Everything goes once the batch has settled; early (because it is full), only whole batches.
      const run = z.lane.then(() => this.flush(zoneId, z, !full));
      z.lane = run.then(noop, noop);
      void run.then(
        (wrote) => {
          z.flushQueued = false;
          if (wrote) {
            z.lastWriteEndAt = this.now();
            // Full batches went and changes are left: the rest of that backlog.
            z.lastWriteFull = full && z.pending.length > 0;
          }
          this.schedule(zoneId, z);
        },
        () => {
          z.flushQueued = false;
          this.schedule(zoneId, z);
        },
      );
    }, Math.max(0, due - this.now()));
    z.timer.unref();
  }

  /** Plans the pending submissions together and sends them; true when something was sent. */
  private async flush(zoneId: string, z: Zone, all: boolean): Promise<boolean> {
    const entries = z.pending.splice(0);
    z.pendingCost = ZERO;
    const outcome = new Map<Entry, unknown>();
    const settle = (): void => {
      // Only now: a resource told to plan again then sees the writes of this batch.
      for (const e of entries) {
        if (!outcome.has(e)) continue;
        const err = outcome.get(e);
        if (err === undefined) e.resolve();
        else e.reject(err);
      }
    };
    try {
      if (!this.fresh(z)) await this.fetch(zoneId, z);
    } catch (err) {
      for (const e of entries) outcome.set(e, err);
      settle();
      return false;
    }

    const view = new ZoneView(z.listing!.records);
    const planned: Planned[] = [];
    for (const e of entries) {
      const r = this.planEntry(zoneId, e, view);
      if ('done' in r) outcome.set(e, r.done);
      else {
        view.apply(r.changes);
        planned.push(r);
      }
    }
    const { batches, oversized } = packBatches(
      planned.filter((p) => !p.suspect),
      this.limits,
    );
    for (const o of oversized) outcome.set(o.e, new Error(`the changes for one name in zone ${zoneId} exceed Route 53's per-request limits`));
    let groups = batches.map((b) => b.units);
    let suspects = planned.filter((p) => p.suspect).map((p) => [p]);
    if (!all) {
      // Only whole batches now; the last, partial one and any suspects wait for the rest.
      const last = batches.at(-1);
      const keep = [...(last && !this.full(last.cost) ? last.units : []), ...suspects.flat()];
      if (last && !this.full(last.cost)) groups = groups.slice(0, -1);
      suspects = [];
      this.requeue(z, keep.map((p) => p.e));
    }
    let relisted = false;
    for (const g of [...groups, ...suspects]) {
      const rejected = await this.sendGroup(zoneId, z, g, outcome);
      for (const { p, error } of rejected) {
        // Before blaming the change: was our listing wrong? Listed again once per flush (not for a
        // change refused before: that was checked then, and a retry should cost one call).
        if (!relisted && !p.suspect) {
          relisted = true;
          await this.fetch(zoneId, z).catch(noop);
        }
        const again = z.listing ? this.planEntry(zoneId, p.e, new ZoneView(z.listing.records)) : undefined;
        if (again && !('done' in again) && again.fp === p.fp) {
          outcome.set(p.e, new WriteHeldError(this.holds.failed(holdKey(p.e.s.owner, zoneId), p.fp, error, true), true));
        } else {
          outcome.set(p.e, new ReplanError(`Route 53 refused the change (${errorText(error)}) and the zone has changed since it was planned`));
        }
      }
    }
    settle();
    return groups.length + suspects.length > 0;
  }

  private requeue(z: Zone, entries: Entry[]): void {
    if (entries.length === 0) return;
    z.pending.unshift(...entries);
    z.pendingCost = z.pending.map((e) => e.cost).reduce(add, ZERO);
    z.firstPendingAt = Math.min(...z.pending.map((e) => e.at));
  }

  /** A submission planned against the view: its changes, or how it is settled without sending. */
  private planEntry(zoneId: string, e: Entry, view: ZoneView): Planned | { done: unknown } {
    const s = e.s;
    if (s.signal?.aborted) return { done: new Error('aborted before it was sent') };
    let r: ZonePlan;
    try {
      r = s.plan(view.at(s.names));
    } catch (err) {
      return { done: err };
    }
    if ('replan' in r) return { done: new ReplanError(r.replan) };
    const changes = r.units.flatMap((u) => u.changes);
    if (changes.length === 0) return { done: undefined };
    const fp = fingerprint(changes);
    const key = holdKey(s.owner, zoneId);
    const hold = this.holds.active(key, fp);
    if (hold) return { done: new WriteHeldError(hold, false) };
    const loop = s.loop?.();
    if (loop) return { done: new ChainLoopError(loop) };
    return { e, changes, fp, suspect: this.holds.suspect(key, fp) };
  }

  /** Sends one batch, bisecting a refused one; returns the submissions Route 53 refused on their own. */
  private async sendGroup(zoneId: string, z: Zone, group: Planned[], outcome: Map<Entry, unknown>): Promise<Array<{ p: Planned; error: unknown }>> {
    const r = await sendBisecting(group, (g) => this.send(zoneId, z, g.flatMap((p) => p.changes)), {
      isRejection: (err) => errorKind(err) === 'invalid',
      named: (err, g) => g.filter((p) => p.changes.some((c) => mentionsName(errorText(err), c.record.name))),
    });
    for (const batch of r.accepted) {
      for (const p of batch) {
        this.holds.succeeded(holdKey(p.e.s.owner, zoneId));
        outcome.set(p.e, undefined);
      }
    }
    for (const { items, error } of r.failed) {
      for (const p of items) {
        if (errorKind(error) === 'terminal') outcome.set(p.e, error);
        else outcome.set(p.e, new WriteHeldError(this.holds.failed(holdKey(p.e.s.owner, zoneId), p.fp, error, false), true));
      }
    }
    return r.rejected.map(({ item, error }) => ({ p: item, error }));
  }

  private async send(zoneId: string, z: Zone, changes: readonly RecordChange[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      z.stats.changeCalls++;
      try {
        this.onBatch?.(zoneId, changes);
        await this.port.changeRecordSets(zoneId, [...changes], `albatross: ${changes.length} change(s)`);
        batchesTotal.inc({ hosted_zone_id: zoneId, outcome: 'success' });
        for (const c of changes) changesTotal.inc({ hosted_zone_id: zoneId, action: c.action });
        z.stats.changes += changes.length;
        z.version++;
        if (z.listing) z.listing = { records: applyChanges(z.listing.records, changes), fetchedAt: z.listing.fetchedAt };
        return;
      } catch (err) {
        batchesTotal.inc({ hosted_zone_id: zoneId, outcome: errorKind(err) ?? 'error' });
        // Refused or failed: the zone may differ from what we believe (a 5xx after the work was done).
        z.stale = true;
        if (errorKind(err) !== 'throttled' || attempt >= this.maxAttempts) throw err;
        const backoff = Math.min(10_000, this.baseBackoffMs * 2 ** (attempt - 1));
        await this.sleep(backoff / 2 + Math.random() * (backoff / 2));
      }
    }
  }
}

function holdKey(owner: string, zoneId: string): string {
  return `${owner} ${zoneId}`;
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
