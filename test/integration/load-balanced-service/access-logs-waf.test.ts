// Issue 14 item 3: access logs (load balancer attributes access_logs.s3.*) and the WAFv2 web ACL
// association, each set, corrected after drift made through the AWS API, and turned off again when
// removed from the spec; bad values refused at apply, naming the field. AWS is read straight from
// moto; the controller reaches it through the AWS limits proxy.
// moto checks neither that the bucket exists nor its policy (AWS refuses logging to a bucket ELB
// cannot write to), and its AssociateWebACL adds the load balancer to the new web ACL without
// taking it off the old one: the drift below is therefore made the way AWS's own replacement ends
// up (disassociate, then associate another).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DescribeLoadBalancerAttributesCommand, ModifyLoadBalancerAttributesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AssociateWebACLCommand, CreateWebACLCommand, DisassociateWebACLCommand, GetWebACLForResourceCommand, WAFV2Client } from '@aws-sdk/client-wafv2';
import { stringify } from 'yaml';
import type { LoadBalancedService } from '../../../src/crds/index.ts';
import { limitsProxy } from '../../env/aws-limits/client.ts';
import { kubectl, run } from '../deploy/tools.ts';
import { cliArgv } from '../../support/dist.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { awsClients, conditionOf, uniqueName, waitFor } from '../support/index.ts';
import { applyLbs, getLbs, installCrds, setup, teardown, waitForCondition, waitReady, type Env } from './harness.ts';

let env: Env | undefined;
let waf: WAFV2Client;

beforeAll(async () => {
  await installCrds();
  // A short resync: drift made in AWS is found at the next periodic re-check.
  env = await setup('lbs-attrs', { resyncPeriod: '2s' });
  waf = new WAFV2Client({ endpoint: process.env['MOTO_ENDPOINT_URL'] ?? process.env['AWS_ENDPOINT_URL'] });
});

afterAll(async () => {
  waf?.destroy();
  await teardown(env);
});

const ns = (): string => env!.ns.name;

const spec = (loadBalancer: NonNullable<LoadBalancedService['spec']['loadBalancer']> = {}): LoadBalancedService['spec'] => ({
  loadBalancer,
  listeners: [{ port: 80, protocol: 'HTTP', defaultAction: { forward: { targetGroup: 'web' } } }],
  targetGroups: [{ name: 'web', port: 8080, targets: [{ id: '172.31.5.10' }] }],
});

async function lbAttributes(arn: string): Promise<Record<string, string>> {
  const out = await awsClients().elbv2.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }));
  return Object.fromEntries((out.Attributes ?? []).map((a) => [a.Key!, a.Value ?? '']));
}

/** Waits until the object's current generation is Ready, then returns it. */
async function readyGeneration(name: string): Promise<LoadBalancedService> {
  return waitReady(ns(), name, 90_000);
}

async function webAcl(name: string): Promise<string> {
  const out = await waf.send(
    new CreateWebACLCommand({
      Name: name,
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      VisibilityConfig: { SampledRequestsEnabled: false, CloudWatchMetricsEnabled: false, MetricName: name },
    }),
  );
  return out.Summary!.ARN!;
}

const associated = async (lbArn: string): Promise<string | null> =>
  (await waf.send(new GetWebACLForResourceCommand({ ResourceArn: lbArn }))).WebACL?.ARN ?? null;

describe('access logs', () => {
  test('set, drift corrected, removed back to off', async () => {
    const name = 'logs';
    await applyLbs(ns(), name, spec({ accessLogs: { bucket: 'my-alb-logs', prefix: 'chat' } }));
    const lbArn = (await readyGeneration(name)).status!.loadBalancer!.arn!;
    expect(await lbAttributes(lbArn)).toMatchObject({ 'access_logs.s3.enabled': 'true', 'access_logs.s3.bucket': 'my-alb-logs', 'access_logs.s3.prefix': 'chat' });

    // Someone turns logging off and points it elsewhere: changed back at the next re-check.
    await awsClients().elbv2.send(
      new ModifyLoadBalancerAttributesCommand({
        LoadBalancerArn: lbArn,
        Attributes: [{ Key: 'access_logs.s3.enabled', Value: 'false' }, { Key: 'access_logs.s3.prefix', Value: 'elsewhere' }],
      }),
    );
    const corrected = await waitForCondition(ns(), name, 'Drifted', 'False', 'Corrected', 30_000);
    const message = conditionOf(corrected, 'Drifted')?.message ?? '';
    expect(message).toContain('loadBalancer.accessLogs: false -> true');
    expect(message).toContain('loadBalancer.accessLogs.prefix: elsewhere -> chat');
    expect(await lbAttributes(lbArn)).toMatchObject({ 'access_logs.s3.enabled': 'true', 'access_logs.s3.bucket': 'my-alb-logs', 'access_logs.s3.prefix': 'chat' });

    // A new prefix is applied in place; removing accessLogs turns logging off.
    await applyLbs(ns(), name, spec({ accessLogs: { bucket: 'my-alb-logs', prefix: 'chat/v2' } }));
    await readyGeneration(name);
    expect((await lbAttributes(lbArn))['access_logs.s3.prefix']).toBe('chat/v2');
    await applyLbs(ns(), name, spec());
    const off = await readyGeneration(name);
    expect(off.status!.loadBalancer!.arn).toBe(lbArn);
    expect((await lbAttributes(lbArn))['access_logs.s3.enabled']).toBe('false');
  });
});

describe('WAFv2 web ACL', () => {
  test('associated, drift corrected, disassociated on removal; one associated outside is left alone while the spec names none', async () => {
    const name = 'waf';
    const acl = await webAcl(uniqueName('albatross-acl'));
    const other = await webAcl(uniqueName('someone-else'));
    await applyLbs(ns(), name, spec({ webAclArn: acl }));
    const ready = await readyGeneration(name);
    const lbArn = ready.status!.loadBalancer!.arn!;
    expect(await associated(lbArn)).toBe(acl);
    expect(ready.status!.loadBalancer!.webAclArn).toBe(acl);

    // Someone removes it: associated again at the next re-check, reported as drift.
    await waf.send(new DisassociateWebACLCommand({ ResourceArn: lbArn }));
    const corrected = await waitForCondition(ns(), name, 'Drifted', 'False', 'Corrected', 30_000);
    expect(conditionOf(corrected, 'Drifted')?.message).toContain(`loadBalancer.webAclArn: (absent) -> ${acl}`);
    expect(await associated(lbArn)).toBe(acl);

    // Removed from the spec: disassociated, and forgotten in status.
    await applyLbs(ns(), name, spec());
    const removed = await readyGeneration(name);
    expect(await associated(lbArn)).toBeNull();
    expect(removed.status!.loadBalancer!.webAclArn).toBeUndefined();

    // With no web ACL in the spec, one associated outside the controller stays.
    await waf.send(new AssociateWebACLCommand({ WebACLArn: other, ResourceArn: lbArn }));
    const associatedAt = Date.now();
    // A re-check that began after the association (resync 2 s) found nothing to do.
    const quiet = await waitFor(
      async () => {
        const o = await getLbs(ns(), name);
        return Date.parse(o.status?.inSync?.time ?? '') > associatedAt + 2_500 ? o : undefined;
      },
      { description: 'a re-check after the outside association', timeoutMs: 30_000, intervalMs: 300 },
    );
    expect(await associated(lbArn)).toBe(other);
    expect(quiet.metadata!.generation).toBe(removed.metadata!.generation);
    expect(conditionOf(quiet, 'Ready')?.status).toBe('True');

    // The spec names a web ACL again: it replaces the other one.
    await applyLbs(ns(), name, spec({ webAclArn: acl }));
    await readyGeneration(name);
    expect(await associated(lbArn)).toBe(acl);

    // Someone puts another web ACL on it (here: what AWS holds after their AssociateWebACL; moto
    // still lists the load balancer under the other ACL too): the spec's is put back, as drift.
    await waf.send(new DisassociateWebACLCommand({ ResourceArn: lbArn }));
    if ((await associated(lbArn)) !== other) await waf.send(new AssociateWebACLCommand({ WebACLArn: other, ResourceArn: lbArn }));
    expect(await associated(lbArn)).toBe(other);
    const replaced = await waitFor(
      async () => {
        const o = await getLbs(ns(), name);
        return (conditionOf(o, 'Drifted')?.message ?? '').includes(`loadBalancer.webAclArn: ${other} -> ${acl}`) ? o : undefined;
      },
      { description: 'the other web ACL to be reported and replaced', timeoutMs: 30_000, intervalMs: 300 },
    );
    expect(conditionOf(replaced, 'Ready')?.status).toBe('True');
    expect(await associated(lbArn)).toBe(acl);

    // `albatross plan` previews a change of web ACL and turning access logs on, and changes nothing.
    const dir = mkdtempSync(`${tmpdir()}/albatross-plan-waf-`);
    try {
      const next = { apiVersion: 'albatross.dev/v1alpha1', kind: 'LoadBalancedService', metadata: { name, namespace: ns() }, spec: spec({ webAclArn: other, accessLogs: { bucket: 'team-alb-logs', prefix: 'chat' } }) };
      writeFileSync(`${dir}/lbs.yaml`, stringify(next));
      const r = await run(process.execPath, cliArgv(['plan', '-f', dir, '--cluster-name', env!.controller.clusterName]));
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain('load balancer web ACL (WAFv2 association)');
      expect(r.stdout).toContain(`loadBalancer.webAclArn: ${acl} -> ${other}`);
      expect(r.stdout).toContain('loadBalancer.accessLogs: false -> true');
      expect(r.stdout).toContain('loadBalancer.accessLogs.bucket:');
      expect(r.code).toBe(2);
      expect(await associated(lbArn)).toBe(acl);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // The controller's WAFv2 calls went through the AWS limits proxy to moto (the test's own go to moto directly).
    const { forwarded } = await limitsProxy.counts();
    expect(forwarded['wafv2.AssociateWebACL']).toBeGreaterThanOrEqual(4);
    expect(forwarded['wafv2.DisassociateWebACL']).toBeGreaterThanOrEqual(1);
    expect(forwarded['wafv2.GetWebACLForResource']).toBeGreaterThanOrEqual(4);
  });
});

async function kubectlApply(name: string, s: LoadBalancedService['spec']): Promise<{ code: number; stderr: string }> {
  const manifest = stringify({ apiVersion: 'albatross.dev/v1alpha1', kind: 'LoadBalancedService', metadata: { name, namespace: ns() }, spec: s });
  return kubectl(['apply', '--server-side', '--field-manager=albatross-test', '-f', '-'], manifest);
}

describe('refused at apply, naming the field', () => {
  const ACL = 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/my-acl/0f8c7a4e-1b2c-4d3e-9f00-123456789abc';
  test.each([
    ['a bucket name with upper case', { accessLogs: { bucket: 'My-Logs' } }, 'spec.loadBalancer.accessLogs.bucket', 'lower-case letters'],
    ['a bucket name of 2 characters', { accessLogs: { bucket: 'ab' } }, 'spec.loadBalancer.accessLogs.bucket', 'at least 3 chars'],
    ['a bucket name like an IP address', { accessLogs: { bucket: '10.1.2.3' } }, 'spec.loadBalancer.accessLogs.bucket', 'IP address'],
    ['a bucket name with ".."', { accessLogs: { bucket: 'my..logs' } }, 'spec.loadBalancer.accessLogs.bucket', "'..'"],
    ['a prefix with AWSLogs', { accessLogs: { bucket: 'my-logs', prefix: 'x/AWSLogs' } }, 'spec.loadBalancer.accessLogs.prefix', "'AWSLogs'"],
    ['a prefix ending in /', { accessLogs: { bucket: 'my-logs', prefix: 'chat/' } }, 'spec.loadBalancer.accessLogs.prefix', "begin or end with '/'"],
    ['access logs without a bucket', { accessLogs: { prefix: 'chat' } }, 'spec.loadBalancer.accessLogs.bucket', 'Required value'],
    ['a web ACL ARN of another service', { webAclArn: 'arn:aws:waf-regional:us-east-1:123456789012:webacl/abc' }, 'spec.loadBalancer.webAclArn', 'regional WAFv2 web ACL ARN'],
    ['a global (CloudFront) web ACL', { webAclArn: ACL.replace('regional/', 'global/') }, 'spec.loadBalancer.webAclArn', 'global (CloudFront) web ACL'],
  ])('%s', async (_what, loadBalancer, field, rule) => {
    const r = await kubectlApply('bad-attrs', spec(loadBalancer as never));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(field);
    expect(r.stderr).toContain(rule);
  });

  test('a well-formed regional web ACL ARN and bucket are accepted', async () => {
    const r = await kubectlApply('good-attrs', spec({ webAclArn: ACL, accessLogs: { bucket: 'my.alb-logs-1', prefix: 'team/chat' } }));
    expect(r).toMatchObject({ code: 0 });
    // That web ACL does not exist: WAFv2 refuses the association and a human must act.
    const stalled = await waitForCondition(ns(), 'good-attrs', 'Stalled', 'True', undefined, 90_000);
    expect(conditionOf(stalled, 'Stalled')?.message).toContain('wafv2.AssociateWebACL');
  });
});
