// One shared view of the account's load balancers and target groups, instead of a listing per
// observation: a paginated listing of both at most every `maxAgeMs` (bounded staleness, one
// listing at a time however many reconciles ask), patched by our own writes (create, delete,
// listeners that start forwarding to a target group) and by what reads find gone. Tags and load
// balancers by ARN are read in batches shared by concurrent reconciles.
//
// view(api) is an Elbv2Api for one reconcile: listings come from the inventory; every other call
// goes through `api` (the reconcile's, with its abort signal) and patches the inventory. A load
// balancer name the listing lacks is asked of AWS directly (before a create could take over an
// object made outside Albatross since the listing); target group names carry a per-resource marker
// and hash, so only the listing is consulted for them.
import type { Action, Elbv2Api, LoadBalancer, Tags, TargetGroup } from '../../aws/elbv2.ts';
import { AwsError, isAwsErrorKind } from '../../aws/errors.ts';
import { abortable } from '../../aws/abortable.ts';
import { ArnBatcher } from './arn-batcher.ts';

/** How stale the listing may get: a load balancer made or removed outside Albatross is seen within this. */
export const INVENTORY_MAX_AGE_MS = 5 * 60_000;

export interface InventoryOptions {
  maxAgeMs?: number;
  now?: () => number;
  batchWindowMs?: number;
}

function forwardedTargetGroups(actions: Action[] | undefined): string[] {
  return (actions ?? []).flatMap((a) => [...(a.TargetGroupArn ? [a.TargetGroupArn] : []), ...(a.ForwardConfig?.TargetGroups ?? []).flatMap((t) => (t.TargetGroupArn ? [t.TargetGroupArn] : []))]);
}

export class Elbv2Inventory {
  private lbs = new Map<string, LoadBalancer>();
  private tgs = new Map<string, TargetGroup>();
  private loadedAt = -Infinity;
  private loading: Promise<void> | undefined;
  private readonly base: Elbv2Api;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private readonly tags: ArnBatcher<Tags>;
  private readonly lbByArn: ArnBatcher<LoadBalancer>;
  /** listings made (for tests and logs) */
  listings = 0;

  /** `base`: a port without a reconcile's abort signal (listings and batches serve many reconciles). */
  constructor(base: Elbv2Api, opts: InventoryOptions = {}) {
    this.base = base;
    this.maxAgeMs = opts.maxAgeMs ?? INVENTORY_MAX_AGE_MS;
    this.now = opts.now ?? Date.now;
    const windowMs = opts.batchWindowMs ?? 15;
    this.tags = new ArnBatcher((arns) => base.describeTags(arns), { windowMs });
    this.lbByArn = new ArnBatcher(async (arns) => new Map((await base.describeLoadBalancersByArn(arns)).map((lb) => [lb.LoadBalancerArn ?? '', lb])), { windowMs });
  }

  /** The next read lists again (something surprised us: a duplicate name, say). */
  invalidate(): void {
    this.loadedAt = -Infinity;
  }

  private async fresh(): Promise<void> {
    if (this.now() - this.loadedAt <= this.maxAgeMs) return;
    this.loading ??= (async () => {
      const started = this.now();
      try {
        const [lbs, tgs] = await Promise.all([this.base.listLoadBalancers(), this.base.listTargetGroups()]);
        this.lbs = new Map(lbs.map((lb) => [lb.LoadBalancerArn ?? '', lb]));
        this.tgs = new Map(tgs.map((tg) => [tg.TargetGroupArn ?? '', tg]));
        this.loadedAt = started;
        this.listings += 1;
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
      if (lb) this.lbs.set(arn, lb);
      else this.dropLoadBalancer(arn);
    }
    return lbs.flatMap((lb) => {
      const cur = this.lbs.get(lb.LoadBalancerArn ?? '');
      return cur ? [structuredClone(cur)] : [];
    });
  }

  private dropLoadBalancer(arn: string): void {
    this.lbs.delete(arn);
    for (const tg of this.tgs.values()) if (tg.LoadBalancerArns?.includes(arn)) tg.LoadBalancerArns = tg.LoadBalancerArns.filter((a) => a !== arn);
  }

  private attach(tgArns: string[], lbArn: string | undefined): void {
    if (!lbArn) return;
    for (const arn of tgArns) {
      const tg = this.tgs.get(arn);
      if (tg && !tg.LoadBalancerArns?.includes(lbArn)) tg.LoadBalancerArns = [...(tg.LoadBalancerArns ?? []), lbArn];
    }
  }

  /** Runs a read of one object; a not_found answer removes it from the inventory. */
  private async reading<T>(arn: string, kind: 'lb' | 'tg', fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isAwsErrorKind(err, 'not_found')) {
        if (kind === 'lb') this.dropLoadBalancer(arn);
        else this.tgs.delete(arn);
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
      describeLoadBalancersByName: async (name) => {
        await wait(this.fresh());
        const known = [...this.lbs.values()].filter((lb) => lb.LoadBalancerName === name);
        if (known.length) return wait(this.withLiveState(known));
        // Absent from the listing: asked of AWS itself before anything is created under this name,
        // since CreateLoadBalancer with an existing name may hand back someone else's (explicit
        // names are the user's choice, and the listing may be minutes old).
        const live = await api.describeLoadBalancersByName(name);
        for (const lb of live) if (lb.LoadBalancerArn) this.lbs.set(lb.LoadBalancerArn, lb);
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
      describeTags: (arns) => wait(this.tags.get(arns)),
      describeLoadBalancerAttributes: (arn) => this.reading(arn, 'lb', () => api.describeLoadBalancerAttributes(arn)),
      describeTargetGroupAttributes: (arn) => this.reading(arn, 'tg', () => api.describeTargetGroupAttributes(arn)),
      describeTargetHealth: (arn) => this.reading(arn, 'tg', () => api.describeTargetHealth(arn)),
      describeListeners: (lbArn) => this.reading(lbArn, 'lb', () => api.describeListeners(lbArn)),
      describeListenerCertificates: (arn) => api.describeListenerCertificates(arn),
      describeRules: (arn) => api.describeRules(arn),

      createLoadBalancer: async (input) => {
        const lb = await this.creating(() => api.createLoadBalancer(input));
        if (lb.LoadBalancerArn) this.lbs.set(lb.LoadBalancerArn, lb);
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
        } catch (err) {
          if (isAwsErrorKind(err, 'not_found')) this.dropLoadBalancer(arn);
          throw err;
        }
      },

      createTargetGroup: async (input) => {
        const tg = await this.creating(() => api.createTargetGroup(input));
        if (tg.TargetGroupArn) this.tgs.set(tg.TargetGroupArn, { ...tg, LoadBalancerArns: tg.LoadBalancerArns ?? [] });
        return tg;
      },
      modifyTargetGroup: (input) => api.modifyTargetGroup(input),
      modifyTargetGroupAttributes: (arn, attributes) => api.modifyTargetGroupAttributes(arn, attributes),
      registerTargets: (arn, targets) => api.registerTargets(arn, targets),
      deregisterTargets: (arn, targets) => api.deregisterTargets(arn, targets),
      deleteTargetGroup: async (arn) => {
        try {
          await api.deleteTargetGroup(arn);
          this.tgs.delete(arn);
        } catch (err) {
          if (isAwsErrorKind(err, 'not_found')) this.tgs.delete(arn);
          throw err;
        }
      },

      createListener: async (input) => {
        const l = await this.creating(() => api.createListener(input));
        this.attach(forwardedTargetGroups(input.DefaultActions), input.LoadBalancerArn);
        return l;
      },
      modifyListener: (input) => api.modifyListener(input),
      addListenerCertificates: (arn, certs) => api.addListenerCertificates(arn, certs),
      removeListenerCertificates: (arn, certs) => api.removeListenerCertificates(arn, certs),
      deleteListener: (arn) => api.deleteListener(arn),

      createRule: (input) => api.createRule(input),
      modifyRule: (arn, conditions, actions) => api.modifyRule(arn, conditions, actions),
      setRulePriorities: (pairs) => api.setRulePriorities(pairs),
      deleteRule: (arn) => api.deleteRule(arn),

      addTags: (arns, tags) => api.addTags(arns, tags),
      removeTags: (arns, keys) => api.removeTags(arns, keys),
    };
  }
}
