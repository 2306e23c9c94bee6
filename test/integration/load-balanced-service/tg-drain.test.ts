// Issue 14 item 5: a target group AWS cannot change in place (here its port) is replaced
// create-before-destroy, and the old group keeps its open connections until its own deregistration
// delay has passed after the listeners moved: it still exists right after the switch (listed in
// status.previousTargetGroups, named in the Ready message), survives a controller restart with the
// same drain end, and is deleted after the delay. Deleting the resource while a group drains
// removes everything. The delay is small and the test waits on what AWS and status show.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { LoadBalancedService } from '../../../src/crds/index.ts';
import { conditionOf, waitFor } from '../support/index.ts';
import { applyLbs, awsView, deleteLbs, getLbs, installCrds, listenerOn, setup, startController, teardown, tgOf, waitReady, type Env } from './harness.ts';

const DELAY_SECONDS = 20;
let env: Env | undefined;

beforeAll(async () => {
  await installCrds();
  env = await setup('lbs-tg-drain');
});

afterAll(async () => {
  await teardown(env);
});

const ns = (): string => env!.ns.name;
const cluster = (): string => env!.controller.clusterName;
const owner = (name: string): string => `LoadBalancedService/${ns()}/${name}`;

const spec = (port: number, delay: number): LoadBalancedService['spec'] => ({
  listeners: [{ port: 80, protocol: 'HTTP', defaultAction: { forward: { targetGroup: 'web' } } }],
  targetGroups: [{ name: 'web', port, deregistrationDelaySeconds: delay, targets: [{ id: '172.31.6.10' }] }],
});

/** Applies the port change; returns the status that first lists the old group as draining. */
async function switchPort(name: string, port: number, delay: number, oldArn: string): Promise<LoadBalancedService> {
  await applyLbs(ns(), name, spec(port, delay));
  return waitFor(
    async () => {
      const o = await getLbs(ns(), name);
      const current = o.status?.observedGeneration === o.metadata?.generation;
      return current && o.status?.previousTargetGroups?.some((t) => t.arn === oldArn) ? o : undefined;
    },
    { description: 'status.previousTargetGroups to list the old target group', timeoutMs: 60_000, intervalMs: 200 },
  );
}

describe('a replaced target group drains for its deregistration delay', () => {
  test('kept after the switch, across a restart, deleted once its delay has passed', async () => {
    const name = 'drain';
    await applyLbs(ns(), name, spec(8080, DELAY_SECONDS));
    const first = await waitReady(ns(), name);
    const oldArn = first.status!.targetGroups!.find((t) => t.name === 'web')!.arn!;

    const switched = await switchPort(name, 8081, DELAY_SECONDS, oldArn);
    const entry = switched.status!.previousTargetGroups!.find((t) => t.arn === oldArn)!;
    expect(entry).toMatchObject({ name: 'web', arn: oldArn, awsName: expect.any(String), since: expect.any(String), until: expect.any(String) });
    const since = Date.parse(entry.since!);
    const until = Date.parse(entry.until!);
    // The drain is the old group's own deregistration delay, counted from the switch.
    expect(until - since).toBe(DELAY_SECONDS * 1000);
    const newArn = switched.status!.targetGroups!.find((t) => t.name === 'web')!.arn!;
    expect(newArn).not.toBe(oldArn);

    // Right after the switch: the listener forwards to the new group, the old one still exists with its target.
    const during = await awsView(cluster(), owner(name));
    expect(Date.now()).toBeLessThan(until);
    expect(during.targetGroups.map((t) => t.tg.TargetGroupArn).sort()).toEqual([oldArn, newArn].sort());
    expect(listenerOn(during, 80).listener.DefaultActions?.[0]?.ForwardConfig?.TargetGroups?.map((t) => t.TargetGroupArn) ?? [listenerOn(during, 80).listener.DefaultActions?.[0]?.TargetGroupArn]).toEqual([newArn]);
    expect(during.targetGroups.find((t) => t.tg.TargetGroupArn === oldArn)!.targets).toEqual([{ id: '172.31.6.10', port: 8080 }]);
    expect(conditionOf(switched, 'Ready')?.status).toBe('True');
    expect(conditionOf(switched, 'Ready')?.message).toContain(`old target group web (${entry.awsName}) drains until ${entry.until}`);

    // A restart in the middle: the new process keeps the drain (same end), the group is still there.
    await env!.controller.stop();
    env!.controller = await startController(ns(), { clusterName: cluster() });
    const afterRestart = await waitFor(
      async () => {
        const o = await getLbs(ns(), name);
        return o.status?.previousTargetGroups?.[0]?.until === entry.until ? o : undefined;
      },
      { description: 'the drain entry to survive the restart', timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(afterRestart.status!.previousTargetGroups![0]!.since).toBe(entry.since);
    if (Date.now() < until - 1_000) {
      expect((await awsView(cluster(), owner(name))).targetGroups.map((t) => t.tg.TargetGroupArn)).toContain(oldArn);
    }

    // After the delay the old group is gone (the controller comes back for it by itself), the new one serves.
    const after = await waitFor(
      async () => {
        const view = await awsView(cluster(), owner(name));
        return view.targetGroups.length === 1 ? view : undefined;
      },
      { description: 'the old target group to be deleted', timeoutMs: DELAY_SECONDS * 1000 + 60_000, intervalMs: 500 },
    );
    expect(Date.now()).toBeGreaterThanOrEqual(until);
    expect(tgOf(after, 'web').tg.TargetGroupArn).toBe(newArn);
    expect(tgOf(after, 'web').targets).toEqual([{ id: '172.31.6.10', port: 8081 }]);
    const final = await waitFor(
      async () => {
        const o = await getLbs(ns(), name);
        return o.status?.previousTargetGroups?.length === 0 ? o : undefined;
      },
      { description: 'status.previousTargetGroups to be empty', timeoutMs: 30_000, intervalMs: 300 },
    );
    expect(conditionOf(final, 'Ready')?.status).toBe('True');
    expect(conditionOf(final, 'Ready')?.message).not.toContain('drains');
  });

  test('deleting the resource while a replaced group drains removes everything', async () => {
    const name = 'drain-del';
    await applyLbs(ns(), name, spec(8080, 300));
    const first = await waitReady(ns(), name);
    const oldArn = first.status!.targetGroups!.find((t) => t.name === 'web')!.arn!;
    await switchPort(name, 8081, 300, oldArn);
    expect((await awsView(cluster(), owner(name))).targetGroups).toHaveLength(2);
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
