// One shared view of the managed security groups of this cluster (issue 10), instead of a
// DescribeSecurityGroups per observation and per deletion: a paginated listing of every group
// tagged albatross.dev/cluster = <this cluster> at most every `maxAgeMs` (one listing at a time
// however many reconciles ask), patched by our own writes (create, rules, tags, delete); a group
// whose write failed (its outcome unknown) is read again by id (in batches shared by concurrent
// reconciles) before it is served.
//
// What it can and cannot answer: a group of ours (tagged so) is in the listing; a group squatting
// one of our names (someone else's, or untagged) is not. So `ownedByNames` serves observation only
// while it can see every desired group as ours in the desired VPC (then no other group can hold
// that name there: EC2 names are unique per VPC); otherwise the caller asks AWS by name, as before
// (security-groups-observe.ts). Deletion takes only what the listing shows as ours: a group that
// is not ours is never deleted. A group changed or removed outside Albatross is seen within
// `maxAgeMs` (INVENTORY_MAX_AGE_MS, the ELBv2 inventory's bound, or the resync period if shorter:
// the reconciler's choice); our own writes at once.
import { TAG_CLUSTER } from '../../crds/index.ts';
import { abortable } from '../../aws/abortable.ts';
import { isAwsErrorKind } from '../../aws/errors.ts';
import { internStrings } from '../../runtime/intern.ts';
import type { Ec2SecurityGroup, IngressPermission, SecurityGroupApi } from '../../aws/security-groups.ts';
import { ArnBatcher } from './arn-batcher.ts';
import { INVENTORY_MAX_AGE_MS } from './inventory.ts';

export interface SecurityGroupInventoryOptions {
  maxAgeMs?: number;
  now?: () => number;
  batchWindowMs?: number;
}

/** A SecurityGroupApi whose writes keep the inventory true, plus the inventory's answer by name. */
export interface SecurityGroupView extends SecurityGroupApi {
  /** Groups of this cluster with one of these names, as the inventory knows them (no call while fresh). */
  ownedByNames(names: readonly string[]): Promise<Ec2SecurityGroup[]>;
}

export class SecurityGroupInventory {
  private groups = new Map<string, Ec2SecurityGroup>();
  private loadedAt = -Infinity;
  /** when invalidate() was last called */
  private invalidatedAt = -Infinity;
  private loading: Promise<void> | undefined;
  /** id -> sequence number of our last write to it: read again by id before it is served */
  private dirty = new Map<string, number>();
  /** id -> sequence number of our last write applied to the copy here (a listing started before it is older) */
  private written = new Map<string, number>();
  /** id -> sequence number of our delete: a listing started before it does not bring it back */
  private deleted = new Map<string, number>();
  private seq = 0;
  private readonly base: SecurityGroupApi;
  private readonly cluster: string;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private readonly byId: ArnBatcher<Ec2SecurityGroup>;
  /** listings made (for tests and logs) */
  listings = 0;

  /** `base`: a port without a reconcile's abort signal (listings and batches serve many reconciles). */
  constructor(base: SecurityGroupApi, cluster: string, opts: SecurityGroupInventoryOptions = {}) {
    this.base = base;
    this.cluster = cluster;
    this.maxAgeMs = opts.maxAgeMs ?? INVENTORY_MAX_AGE_MS;
    this.now = opts.now ?? Date.now;
    this.byId = new ArnBatcher(async (ids) => new Map((await base.describeByIds(ids)).map((g) => [g.groupId, g])), { windowMs: opts.batchWindowMs ?? 15, flushAt: 200 });
  }

  /** The next read lists again, and so does the one after a listing in flight now (it read AWS before). */
  invalidate(): void {
    this.loadedAt = -Infinity;
    this.invalidatedAt = this.now();
  }

  private async fresh(): Promise<void> {
    if (this.now() - this.loadedAt <= this.maxAgeMs) return;
    this.loading ??= (async () => {
      const started = this.now();
      const seq = this.seq;
      try {
        const listed = await this.base.describeByTag(TAG_CLUSTER, this.cluster);
        const next = new Map(listed.map((g) => [g.groupId, internStrings(g)]));
        // Our writes made while the listing was under way (applied here, or to be read again by
        // id) are newer than what it says; those before it are superseded by it.
        for (const marks of [this.written, this.dirty]) {
          for (const [id, s] of marks) {
            if (s <= seq) marks.delete(id);
            else {
              const mine = this.groups.get(id);
              if (mine) next.set(id, mine);
            }
          }
        }
        for (const [id, s] of this.deleted) {
          if (s <= seq) this.deleted.delete(id);
          else next.delete(id);
        }
        this.groups = next;
        this.loadedAt = this.invalidatedAt >= started ? -Infinity : started;
        this.listings += 1;
      } finally {
        this.loading = undefined;
      }
    })();
    await this.loading;
  }

  /** Our write left the group in a state we do not know: read it again by id before serving it. */
  private touched(id: string): void {
    this.seq += 1;
    this.dirty.set(id, this.seq);
  }

  /** Our write was applied to the inventory's copy: a listing started before it must not undo it. */
  private wrote(id: string): void {
    this.seq += 1;
    this.written.set(id, this.seq);
  }

  private removed(id: string): void {
    this.seq += 1;
    this.groups.delete(id);
    this.dirty.delete(id);
    this.written.delete(id);
    this.deleted.set(id, this.seq);
  }

  /** Groups a live read returned: those of this cluster replace what the inventory held. */
  private learn(found: readonly Ec2SecurityGroup[]): void {
    for (const g of found) {
      if (g.tags[TAG_CLUSTER] === this.cluster && !this.dirty.has(g.groupId)) this.groups.set(g.groupId, internStrings(structuredClone(g)));
    }
  }

  /** Dirty groups among `ids`, read again by id (shared batch); gone ones dropped. */
  private async settle(ids: readonly string[]): Promise<void> {
    const stale = ids.filter((id) => this.dirty.has(id));
    if (!stale.length) return;
    const seqs = new Map(stale.map((id) => [id, this.dirty.get(id) ?? 0]));
    const got = await this.byId.get(stale);
    for (const id of stale) {
      // A write after this read started keeps the group dirty.
      if ((this.dirty.get(id) ?? 0) !== seqs.get(id)) continue;
      const g = got.get(id);
      this.dirty.delete(id);
      if (!g) this.removed(id);
      else if (g.tags[TAG_CLUSTER] === this.cluster) this.groups.set(id, internStrings(g));
      else this.groups.delete(id);
    }
  }

  /** `signal` is the reconcile's: it stops waiting on the shared listing and batches when it aborts. */
  view(api: SecurityGroupApi, signal?: AbortSignal): SecurityGroupView {
    const wait = <T>(p: Promise<T>): Promise<T> => abortable(p, signal);
    // A write that succeeded is applied to the inventory's copy (EC2 now holds exactly that); one
    // that failed leaves the group to be read again by id.
    const writing = async (id: string, fn: () => Promise<void>, patch: (g: Ec2SecurityGroup) => void): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        this.touched(id);
        throw err;
      }
      const g = this.groups.get(id);
      if (g && !this.dirty.has(id)) {
        patch(g);
        this.wrote(id);
      } else this.touched(id);
    };
    return {
      ownedByNames: async (names) => {
        await wait(this.fresh());
        const want = new Set(names);
        const named = (): Ec2SecurityGroup[] => [...this.groups.values()].filter((g) => want.has(g.groupName));
        // Groups our writes touched are read again first, also those the listing did not have
        // (a group just adopted: tagged by us since).
        const unknownDirty = [...this.dirty.keys()].filter((id) => !this.groups.has(id));
        await wait(this.settle([...named().map((g) => g.groupId), ...unknownDirty]));
        return named().map((g) => structuredClone(g));
      },
      describeByNames: async (names) => {
        const found = await api.describeByNames(names);
        this.learn(found);
        return found;
      },
      describeByTag: (key, value) => api.describeByTag(key, value),
      describeByIds: async (ids) => {
        const found = await api.describeByIds(ids);
        this.learn(found);
        return found;
      },
      create: async (input) => {
        let id: string;
        try {
          id = await api.create(input);
        } catch (err) {
          // The name exists and the listing lacks it (made by a create whose answer was lost, or
          // outside Albatross since the listing): list again next time.
          if (isAwsErrorKind(err, 'duplicate')) this.invalidate();
          throw err;
        }
        // Created with these tags in the same call, and no ingress rule yet.
        this.groups.set(id, { groupId: id, groupName: input.name, vpcId: input.vpcId, description: input.description, tags: { ...input.tags }, ingress: [] });
        this.wrote(id);
        return id;
      },
      authorizeIngress: (id, permissions: readonly IngressPermission[]) =>
        writing(id, () => api.authorizeIngress(id, permissions), (g) => {
          for (const p of permissions) g.ingress.push({ protocol: p.protocol, fromPort: p.fromPort, toPort: p.toPort, cidrs: p.cidr ? [p.cidr] : [], ipv6Cidrs: p.ipv6Cidr ? [p.ipv6Cidr] : [], groups: p.group ? [p.group] : [] });
        }),
      revokeIngress: (id, permissions: readonly IngressPermission[]) =>
        writing(id, () => api.revokeIngress(id, permissions), (g) => {
          for (const p of permissions) {
            for (const have of g.ingress) {
              if (have.protocol !== p.protocol || have.fromPort !== p.fromPort || have.toPort !== p.toPort) continue;
              have.cidrs = have.cidrs.filter((c) => c !== p.cidr);
              have.ipv6Cidrs = have.ipv6Cidrs.filter((c) => c !== p.ipv6Cidr);
              have.groups = have.groups.filter((x) => x !== p.group);
            }
          }
          g.ingress = g.ingress.filter((have) => have.cidrs.length + have.ipv6Cidrs.length + have.groups.length > 0);
        }),
      addTags: (id, tags) => writing(id, () => api.addTags(id, tags), (g) => Object.assign(g.tags, tags)),
      removeTags: (id, keys) =>
        writing(id, () => api.removeTags(id, keys), (g) => {
          for (const k of keys) delete g.tags[k];
        }),
      delete: async (id) => {
        try {
          await api.delete(id);
          this.removed(id);
        } catch (err) {
          // Still in use: nothing changed. Another error may have been applied: read it again.
          if (isAwsErrorKind(err, 'not_found')) this.removed(id);
          else if (!isAwsErrorKind(err, 'in_use')) this.touched(id);
          throw err;
        }
      },
    };
  }
}
