// A Conflict depends on AWS, not on the spec: once the foreign load balancer is gone, the next
// periodic re-check builds the resource without anyone touching it (no backoff retries meanwhile).
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { CreateLoadBalancerCommand, DeleteLoadBalancerCommand, DescribeTagsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsClients, defaultNetwork, uniqueName } from '../support/index.ts';
import { applyLbs, getLbs, installCrds, setup, teardown, waitForCondition, waitReady, type Env } from './harness.ts';

let env: Env | undefined;

beforeAll(async () => {
  await installCrds();
  env = await setup('lbs-recheck', { resyncPeriod: '3s' });
});

afterAll(async () => {
  await teardown(env);
});

test('a Stalled Conflict clears by itself at the next re-check once the foreign ALB is deleted', async () => {
  const ns = env!.ns.name;
  const name = uniqueName('gone');
  const { subnetIds } = await defaultNetwork();
  const foreign = await awsClients().elbv2.send(
    new CreateLoadBalancerCommand({ Name: name, Subnets: subnetIds.slice(0, 2), Tags: [{ Key: 'albatross.dev/cluster', Value: 'someone-else' }] }),
  );
  const foreignArn = foreign.LoadBalancers![0]!.LoadBalancerArn!;
  await applyLbs(ns, 'recheck', {
    loadBalancer: { name },
    listeners: [{ port: 80, protocol: 'HTTP', defaultAction: { forward: { targetGroup: 'web' } } }],
    targetGroups: [{ name: 'web', port: 8080, targets: [{ id: '172.31.7.11' }] }],
  });
  await waitForCondition(ns, 'recheck', 'Stalled', 'True', 'Conflict');
  const generation = (await getLbs(ns, 'recheck')).metadata?.generation;

  await awsClients().elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: foreignArn }));
  const ready = await waitReady(ns, 'recheck', 30_000);
  expect(ready.metadata?.generation).toBe(generation); // nobody touched the object
  expect(ready.status?.loadBalancer?.arn).not.toBe(foreignArn);
  const tags = await awsClients().elbv2.send(new DescribeTagsCommand({ ResourceArns: [ready.status!.loadBalancer!.arn!] }));
  expect(tags.TagDescriptions?.[0]?.Tags).toEqual(expect.arrayContaining([{ Key: 'albatross.dev/owner', Value: `LoadBalancedService/${ns}/recheck` }]));
});
