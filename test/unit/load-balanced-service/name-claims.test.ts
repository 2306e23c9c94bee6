// One explicit spec.loadBalancer.name, two resources: the one holding the load balancer in AWS keeps
// it; while nobody does, the first created (then namespace/name) may create it; the others are a
// Conflict naming the holder.
import { describe, expect, it } from '@jest/globals';
import type { LoadBalancedService } from '../../../src/crds/index.ts';
import type { ActualLoadBalancer, ActualState } from '../../../src/reconcilers/load-balanced-service/model.ts';
import { nameClaimConflict, watchNameReleases } from '../../../src/reconcilers/load-balanced-service/name-claims.ts';
import type { Caches } from '../../../src/runtime/index.ts';

function lbs(ns: string, name: string, created: string, lbName = 'shared', deleting = false): LoadBalancedService {
  return {
    apiVersion: 'albatross.dev/v1alpha1',
    kind: 'LoadBalancedService',
    metadata: { namespace: ns, name, creationTimestamp: created as unknown as Date, ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:09Z' as unknown as Date } : {}) },
    spec: { ...(lbName ? { loadBalancer: { name: lbName } } : {}), listeners: [] },
  } as LoadBalancedService;
}

const none: ActualState = { loadBalancers: [], listeners: [], targetGroups: [], conflicts: [] };
const heldBy = (owner: string): ActualState => ({ ...none, conflicts: [{ kind: 'loadbalancer', name: 'shared', arn: 'arn:lb/shared', owner }] });
const ours: ActualState = { ...none, loadBalancers: [{ name: 'shared', arn: 'arn:lb/shared' } as ActualLoadBalancer] };

const a = lbs('team', 'a', '2026-01-01T00:00:01Z');
const b = lbs('team', 'b', '2026-01-01T00:00:02Z');

describe('nameClaimConflict', () => {
  it('no rival, or a derived name: nothing to say', () => {
    expect(nameClaimConflict(a, [], none, 'c1')).toBeUndefined();
    expect(nameClaimConflict(lbs('team', 'x', '2026-01-01T00:00:05Z', ''), [a], none, 'c1')).toBeUndefined();
  });

  it('nobody holds it yet: the first created may create it, the later one is a Conflict naming it', () => {
    expect(nameClaimConflict(a, [b], none, 'c1')).toBeUndefined();
    expect(nameClaimConflict(b, [a], none, 'c1')).toBe(
      'spec.loadBalancer.name shared is also claimed by LoadBalancedService team/a, created earlier; nothing was changed: give this resource another name, or delete the other one',
    );
  });

  it('created in the same second: namespace/name decides, the same way for both', () => {
    const x = lbs('ns2', 'x', '2026-01-01T00:00:03Z');
    const y = lbs('ns1', 'y', '2026-01-01T00:00:03Z');
    expect(nameClaimConflict(x, [y], none, 'c1')).toContain('LoadBalancedService ns1/y');
    expect(nameClaimConflict(y, [x], none, 'c1')).toBeUndefined();
  });

  it('the holder in AWS keeps it, even when created later', () => {
    expect(nameClaimConflict(b, [a], ours, 'c1')).toBeUndefined();
    expect(nameClaimConflict(a, [b], heldBy('LoadBalancedService/team/b in cluster c1'), 'c1')).toBe(
      'spec.loadBalancer.name shared is used by LoadBalancedService team/b, which holds load balancer shared (arn:lb/shared); nothing was changed: give this resource another name, or delete the other one',
    );
  });

  it('held by someone else (another cluster, nobody): left to the ordinary Conflict', () => {
    expect(nameClaimConflict(a, [b], heldBy('LoadBalancedService/team/b in cluster other'), 'c1')).toBeUndefined();
  });

  it('a claimant being deleted does not hold the name back', () => {
    const old = lbs('team', 'old', '2026-01-01T00:00:00Z', 'shared', true);
    expect(nameClaimConflict(b, [old], none, 'c1')).toBeUndefined();
  });

  it('a claimant being deleted wakes its rivals; other changes do not', () => {
    const deleting = lbs('team', 'a', '2026-01-01T00:00:01Z', 'shared', true);
    const caches = { get: () => ({ byIndex: () => [deleting, b] }) } as unknown as Caches;
    expect(watchNameReleases.mapToKeys(deleting, caches)).toEqual(['team/b']);
    expect(watchNameReleases.mapToKeys(a, caches)).toEqual([]);
  });
});
