// A spec that leaves the network to the region's default VPC, in a region without one: Stalled with
// reason NoDefaultVpc naming the fields to set, and a Warning event; nothing is created in AWS.
// moto gives every region a default VPC, so the EC2 port answers here as SdkEc2 does in such a region
// (the only stand-in in this file: apiserver, status, events and ELBv2 are real).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CoreV1Api } from '@kubernetes/client-node';
import { kubeConfig, waitFor } from '../support/index.ts';
import { applyLbs, awsView, installCrds, setup, teardown, waitForCondition, type Env } from './harness.ts';

let env: Env | undefined;

beforeAll(async () => {
  await installCrds();
  env = await setup('lbs-novpc', {
    lbs: {
      ec2: () => ({
        defaultNetwork: () => Promise.reject(new Error('the region has no default VPC: set loadBalancer.subnets and targetGroups[].vpcId')),
        vpcCidrs: () => Promise.reject(new Error('no VPC in this region')),
        vpcIpv6Cidrs: () => Promise.reject(new Error('no VPC in this region')),
        subnetsVpc: () => Promise.reject(new Error('no VPC in this region')),
      }),
    },
  });
});

afterAll(async () => {
  await teardown(env);
});

describe('no default VPC', () => {
  test('Stalled=True reason NoDefaultVpc with a message naming the fields, and an event', async () => {
    const ns = env!.ns.name;
    await applyLbs(ns, 'novpc', {
      listeners: [{ port: 80, protocol: 'HTTP', defaultAction: { forward: { targetGroup: 'web' } } }],
      targetGroups: [{ name: 'web', port: 8080, targets: [{ id: '172.31.9.20' }] }],
    });
    const o = await waitForCondition(ns, 'novpc', 'Stalled', 'True', 'NoDefaultVpc');
    const stalled = o.status!.conditions!.find((c) => c.type === 'Stalled')!;
    expect(stalled.message).toContain('no default VPC');
    expect(stalled.message).toContain('spec.loadBalancer.subnets');
    expect(stalled.message).toContain('spec.targetGroups[].vpcId');
    expect(o.status!.conditions!.find((c) => c.type === 'Ready')?.status).toBe('False');
    const events = await waitFor(
      async () => {
        const list = await kubeConfig().makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns });
        const found = list.items.filter((e) => e.involvedObject.name === 'novpc' && e.reason === 'NoDefaultVpc');
        return found.length ? found : undefined;
      },
      { description: 'a NoDefaultVpc event', timeoutMs: 30_000 },
    );
    expect(events[0]!.type).toBe('Warning');
    expect(events[0]!.message).toContain('spec.loadBalancer.subnets');
    const view = await awsView(env!.controller.clusterName);
    expect(view.loadBalancers.length + view.targetGroups.length).toBe(0);
  });
});
