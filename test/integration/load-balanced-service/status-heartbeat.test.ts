// Status while AWS throttles (issue 10: "every status updated at least once a minute with the true
// reason"): with every CreateLoadBalancer of this worker's account throttled by the limits proxy,
// a reconcile fails the same way each time, so its status write changes nothing and was skipped;
// other objects waited behind it in the queue with no status at all. The runtime's heartbeat
// (statusHeartbeat, here at 2 s instead of 30 s) confirms a not-Ready status while the conditions
// keep the last real outcome (AwsError naming the throttled call), and gives a first-sight status
// to objects no worker has reached. Once AWS answers again, all are Ready, with nothing duplicated.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { limitsProxy } from '../../env/aws-limits/client.ts';
import type { LoadBalancedService } from '../../../src/crds/index.ts';
import { createLoadBalancedServiceController } from '../../../src/reconcilers/load-balanced-service/reconciler.ts';
import { controllerFlags, startInProcess } from '../support/controller.ts';
import { createTestNamespace, uniqueClusterName, waitFor, type TestNamespace } from '../support/index.ts';
import { applyLbs, awsView, getLbs, installCrds, waitReady } from './harness.ts';
import type { Albatross } from '../../../src/app.ts';

let ns: TestNamespace | undefined;
let app: Albatross | undefined;
const cluster = uniqueClusterName();
const account = (): string => process.env['AWS_ACCESS_KEY_ID'] ?? '';
const spec = (i: number): LoadBalancedService['spec'] => ({
  listeners: [{ port: 80, protocol: 'HTTP', defaultAction: { forward: { targetGroup: 'web' } } }],
  targetGroups: [{ name: 'web', port: 8080, targets: [{ id: `172.31.9.${10 + i}` }] }],
});

beforeAll(async () => {
  await installCrds();
  ns = await createTestNamespace('lbs-heartbeat');
  app = await startInProcess([...controllerFlags(cluster, ns.name, '1h'), '--max-concurrent-reconciles', '1'], {
    controllers: [createLoadBalancedServiceController()],
    logger: pino({ level: process.env['LBS_TEST_LOG'] ?? 'silent' }),
    tuning: { statusHeartbeatMs: 2_000, statusHeartbeatTickMs: 500, backoffBaseMs: 200, backoffMaxMs: 20_000 },
  });
});

afterEach(async () => {
  await limitsProxy.clearFaults();
});

afterAll(async () => {
  await app?.stop();
  await ns?.delete();
});

describe('LoadBalancedService status while AWS throttles', () => {
  test('confirmed every heartbeat with the real reason, first sight for the queued ones, all Ready after', async () => {
    const namespace = ns!.name;
    await limitsProxy.setFaults({ throttlePercent: 100, serverErrorPercent: 0, services: ['elbv2'], operations: '^CreateLoadBalancer$', accounts: [account()], seed: 3 });
    // One worker: while it retries the first object's throttled create, the other two wait in the queue.
    for (const i of [0, 1, 2]) await applyLbs(namespace, `hb-${i}`, spec(i));

    // Every object gets a status for its generation within a few seconds, the queued ones included.
    await waitFor(async () => (await Promise.all([0, 1, 2].map((i) => getLbs(namespace, `hb-${i}`)))).every((o) => o.status?.observedGeneration === o.metadata?.generation), {
      description: 'a first-sight status on every object',
      timeoutMs: 10_000,
      intervalMs: 200,
    });

    // The first object's create is throttled attempt after attempt (its reconcile retries inside,
    // then fails and is retried with backoff): its status names the throttled call.
    const reasons = async (): Promise<LoadBalancedService[]> => {
      const items = await Promise.all([0, 1, 2].map((i) => getLbs(namespace, `hb-${i}`)));
      for (const o of items) {
        const ready = o.status?.conditions?.find((c) => c.type === 'Ready');
        expect(ready?.status).toBe('False');
        // Nothing else may be claimed: no Stalled (a human is not needed), no wrong reason.
        expect(o.status?.conditions?.find((c) => c.type === 'Stalled')?.status).toBe('False');
        expect(['AwsError', 'Progressing']).toContain(ready?.reason);
        if (ready?.reason === 'AwsError') expect(ready.message).toMatch(/CreateLoadBalancer: Throttling/);
      }
      return items;
    };
    const throttledOne = async (): Promise<string | undefined> =>
      (await reasons()).find((o) => o.status?.conditions?.some((c) => c.type === 'Ready' && c.reason === 'AwsError'))?.metadata?.name;
    await waitFor(throttledOne, { description: 'a status naming the throttled CreateLoadBalancer', timeoutMs: 180_000, intervalMs: 500 });
    const name = (await throttledOne())!;

    // Then, over ~12 s, that status is confirmed again and again (every ~2 s here) although the
    // failed attempts change nothing in it; the conditions stay the last real outcome.
    const times = new Set<string>();
    const until = Date.now() + 12_000;
    while (Date.now() < until) {
      const o = (await reasons()).find((x) => x.metadata?.name === name)!;
      if (o.status?.lastHeartbeatTime) times.add(o.status.lastHeartbeatTime);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(times.size).toBeGreaterThanOrEqual(3);

    await limitsProxy.clearFaults();
    for (const i of [0, 1, 2]) await waitReady(namespace, `hb-${i}`, 120_000);
    const view = await awsView(cluster);
    expect(view.loadBalancers).toHaveLength(3);
    expect(view.targetGroups).toHaveLength(3);
  }, 400_000);
});
