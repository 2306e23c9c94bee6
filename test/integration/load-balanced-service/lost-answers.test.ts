// Creates whose answer was lost (issue 10): the limits proxy forwards the call to moto, which does
// it, and answers 500 instead; the controller sends it again (a transient error) and moto makes a
// second load balancer of the same name, or a second listener on the same port (AWS itself would
// hand back the existing one or refuse). The reconcile that sent it again is not in sync: it says
// so in status, lists the inventory again and looks at AWS in full shortly after, and the plan then
// deletes the owned duplicate, keeping the one status remembers. Nothing duplicated, nothing left.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { CustomObjectsApi, Watch } from '@kubernetes/client-node';
import { limitsProxy } from '../../env/aws-limits/client.ts';
import { RESOURCES, type LoadBalancedService } from '../../../src/crds/index.ts';
import { kubeConfig, readManifests, waitFor } from '../support/index.ts';
import { EXAMPLE, applyLbs, awsView, deleteLbs, getLbs, installCrds, readyCertificate, setup, teardown, waitReady, type Env } from './harness.ts';

let env: Env | undefined;
let spec: LoadBalancedService['spec'];
/** The access key the in-process controller (this jest worker) calls AWS with. */
const workerKey = (): string => process.env['AWS_ACCESS_KEY_ID'] ?? '';
const ns = (): string => env!.ns.name;
const owner = (name: string): string => `LoadBalancedService/${ns()}/${name}`;

beforeAll(async () => {
  await installCrds();
  env = await setup('lbs-lost');
  await readyCertificate(ns(), 'service-example-com');
  spec = (readManifests(EXAMPLE)[0] as LoadBalancedService).spec;
});

const stops: Array<() => void> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  await limitsProxy.clearFaults();
});

/** Every version of `name` the apiserver stores from now on, in order (a watch from the current resourceVersion). */
async function recordVersions(name: string): Promise<LoadBalancedService[]> {
  const kc = kubeConfig();
  const r = RESOURCES.loadBalancedService;
  const list = (await kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ ...r, namespace: ns() })) as { metadata: { resourceVersion: string } };
  const versions: LoadBalancedService[] = [];
  const req = await new Watch(kc).watch(
    `/apis/${r.group}/${r.version}/namespaces/${ns()}/${r.plural}`,
    { resourceVersion: list.metadata.resourceVersion, fieldSelector: `metadata.name=${name}` },
    (type: string, obj: LoadBalancedService) => {
      if (type === 'ADDED' || type === 'MODIFIED') versions.push(obj);
    },
    () => undefined,
  );
  stops.push(() => req.abort());
  return versions;
}

afterAll(async () => {
  await teardown(env);
});

/** The first `operation` of this worker's key is done by moto and answered 500. */
async function loseFirstAnswer(operation: string): Promise<void> {
  await limitsProxy.setFaults({ serverErrorPercent: 100, serverErrorMode: 'after', services: ['elbv2'], operations: `^${operation}$`, accounts: [workerKey()], maxInjected: 1, seed: 1 });
}

const arnsOf = (lbs: LoadBalancedService): { lb: string | undefined; listeners: string[] } => ({
  lb: lbs.status?.loadBalancer?.arn,
  listeners: (lbs.status?.listeners ?? []).map((l) => l.arn ?? '').sort(),
});

/** Ready, and AWS holds exactly one load balancer (status's) with one listener per port (status's). */
async function expectOneOfEach(name: string): Promise<LoadBalancedService> {
  const lbs = await waitReady(ns(), name, 90_000);
  const view = await awsView(env!.controller.clusterName, owner(name));
  expect(view.loadBalancers.map((l) => l.lb.LoadBalancerArn)).toEqual([lbs.status?.loadBalancer?.arn]);
  const ports = view.listeners.map((l) => l.listener.Port).sort();
  expect(ports).toEqual([...new Set(ports)]);
  expect(ports).toEqual(spec.listeners.map((l) => l.port).sort());
  expect(view.listeners.map((l) => l.listener.ListenerArn).sort()).toEqual((lbs.status?.listeners ?? []).map((l) => l.arn).sort());
  expect(view.targetGroups).toHaveLength(spec.targetGroups?.length ?? 0);
  return lbs;
}

async function expectNothingLeft(name: string): Promise<void> {
  await deleteLbs(ns(), name);
  await waitFor(async () => !(await getLbs(ns(), name).catch(() => undefined)), { description: `${name} gone`, timeoutMs: 60_000 });
  const view = await awsView(env!.controller.clusterName, owner(name));
  expect({ lbs: view.loadBalancers.length, tgs: view.targetGroups.length }).toEqual({ lbs: 0, tgs: 0 });
}

describe('a create done by AWS whose answer was lost', () => {
  test.each(['CreateLoadBalancer', 'CreateListener'])('%s: the duplicate it left is deleted, the one status remembers kept; deletion leaves nothing', async (operation) => {
    const name = `lost-${operation.slice('Create'.length).toLowerCase()}`;
    const before = await limitsProxy.counts(workerKey());
    await loseFirstAnswer(operation);
    const versions = await recordVersions(name);
    await applyLbs(ns(), name, structuredClone(spec));
    const ready = await expectOneOfEach(name);
    // The reconcile that sent it again said so (not Ready), with what it had made in status.
    const doubted = await waitFor(
      () =>
        versions.find((v) => {
          const c = v.status?.conditions?.find((x) => x.type === 'Reconciling' && x.status === 'True' && x.reason === 'AwsError');
          return c?.message?.includes(operation);
        }),
      { description: `a status naming ${operation}`, timeoutMs: 10_000 },
    );
    expect(doubted.status?.conditions?.find((x) => x.type === 'Ready')?.status).toBe('False');
    expect(doubted.status?.conditions?.find((x) => x.type === 'Reconciling')?.message).toMatch(/sent again/);
    // The objects status published then (the retry's answers, which got everything else) are kept.
    expect(arnsOf(ready)).toEqual(arnsOf(doubted));
    const after = await limitsProxy.counts(workerKey());
    const key = `elbv2.${operation}`;
    expect((after.injected[key] ?? 0) - (before.injected[key] ?? 0)).toBe(1);
    await expectNothingLeft(name);
  });
  test('CreateTargetGroup: the retry refused as a duplicate is told as the lost answer it is, not a conflict; Ready with one of each, nothing left', async () => {
    const name = 'lost-targetgroup';
    await loseFirstAnswer('CreateTargetGroup');
    const versions = await recordVersions(name);
    await applyLbs(ns(), name, structuredClone(spec));
    await expectOneOfEach(name);
    const told = await waitFor(
      () => versions.find((v) => v.status?.conditions?.find((x) => x.type === 'Reconciling' && x.reason === 'AwsError')?.message?.includes('CreateTargetGroup')),
      { description: 'a status naming CreateTargetGroup', timeoutMs: 10_000 },
    );
    expect(told.status?.conditions?.find((x) => x.type === 'Reconciling')?.message).toMatch(/CreateTargetGroup got a transient error \(\w+\) and was sent again; AWS then answered DuplicateTargetGroupName \(the first try made it, its answer was lost\)/);
    await expectNothingLeft(name);
  });
  test('ModifyTargetGroupAttributes: a lost answer of a change that cannot make a second object is not doubted (no extra full observation)', async () => {
    const name = 'lost-modify';
    await loseFirstAnswer('ModifyTargetGroupAttributes');
    const versions = await recordVersions(name);
    await applyLbs(ns(), name, structuredClone(spec));
    await expectOneOfEach(name);
    expect(versions.filter((v) => v.status?.conditions?.some((x) => x.message?.includes('sent again')))).toEqual([]);
    await expectNothingLeft(name);
  });
});
