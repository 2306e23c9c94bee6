// Managed security groups on the real apiserver + moto (issue 14 item 1). moto serves EC2 security
// groups but refuses nothing; the limits proxy's security-group layer answers DependencyViolation
// as EC2 does (a group on a load balancer, named by another group's rule, or held by a deleted load
// balancer's interfaces for a while). What is asserted is what a user checks with
// `aws ec2 describe-security-groups`: who may reach the listeners, and that the targets' group
// admits the load balancer on the target and health-check ports.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { stringify } from 'yaml';
import type { LoadBalancedService } from '../../../src/crds/index.ts';
import { limitsProxy } from '../../env/aws-limits/client.ts';
import { kubectl } from '../deploy/tools.ts';
import { awsClients, conditionOf, defaultNetwork, readManifests, uniqueName, waitFor } from '../support/index.ts';
import { EXAMPLE, applyLbs, awsView, deleteLbs, getLbs, installCrds, readyCertificate, setup, teardown, waitForCondition, waitReady, type Env } from './harness.ts';

let env: Env | undefined;
let vpcId = '';

beforeAll(async () => {
  await installCrds();
  // A short resync, so a change made in AWS by hand is seen soon (as drift.test.ts does).
  env = await setup('lbs-sg', { resyncPeriod: '3s' });
  vpcId = (await defaultNetwork()).vpcId;
  await readyCertificate(env.ns.name, 'service-example-com');
});

afterAll(async () => {
  await limitsProxy.clearSecurityGroupHold().catch(() => undefined);
  await teardown(env);
});

const ns = (): string => env!.ns.name;
const cluster = (): string => env!.controller.clusterName;
const owner = (name: string): string => `LoadBalancedService/${ns()}/${name}`;

/** The groups moto holds for one resource, by their ownership tags. */
async function groupsOf(name: string): Promise<Record<string, SecurityGroup>> {
  const out = await awsClients().ec2.send(
    new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag:albatross.dev/cluster', Values: [cluster()] }, { Name: 'tag:albatross.dev/owner', Values: [owner(name)] }] }),
  );
  return Object.fromEntries((out.SecurityGroups ?? []).map((g) => [g.Tags?.find((t) => t.Key === 'albatross.dev/resource')?.Value?.replace('securitygroup/', '') ?? '?', g]));
}

/** "tcp/443 0.0.0.0/0", "tcp/8080 sg-..." per source, sorted. */
function ingress(g: SecurityGroup | undefined): string[] {
  return (g?.IpPermissions ?? [])
    .flatMap((p) => [...(p.IpRanges ?? []).map((r) => r.CidrIp), ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6), ...(p.UserIdGroupPairs ?? []).map((u) => u.GroupId)].map((s) => `${p.IpProtocol}/${p.FromPort === p.ToPort ? p.FromPort : `${p.FromPort}-${p.ToPort}`} ${s}`))
    .sort();
}

async function loadBalancerGroups(lbs: LoadBalancedService): Promise<string[]> {
  const out = await awsClients().elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbs.status!.loadBalancer!.arn!] }));
  return [...(out.LoadBalancers?.[0]?.SecurityGroups ?? [])].sort();
}

const listener80 = (): LoadBalancedService['spec']['listeners'] => [{ port: 80, protocol: 'HTTP', defaultAction: { forward: { targetGroup: 'web' } } }];

describe('the example gets managed security groups', () => {
  test('frontend admits 443 and 80 from the internet and is the ALB\'s only group; backend admits the frontend on the target and health-check ports', async () => {
    const [example] = readManifests(EXAMPLE) as LoadBalancedService[];
    // A health check on its own port must be admitted too.
    const spec = structuredClone(example!.spec);
    spec.targetGroups![2]!.healthCheck = { ...spec.targetGroups![2]!.healthCheck, port: '9100' };
    await applyLbs(ns(), 'chat', spec);
    const lbs = await waitReady(ns(), 'chat', 90_000);
    const g = await groupsOf('chat');
    expect(Object.keys(g).sort()).toEqual(['backend', 'frontend']);
    const fe = g['frontend']!;
    const be = g['backend']!;
    expect(fe.VpcId).toBe(vpcId);
    expect(be.VpcId).toBe(vpcId);
    expect(ingress(fe)).toEqual(['tcp/443 0.0.0.0/0', 'tcp/80 0.0.0.0/0']);
    expect(ingress(be)).toEqual([`tcp/8080 ${fe.GroupId}`, `tcp/9090 ${fe.GroupId}`, `tcp/9100 ${fe.GroupId}`]);
    expect(await loadBalancerGroups(lbs)).toEqual([fe.GroupId]);
    expect(lbs.status?.securityGroups).toEqual({ frontend: fe.GroupId, backend: be.GroupId });
    expect(Object.fromEntries((fe.Tags ?? []).map((t) => [t.Key, t.Value]))).toMatchObject({ 'albatross.dev/cluster': cluster(), 'albatross.dev/owner': owner('chat'), app: 'chat' });
    expect(lbs.status?.drift).toEqual([]);
  });

  test('an inboundCidrs change updates the rules in place (same groups)', async () => {
    const before = await groupsOf('chat');
    const lbs = await getLbs(ns(), 'chat');
    await applyLbs(ns(), 'chat', { ...lbs.spec, loadBalancer: { ...lbs.spec.loadBalancer, inboundCidrs: ['10.0.0.0/8', '203.0.113.0/24'] } });
    await waitFor(async () => ((await getLbs(ns(), 'chat')).status?.observedGeneration === lbs.metadata!.generation! + 1 ? true : undefined), { description: 'new generation observed' });
    await waitReady(ns(), 'chat');
    const after = await groupsOf('chat');
    expect(after['frontend']!.GroupId).toBe(before['frontend']!.GroupId);
    expect(after['backend']!.GroupId).toBe(before['backend']!.GroupId);
    expect(ingress(after['frontend'])).toEqual(['tcp/443 10.0.0.0/8', 'tcp/443 203.0.113.0/24', 'tcp/80 10.0.0.0/8', 'tcp/80 203.0.113.0/24']);
  });

  test('a rule changed in AWS by hand is Drifted, named, and changed back', async () => {
    const fe = (await groupsOf('chat'))['frontend']!;
    const { ec2 } = awsClients();
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: fe.GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: fe.GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }] }));
    const corrected = await waitFor(
      async () => {
        const o = await getLbs(ns(), 'chat');
        const d = conditionOf(o, 'Drifted');
        return d?.reason === 'Corrected' && d.message?.includes('tcp/22') ? o : undefined;
      },
      { description: 'Drifted=False Corrected naming the rules', timeoutMs: 60_000 },
    );
    const drifted = conditionOf(corrected, 'Drifted')!;
    expect(drifted.status).toBe('False');
    expect(drifted.message).toContain('securityGroups.frontend.ingress[tcp/22 from 0.0.0.0/0]: allowed -> (absent)');
    expect(drifted.message).toContain('securityGroups.frontend.ingress[tcp/80 from 10.0.0.0/8]: (absent) -> allowed');
    expect(ingress((await groupsOf('chat'))['frontend'])).toEqual(['tcp/443 10.0.0.0/8', 'tcp/443 203.0.113.0/24', 'tcp/80 10.0.0.0/8', 'tcp/80 203.0.113.0/24']);
  });

  test('delete: the load balancer goes first, the groups once AWS releases them (SecurityGroupInUse meanwhile)', async () => {
    const groups = await groupsOf('chat');
    const lbArn = (await getLbs(ns(), 'chat')).status!.loadBalancer!.arn!;
    // AWS keeps a deleted load balancer's interfaces (and so its groups) for minutes; here 6 s.
    await limitsProxy.setSecurityGroupHold(6);
    await deleteLbs(ns(), 'chat');
    const waiting = await waitFor(
      async () => {
        const o = await getLbs(ns(), 'chat').catch(() => undefined);
        const r = o && conditionOf(o, 'Reconciling');
        return r?.reason === 'SecurityGroupInUse' ? r : undefined;
      },
      { description: 'Reconciling=True SecurityGroupInUse while AWS holds the group', timeoutMs: 60_000 },
    );
    expect(waiting.message).toMatch(/security group albatross-.*-(frontend|backend) \(sg-[0-9a-f]+\) is still in use \(DependencyViolation\)/);
    const lbsLeft = await awsClients().elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] })).then((o) => o.LoadBalancers ?? [], () => []);
    expect(lbsLeft).toEqual([]);
    await waitFor(async () => ((await getLbs(ns(), 'chat').catch(() => undefined)) ? undefined : true), { description: 'chat gone (finalizer released)', timeoutMs: 90_000 });
    expect(await groupsOf('chat')).toEqual({});
    const refused = (await limitsProxy.securityGroupDeps()).counts.refused;
    expect(refused).toBeGreaterThan(0);
    expect(Object.keys(groups)).toHaveLength(2);
    await limitsProxy.clearSecurityGroupHold();
  });
});

describe('other shapes', () => {
  test('user-named securityGroups: exactly those on the ALB, no managed group', async () => {
    const { ec2 } = awsClients();
    const mine = await ec2.send(new CreateSecurityGroupCommand({ GroupName: uniqueName('users-own'), Description: 'the user\'s', VpcId: vpcId }));
    await applyLbs(ns(), 'named', { loadBalancer: { securityGroups: [mine.GroupId!] }, listeners: listener80(), targetGroups: [{ name: 'web', port: 8080, targets: [{ id: '172.31.5.10' }] }] });
    const lbs = await waitReady(ns(), 'named', 90_000);
    expect(await loadBalancerGroups(lbs)).toEqual([mine.GroupId]);
    expect(await groupsOf('named')).toEqual({});
    expect(lbs.status?.securityGroups).toBeUndefined();
  });

  test('internal scheme: the frontend admits the VPC\'s CIDR', async () => {
    await applyLbs(ns(), 'inside', { loadBalancer: { scheme: 'internal' }, listeners: listener80(), targetGroups: [{ name: 'web', port: 8080, targets: [{ id: '172.31.5.20' }] }] });
    await waitReady(ns(), 'inside', 90_000);
    const g = await groupsOf('inside');
    expect(ingress(g['frontend'])).toEqual(['tcp/80 172.31.0.0/16']);
    expect(ingress(g['backend'])).toEqual([`tcp/8080 ${g['frontend']!.GroupId}`]);
  });

  test('a group with our name owned by another resource: Conflict naming it, nothing created', async () => {
    const { ec2 } = awsClients();
    // Our derived name, for a resource that does not exist yet.
    const { securityGroupName } = await import('../../../src/reconcilers/load-balanced-service/names.ts');
    const name = securityGroupName({ cluster: cluster(), namespace: ns(), name: 'squatted' }, 'frontend');
    const theirs = await ec2.send(new CreateSecurityGroupCommand({
      GroupName: name, Description: 'someone else', VpcId: vpcId,
      TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'albatross.dev/cluster', Value: 'another-cluster' }, { Key: 'albatross.dev/owner', Value: 'LoadBalancedService/x/y' }] }],
    }));
    await applyLbs(ns(), 'squatted', { listeners: listener80(), targetGroups: [{ name: 'web', port: 8080, targets: [{ id: '172.31.5.30' }] }] });
    const o = await waitForCondition(ns(), 'squatted', 'Stalled', 'True', 'Conflict');
    expect(conditionOf(o, 'Stalled')!.message).toContain(`security group ${name} (${theirs.GroupId}) is owned by LoadBalancedService/x/y in cluster another-cluster`);
    expect((await awsView(cluster(), owner('squatted'))).loadBalancers).toEqual([]);
    const still = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [theirs.GroupId!] }));
    expect(ingress(still.SecurityGroups?.[0])).toEqual([]);
  });

  test('bad CIDRs are refused by the schema naming the field', async () => {
    const apply = (name: string, cidrs: string[], extra: Partial<NonNullable<LoadBalancedService['spec']['loadBalancer']>> = {}): Promise<{ code: number; stderr: string }> =>
      kubectl(['apply', '--server-side', '--field-manager=albatross-test', '-f', '-'], stringify({
        apiVersion: 'albatross.dev/v1alpha1', kind: 'LoadBalancedService', metadata: { name, namespace: ns() },
        spec: { loadBalancer: { inboundCidrs: cidrs, ...extra }, listeners: listener80(), targetGroups: [{ name: 'web', port: 8080, targets: [] }] },
      }));
    const notCidr = await apply('bad-cidr', ['10.0.0.0/33']);
    expect(notCidr.code).not.toBe(0);
    expect(notCidr.stderr).toContain('spec.loadBalancer.inboundCidrs[0]');
    expect(notCidr.stderr).toContain('should match');
    const upper = await apply('upper-v6', ['2001:DB8::/32']);
    expect(upper.code).not.toBe(0);
    expect(upper.stderr).toContain('spec.loadBalancer.inboundCidrs[0]');
    const withNamed = await apply('cidrs-and-groups', ['10.0.0.0/8'], { securityGroups: ['sg-0123456789abcdef0'] });
    expect(withNamed.code).not.toBe(0);
    expect(withNamed.stderr).toContain('spec.loadBalancer.inboundCidrs');
    expect(withNamed.stderr).toContain('applies only to the managed frontend security group');
    const ok = await apply('good-cidrs', ['10.0.0.0/8', '2001:db8::/32']);
    expect([ok.code, ok.stderr]).toEqual([0, '']);
  });

  test('host bits set (which the schema cannot see before Kubernetes 1.31): Stalled InvalidSpec naming the entry and its canonical form, nothing created', async () => {
    await applyLbs(ns(), 'host-bits', { loadBalancer: { inboundCidrs: ['0.0.0.0/0', '10.1.2.3/8'] }, listeners: listener80(), targetGroups: [{ name: 'web', port: 8080, targets: [{ id: '172.31.5.40' }] }] });
    const o = await waitForCondition(ns(), 'host-bits', 'Stalled', 'True', 'InvalidSpec');
    expect(conditionOf(o, 'Stalled')!.message).toContain('spec.loadBalancer.inboundCidrs[1] 10.1.2.3/8 has host bits set or is not in canonical form: write 10.0.0.0/8');
    expect(await groupsOf('host-bits')).toEqual({});
    expect((await awsView(cluster(), owner('host-bits'))).loadBalancers).toEqual([]);
  });
});
