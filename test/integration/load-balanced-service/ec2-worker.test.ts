// The EC2 lookups (the default VPC and its subnets, a VPC's CIDR blocks) run on a worker thread, not
// on the event loop: importing the EC2 SDK built ~1 MB of schemas in one synchronous step, which
// stalled /healthz past 1 s on a loaded machine when a new leader began its first sync (chaos
// campaign). Through the environment's limits proxy with EC2 throttled half the time: the service
// is Ready on the default subnets, the calls went through the pool's thread, and their errors came
// back classified (throttled, retried) as the SDK's own errors are.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { limitsProxy } from '../../env/aws-limits/client.ts';
import { defaultNetwork } from '../support/index.ts';
import { applyLbs, awsView, installCrds, setup, teardown, waitReady, type Env } from './harness.ts';

let env: Env | undefined;

beforeAll(async () => {
  await installCrds();
  env = await setup('lbs-ec2-worker');
});

afterEach(async () => {
  await limitsProxy.clearFaults();
});

afterAll(async () => {
  await teardown(env);
});

/** The value of one sample line of the controller's /metrics, 0 when absent. */
async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${env!.controller.app.metricsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('EC2 lookups on a worker thread', () => {
  test('default subnets found through the pool, with throttled answers retried like any AWS error', async () => {
    const ns = env!.ns.name;
    const key = process.env['AWS_ACCESS_KEY_ID'] ?? '';
    const ec2Injected = async () => {
      const c = await limitsProxy.counts(key);
      return (c.injected['ec2.DescribeVpcs'] ?? 0) + (c.injected['ec2.DescribeSubnets'] ?? 0);
    };
    const before = await ec2Injected();
    await limitsProxy.setFaults({ throttlePercent: 50, operations: '^Describe(Vpcs|Subnets)$', services: ['ec2'], accounts: [key], seed: 7 });
    await applyLbs(ns, 'web', {
      listeners: [{ port: 80, protocol: 'HTTP', defaultAction: { forward: { targetGroup: 'web' } } }],
      targetGroups: [{ name: 'web', port: 8080, targets: [{ id: '172.31.7.10' }] }],
    });
    await waitReady(ns, 'web');

    const { subnetIds } = await defaultNetwork();
    const view = await awsView(env!.controller.clusterName, `LoadBalancedService/${ns}/web`);
    expect(view.loadBalancers).toHaveLength(1);
    // moto's default VPC has a default subnet in each zone: all of them, one per zone.
    expect([...(view.loadBalancers[0]!.lb.AvailabilityZones ?? []).map((z) => z.SubnetId)].sort()).toEqual([...subnetIds].sort());

    // DescribeVpcs and DescribeSubnets were answered on the pool's thread...
    expect(await metric('albatross_worker_jobs_total', { pool: 'aws-ec2', result: 'ok' })).toBeGreaterThanOrEqual(2);
    // ...and its refusals came back as the SDK's Throttling errors: counted as throttled and retried.
    const throttled = (await metric('albatross_aws_api_calls_total', { service: 'ec2', operation: 'DescribeVpcs', outcome: 'throttled' })) +
      (await metric('albatross_aws_api_calls_total', { service: 'ec2', operation: 'DescribeSubnets', outcome: 'throttled' }));
    const injectedEc2 = (await ec2Injected()) - before;
    expect(injectedEc2).toBeGreaterThan(0);
    expect(throttled).toBe(injectedEc2);
    expect(await metric('albatross_aws_api_calls_total', { service: 'ec2', operation: 'DescribeVpcs', outcome: 'terminal' })).toBe(0);
  });
});
