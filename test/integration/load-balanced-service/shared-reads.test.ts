// Reads shared across objects (issue 10), counted by the limits proxy in front of moto (this jest
// worker's own access key): three objects like the example re-checked by the periodic resync of a
// restarted controller read their ownership tags in one DescribeTags (the first re-check reads the
// others' tags ahead, from their status) and their security groups from one listing of the
// cluster's groups, not one DescribeSecurityGroups each; deleting the three at once reads nothing
// per object beyond what is deleted.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { countsDelta, isMutatingCall, limitsProxy, sumCounts } from '../../env/aws-limits/client.ts';
import type { CallCounts } from '../../env/aws-limits/proxy.ts';
import type { LoadBalancedService } from '../../../src/crds/index.ts';
import { readManifests, waitFor } from '../support/index.ts';
import { EXAMPLE, applyLbs, deleteLbs, getLbs, installCrds, readyCertificate, setup, startController, teardown, waitReady, type Env } from './harness.ts';

const NAMES = ['chat-a', 'chat-b', 'chat-c'];
/** Short, so the re-checks fall due during the test (and all three at about the same time). */
const RESYNC = '20s';
let env: Env | undefined;
const account = (): string => process.env['AWS_ACCESS_KEY_ID'] ?? '';
const ns = (): string => env!.ns.name;

async function callsOf(fn: () => Promise<void>): Promise<{ calls: CallCounts; reads: number; mutating: number }> {
  const before = (await limitsProxy.counts(account())).calls;
  await fn();
  const calls = countsDelta(before, (await limitsProxy.counts(account())).calls);
  return { calls, reads: sumCounts(calls, (k) => !isMutatingCall(k)), mutating: sumCounts(calls, isMutatingCall) };
}

const syncedAt = async (name: string): Promise<number> => Date.parse((await getLbs(ns(), name)).status?.inSync?.time ?? '');

beforeAll(async () => {
  await installCrds();
  env = await setup('lbs-shared', { resyncPeriod: RESYNC });
  await readyCertificate(ns(), 'service-example-com');
  const spec = (readManifests(EXAMPLE)[0] as LoadBalancedService).spec;
  await Promise.all(NAMES.map((n) => applyLbs(ns(), n, structuredClone(spec))));
  await Promise.all(NAMES.map((n) => waitReady(ns(), n, 120_000)));
});

afterAll(async () => {
  await teardown(env);
});

describe('reads shared by several LoadBalancedServices', () => {
  test('a restarted controller re-checks three objects with one DescribeTags and one security group listing, nothing changed', async () => {
    await env!.controller.stop();
    // Every object overdue for its re-check: the new process spreads them over a tenth of the period.
    const last = Math.max(...(await Promise.all(NAMES.map(syncedAt))));
    await waitFor(async () => Date.now() > last + 20_000 + 1_000, { description: 'the re-checks overdue', timeoutMs: 60_000, intervalMs: 500 });
    const { calls, reads, mutating } = await callsOf(async () => {
      env = { ns: env!.ns, controller: await startController(ns(), { clusterName: env!.controller.clusterName, resyncPeriod: RESYNC }) };
      await waitFor(async () => (await Promise.all(NAMES.map(syncedAt))).every((t) => t > last), { description: 'all three re-checked', timeoutMs: 60_000, intervalMs: 200 });
    });
    expect(mutating).toBe(0);
    // 3 objects x (load balancer + 2 listeners + 3 target groups) = 18 ARNs: one call of 20.
    expect(calls['elbv2.DescribeTags']).toBe(1);
    // The cluster's groups listed once, no read per object.
    expect(calls['ec2.DescribeSecurityGroups']).toBe(1);
    // Per object the 11 details (attributes, listeners, 2 x rules, listener certificates,
    // 3 x target group attributes, 3 x target health) and nothing else but the shared listings:
    // ELBv2's inventory (load balancers, target groups: one page each here) and the two above.
    const perObject = ['DescribeLoadBalancerAttributes', 'DescribeListeners', 'DescribeRules', 'DescribeListenerCertificates', 'DescribeTargetGroupAttributes', 'DescribeTargetHealth'];
    expect(sumCounts(calls, (k) => perObject.some((op) => k === `elbv2.${op}`))).toBe(11 * NAMES.length);
    expect(calls['elbv2.DescribeTargetGroups'] ?? 0).toBeLessThanOrEqual(1);
    expect(calls['elbv2.DescribeLoadBalancers'] ?? 0).toBeLessThanOrEqual(1);
    // Measured: 37 = 33 + DescribeTags 1 + DescribeSecurityGroups 1 + the two ELBv2 listing pages.
    expect(reads).toBeLessThanOrEqual(11 * NAMES.length + 4);
  });

  test('deleting three objects at once: the load balancers, target groups and security groups, and no read per object', async () => {
    const { calls, mutating } = await callsOf(async () => {
      await Promise.all(NAMES.map((n) => deleteLbs(ns(), n)));
      await waitFor(async () => (await Promise.all(NAMES.map((n) => getLbs(ns(), n).catch(() => undefined)))).every((o) => !o), { description: 'all three gone', timeoutMs: 120_000 });
    });
    expect(calls['elbv2.DeleteLoadBalancer']).toBe(3);
    expect(calls['elbv2.DeleteTargetGroup']).toBe(9);
    expect(calls['ec2.DeleteSecurityGroup']).toBe(6);
    expect(mutating).toBe(18);
    // Tags read less than the staleness bound ago (the re-checks above) and the security groups
    // from the same listing: what is owned is known without a read of its own.
    // (Measured: no read at all. Bounded at one shared read each, for a machine slow enough that
    // the 20 s bound of this test's resync period ran out in between.)
    expect(calls['elbv2.DescribeTags'] ?? 0).toBeLessThanOrEqual(1);
    expect(calls['ec2.DescribeSecurityGroups'] ?? 0).toBeLessThanOrEqual(1);
    expect(sumCounts(calls, (k) => !isMutatingCall(k))).toBeLessThanOrEqual(2);
    // 6 calls per object (issue 10's target: at most 8).
    expect(sumCounts(calls)).toBeLessThanOrEqual(6 * NAMES.length + 2);
  });
});
