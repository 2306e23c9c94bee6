// Acceptance: drift made directly through the AWS API (an attribute changed, a rule deleted, a target
// deregistered) is reported and corrected at the next periodic re-check, with an event; with
// driftPolicy Report it is only reported.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CoreV1Api } from '@kubernetes/client-node';
import { DeleteRuleCommand, DeregisterTargetsCommand, ModifyLoadBalancerAttributesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LoadBalancedService } from '../../../src/crds/index.ts';
import { awsClients, conditionOf, kstatus, kubeConfig, readManifests, waitFor } from '../support/index.ts';
import { EXAMPLE, applyLbs, awsView, getLbs, installCrds, readyCertificate, setup, startController, teardown, waitForCondition, waitReady, type Env } from './harness.ts';

let env: Env | undefined;
let spec: LoadBalancedService['spec'];

beforeAll(async () => {
  await installCrds();
  env = await setup('lbs-drift', { resyncPeriod: '2s' });
  await readyCertificate(env.ns.name, 'service-example-com');
  spec = (readManifests(EXAMPLE)[0] as LoadBalancedService).spec;
});

afterAll(async () => {
  await teardown(env);
});

const ns = (): string => env!.ns.name;

async function events(name: string, reason: string): Promise<string[]> {
  const list = await kubeConfig().makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns() });
  return list.items.filter((e) => e.involvedObject.name === name && e.reason === reason).map((e) => e.message ?? '');
}

/** The example under another name, on its own cluster-unique AWS objects. */
async function makeLbs(name: string, driftPolicy: 'Correct' | 'Report'): Promise<void> {
  await applyLbs(ns(), name, { ...structuredClone(spec), driftPolicy });
  await waitReady(ns(), name, 90_000);
}

async function driftInAws(name: string): Promise<void> {
  const lbs = await getLbs(ns(), name);
  const { elbv2 } = awsClients();
  const view = await awsView(env!.controller.clusterName);
  const lb = view.loadBalancers.find((l) => l.lb.LoadBalancerArn === lbs.status?.loadBalancer?.arn)!;
  const listeners = view.listeners.filter((l) => l.listener.LoadBalancerArn === lb.lb.LoadBalancerArn);
  const rule10 = listeners.find((l) => l.listener.Port === 443)!.rules.find((r) => r.Priority === '10')!;
  const web = view.targetGroups.find((t) => t.tg.TargetGroupArn === lbs.status?.targetGroups?.find((g) => g.name === 'web')?.arn)!;
  await elbv2.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lb.lb.LoadBalancerArn, Attributes: [{ Key: 'idle_timeout.timeout_seconds', Value: '61' }] }));
  await elbv2.send(new DeleteRuleCommand({ RuleArn: rule10.RuleArn }));
  await elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: web.tg.TargetGroupArn, Targets: [{ Id: '172.31.2.10', Port: 8080 }] }));
}

describe('drift', () => {
  test('Correct: an attribute changed, a rule deleted and a target deregistered are put back, with an event', async () => {
    await makeLbs('chat', 'Correct');
    await driftInAws('chat');
    const corrected = await waitForCondition(ns(), 'chat', 'Drifted', 'False', 'Corrected', 30_000);
    const message = conditionOf(corrected, 'Drifted')?.message ?? '';
    expect(message).toContain('loadBalancer.idleTimeoutSeconds: 61 -> 3600');
    expect(message).toContain('listeners[443].rules[10]');
    expect(message).toContain('targetGroups[web].targets[172.31.2.10:8080]');
    expect(conditionOf(corrected, 'Ready')?.status).toBe('True');
    expect(corrected.status?.drift?.map((d) => d.path)).toEqual(
      expect.arrayContaining(['loadBalancer.idleTimeoutSeconds', 'listeners[443].rules[10]', 'targetGroups[web].targets[172.31.2.10:8080]']),
    );

    const view = await awsView(env!.controller.clusterName);
    const lb = view.loadBalancers.find((l) => l.lb.LoadBalancerName === corrected.status?.loadBalancer?.name)!;
    expect(lb.attributes['idle_timeout.timeout_seconds']).toBe('3600');
    const https = view.listeners.find((l) => l.listener.LoadBalancerArn === lb.lb.LoadBalancerArn && l.listener.Port === 443)!;
    expect(https.rules.map((r) => r.Priority).sort()).toEqual(['10', '20']);
    const web = view.targetGroups.find((t) => t.tg.TargetGroupArn === corrected.status?.targetGroups?.find((g) => g.name === 'web')?.arn)!;
    expect(web.targets.map((t) => t.id)).toEqual(['172.31.1.10', '172.31.2.10']);
    expect(await events('chat', 'DriftCorrected')).toEqual([expect.stringContaining('loadBalancer.idleTimeoutSeconds: 61 -> 3600')]);
  });

  test('Report: the drift is recorded in status and conditions, AWS is left as it is', async () => {
    await makeLbs('reported', 'Report');
    await driftInAws('reported');
    const reported = await waitForCondition(ns(), 'reported', 'Drifted', 'True', 'Drifted', 30_000);
    expect(conditionOf(reported, 'Ready')).toMatchObject({ status: 'False', reason: 'Drifted' });
    // Reported drift needs a human: Stalled, which Flux's kstatus calls Failed (not InProgress for ever).
    expect(conditionOf(reported, 'Stalled')).toMatchObject({ status: 'True', reason: 'Drifted' });
    expect(await kstatus(reported)).toEqual({ status: 'Failed', message: conditionOf(reported, 'Stalled')?.message });
    expect(reported.status?.drift).toEqual(
      expect.arrayContaining([
        { path: 'loadBalancer.idleTimeoutSeconds', desired: '3600', actual: '61' },
        expect.objectContaining({ path: 'listeners[443].rules[10]', actual: '(absent)' }),
        { path: 'targetGroups[web].targets[172.31.2.10:8080]', desired: 'registered', actual: '(absent)' },
      ]),
    );
    expect(await events('reported', 'Drifted')).not.toEqual([]);
    expect(await events('reported', 'DriftCorrected')).toEqual([]);

    // Several re-checks later AWS still holds the drifted values.
    await new Promise((r) => setTimeout(r, 5_000));
    const view = await awsView(env!.controller.clusterName);
    const lb = view.loadBalancers.find((l) => l.lb.LoadBalancerName === reported.status?.loadBalancer?.name)!;
    expect(lb.attributes['idle_timeout.timeout_seconds']).toBe('61');
    const https = view.listeners.find((l) => l.listener.LoadBalancerArn === lb.lb.LoadBalancerArn && l.listener.Port === 443)!;
    expect(https.rules.map((r) => r.Priority)).toEqual(['20']);

    // A restarted controller (no memory of what it converged) still only reports.
    await env!.controller.stop();
    env!.controller = await startController(ns(), { clusterName: env!.controller.clusterName, resyncPeriod: '2s' });
    await new Promise((r) => setTimeout(r, 5_000));
    const still = await awsView(env!.controller.clusterName);
    expect(still.loadBalancers.find((l) => l.lb.LoadBalancerName === reported.status?.loadBalancer?.name)?.attributes['idle_timeout.timeout_seconds']).toBe('61');
    expect(conditionOf(await getLbs(ns(), 'reported'), 'Drifted')?.status).toBe('True');

    // Switching to Correct puts it back.
    await applyLbs(ns(), 'reported', { ...structuredClone(spec), driftPolicy: 'Correct' });
    await waitReady(ns(), 'reported');
    await waitFor(
      async () => {
        const v = await awsView(env!.controller.clusterName);
        return v.loadBalancers.find((l) => l.lb.LoadBalancerName === reported.status?.loadBalancer?.name)?.attributes['idle_timeout.timeout_seconds'] === '3600';
      },
      { description: 'idle timeout back to 3600' },
    );
  });
});
