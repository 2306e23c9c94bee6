// Values AWS would refuse never reach it (issue 12, item 6); moto would take them all. What the
// schema can express is refused by `kubectl apply --server-side`, naming the field; an IP target
// outside the VPC without availabilityZone is InvalidSpec before anything exists in ELBv2.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { stringify } from 'yaml';
import type { LoadBalancedService } from '../../../src/crds/index.ts';
import { kubectl } from '../deploy/tools.ts';
import { conditionOf } from '../support/index.ts';
import { applyLbs, awsView, installCrds, setup, teardown, waitForCondition, waitReady, type Env } from './harness.ts';

let env: Env | undefined;

beforeAll(async () => {
  await installCrds();
  env = await setup('lbs-invalid');
});

afterAll(async () => {
  await teardown(env);
});

const ns = (): string => env!.ns.name;

const spec = (extra: Partial<LoadBalancedService['spec']> = {}): LoadBalancedService['spec'] => ({
  listeners: [{ port: 80, protocol: 'HTTP', defaultAction: { forward: { targetGroup: 'web' } } }],
  targetGroups: [{ name: 'web', port: 8080, targets: [{ id: '172.31.7.10' }] }],
  ...extra,
});

/** `kubectl apply --server-side` of one LoadBalancedService, as a user would run it. */
async function kubectlApply(name: string, s: LoadBalancedService['spec']): Promise<{ code: number; stderr: string }> {
  const manifest = stringify({ apiVersion: 'albatross.dev/v1alpha1', kind: 'LoadBalancedService', metadata: { name, namespace: ns() }, spec: s });
  return kubectl(['apply', '--server-side', '--field-manager=albatross-test', '-f', '-'], manifest);
}

describe('refused at apply, naming the field', () => {
  test('a redirect to port "99999"', async () => {
    const r = await kubectlApply('bad-port', spec({
      listeners: [{ port: 80, protocol: 'HTTP', defaultAction: { redirect: { protocol: 'HTTPS', port: '99999', statusCode: 'HTTP_301' } } }],
      targetGroups: [],
    }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.listeners[0].defaultAction.redirect.port');
    expect(r.stderr).toContain('port must be 1-65535');
  });

  test('an sslPolicy Elastic Load Balancing does not define', async () => {
    const r = await kubectlApply('bad-policy', spec({
      listeners: [{ port: 443, protocol: 'HTTPS', certificateRefs: [{ name: 'c' }], sslPolicy: 'ELBSecurityPolicy-Chaos-2099-01' as never, defaultAction: { forward: { targetGroup: 'web' } } }],
    }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.listeners[0].sslPolicy');
    expect(r.stderr).toContain('Unsupported value: "ELBSecurityPolicy-Chaos-2099-01"');
  });
});

describe('an IP target outside the VPC', () => {
  test('without availabilityZone: InvalidSpec naming the target, nothing created; with availabilityZone all: Ready', async () => {
    await applyLbs(ns(), 'outside', spec({ targetGroups: [{ name: 'web', port: 8080, targets: [{ id: '172.31.7.10' }, { id: '10.213.7.9' }] }] }));
    const stalled = await waitForCondition(ns(), 'outside', 'Stalled', 'True', 'InvalidSpec');
    expect(conditionOf(stalled, 'Stalled')?.message).toMatch(
      /^targetGroups\[web\]\.targets\[1\]\.id 10\.213\.7\.9 is outside VPC vpc-\w+ \(172\.31\.0\.0\/16\): set targetGroups\[web\]\.targets\[1\]\.availabilityZone: all/,
    );
    expect(conditionOf(stalled, 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    const view = await awsView(env!.controller.clusterName, `LoadBalancedService/${ns()}/outside`);
    expect({ loadBalancers: view.loadBalancers.length, targetGroups: view.targetGroups.length }).toEqual({ loadBalancers: 0, targetGroups: 0 });

    await applyLbs(ns(), 'outside', spec({ targetGroups: [{ name: 'web', port: 8080, targets: [{ id: '172.31.7.10' }, { id: '10.213.7.9', availabilityZone: 'all' }] }] }));
    const ready = await waitReady(ns(), 'outside');
    expect(ready.status?.targetGroups?.[0]?.targets).toBe(2);
  });
});
