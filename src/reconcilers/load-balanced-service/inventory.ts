// One shared view of the account's load balancers and target groups, instead of a listing per
// observation: a paginated listing of both at most every `maxAgeMs` (bounded staleness, one
// listing at a time however many reconciles ask), patched by our own writes (create, delete,
// listeners that start forwarding to a target group) and by what reads find gone. Load balancers
// by ARN are read in batches shared by concurrent reconciles. A listing replaces the view with
// those patches made while it was in flight replayed on top (src/runtime/listing-journal.ts): a target group
// created (or deleted) by a reconcile while the listing ran stays in (or out of) the view.
//
// Tags (issue 10): kept per ARN for at most `tagMaxAgeMs` (the listing's own staleness bound, or
// the resync period if that is shorter), and each DescribeTags call is filled up to its 20 ARNs
// with the tags other objects will soon need (`readAhead`: the reconciler names the objects whose
// re-check is due next, with the ARNs their status remembers), so a resync of N objects like the
// example (6 ARNs each) spread over its period costs about N / 3 calls instead of N. Our own tag
// writes, creates and deletes drop the cached entry at once (the next read asks AWS); a tag
// changed outside Albatross is seen within `tagMaxAgeMs`, as a load balancer made or removed
// outside is within `maxAgeMs`.
//
// view(api) is an Elbv2Api for one reconcile: listings come from the inventory; every other call
// goes through `api` (the reconcile's, with its abort signal) and patches the inventory. A load
// balancer name the listing lacks is taken as free (deletion alone asks AWS, so a listing that
// missed our load balancer does not leave it behind): one made outside Albatross since the listing
// is caught by the create itself, which AWS answers with the existing load balancer (create-guard.ts;
// ours only if its tags say so) or refuses as a duplicate (the next reconcile lists again). Target
// group names carry a per-resource marker and hash, so only the listing is consulted for them.
import { ARN_BATCH, type Action, type Elbv2Api, type LoadBalancer, type Tags, type TargetGroup } from '../../aws/elbv2.ts';
import { AwsError, isAwsErrorKind } from '../../aws/errors.ts';
import { abortable } from '../../aws/abortable.ts';
import { ArnBatcher } from './arn-batcher.ts';
import { internStrings } from '../../runtime/intern.ts';
import { PreExistingLoadBalancerError, preExisted } from './create-guard.ts';
import { ListingJournal } from '../../runtime/listing-journal.ts';
import { ownerOf, ownership } from './observe.ts';

/** How stale the listing may get: a load balancer made or removed outside Albatross is seen within this. */
export const INVENTORY_MAX_AGE_MS = 5 * 60_000;

/** The ARNs of one object whose tags a coming observation (or deletion) will ask for. */
export interface TagReadAhead {
  loadBalancerArns: readonly string[];
  /** listeners of the first load balancer (read ahead only while it is in the listing) */
  listenerArns: readonly string[];
  targetGroupArns: readonly string[];
}

export interface InventoryOptions {
  maxAgeMs?: number;
  /** How long tags are kept (default maxAgeMs; the reconciler gives min(maxAgeMs, resync period)). */
  tagMaxAgeMs?: number;
  now?: () => number;
  batchWindowMs?: number;
  /**
   * The objects whose tags will be asked for within `horizonMs`, soonest first (only the first
   * READ_AHEAD_SCAN are looked at). Their tags fill the rest of each DescribeTags call.
   */
  readAhead?: (horizonMs: number) => Iterable<TagReadAhead>;
}

/** How many target group ARNs found gone are remembered (never asked again by ARN), at most. */
const GONE_REMEMBERED = 10_000;

/** How many read-ahead candidates one DescribeTags batch looks at, at most. */
const READ_AHEAD_SCAN = 64;

interface CachedTags {
  tags: Tags;
  /** when the read that returned them started */
  at: number;
}

function forwardedTargetGroups(actions: Action[] | undefined): string[] {
  return (actions ?? []).flatMap((a) => [...(a.TargetGroupArn ? [a.TargetGroupArn] : []), ...(a.ForwardConfig?.TargetGroups ?? []).flatMap((t) => (t.TargetGroupArn ? [t.TargetGroupArn] : []))]);
}

interface Listed {
  lbs: Map<string, LoadBalancer>;
  tgs: Map<string, TargetGroup>;
}

export class Elbv2Inventory {
  /** Our writes made while a listing is in flight are replayed on top of it (src/runtime/listing-journal.ts). */
  private readonly known = new ListingJournal<Listed>({ lbs: new Map(), tgs: new Map() });
  private loadedAt = -Infinity;
  /** when invalidate() was last called */
  private invalidatedAt = -Infinity;
  private loading: Promise<void> | undefined;
  private readonly base: Elbv2Api;
  private readonly maxAgeMs: number;
  private readonly tagMaxAgeMs: number;
  private readonly now: () => number;
  private readonly tags: ArnBatcher<Tags>;
  private readonly lbByArn: ArnBatcher<LoadBalancer>;
  private readonly readAhead: ((horizonMs: number) => Iterable<TagReadAhead>) | undefined;
  private tagCache = new Map<string, CachedTags>();
  /** ARNs a tag read found gone: never read ahead again (until the next listing). */
  private tagGone = new Set<string>();
  /** arn -> sequence number of our last write of its tags (a read started before it is not cached) */
  private tagWrites = new Map<string, number>();
  private writeSeq = 0;
  private readsInFlight = 0;
  /** ARNs being read ahead right now -> that read */
  private tagsInFlight = new Map<string, Promise<Map<string, Tags>>>();
  /** target groups deleted by us or found gone (ARNs are never reused), oldest first */
  private goneTargetGroups = new Set<string>();
  /** listings made (for tests and logs) */
  listings = 0;
  /** ARNs whose tags were read ahead of being asked for (for tests and logs) */
  tagsReadAhead = 0;

  /** `base`: a port without a reconcile's abort signal (listings and batches serve many reconciles). */
  constructor(base: Elbv2Api, opts: InventoryOptions = {}) {
    this.base = base;
    this.maxAgeMs = opts.maxAgeMs ?? INVENTORY_MAX_AGE_MS;
    this.tagMaxAgeMs = opts.tagMaxAgeMs ?? this.maxAgeMs;
    this.now = opts.now ?? Date.now;
    const windowMs = opts.batchWindowMs ?? 15;
    this.readAhead = opts.readAhead;
    this.tags = new ArnBatcher((arns) => this.readTags(arns), { windowMs });
    this.lbByArn = new ArnBatcher(async (arns) => new Map((await base.describeLoadBalancersByArn(arns)).map((lb) => [lb.LoadBalancerArn ?? '', lb])), { windowMs });
  }

  private get lbs(): ReadonlyMap<string, LoadBalancer> {
    return this.known.state.lbs;
  }

  private get tgs(): ReadonlyMap<string, TargetGroup> {
    return this.known.state.tgs;
  }

  /**
   * The next read lists again (something surprised us: a duplicate name, say), and so does the
   * one after a listing in flight now: that listing read AWS before the surprise.
   */
  invalidate(): void {
    this.loadedAt = -Infinity;
    this.invalidatedAt = this.now();
    this.tagCache.clear();
  }

  /** Cached tags of `arn` from a read that started at most tagMaxAgeMs ago. */
  private freshTags(arn: string): CachedTags | undefined {
    const e = this.tagCache.get(arn);
    if (!e) return undefined;
    if (this.now() - e.at <= this.tagMaxAgeMs) return e;
    this.tagCache.delete(arn);
    return undefined;
  }

  /**
   * Our write changed (or removed) the tags of these ARNs: what was cached is no longer known to
   * be true, and a read that started before it is not cached. (A create is not taken as the tags
   * AWS holds: a create by name may hand back an object someone else made.)
   */
  private tagsWritten(arns: readonly string[]): void {
    this.writeSeq += 1;
    for (const arn of arns) {
      this.tagWrites.set(arn, this.writeSeq);
      this.tagCache.delete(arn);
    }
  }

  /**
   * ARNs of objects due within half the cache's lifetime whose tags are not fresh, whole objects only,
   * to fill `asked` up to the next multiple of ARN_BATCH. Only ARNs the listing holds (and
   * listeners of a load balancer it holds), none a read found gone: a gone ARN fails its batch.
   */
  private readAheadFor(asked: ReadonlySet<string>): string[] {
    const room = Math.ceil(asked.size / ARN_BATCH) * ARN_BATCH - asked.size;
    if (room <= 0 || !this.readAhead) return [];
    const out: string[] = [];
    const taken = new Set(asked);
    let scanned = 0;
    for (const o of this.readAhead(this.tagMaxAgeMs / 2)) {
      if (++scanned > READ_AHEAD_SCAN || out.length >= room) break;
      const first = o.loadBalancerArns[0];
      const listed = [
        ...o.loadBalancerArns.filter((a) => this.lbs.has(a)),
        ...(first !== undefined && this.lbs.has(first) ? o.listenerArns : []),
        ...o.targetGroupArns.filter((a) => this.tgs.has(a)),
      ];
      const need = [...new Set(listed)].filter((a) => a && !taken.has(a) && !this.tagGone.has(a) && !this.freshTags(a));
      if (need.length === 0 || need.length > room - out.length) continue;
      for (const a of need) taken.add(a);
      out.push(...need);
    }
    return out;
  }

  /** One shared read: the ARNs asked for and those read ahead, the answers cached. */
  private async readTags(arns: string[]): Promise<Map<string, Tags>> {
    const asked = new Set(arns);
    const ahead = this.readAheadFor(asked);
    const seq = this.writeSeq;
    const at = this.now();
    const all = [...asked, ...ahead];
    this.readsInFlight += 1;
    const reading = this.base.describeTags(all);
    // A reconcile asking for one of these meanwhile waits for this read instead of another.
    for (const arn of ahead) this.tagsInFlight.set(arn, reading);
    let got: Map<string, Tags>;
    try {
      got = await reading;
    } finally {
      this.readsInFlight -= 1;
      for (const arn of ahead) if (this.tagsInFlight.get(arn) === reading) this.tagsInFlight.delete(arn);
    }
    this.tagsReadAhead += ahead.length;
    for (const arn of all) {
      const tags = got.get(arn);
      if (!tags) {
        this.tagGone.add(arn);
        this.tagCache.delete(arn);
      } else if ((this.tagWrites.get(arn) ?? 0) <= seq) {
        // Not if our own write came after this read started: the answer may predate it.
        this.tagGone.delete(arn);
        this.tagCache.set(arn, { tags: internStrings(tags), at });
      }
    }
    return got;
  }

  /** Entries older than the bound, and gone ARNs, are forgotten at each listing. */
  private pruneTags(): void {
    for (const [arn, e] of this.tagCache) if (this.now() - e.at > this.tagMaxAgeMs) this.tagCache.delete(arn);
    this.tagGone.clear();
    // A write matters only to reads that started before it: with none in flight, none does.
    if (this.readsInFlight === 0) this.tagWrites.clear();
  }

  private async fresh(): Promise<void> {
    if (this.now() - this.loadedAt <= this.maxAgeMs) return;
    this.loading ??= (async () => {
      const started = this.now();
      try {
        await this.known.replace(async () => {
          const [lbs, tgs] = await Promise.all([this.base.listLoadBalancers(), this.base.listTargetGroups()]);
          // Interned (src/runtime/intern.ts): every object repeats the VPC, protocols, the account's ARN prefix.
          return { lbs: new Map(lbs.map((lb) => [lb.LoadBalancerArn ?? '', internStrings(lb)])), tgs: new Map(tgs.map((tg) => [tg.TargetGroupArn ?? '', internStrings(tg)])) };
        });
        // Invalidated while this listing was in flight: it may predate the surprise, list again next time.
        this.loadedAt = this.invalidatedAt >= started ? -Infinity : started;
        this.listings += 1;
        this.pruneTags();
      } finally {
        this.loading = undefined;
      }
    })();
    await this.loading;
  }

  /**
   * Load balancers still provisioning (or otherwise not active) are looked at again, in a shared
   * batch: their state and DNS name are what AWS fills in asynchronously.
   */
  private async withLiveState(lbs: LoadBalancer[]): Promise<LoadBalancer[]> {
    const settling = lbs.filter((lb) => lb.State?.Code !== 'active').map((lb) => lb.LoadBalancerArn ?? '');
    if (settling.length === 0) return lbs.map((lb) => structuredClone(lb));
    const live = await this.lbByArn.get(settling);
    for (const arn of settling) {
      const lb = live.get(arn);
      if (lb) this.setLoadBalancer(lb);
      else this.dropLoadBalancer(arn);
    }
    return lbs.flatMap((lb) => {
      const cur = this.lbs.get(lb.LoadBalancerArn ?? '');
      return cur ? [structuredClone(cur)] : [];
    });
  }

  // Every change to the view goes through the journal, so a listing in flight does not undo it.

  /** As a read returned it (newer than the listing's copy, or as new). */
  private setLoadBalancer(lb: LoadBalancer): void {
    const arn = lb.LoadBalancerArn;
    if (arn) this.known.patch((s) => s.lbs.set(arn, internStrings(lb)));
  }

  private setTargetGroup(tg: TargetGroup): void {
    const arn = tg.TargetGroupArn;
    if (arn) this.known.patch((s) => s.tgs.set(arn, internStrings(tg)));
  }

  /** Our creates: a listing that already shows the object read it after the create (its copy is kept). */
  private createdLoadBalancer(lb: LoadBalancer): void {
    const arn = lb.LoadBalancerArn;
    if (!arn) return;
    this.known.patch((s) => {
      if (!s.lbs.has(arn)) s.lbs.set(arn, internStrings(lb));
    });
  }

  private createdTargetGroup(tg: TargetGroup): void {
    const arn = tg.TargetGroupArn;
    if (!arn) return;
    this.known.patch((s) => {
      if (!s.tgs.has(arn)) s.tgs.set(arn, internStrings({ ...tg, LoadBalancerArns: tg.LoadBalancerArns ?? [] }));
    });
  }

  private dropLoadBalancer(arn: string): void {
    this.known.patch((s) => {
      s.lbs.delete(arn);
      for (const tg of s.tgs.values()) if (tg.LoadBalancerArns?.includes(arn)) tg.LoadBalancerArns = tg.LoadBalancerArns.filter((a) => a !== arn);
    });
  }

  private dropTargetGroup(arn: string): void {
    this.known.patch((s) => s.tgs.delete(arn));
    this.goneTargetGroups.delete(arn);
    this.goneTargetGroups.add(arn);
    if (this.goneTargetGroups.size > GONE_REMEMBERED) this.goneTargetGroups.delete(this.goneTargetGroups.values().next().value ?? '');
  }

  private attach(tgArns: string[], lbArn: string | undefined): void {
    if (!lbArn) return;
    this.known.patch((s) => {
      for (const arn of tgArns) {
        const tg = s.tgs.get(arn);
        if (tg && !tg.LoadBalancerArns?.includes(lbArn)) tg.LoadBalancerArns = [...(tg.LoadBalancerArns ?? []), lbArn];
      }
    });
  }

  /** Runs a read of one object; a not_found answer removes it from the inventory. */
  private async reading<T>(arn: string, kind: 'lb' | 'tg', fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isAwsErrorKind(err, 'not_found')) {
        if (kind === 'lb') this.dropLoadBalancer(arn);
        else this.dropTargetGroup(arn);
      }
      throw err;
    }
  }

  /** A create that AWS refused as a duplicate means the inventory missed an object: list again next time. */
  private async creating<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AwsError && err.kind === 'duplicate') this.invalidate();
      throw err;
    }
  }

  /**
   * `signal` is the reconcile's: it stops waiting on the shared listing and batches when it aborts
   * (the shared work goes on for the other reconciles).
   */
  view(api: Elbv2Api, signal?: AbortSignal): Elbv2Api {
    const wait = <T>(p: Promise<T>): Promise<T> => abortable(p, signal);
    return {
      describeLoadBalancersByName: async (name, opts) => {
        await wait(this.fresh());
        const known = [...this.lbs.values()].filter((lb) => lb.LoadBalancerName === name);
        if (known.length || !opts?.confirmAbsent) return wait(this.withLiveState(known));
        const live = await api.describeLoadBalancersByName(name);
        for (const lb of live) this.setLoadBalancer(lb);
        return live.map((lb) => structuredClone(lb));
      },
      describeLoadBalancersByArn: async (arns) => {
        await wait(this.fresh());
        return wait(this.withLiveState(arns.flatMap((a) => (this.lbs.has(a) ? [this.lbs.get(a)!] : []))));
      },
      listLoadBalancers: async () => {
        await wait(this.fresh());
        return [...this.lbs.values()].map((lb) => structuredClone(lb));
      },
      listTargetGroups: async () => {
        await wait(this.fresh());
        // Read-only for the caller: not cloned (thousands of them, every observation).
        return [...this.tgs.values()];
      },
      describeTags: async (arns) => {
        const out = new Map<string, Tags>();
        const missing: string[] = [];
        const reads = new Set<Promise<Map<string, Tags>>>();
        for (const arn of new Set(arns)) {
          const cached = this.freshTags(arn);
          const inFlight = cached ? undefined : this.tagsInFlight.get(arn);
          if (cached) out.set(arn, { ...cached.tags });
          else if (inFlight) reads.add(inFlight);
          else missing.push(arn);
        }
        if (missing.length) reads.add(this.tags.get(missing));
        const asked = new Set(arns);
        for (const got of await wait(Promise.all(reads))) {
          for (const [arn, tags] of got) if (asked.has(arn) && !out.has(arn)) out.set(arn, { ...tags });
        }
        return out;
      },
      describeLoadBalancerAttributes: (arn) => this.reading(arn, 'lb', () => api.describeLoadBalancerAttributes(arn)),
      // Those the view lacks and that are not known gone are asked of AWS (deletion's check of the
      // ARNs its status remembers: no call when the view has them all, the normal case).
      describeTargetGroupsByArn: async (arns) => {
        await wait(this.fresh());
        const ask = [...new Set(arns)].filter((a) => !this.tgs.has(a) && !this.goneTargetGroups.has(a));
        if (ask.length) {
          const live = await api.describeTargetGroupsByArn(ask);
          const found = new Set(live.map((tg) => tg.TargetGroupArn));
          for (const tg of live) this.setTargetGroup(tg);
          for (const a of ask) if (!found.has(a)) this.dropTargetGroup(a);
        }
        return [...new Set(arns)].flatMap((a) => {
          const tg = this.tgs.get(a);
          return tg ? [tg] : [];
        });
      },
      describeTargetGroupAttributes: (arn) => this.reading(arn, 'tg', () => api.describeTargetGroupAttributes(arn)),
      describeTargetHealth: (arn) => this.reading(arn, 'tg', () => api.describeTargetHealth(arn)),
      describeListeners: (lbArn) => this.reading(lbArn, 'lb', () => api.describeListeners(lbArn)),
      describeListenerCertificates: (arn) => api.describeListenerCertificates(arn),
      describeRules: (arn) => api.describeRules(arn),

      createLoadBalancer: async (input) => {
        const sentAt = this.now();
        const lb = await this.creating(() => api.createLoadBalancer(input));
        const arn = lb.LoadBalancerArn;
        if (!arn) return lb;
        // An answer that existed before the request (create-guard.ts) is used only if its tags are
        // ours (a create whose answer was lost); otherwise it stays as it is, and in the view.
        if (preExisted(lb, sentAt, this.lbs.has(arn))) {
          const tags = (await wait(this.tags.get([arn]))).get(arn);
          const ours = Object.fromEntries((input.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
          if (ownership(tags, ours) !== 'ours') {
            this.setLoadBalancer(lb);
            throw new PreExistingLoadBalancerError({ kind: 'loadbalancer', name: lb.LoadBalancerName ?? input.Name ?? '', arn, owner: ownerOf(tags) });
          }
        }
        this.createdLoadBalancer(lb);
        this.tagsWritten([arn]);
        return lb;
      },
      modifyLoadBalancerAttributes: (arn, attributes) => api.modifyLoadBalancerAttributes(arn, attributes),
      setSecurityGroups: (arn, sgs) => api.setSecurityGroups(arn, sgs),
      setSubnets: (arn, subnets) => api.setSubnets(arn, subnets),
      setIpAddressType: (arn, t) => api.setIpAddressType(arn, t),
      deleteLoadBalancer: async (arn) => {
        try {
          await api.deleteLoadBalancer(arn);
          this.dropLoadBalancer(arn);
          this.tagsWritten([arn]);
        } catch (err) {
          if (isAwsErrorKind(err, 'not_found')) {
            this.dropLoadBalancer(arn);
            this.tagsWritten([arn]);
          }
          throw err;
        }
      },

      createTargetGroup: async (input) => {
        const tg = await this.creating(() => api.createTargetGroup(input));
        if (tg.TargetGroupArn) {
          this.createdTargetGroup(tg);
          this.tagsWritten([tg.TargetGroupArn]);
        }
        return tg;
      },
      modifyTargetGroup: (input) => api.modifyTargetGroup(input),
      modifyTargetGroupAttributes: (arn, attributes) => api.modifyTargetGroupAttributes(arn, attributes),
      registerTargets: (arn, targets) => api.registerTargets(arn, targets),
      deregisterTargets: (arn, targets) => api.deregisterTargets(arn, targets),
      deleteTargetGroup: async (arn) => {
        try {
          await api.deleteTargetGroup(arn);
          this.dropTargetGroup(arn);
          this.tagsWritten([arn]);
        } catch (err) {
          if (isAwsErrorKind(err, 'not_found')) {
            this.dropTargetGroup(arn);
            this.tagsWritten([arn]);
          }
          throw err;
        }
      },

      createListener: async (input) => {
        const l = await this.creating(() => api.createListener(input));
        this.attach(forwardedTargetGroups(input.DefaultActions), input.LoadBalancerArn);
        if (l.ListenerArn) this.tagsWritten([l.ListenerArn]);
        return l;
      },
      modifyListener: (input) => api.modifyListener(input),
      addListenerCertificates: (arn, certs) => api.addListenerCertificates(arn, certs),
      removeListenerCertificates: (arn, certs) => api.removeListenerCertificates(arn, certs),
      deleteListener: async (arn) => {
        try {
          await api.deleteListener(arn);
        } finally {
          this.tagsWritten([arn]);
        }
      },

      createRule: (input) => api.createRule(input),
      modifyRule: (arn, conditions, actions) => api.modifyRule(arn, conditions, actions),
      setRulePriorities: (pairs) => api.setRulePriorities(pairs),
      deleteRule: (arn) => api.deleteRule(arn),

      // Whatever the answer, the cached tags are no longer known to be true: read again next time.
      addTags: async (arns, tags) => {
        try {
          await api.addTags(arns, tags);
        } finally {
          this.tagsWritten(arns);
        }
      },
      removeTags: async (arns, keys) => {
        try {
          await api.removeTags(arns, keys);
        } finally {
          this.tagsWritten(arns);
        }
      },
    };
  }
}
