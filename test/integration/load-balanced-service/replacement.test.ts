// A load balancer AWS cannot change in place (scheme) is replaced create-before-destroy: the new one
// is published in status at once (DnsAlias moves the name), the old one keeps serving, listed in
// status.previousLoadBalancers, until the drain period has passed; then exactly one remains.
// Deleting the resource while an old one drains removes both.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { LoadBalancedService } from '../../../src/crds/index.ts';
import { waitFor } from '../support/index.ts';
import { applyLbs, awsView, deleteLbs, getLbs, installCrds, setup, teardown, tgOf, waitReady, type Env } from './harness.ts';

const DRAIN_SECONDS = 15;
let env: Env | undefined;

beforeAll(async () => {
  await installCrds();
  env = await setup('lbs-repl', { lbs: { drainSeconds: DRAIN_SECONDS } });
});

afterAll(async () => {
  await teardown(env);
});

const ns = (): string => env!.ns.name;
const cluster = (): string => env!.controller.clusterName;
const owner = (name: string): string => `LoadBalancedService/${ns()}/${name}`;

const spec = (scheme: 'internet-facing' | 'internal'): LoadBalancedService['spec'] => ({
  loadBalancer: { scheme },
  listeners: [{ port: 80, protocol: 'HTTP', defaultAction: { forward: { targetGroup: 'web' } } }],
  targetGroups: [{ name: 'web', port: 8080, targets: [{ id: '172.31.9.10' }] }],
});

/** Applies the scheme change; returns the status that first shows a new load balancer. */
async function switchScheme(name: string, oldArn: string): Promise<LoadBalancedService> {
  await applyLbs(ns(), name, spec('internal'));
  return waitFor(
    async () => {
      const o = await getLbs(ns(), name);
      return o.status?.loadBalancer?.arn && o.status.loadBalancer.arn !== oldArn ? o : undefined;
    },
    { description: 'status.loadBalancer to be the new load balancer', timeoutMs: 60_000, intervalMs: 200 },
  );
}

describe('scheme change: create-before-destroy with a drain period', () => {
  test('internet-facing -> internal keeps the old load balancer until the drain period has passed', async () => {
    const name = 'web-repl';
    await applyLbs(ns(), name, spec('internet-facing'));
    const first = await waitReady(ns(), name);
    const old = first.status!.loadBalancer!;
    const oldTg = tgOf(await awsView(cluster(), owner(name)), 'web').tg.TargetGroupArn!;

    const switched = await switchScheme(name, old.arn!);
    // Status already points at the new load balancer (new DNS name) and lists the old one.
    expect(switched.status!.loadBalancer!.dnsName).not.toBe(old.dnsName);
    expect(switched.status!.previousLoadBalancers).toEqual([{ arn: old.arn, name: old.name, dnsName: old.dnsName, since: expect.any(String) }]);
    const since = Date.parse(switched.status!.previousLoadBalancers![0]!.since!);

    // Both serve meanwhile: the old one with its listener and target group, the new one with its own.
    const during = await awsView(cluster(), owner(name));
    expect(Date.now() - since).toBeLessThan(DRAIN_SECONDS * 1000); // still inside the drain period
    expect(during.loadBalancers.map((l) => l.lb.Scheme).sort()).toEqual(['internal', 'internet-facing']);
    expect(during.listeners.map((l) => l.listener.LoadBalancerArn).sort()).toEqual([old.arn, switched.status!.loadBalancer!.arn].sort());
    expect(during.targetGroups.map((t) => t.tg.TargetGroupArn)).toContain(oldTg);
    expect(during.targetGroups).toHaveLength(2);

    // After the drain period: the old load balancer and its target group are gone, one remains.
    const after = await waitFor(
      async () => {
        const view = await awsView(cluster(), owner(name));
        return view.loadBalancers.length === 1 && view.targetGroups.length === 1 ? view : undefined;
      },
      { description: 'the old load balancer to be deleted', timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(Date.now() - since).toBeGreaterThanOrEqual(DRAIN_SECONDS * 1000);
    expect(after.loadBalancers[0]!.lb.LoadBalancerArn).toBe(switched.status!.loadBalancer!.arn);
    expect(after.loadBalancers[0]!.lb.Scheme).toBe('internal');
    expect(tgOf(after, 'web').tg.TargetGroupArn).not.toBe(oldTg);
    expect(tgOf(after, 'web').targets).toEqual([{ id: '172.31.9.10', port: 8080 }]);
    const final = await waitFor(
      async () => {
        const o = await getLbs(ns(), name);
        return o.status?.previousLoadBalancers?.length === 0 ? o : undefined;
      },
      { description: 'status.previousLoadBalancers to be empty', timeoutMs: 30_000, intervalMs: 300 },
    );
    expect(final.status!.loadBalancer!.arn).toBe(after.loadBalancers[0]!.lb.LoadBalancerArn);
    expect(final.status!.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  test('deleting the resource while the old load balancer drains removes both', async () => {
    const name = 'web-repl-del';
    await applyLbs(ns(), name, spec('internet-facing'));
    const first = await waitReady(ns(), name);
    await switchScheme(name, first.status!.loadBalancer!.arn!);
    expect((await awsView(cluster(), owner(name))).loadBalancers).toHaveLength(2);
    await deleteLbs(ns(), name);
    await waitFor(
      async () => {
        const view = await awsView(cluster(), owner(name));
        return view.loadBalancers.length + view.targetGroups.length === 0 ? true : undefined;
      },
      { description: 'every load balancer and target group of the resource to be deleted', timeoutMs: 60_000, intervalMs: 500 },
    );
  });
});
