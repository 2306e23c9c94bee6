// AWS calls per object, counted by the limits proxy in front of moto (this jest worker's own access
// key): creating the example, a no-op re-check, a restart of the controller and deletion each stay
// within a bound, whatever the number of other objects in the account.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { register } from 'prom-client';
import { countsDelta, isMutatingCall, limitsProxy, sumCounts } from '../../env/aws-limits/client.ts';
import type { CallCounts } from '../../env/aws-limits/proxy.ts';
import { RESOURCES, type LoadBalancedService } from '../../../src/crds/index.ts';
import { DescribeLoadBalancersCommand, DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsClients, kubeConfig, readManifests, waitFor } from '../support/index.ts';
import { EXAMPLE, applyLbs, deleteLbs, getLbs, installCrds, readyCertificate, setup, startController, teardown, waitReady, type Env } from './harness.ts';

let env: Env | undefined;
let spec: LoadBalancedService['spec'];
const account = (): string => process.env['AWS_ACCESS_KEY_ID'] ?? '';
const ns = (): string => env!.ns.name;

async function reconciles(): Promise<number> {
  const m = (await register.getMetricsAsJSON()).find((x) => x.name === 'controller_runtime_reconcile_total');
  return (m?.values ?? []).filter((v) => v.labels['controller'] === 'loadbalancedservice').reduce((n, v) => n + v.value, 0);
}

/** The calls `fn` caused, from this worker's access key (assertions read moto directly, uncounted). */
async function callsOf(fn: () => Promise<void>): Promise<{ calls: CallCounts; reads: number; mutating: number }> {
  const before = (await limitsProxy.counts(account())).calls;
  await fn();
  const calls = countsDelta(before, (await limitsProxy.counts(account())).calls);
  return { calls, reads: sumCounts(calls, (k) => !isMutatingCall(k)), mutating: sumCounts(calls, isMutatingCall) };
}

async function untilReconciled(after: number): Promise<void> {
  await waitFor(async () => (await reconciles()) > after, { description: 'one more LoadBalancedService reconcile', timeoutMs: 60_000, intervalMs: 100 });
}

beforeAll(async () => {
  await installCrds();
  env = await setup('lbs-calls');
  await readyCertificate(ns(), 'service-example-com');
  spec = (readManifests(EXAMPLE)[0] as LoadBalancedService).spec;
});

afterAll(async () => {
  await teardown(env);
});

describe('AWS calls of one LoadBalancedService like the example', () => {
  test('creation: the 19 mutating calls of this shape (15 ELBv2, 4 for the managed security groups) and a few reads (no re-read after apply)', async () => {
    const { mutating, reads, calls } = await callsOf(async () => {
      await applyLbs(ns(), 'chat', structuredClone(spec));
      await waitReady(ns(), 'chat', 90_000);
    });
    expect(calls['elbv2.CreateLoadBalancer']).toBe(1);
    expect(calls['elbv2.CreateTargetGroup']).toBe(3);
    // Two security groups, each with all its rules in one call.
    expect(calls['ec2.CreateSecurityGroup']).toBe(2);
    expect(calls['ec2.AuthorizeSecurityGroupIngress']).toBe(2);
    expect(mutating).toBeLessThanOrEqual(19);
    // The inventory listing (its pages grow with the account, not with this object: bounded apart),
    // the default VPC and subnets (EC2, once per process), then the managed security groups: the
    // shared listing of this cluster's groups (the first in this process; this cluster has only
    // this object's) and, as they do not exist yet, a look-up by name (a group squatting one of the
    // names would be a conflict); then only what AWS fills in later: the load balancer's state and
    // the 3 target groups' health. AWS is not asked whether the load balancer's name is free (it
    // was, one DescribeLoadBalancers: 3 here before): what the create answers is checked instead.
    const tgs = (await awsClients().elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups?.length ?? 0;
    expect(calls['elbv2.DescribeTargetGroups'] ?? 0).toBeLessThanOrEqual(Math.ceil((tgs + 1) / 400));
    const lbs = (await awsClients().elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers?.length ?? 0;
    expect(calls['elbv2.DescribeLoadBalancers'] ?? 0).toBeLessThanOrEqual(Math.ceil((lbs + 1) / 400) + 1);
    expect(calls['elbv2.DescribeTags'] ?? 0).toBe(0);
    expect(calls['elbv2.DescribeTargetHealth']).toBe(3);
    expect(calls['ec2.DescribeSecurityGroups']).toBe(2);
    expect(reads - (calls['elbv2.DescribeTargetGroups'] ?? 0) - (calls['elbv2.DescribeLoadBalancers'] ?? 0)).toBeLessThanOrEqual(7);
  });

  test('a no-op re-check reads each detail once (the 11 non-batchable reads + tags; security groups from the shared inventory) and changes nothing', async () => {
    const before = await reconciles();
    const { mutating, reads, calls } = await callsOf(async () => {
      await kubeConfig()
        .makeApiClient(CustomObjectsApi)
        .patchNamespacedCustomObject(
          { ...RESOURCES.loadBalancedService, namespace: ns(), name: 'chat', body: { metadata: { annotations: { 'test.albatross.dev/recheck': String(Date.now()) } } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      await untilReconciled(before);
    });
    expect(mutating).toBe(0);
    expect(calls['elbv2.DescribeTargetGroups'] ?? 0).toBe(0); // from the inventory, not a listing per object
    // The groups as this process made them (its writes keep the inventory true), no read.
    expect(calls['ec2.DescribeSecurityGroups'] ?? 0).toBe(0);
    // Tags of objects made since the last read are read (one call); see shared-reads.test.ts for
    // their read shared by several objects.
    expect(calls['elbv2.DescribeTags']).toBe(1);
    expect(reads).toBeLessThanOrEqual(12);
  });

  test('a restarted controller does not look at an unchanged object in sync: no AWS call at all', async () => {
    await env!.controller.stop();
    const before = await reconciles();
    const { calls } = await callsOf(async () => {
      env = { ns: env!.ns, controller: await startController(ns(), { clusterName: env!.controller.clusterName }) };
      await untilReconciled(before);
    });
    expect(calls).toEqual({});
    expect((await getLbs(ns(), 'chat')).status?.inSync?.observedGeneration).toBe((await getLbs(ns(), 'chat')).metadata?.generation);
  });

  test('deletion: find what is owned, delete the load balancer, the target groups and the 2 security groups, at most 10 calls', async () => {
    const { calls, mutating } = await callsOf(async () => {
      await deleteLbs(ns(), 'chat');
      await waitFor(async () => !(await getLbs(ns(), 'chat').catch(() => undefined)), { description: 'chat gone', timeoutMs: 60_000 });
    });
    expect(calls['elbv2.DeleteLoadBalancer']).toBe(1);
    expect(calls['elbv2.DeleteTargetGroup']).toBe(3);
    expect(calls['elbv2.DeleteListener'] ?? 0).toBe(0);
    expect(calls['ec2.DeleteSecurityGroup']).toBe(2);
    // A restarted process: its first look at the cluster's groups is the shared listing (one
    // page here), no read of this object's own; with many objects it is shared (shared-reads.test.ts).
    expect(calls['ec2.DescribeSecurityGroups']).toBe(1);
    expect(mutating).toBe(6);
    // + the ELBv2 inventory's first listing (2 pages) and one DescribeTags in this new process
    // (measured: exactly 10; before the shared reads 11 was the bound).
    expect(sumCounts(calls)).toBeLessThanOrEqual(10);
  });
});
