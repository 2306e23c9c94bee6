// Adoption needs the operator's consent (issue 12, item 3): one controller watches two namespaces
// and allows adoption (--adopt-namespaces) in one of them only. An unowned ALB with a listener and a
// rule, claimed with adopt: true from the other namespace, stays exactly as it was (AdoptionNotAllowed,
// naming the flag); the same claim from the allowed namespace takes it over. The second ALB comes
// after the controller's inventory listed: its create meets it, answered as AWS answers a create of
// a name it holds with other settings (DuplicateLoadBalancerName), not with moto's second ALB.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  DeleteLoadBalancerCommand,
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LoadBalancedService } from '../../../src/crds/index.ts';
import { limitsProxy } from '../../env/aws-limits/client.ts';
import { awsClients, conditionOf, createTestNamespace, defaultNetwork, uniqueName, type TestNamespace } from '../support/index.ts';
import { applyLbs, awsView, installCrds, startController, waitForCondition, waitReady, type Controller } from './harness.ts';

let allowed: TestNamespace | undefined;
let denied: TestNamespace | undefined;
let controller: Controller | undefined;
const foreignArns: string[] = [];

beforeAll(async () => {
  await installCrds();
  allowed = await createTestNamespace('lbs-adopt-ok');
  denied = await createTestNamespace('lbs-adopt-no');
  controller = await startController(`${allowed.name},${denied.name}`, { flags: ['--adopt-namespaces', allowed.name], resyncPeriod: '3s' });
  await limitsProxy.setElbv2ExistingName(process.env['AWS_ACCESS_KEY_ID'] ?? '', 'refuse');
});

afterAll(async () => {
  await limitsProxy.clearElbv2ExistingName(process.env['AWS_ACCESS_KEY_ID'] ?? '').catch(() => undefined);
  await controller?.stop();
  for (const arn of foreignArns) await awsClients().elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn })).catch(() => undefined);
  await allowed?.delete();
  await denied?.delete();
});

const spec = (name: string): LoadBalancedService['spec'] => ({
  loadBalancer: { name },
  listeners: [{ port: 80, protocol: 'HTTP', defaultAction: { forward: { targetGroup: 'web' } } }],
  targetGroups: [{ name: 'web', port: 8080, targets: [{ id: '172.31.7.10' }] }],
  adopt: true,
});

/** An ALB made by someone else (no albatross.dev tags): a listener on 80 and one rule. */
async function legacyAlb(name: string): Promise<string> {
  const { elbv2 } = awsClients();
  const { subnetIds } = await defaultNetwork();
  const lb = await elbv2.send(new CreateLoadBalancerCommand({ Name: name, Subnets: subnetIds.slice(0, 2), Tags: [{ Key: 'team', Value: 'legacy' }] }));
  const arn = lb.LoadBalancers![0]!.LoadBalancerArn!;
  foreignArns.push(arn);
  const fixed = (body: string) => [{ Type: 'fixed-response' as const, FixedResponseConfig: { StatusCode: '200', ContentType: 'text/plain', MessageBody: body } }];
  const listener = await elbv2.send(new CreateListenerCommand({ LoadBalancerArn: arn, Port: 80, Protocol: 'HTTP', DefaultActions: fixed('legacy') }));
  await elbv2.send(
    new CreateRuleCommand({
      ListenerArn: listener.Listeners![0]!.ListenerArn!,
      Priority: 5,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/legacy/*'] } }],
      Actions: fixed('legacy path'),
    }),
  );
  return arn;
}

/** Everything AWS says about the load balancer, its attributes, tags, listeners and rules. */
async function fingerprint(arn: string): Promise<string> {
  const { elbv2 } = awsClients();
  const lb = await elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }));
  const attributes = await elbv2.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }));
  const tags = await elbv2.send(new DescribeTagsCommand({ ResourceArns: [arn] }));
  const listeners = (await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: arn }))).Listeners ?? [];
  const rules = await Promise.all(listeners.map(async (l) => (await elbv2.send(new DescribeRulesCommand({ ListenerArn: l.ListenerArn }))).Rules));
  return JSON.stringify({ lb: lb.LoadBalancers, attributes: attributes.Attributes, tags: tags.TagDescriptions, listeners, rules });
}

async function rulesOf(arn: string): Promise<{ listeners: number; nonDefaultRules: number; defaultAction: string | undefined }> {
  const { elbv2 } = awsClients();
  const listeners = (await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: arn }))).Listeners ?? [];
  const rules = (await Promise.all(listeners.map(async (l) => (await elbv2.send(new DescribeRulesCommand({ ListenerArn: l.ListenerArn }))).Rules ?? []))).flat();
  return { listeners: listeners.length, nonDefaultRules: rules.filter((r) => !r.IsDefault).length, defaultAction: listeners[0]?.DefaultActions?.[0]?.Type };
}

describe('adoption consent (--adopt-namespaces)', () => {
  test('without consent: Stalled AdoptionNotAllowed naming the flag, and the ALB, its listener and rule unchanged', async () => {
    const name = uniqueName('legacy-no');
    const arn = await legacyAlb(name);
    const before = await fingerprint(arn);

    await applyLbs(denied!.name, 'claim', spec(name));
    const stalled = await waitForCondition(denied!.name, 'claim', 'Stalled', 'True', 'AdoptionNotAllowed');
    const message = conditionOf(stalled, 'Stalled')?.message ?? '';
    expect(message).toContain(`load balancer ${name} (${arn}) is owned by nobody`);
    expect(message).toContain(`has not allowed adoption in namespace ${denied!.name}`);
    expect(message).toContain('--adopt-namespaces');
    expect(message).toContain('controller.adoptNamespaces');
    expect(conditionOf(stalled, 'Ready')).toMatchObject({ status: 'False', reason: 'AdoptionNotAllowed' });

    // Several re-checks later (resync 3 s): still nothing changed, nothing created for this resource.
    await new Promise((r) => setTimeout(r, 7_000));
    expect(conditionOf(await waitForCondition(denied!.name, 'claim', 'Stalled', 'True', 'AdoptionNotAllowed'), 'Ready')?.status).toBe('False');
    expect(await fingerprint(arn)).toBe(before);
    const mine = await awsView(controller!.clusterName, `LoadBalancedService/${denied!.name}/claim`);
    expect({ loadBalancers: mine.loadBalancers.length, targetGroups: mine.targetGroups.length }).toEqual({ loadBalancers: 0, targetGroups: 0 });
  });

  test('with consent: the same claim takes the ALB over (tagged as ours, its listener rewritten to the spec, the foreign rule gone)', async () => {
    const name = uniqueName('legacy-ok');
    const arn = await legacyAlb(name);
    expect(await rulesOf(arn)).toEqual({ listeners: 1, nonDefaultRules: 1, defaultAction: 'fixed-response' });

    await applyLbs(allowed!.name, 'claim', spec(name));
    const ready = await waitReady(allowed!.name, 'claim');
    expect(ready.status?.loadBalancer?.arn).toBe(arn);
    const view = await awsView(controller!.clusterName, `LoadBalancedService/${allowed!.name}/claim`);
    expect(view.loadBalancers.map((l) => l.lb.LoadBalancerArn)).toEqual([arn]);
    expect(view.loadBalancers[0]!.tags).toMatchObject({ 'albatross.dev/cluster': controller!.clusterName, 'albatross.dev/owner': `LoadBalancedService/${allowed!.name}/claim` });
    expect(await rulesOf(arn)).toEqual({ listeners: 1, nonDefaultRules: 0, defaultAction: 'forward' });
  });
});
