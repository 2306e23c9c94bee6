// Ownership: a foreign ALB with the same name is never touched (Stalled, Conflict); an unowned one is
// adopted only with adopt: true (this controller allows adoption everywhere: --adopt-namespaces '*';
// adoption-consent.test.ts covers the namespaces that may not). Deletion: Delete removes everything owned (turning deletion
// protection off, with an event); Retain leaves AWS alone. The ALBs made here may come after the
// controller's inventory listed: its create then meets them, answered as AWS answers a create of a
// name it holds with other settings (DuplicateLoadBalancerName), not with moto's second ALB.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DeleteLoadBalancerCommand, DescribeLoadBalancerAttributesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LoadBalancedService } from '../../../src/crds/index.ts';
import { limitsProxy } from '../../env/aws-limits/client.ts';
import { awsClients, conditionOf, uniqueName, waitFor } from '../support/index.ts';
import { albsNamed, applyLbs, awsView, createForeignAlb, deleteLbs, eventsOf, getLbs, installCrds, listenersOf, setup, tagsOfArn, teardown, waitForCondition, waitReady, type Env } from './harness.ts';

let env: Env | undefined;

beforeAll(async () => {
  await installCrds();
  env = await setup('lbs-own', { flags: ['--adopt-namespaces', '*'] });
  await limitsProxy.setElbv2ExistingName(process.env['AWS_ACCESS_KEY_ID'] ?? '', 'refuse');
});

afterAll(async () => {
  await limitsProxy.clearElbv2ExistingName(process.env['AWS_ACCESS_KEY_ID'] ?? '').catch(() => undefined);
  await teardown(env);
});

const ns = (): string => env!.ns.name;
const cluster = (): string => env!.controller.clusterName;

const simple = (name: string, extra: Partial<LoadBalancedService['spec']> = {}): LoadBalancedService['spec'] => ({
  loadBalancer: { name },
  listeners: [{ port: 80, protocol: 'HTTP', defaultAction: { forward: { targetGroup: 'web' } } }],
  targetGroups: [{ name: 'web', port: 8080, targets: [{ id: '172.31.7.10' }] }],
  ...extra,
});

describe('ownership', () => {
  test('a foreign ALB with the same name is a Conflict and is never touched', async () => {
    const name = uniqueName('foreign');
    const foreignTags = { 'albatross.dev/cluster': 'someone-else', 'albatross.dev/owner': 'LoadBalancedService/x/y', team: 'other' };
    const arn = await createForeignAlb(name, foreignTags);
    await applyLbs(ns(), 'clash', simple(name, { adopt: true }));
    const stalled = await waitForCondition(ns(), 'clash', 'Stalled', 'True', 'Conflict');
    expect(conditionOf(stalled, 'Stalled')?.message).toContain(`load balancer ${name}`);
    expect(conditionOf(stalled, 'Stalled')?.message).toContain('LoadBalancedService/x/y in cluster someone-else');
    expect(conditionOf(stalled, 'Ready')?.status).toBe('False');
    expect(await eventsOf(ns(), 'clash', 'Conflict')).not.toEqual([]);
    // Untouched: still one ALB of that name, same tags, no listeners, and nothing else was created.
    expect(await albsNamed(name)).toEqual([arn]);
    expect(await tagsOfArn(arn)).toEqual(foreignTags);
    expect(await listenersOf(arn)).toBe(0);
    expect((await awsView(cluster())).targetGroups.filter((t) => t.tags['albatross.dev/owner']?.endsWith('/clash'))).toEqual([]);
    await deleteLbs(ns(), 'clash');
    await waitFor(async () => !(await getLbs(ns(), 'clash').catch(() => undefined)), { description: 'clash deleted' });
    expect(await albsNamed(name)).toEqual([arn]); // deletion did not touch it either
    await awsClients().elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
  });

  test('an unowned ALB with the same name: Conflict without adopt, adopted with adopt: true', async () => {
    const name = uniqueName('legacy');
    const arn = await createForeignAlb(name, { team: 'legacy' });
    await applyLbs(ns(), 'legacy', simple(name));
    const stalled = await waitForCondition(ns(), 'legacy', 'Stalled', 'True', 'Conflict');
    expect(conditionOf(stalled, 'Stalled')?.message).toMatch(/owned by nobody.*adopt: true/);
    expect(await tagsOfArn(arn)).toEqual({ team: 'legacy' });

    await applyLbs(ns(), 'legacy', simple(name, { adopt: true }));
    const ready = await waitReady(ns(), 'legacy');
    expect(ready.status?.loadBalancer?.arn).toBe(arn);
    expect(await albsNamed(name)).toEqual([arn]);
    expect(await tagsOfArn(arn)).toMatchObject({ 'albatross.dev/cluster': cluster(), 'albatross.dev/owner': `LoadBalancedService/${ns()}/legacy` });
    expect(await listenersOf(arn)).toBe(1);
  });
});

describe('deletion', () => {
  test('Delete removes listeners, the load balancer (deletion protection off first, with an event) and target groups', async () => {
    const name = uniqueName('del');
    await applyLbs(ns(), 'doomed', simple(name, { loadBalancer: { name, deletionProtection: true } }));
    const ready = await waitReady(ns(), 'doomed');
    const lbArn = ready.status!.loadBalancer!.arn!;
    const attrs = await awsClients().elbv2.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn }));
    expect(attrs.Attributes?.find((a) => a.Key === 'deletion_protection.enabled')?.Value).toBe('true');

    await deleteLbs(ns(), 'doomed');
    await waitFor(async () => !(await getLbs(ns(), 'doomed').catch(() => undefined)), { description: 'doomed gone (finalizer removed)' });
    expect(await albsNamed(name)).toEqual([]);
    expect((await awsView(cluster())).targetGroups.filter((t) => t.tags['albatross.dev/owner']?.endsWith('/doomed'))).toEqual([]);
    expect(await eventsOf(ns(), 'doomed', 'DeletionProtectionDisabled')).toEqual([expect.stringContaining(name)]);
  });

  test('Retain leaves every AWS object in place and only removes the finalizer', async () => {
    const name = uniqueName('keep');
    await applyLbs(ns(), 'kept', simple(name, { deletionPolicy: 'Retain' }));
    const ready = await waitReady(ns(), 'kept');
    await deleteLbs(ns(), 'kept');
    await waitFor(async () => !(await getLbs(ns(), 'kept').catch(() => undefined)), { description: 'kept gone (finalizer removed)' });
    expect(await albsNamed(name)).toEqual([ready.status!.loadBalancer!.arn]);
    expect(await listenersOf(ready.status!.loadBalancer!.arn!)).toBe(1);
    expect((await awsView(cluster())).targetGroups.filter((t) => t.tags['albatross.dev/owner']?.endsWith('/kept'))).toHaveLength(1);
  });
});
