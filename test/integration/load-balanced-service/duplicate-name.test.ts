// Two LoadBalancedServices with one explicit spec.loadBalancer.name (issue 12, item 4). moto creates
// a second load balancer of the same name; AWS would not. The second resource must be a Conflict
// naming the first and create nothing; when the first is deleted, the second takes the name.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { LoadBalancedService } from '../../../src/crds/index.ts';
import { conditionOf, uniqueName, waitFor } from '../support/index.ts';
import { albsNamed, applyLbs, awsView, deleteLbs, getLbs, installCrds, setup, teardown, waitForCondition, waitReady, type Env } from './harness.ts';

let env: Env | undefined;

beforeAll(async () => {
  await installCrds();
  env = await setup('lbs-dup', { resyncPeriod: '1h' });
});

afterAll(async () => {
  await teardown(env);
});

const ns = (): string => env!.ns.name;
const cluster = (): string => env!.controller.clusterName;

const spec = (name: string, target: string): LoadBalancedService['spec'] => ({
  loadBalancer: { name },
  listeners: [{ port: 80, protocol: 'HTTP', defaultAction: { forward: { targetGroup: 'web' } } }],
  targetGroups: [{ name: 'web', port: 8080, targets: [{ id: target }] }],
});

async function ownedBy(name: string): Promise<{ loadBalancers: number; targetGroups: number }> {
  const view = await awsView(cluster(), `LoadBalancedService/${ns()}/${name}`);
  return { loadBalancers: view.loadBalancers.length, targetGroups: view.targetGroups.length };
}

describe('one explicit loadBalancer.name, two resources', () => {
  test('the second is a Conflict naming the first and creates nothing; deleting the first hands the name over', async () => {
    const name = uniqueName('dup');
    await applyLbs(ns(), 'first', spec(name, '172.31.7.10'));
    const first = await waitReady(ns(), 'first');

    await applyLbs(ns(), 'second', spec(name, '172.31.7.11'));
    const stalled = await waitForCondition(ns(), 'second', 'Stalled', 'True', 'Conflict');
    expect(conditionOf(stalled, 'Stalled')?.message).toBe(
      `spec.loadBalancer.name ${name} is used by LoadBalancedService ${ns()}/first, which holds load balancer ${name} (${first.status!.loadBalancer!.arn}); ` +
        'nothing was changed: give this resource another name, or delete the other one',
    );
    expect(conditionOf(stalled, 'Ready')).toMatchObject({ status: 'False', reason: 'Conflict' });
    expect(await albsNamed(name)).toEqual([first.status!.loadBalancer!.arn]);
    expect(await ownedBy('second')).toEqual({ loadBalancers: 0, targetGroups: 0 });
    expect(conditionOf(await getLbs(ns(), 'first'), 'Ready')?.status).toBe('True');

    // The first goes away (with its load balancer): the second is woken and takes the name.
    await deleteLbs(ns(), 'first');
    await waitFor(async () => !(await getLbs(ns(), 'first').catch(() => undefined)), { description: 'first deleted' });
    const ready = await waitReady(ns(), 'second');
    expect(await albsNamed(name)).toEqual([ready.status!.loadBalancer!.arn]);
    expect(ready.status!.loadBalancer!.arn).not.toBe(first.status!.loadBalancer!.arn);
    expect(await ownedBy('second')).toEqual({ loadBalancers: 1, targetGroups: 1 });
  });

  test('applied together: exactly one is Ready, the other a Conflict naming it, and one load balancer exists', async () => {
    const name = uniqueName('dup-race');
    await Promise.all([applyLbs(ns(), 'race-a', spec(name, '172.31.7.12')), applyLbs(ns(), 'race-b', spec(name, '172.31.7.13'))]);
    const outcome = await waitFor(
      async () => {
        const [a, b] = await Promise.all([getLbs(ns(), 'race-a'), getLbs(ns(), 'race-b')]);
        const settled = (o: LoadBalancedService) => o.status?.observedGeneration === o.metadata?.generation && ['True', 'False'].includes(conditionOf(o, 'Ready')?.status ?? '');
        const ready = (o: LoadBalancedService) => conditionOf(o, 'Ready')?.status === 'True';
        const conflict = (o: LoadBalancedService) => conditionOf(o, 'Stalled')?.reason === 'Conflict';
        if (!settled(a) || !settled(b)) return undefined;
        if (ready(a) && conflict(b)) return { winner: 'race-a', loser: b };
        if (ready(b) && conflict(a)) return { winner: 'race-b', loser: a };
        return undefined;
      },
      { description: 'one Ready, one Conflict', timeoutMs: 60_000, intervalMs: 300 },
    );
    expect(conditionOf(outcome.loser, 'Stalled')?.message).toContain(`LoadBalancedService ${ns()}/${outcome.winner}`);
    expect(await albsNamed(name)).toHaveLength(1);
    expect(await ownedBy(outcome.loser.metadata!.name!)).toEqual({ loadBalancers: 0, targetGroups: 0 });
  });
});
