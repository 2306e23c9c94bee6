// `albatross plan` as a user runs it (a subprocess, exit codes like terraform plan
// -detailed-exitcode) on the field report's example: the creates against an AWS with nothing of
// this cluster, no changes once the controller has applied it, and drift after a manual change.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CustomObjectsApi, type KubernetesObject } from '@kubernetes/client-node';
import { DescribeLoadBalancersCommand, ModifyLoadBalancerAttributesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AuthorizeSecurityGroupIngressCommand, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { stringify } from 'yaml';
import type { Albatross } from '../../../src/app.ts';
import type { LoadBalancedService } from '../../../src/crds/index.ts';
import { applyManifests, awsClients, createTestNamespace, kubeConfig, uniqueClusterName, uniqueName, type TestNamespace } from '../support/index.ts';
import { exampleManifests, installCrds, memoryLogger, renderChart, startAsChart, uniqueZone } from './example.ts';
import { cliArgv } from '../../support/dist.ts';
import { helmBinary, kubectl, run } from './tools.ts';

// helm is built from the Go module proxy on first use (about 2 minutes cold): do it before any test's clock starts.
beforeAll(() => {
  helmBinary();
}, 600_000);

const albatross = (...args: string[]) => run(process.execPath, cliArgv(args));

describe('albatross plan', () => {
  let ns: TestNamespace;
  let dir: string;
  let manifests: KubernetesObject[];
  let publicZone: string;
  let privateZone: string;
  const cluster = uniqueClusterName();
  let app: Albatross | undefined;

  beforeAll(async () => {
    await installCrds();
    ns = await createTestNamespace('plan');
    [publicZone, privateZone] = await Promise.all([uniqueZone(false), uniqueZone(true)]);
    manifests = exampleManifests(ns.name, publicZone, privateZone);
    dir = mkdtempSync(`${tmpdir()}/albatross-plan-`);
    writeFileSync(`${dir}/example.yaml`, manifests.map((m) => stringify(m)).join('---\n'));
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await ns?.delete();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists every create against an AWS that holds nothing of this cluster, changes nothing, and exits 2', async () => {
    const r = await albatross('plan', '-f', dir, '--cluster-name', cluster);
    expect(r.stderr).toBe('');
    const out = r.stdout;
    expect(out).toContain(`+   IAM server certificate /albatross/${cluster}/${ns.name}/service-example-com-`);
    expect(out).toMatch(/\+ {3}target group web \(/);
    expect(out).toMatch(/\+ {3}target group store \(/);
    expect(out).toMatch(/\+ {3}target group api \(/);
    expect(out).toMatch(/\+ {3}load balancer /);
    expect(out).toContain('idle_timeout.timeout_seconds = 3600');
    expect(out).toContain('stickiness.lb_cookie.duration_seconds = 1860');
    expect(out).toContain('+   listener 443 HTTPS');
    expect(out).toContain('certificate (known after apply: ARN of ServerCertificate service-example-com)');
    expect(out).toContain('+   listener 80 HTTP');
    expect(out).toContain('+   listener 443 rule 10');
    expect(out).toContain('+   listener 443 rule 20');
    expect(out).toContain(`+   service.${publicZone} CNAME service.${privateZone} ttl 300`);
    expect(out).toContain(`+   service.${privateZone} CNAME (load balancer DNS name, known after apply) ttl 300`);
    // The order is the controller's: certificate, target groups before the load balancer, listeners, rules, DNS last.
    const at = (s: string): number => out.indexOf(s);
    expect(at('IAM server certificate')).toBeLessThan(at('target group web'));
    expect(at('target group web')).toBeLessThan(at('load balancer '));
    // The managed security groups, before the load balancer that uses them.
    expect(out).toMatch(/\+ {3}frontend security group albatross-\S+-frontend\n\s+in vpc-\w+\n\s+tags app=chat\n\s+allow tcp\/443 from 0\.0\.0\.0\/0\n\s+allow tcp\/80 from 0\.0\.0\.0\/0\n/);
    expect(out).toMatch(/\+ {3}backend security group albatross-\S+-backend\n\s+in vpc-\w+\n\s+tags app=chat\n\s+allow tcp\/8080 from the managed frontend group\n\s+allow tcp\/9090 from the managed frontend group\n/);
    expect(out).toContain('security groups the managed frontend group');
    expect(at('backend security group')).toBeLessThan(at('load balancer '));
    expect(at('load balancer ')).toBeLessThan(at('listener 443 HTTPS'));
    expect(at('listener 443 HTTPS')).toBeLessThan(at('listener 443 rule 10'));
    expect(at('listener 443 rule 20')).toBeLessThan(at(`service.${publicZone} CNAME`));
    expect(out).toMatch(/Plan for cluster "it-[0-9a-f]+": 13 to create, 0 to change, 0 to replace, 0 to delete\.\n$/);
    expect(r.code).toBe(2);

    // Nothing was created: the load balancer the plan names does not exist.
    const lbName = /\+ {3}load balancer (\S+)/.exec(out)?.[1] ?? '';
    const found = await awsClients().elbv2.send(new DescribeLoadBalancersCommand({ Names: [lbName] })).catch((e: unknown) => e);
    expect((found as { name?: string }).name).toBe('LoadBalancerNotFoundException');
  });

  it('prints no changes and exits 0 once the controller has applied the example', async () => {
    await applyManifests(manifests);
    const chart = await renderChart(uniqueName('plan'), ns.name, cluster);
    app = await startAsChart(chart, ns.name, kubeConfig(), memoryLogger().logger);
    const wait = await kubectl(['wait', '--for=condition=Ready', '--timeout=100s', '-n', ns.name,
      'servercertificate/service-example-com', 'loadbalancedservice/chat', 'dnsalias/chat']);
    expect(wait.stderr).toBe('');
    await app.stop();
    app = undefined;

    const r = await albatross('plan', '-f', dir, '--cluster-name', cluster);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`No changes. AWS matches the manifests for cluster "${cluster}".`);
    expect(r.stdout.match(/no changes: AWS matches the manifest/g)).toHaveLength(3);
    expect(r.code).toBe(0);
  }, 120_000);

  it('shows a manual change as drift to put back and exits 2', async () => {
    const lbs = (await kubeConfig().makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
      group: 'albatross.dev', version: 'v1alpha1', plural: 'loadbalancedservices', namespace: ns.name, name: 'chat',
    })) as LoadBalancedService;
    const arn = lbs.status?.loadBalancer?.arn ?? '';
    expect(arn).toMatch(/^arn:aws:elasticloadbalancing:/);
    await awsClients().elbv2.send(new ModifyLoadBalancerAttributesCommand({
      LoadBalancerArn: arn, Attributes: [{ Key: 'idle_timeout.timeout_seconds', Value: '120' }],
    }));

    const r = await albatross('plan', '-f', dir, '--cluster-name', cluster);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('~   load balancer attributes');
    expect(r.stdout).toContain('loadBalancer.idleTimeoutSeconds: 120 -> 3600');
    expect(r.stdout).toMatch(/0 to create, 1 to change, 0 to replace, 0 to delete\.\n$/);
    expect(r.code).toBe(2);

    const json = await albatross('plan', '-f', dir, '--cluster-name', cluster, '-o', 'json');
    const parsed = JSON.parse(json.stdout) as { summary: { update: number }; resources: Array<{ kind: string; plan?: { actions?: Array<{ op: string }> } }> };
    expect(parsed.summary.update).toBe(1);
    expect(parsed.resources.find((x) => x.kind === 'LoadBalancedService')?.plan?.actions?.map((a) => a.op)).toEqual(['modifyLoadBalancerAttributes']);
    expect(json.code).toBe(2);

    // A rule added by hand to the managed frontend group: shown as a revoke, then put back.
    const frontend = lbs.status?.securityGroups?.frontend ?? '';
    expect(frontend).toMatch(/^sg-/);
    const ssh = { GroupId: frontend, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] };
    await awsClients().ec2.send(new AuthorizeSecurityGroupIngressCommand(ssh));
    const sg = await albatross('plan', '-f', dir, '--cluster-name', cluster);
    expect(sg.stdout).toContain('~   frontend security group: revoke');
    expect(sg.stdout).toContain('revoke tcp/22 from 0.0.0.0/0');
    expect(sg.stdout).toMatch(/0 to create, 2 to change, 0 to replace, 0 to delete\.\n$/);
    await awsClients().ec2.send(new RevokeSecurityGroupIngressCommand(ssh));
  });

  it('shows a renamed public name as a create and a delete of the record this DnsAlias owns', async () => {
    const renamed = `${dir}/renamed`;
    mkdirSync(renamed);
    const edited = manifests.map((m) => {
      if (m.kind !== 'DnsAlias') return m;
      const spec = (m as unknown as { spec: { names: unknown[] } }).spec;
      return { ...m, spec: { ...spec, names: [{ name: `app.${publicZone}`, hostedZone: { name: publicZone } }, ...spec.names.slice(1)] } } as KubernetesObject;
    });
    writeFileSync(`${renamed}/example.yaml`, edited.map((m) => stringify(m)).join('---\n'));
    const r = await albatross('plan', '-f', renamed, '--cluster-name', cluster);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`+   app.${publicZone} CNAME service.${privateZone} ttl 300`);
    expect(r.stdout).toContain(`-   service.${publicZone} CNAME service.${privateZone} ttl 300`);
    // (the one change is the idle timeout drift left by the previous test)
    expect(r.stdout).toMatch(/1 to create, 1 to change, 0 to replace, 1 to delete\.\n$/);
    expect(r.code).toBe(2);
    // A cluster that does not own the names would not delete them: with another cluster name it is a conflict.
    const other = await albatross('plan', '-f', renamed, '--cluster-name', uniqueClusterName());
    expect(other.stdout).toContain('! Conflict: nothing would be written');
    expect(other.stdout).not.toContain(`-   service.${publicZone}`);
    expect(other.code).toBe(1);
  });

  it('refuses invalid manifests naming the field, and exits 1', async () => {
    const bad = `${dir}/bad`;
    mkdirSync(bad);
    const lbs = manifests.find((m) => m.kind === 'LoadBalancedService') as LoadBalancedService;
    // Caught by the CRD schema's structure (as kubectl apply would): nothing is planned.
    const badPort = structuredClone(lbs);
    badPort.spec.targetGroups![0]!.port = 70000;
    writeFileSync(`${bad}/port.yaml`, stringify(badPort));
    const r1 = await albatross('plan', '-f', `${bad}/port.yaml`, '--cluster-name', cluster);
    expect(r1.stderr).toContain(`LoadBalancedService ${ns.name}/chat: spec.targetGroups[0].port: must be at most 65535`);
    expect(r1.stdout).toBe('');
    expect(r1.code).toBe(1);
    // Caught by the controller's own build (the field report's cookie duration 0).
    const zeroCookie = structuredClone(lbs);
    zeroCookie.spec.targetGroups![0]!.stickiness = { enabled: true, type: 'lb_cookie', durationSeconds: 0 };
    writeFileSync(`${bad}/cookie.yaml`, stringify(zeroCookie));
    const r2 = await albatross('plan', '-f', `${bad}/cookie.yaml`, '--cluster-name', cluster);
    expect(r2.stdout).toContain('! InvalidSpec: targetGroups[web].stickiness.durationSeconds must be 1-604800');
    expect(r2.code).toBe(1);
  });

  it('explains itself: --help, and usage errors exit 1', async () => {
    const help = await albatross('plan', '--help');
    expect(help.stdout).toContain('Usage: albatross plan -f <file|dir|->');
    expect(help.stdout).toContain('2  changes to apply');
    expect(help.code).toBe(0);
    const top = await albatross('--help');
    expect(top.stdout).toContain('plan     Show what the controller would do');
    expect(top.code).toBe(0);
    const noFiles = await albatross('plan', '--cluster-name', cluster);
    expect(noFiles.stderr).toContain('-f/--filename is required');
    expect(noFiles.code).toBe(1);
  });
});
