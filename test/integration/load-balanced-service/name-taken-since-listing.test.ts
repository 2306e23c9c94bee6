// A load balancer with the resource's name, made outside Albatross after the shared inventory's
// listing (issue 10). The controller no longer asks AWS whether a name the listing lacks is free:
// the create meets the load balancer instead. moto would make a second one of the name; the limits
// proxy answers as AWS does (elbv2-names.ts): with the existing load balancer when the settings
// match, which the controller must not take for its own (stamped before the request, and not its
// tags), or DuplicateLoadBalancerName when they differ, after which it lists again. Either way the
// resource is Stalled, Conflict, naming the load balancer, and the load balancer is left as it was.
// One made with this resource's own tags (a create whose answer was lost) is used; an unowned one,
// with spec.adopt: true (this controller allows adoption everywhere), is adopted at the next reconcile.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { LoadBalancedService } from '../../../src/crds/index.ts';
import { CREATE_CLOCK_SKEW_MS } from '../../../src/reconcilers/load-balanced-service/create-guard.ts';
import { countsDelta, limitsProxy } from '../../env/aws-limits/client.ts';
import { conditionOf, uniqueName, waitFor } from '../support/index.ts';
import { albsNamed, applyLbs, awsView, createForeignAlb, deleteLbs, eventsOf, getLbs, installCrds, listenersOf, setup, tagsOfArn, teardown, waitForCondition, waitReady, type Env } from './harness.ts';

let env: Env | undefined;
const account = (): string => process.env['AWS_ACCESS_KEY_ID'] ?? '';
const ns = (): string => env!.ns.name;

const FOREIGN_TAGS = { 'albatross.dev/cluster': 'someone-else', 'albatross.dev/owner': 'LoadBalancedService/x/y', team: 'other' };
const names = { foreign: uniqueName('taken'), ours: uniqueName('lost'), unowned: uniqueName('legacy'), refused: uniqueName('refused') };
const arns: Record<keyof typeof names, string> = { foreign: '', ours: '', unowned: '', refused: '' };

const simple = (name: string, target: string, adopt = false): LoadBalancedService['spec'] => ({
  ...(adopt ? { adopt } : {}),
  loadBalancer: { name },
  listeners: [{ port: 80, protocol: 'HTTP', defaultAction: { forward: { targetGroup: 'web' } } }],
  targetGroups: [{ name: 'web', port: 8080, targets: [{ id: target }] }],
});

async function deleted(name: string): Promise<void> {
  await deleteLbs(ns(), name);
  await waitFor(async () => !(await getLbs(ns(), name).catch(() => undefined)), { description: `${name} deleted`, timeoutMs: 60_000 });
}

beforeAll(async () => {
  await installCrds();
  env = await setup('lbs-taken', { flags: ['--adopt-namespaces', '*'] });
  // The inventory lists (with the first reconcile) before the load balancers below exist.
  await applyLbs(ns(), 'first', simple(uniqueName('first'), '172.31.7.20'));
  await waitReady(ns(), 'first');
  arns.foreign = await createForeignAlb(names.foreign, FOREIGN_TAGS);
  arns.ours = await createForeignAlb(names.ours, { 'albatross.dev/cluster': env.controller.clusterName, 'albatross.dev/owner': `LoadBalancedService/${ns()}/lost` });
  arns.unowned = await createForeignAlb(names.unowned, { team: 'legacy' });
  // Older than the clock-skew margin by the time the controller's create meets them.
  await new Promise((r) => setTimeout(r, CREATE_CLOCK_SKEW_MS + 1_000));
});

afterAll(async () => {
  await limitsProxy.clearElbv2ExistingName(account()).catch(() => undefined);
  await teardown(env);
});

describe('a load balancer with our name made since the listing', () => {
  test('the create answers with a foreign one: Stalled, Conflict naming it, left as it was (no name check before the create)', async () => {
    const answered = (await limitsProxy.setElbv2ExistingName(account(), 'answer')).counts.answered;
    const before = await limitsProxy.counts(account());
    await applyLbs(ns(), 'taken', simple(names.foreign, '172.31.7.21'));
    const stalled = await waitForCondition(ns(), 'taken', 'Stalled', 'True', 'Conflict');
    const calls = countsDelta(before.calls, (await limitsProxy.counts(account())).calls);
    expect((await limitsProxy.elbv2Names()).counts.answered).toBe(answered + 1);
    // The same message as a Conflict found by observation (conflicts.ts).
    expect(conditionOf(stalled, 'Stalled')?.message).toBe(
      `load balancer ${names.foreign} (${arns.foreign}) is owned by LoadBalancedService/x/y in cluster someone-else; nothing was changed`,
    );
    expect(conditionOf(stalled, 'Ready')).toMatchObject({ status: 'False', reason: 'Conflict' });
    expect(await eventsOf(ns(), 'taken', 'Conflict')).not.toEqual([]);
    // One create, answered by the proxy with the foreign load balancer; no listing and no look-up by name.
    expect(calls['elbv2.CreateLoadBalancer']).toBe(1);
    expect(calls['elbv2.DescribeLoadBalancers'] ?? 0).toBe(0);
    expect(await albsNamed(names.foreign)).toEqual([arns.foreign]);
    expect(await tagsOfArn(arns.foreign)).toEqual(FOREIGN_TAGS);
    expect(await listenersOf(arns.foreign)).toBe(0);

    // What the plan made before the create (the target group) is the resource's, and deleting the
    // resource removes it; the load balancer stays.
    expect((await awsView(env!.controller.clusterName, `LoadBalancedService/${ns()}/taken`)).targetGroups).toHaveLength(1);
    await deleted('taken');
    expect(await albsNamed(names.foreign)).toEqual([arns.foreign]);
    expect(await tagsOfArn(arns.foreign)).toEqual(FOREIGN_TAGS);
    expect((await awsView(env!.controller.clusterName, `LoadBalancedService/${ns()}/taken`)).targetGroups).toEqual([]);
  });

  test('the create answers with one carrying this resource’s own tags (a lost answer): adopted, Ready', async () => {
    await limitsProxy.setElbv2ExistingName(account(), 'answer');
    await applyLbs(ns(), 'lost', simple(names.ours, '172.31.7.22'));
    const ready = await waitReady(ns(), 'lost');
    expect(ready.status?.loadBalancer?.arn).toBe(arns.ours);
    expect(await albsNamed(names.ours)).toEqual([arns.ours]);
    expect(await listenersOf(arns.ours)).toBe(1);
  });

  test('the create answers with an unowned one, spec.adopt: true: not used by that apply, adopted by the next reconcile', async () => {
    await limitsProxy.setElbv2ExistingName(account(), 'answer');
    await applyLbs(ns(), 'legacy', simple(names.unowned, '172.31.7.24', true));
    const ready = await waitReady(ns(), 'legacy');
    expect(ready.status?.loadBalancer?.arn).toBe(arns.unowned);
    expect(await albsNamed(names.unowned)).toEqual([arns.unowned]);
    expect(await tagsOfArn(arns.unowned)).toMatchObject({ 'albatross.dev/cluster': env!.controller.clusterName, 'albatross.dev/owner': `LoadBalancedService/${ns()}/legacy` });
    expect(await listenersOf(arns.unowned)).toBe(1);
  });

  // Last: the refusal has the inventory list again, which would show the load balancers above.
  test('the create is refused as a duplicate (other settings): the next reconcile lists again and finds the Conflict', async () => {
    arns.refused = await createForeignAlb(names.refused, FOREIGN_TAGS);
    await limitsProxy.setElbv2ExistingName(account(), 'refuse');
    await applyLbs(ns(), 'refused', simple(names.refused, '172.31.7.23'));
    const stalled = await waitForCondition(ns(), 'refused', 'Stalled', 'True', 'Conflict');
    expect(conditionOf(stalled, 'Stalled')?.message).toBe(
      `load balancer ${names.refused} (${arns.refused}) is owned by LoadBalancedService/x/y in cluster someone-else; nothing was changed`,
    );
    expect(await albsNamed(names.refused)).toEqual([arns.refused]);
    expect(await tagsOfArn(arns.refused)).toEqual(FOREIGN_TAGS);
    expect(await listenersOf(arns.refused)).toBe(0);
  });
});
