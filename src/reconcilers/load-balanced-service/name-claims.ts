// Two LoadBalancedServices with one explicit spec.loadBalancer.name: AWS has one load balancer per
// name and account (moto allows two), so only one of them may hold it. The holder is the one that
// owns the load balancer in AWS; while nobody does, the first claimant (oldest creationTimestamp,
// then namespace/name) may create it. Every other claimant is a Conflict naming the holder and
// changes nothing, and is looked at again when a claimant is deleted.
import { KIND, RESOURCES, ownerValue, type LoadBalancedService } from '../../crds/index.ts';
import { isDeleting, keyOf, type IndexDefinition, type WatchDefinition } from '../../runtime/index.ts';
import type { ActualState } from './model.ts';

const LBS = RESOURCES.loadBalancedService;

/** Index of LoadBalancedServices by explicit spec.loadBalancer.name (account-wide, so no namespace). */
export const INDEX_LOAD_BALANCER_NAME = 'lbs.spec.loadBalancer.name';

export function explicitName(o: LoadBalancedService): string | undefined {
  return o.spec?.loadBalancer?.name || undefined;
}

export const loadBalancerNameIndex: IndexDefinition = {
  resource: LBS,
  name: INDEX_LOAD_BALANCER_NAME,
  indexFn: (o) => {
    const name = explicitName(o as LoadBalancedService);
    return name ? [name] : [];
  },
};

/**
 * A claimant being deleted gives the name up: its rivals are reconciled again (only then, so the
 * holder's status writes never wake the others).
 */
export const watchNameReleases: WatchDefinition = {
  resource: LBS,
  mapToKeys: (o, caches) => {
    const name = explicitName(o as LoadBalancedService);
    if (!name || !isDeleting(o)) return [];
    return caches
      .get<LoadBalancedService>(LBS)
      .byIndex(INDEX_LOAD_BALANCER_NAME, name)
      .filter((r) => keyOf(r) !== keyOf(o))
      .map(keyOf);
  },
};

const label = (o: LoadBalancedService): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
/** creationTimestamp as RFC 3339 text (the JSON the apiserver sends; a Date where a client parsed it), then namespace/name. */
function order(o: LoadBalancedService): [string, string] {
  const t: unknown = o.metadata?.creationTimestamp;
  return [typeof t === 'string' ? t : t instanceof Date ? t.toISOString().replace(/\.\d+Z$/, 'Z') : '', label(o)];
}

function earliest(claimants: LoadBalancedService[]): LoadBalancedService | undefined {
  return [...claimants].sort((a, b) => {
    const [ta, la] = order(a);
    const [tb, lb] = order(b);
    return ta < tb ? -1 : ta > tb ? 1 : la < lb ? -1 : la > lb ? 1 : 0;
  })[0];
}

/**
 * Why `self` may not use its explicit load balancer name, or undefined when it may. `rivals` are the
 * other LoadBalancedServices with the same explicit name; `actual` is what AWS shows for `self`.
 */
export function nameClaimConflict(self: LoadBalancedService, rivals: LoadBalancedService[], actual: ActualState, clusterName: string): string | undefined {
  const name = explicitName(self);
  const others = rivals.filter((r) => explicitName(r) === name && label(r) !== label(self));
  if (!name || others.length === 0) return undefined;
  // Held in AWS: by us (go on), or by a rival (a Conflict naming it).
  if (actual.loadBalancers.some((lb) => lb.name === name)) return undefined;
  const held = actual.conflicts.find((c) => c.kind === 'loadbalancer' && c.name === name);
  const holder = held && others.find((r) => held.owner === `${ownerValue(KIND.loadBalancedService, r.metadata?.namespace ?? '', r.metadata?.name ?? '')} in cluster ${clusterName}`);
  if (holder) {
    return `spec.loadBalancer.name ${name} is used by LoadBalancedService ${label(holder)}, which holds load balancer ${name} (${held.arn}); nothing was changed: give this resource another name, or delete the other one`;
  }
  if (held) return undefined; // someone outside this cluster's resources: the ordinary Conflict says who
  // Nobody holds it yet: the first claimant that is not being deleted may create it.
  const first = earliest([self, ...others.filter((r) => !isDeleting(r))]);
  if (!first || label(first) === label(self)) return undefined;
  return `spec.loadBalancer.name ${name} is also claimed by LoadBalancedService ${label(first)}, created earlier; nothing was changed: give this resource another name, or delete the other one`;
}
