// Managed security groups, pure logic: build (defaults per scheme, ports), plan against observed
// groups (in-place rule changes, drift, stale groups), apply through an in-memory EC2 port, and
// convergence (apply then plan again is empty).
import { describe, expect, test } from '@jest/globals';
import type { LoadBalancedServiceSpec } from '../../../src/crds/index.ts';
import { AwsError } from '../../../src/aws/errors.ts';
import { apply } from '../../../src/reconcilers/load-balanced-service/apply.ts';
import { build } from '../../../src/reconcilers/load-balanced-service/build.ts';
import { canonicalCidr } from '../../../src/reconcilers/load-balanced-service/cidr.ts';
import { finishesReplacement } from '../../../src/reconcilers/load-balanced-service/retire.ts';
import { observe } from '../../../src/reconcilers/load-balanced-service/observe.ts';
import { plan, type Plan } from '../../../src/reconcilers/load-balanced-service/plan.ts';
import { observeSecurityGroups } from '../../../src/reconcilers/load-balanced-service/security-groups-observe.ts';
import { securityGroupDeletions } from '../../../src/reconcilers/load-balanced-service/security-groups-plan.ts';
import { FakeElbv2 } from './fake-elbv2.ts';
import { FakeSecurityGroups } from './fake-security-groups.ts';
import { CERT_A, ID, NETWORK, exampleSpec } from './support.ts';

const SG_NETWORK = { vpcId: NETWORK.vpcId, ipv4Cidrs: ['172.31.0.0/16'], ipv6Cidrs: ['2600:1f18:1::/56'] };

function model(spec: LoadBalancedServiceSpec) {
  return build({ id: ID, spec, defaultNetwork: NETWORK, certificateArns: new Map([['service-example-com', CERT_A]]), serviceTargets: new Map(), securityGroupNetwork: SG_NETWORK }).model;
}

async function planOf(elbv2: FakeElbv2, sg: FakeSecurityGroups, spec: LoadBalancedServiceSpec): Promise<Plan> {
  const m = model(spec);
  const actual = await observe(elbv2, {
    id: ID,
    ownerTags: m.ownerTags,
    loadBalancerName: m.loadBalancer.name,
    targetGroupNames: new Map(m.targetGroups.map((t) => [t.key, t.name])),
    knownLoadBalancerArns: [...elbv2.lbs.keys()],
    knownTargetGroupArns: [],
    adopt: false,
  });
  const groups = await observeSecurityGroups(sg, { id: ID, ownerTags: m.ownerTags, vpcId: NETWORK.vpcId, adopt: false });
  return plan(m, { ...actual, securityGroups: groups.groups, conflicts: [...actual.conflicts, ...groups.conflicts] });
}

const rulesOf = (sg: FakeSecurityGroups, role: string): string[] => {
  const g = [...sg.groups.values()].find((x) => x.tags['albatross.dev/resource'] === `securitygroup/${role}`);
  if (!g) return [];
  return g.ingress.flatMap((p) => [...p.cidrs, ...p.ipv6Cidrs, ...p.groups.map((id) => `group ${[...sg.groups.values()].find((o) => o.groupId === id)?.tags['albatross.dev/resource'] ?? id}`)].map((s) => `${p.protocol}/${p.fromPort} ${s}`)).sort();
};

describe('managed security groups', () => {
  test('build: internet-facing admits the internet on the listener ports; the backend admits the frontend on target and health-check ports', () => {
    const spec = exampleSpec();
    spec.targetGroups![2]!.healthCheck = { port: '9100' };
    const m = model(spec);
    expect(m.loadBalancer.securityGroups).toEqual(['managed:frontend']);
    const [fe, be] = m.securityGroups!;
    expect(fe!.ingress.map((r) => `${r.fromPort} ${r.source}`)).toEqual(['443 cidr:0.0.0.0/0', '80 cidr:0.0.0.0/0']);
    expect(be!.ingress.map((r) => `${r.fromPort} ${r.source}`)).toEqual(['8080 group:frontend', '9090 group:frontend', '9100 group:frontend']);
    expect(fe!.tags).toMatchObject({ 'albatross.dev/cluster': 'prod-cluster', 'albatross.dev/owner': 'LoadBalancedService/prod/chat', app: 'chat' });
    expect(fe!.vpcId).toBe(NETWORK.vpcId);
  });

  test('build: dualstack adds ::/0; internal defaults to the VPC blocks; user-named groups manage nothing', () => {
    const dual = exampleSpec();
    dual.loadBalancer!.ipAddressType = 'dualstack';
    expect(model(dual).securityGroups![0]!.ingress.filter((r) => r.fromPort === 443).map((r) => r.source)).toEqual(['cidr:0.0.0.0/0', 'cidr6:::/0']);
    const internal = exampleSpec();
    internal.loadBalancer!.scheme = 'internal';
    expect(model(internal).securityGroups![0]!.ingress.filter((r) => r.fromPort === 443).map((r) => r.source)).toEqual(['cidr:172.31.0.0/16']);
    internal.loadBalancer!.ipAddressType = 'dualstack';
    expect(model(internal).securityGroups![0]!.ingress.filter((r) => r.fromPort === 443).map((r) => r.source)).toEqual(['cidr:172.31.0.0/16', 'cidr6:2600:1f18:1::/56']);
    const named = exampleSpec();
    named.loadBalancer!.securityGroups = ['sg-0123456789abcdef0'];
    expect(model(named).securityGroups).toEqual([]);
    expect(model(named).loadBalancer.securityGroups).toEqual(['sg-0123456789abcdef0']);
  });

  test('inboundCidrs must be canonical (what EC2 stores), else InvalidSpec naming the entry', () => {
    expect(canonicalCidr('10.1.2.3/8')).toBe('10.0.0.0/8');
    expect(canonicalCidr('2001:0db8:0:0::1/32')).toBe('2001:db8::/32');
    expect(canonicalCidr('1:0:0:1:0:0:0:1/128')).toBe('1:0:0:1::1/128');
    expect(canonicalCidr('::/0')).toBe('::/0');
    expect(canonicalCidr('10.0.0.0/33')).toBeUndefined();
    const spec = exampleSpec();
    spec.loadBalancer!.inboundCidrs = ['10.0.0.0/8', '192.168.1.1/16'];
    expect(() => model(spec)).toThrow('spec.loadBalancer.inboundCidrs[1] 192.168.1.1/16 has host bits set or is not in canonical form: write 192.168.0.0/16');
  });

  test('apply creates both groups before the load balancer, attaches the frontend one, and converges', async () => {
    const elbv2 = new FakeElbv2();
    const sg = new FakeSecurityGroups();
    const p = await planOf(elbv2, sg, exampleSpec());
    const ops = p.actions.map((a) => a.op);
    expect(ops.indexOf('createSecurityGroup')).toBeLessThan(ops.indexOf('createLoadBalancer'));
    await apply(elbv2, p, {}, sg);
    expect(rulesOf(sg, 'frontend')).toEqual(['tcp/443 0.0.0.0/0', 'tcp/80 0.0.0.0/0']);
    expect(rulesOf(sg, 'backend')).toEqual(['tcp/8080 group securitygroup/frontend', 'tcp/9090 group securitygroup/frontend']);
    const fe = [...sg.groups.values()].find((g) => g.groupName.endsWith('-frontend'))!;
    expect([...elbv2.lbs.values()][0]!.lb.SecurityGroups).toEqual([fe.groupId]);
    expect((await planOf(elbv2, sg, exampleSpec())).actions).toEqual([]);
  });

  test('an inboundCidrs change authorizes the new rules before revoking the old, in place', async () => {
    const elbv2 = new FakeElbv2();
    const sg = new FakeSecurityGroups();
    await apply(elbv2, await planOf(elbv2, sg, exampleSpec()), {}, sg);
    const ids = [...sg.groups.keys()].sort();
    const spec = exampleSpec();
    spec.loadBalancer!.inboundCidrs = ['10.0.0.0/8', '192.168.0.0/16'];
    const p = await planOf(elbv2, sg, spec);
    expect(p.actions.map((a) => a.op)).toEqual(['authorizeSecurityGroupIngress', 'revokeSecurityGroupIngress']);
    await apply(elbv2, p, {}, sg);
    expect(rulesOf(sg, 'frontend')).toEqual(['tcp/443 10.0.0.0/8', 'tcp/443 192.168.0.0/16', 'tcp/80 10.0.0.0/8', 'tcp/80 192.168.0.0/16']);
    expect([...sg.groups.keys()].sort()).toEqual(ids);
    expect((await planOf(elbv2, sg, spec)).actions).toEqual([]);
  });

  test('drift: a rule added outside, a rule removed, a group swapped on the load balancer are changed back and named', async () => {
    const elbv2 = new FakeElbv2();
    const sg = new FakeSecurityGroups();
    await apply(elbv2, await planOf(elbv2, sg, exampleSpec()), {}, sg);
    const fe = [...sg.groups.values()].find((g) => g.groupName.endsWith('-frontend'))!;
    fe.ingress = fe.ingress.filter((p) => p.fromPort !== 80);
    fe.ingress.push({ protocol: 'tcp', fromPort: 22, toPort: 22, cidrs: ['0.0.0.0/0'], ipv6Cidrs: [], groups: [] });
    [...elbv2.lbs.values()][0]!.lb.SecurityGroups = ['sg-0fffffffffffffff0'];
    const p = await planOf(elbv2, sg, exampleSpec());
    expect(p.actions.flatMap((a) => a.changes.map((c) => `${c.path}: ${c.actual} -> ${c.desired}`))).toEqual([
      'securityGroups.frontend.ingress[tcp/80 from 0.0.0.0/0]: (absent) -> allowed',
      'securityGroups.frontend.ingress[tcp/22 from 0.0.0.0/0]: allowed -> (absent)',
      'loadBalancer.securityGroups: sg-0fffffffffffffff0 -> managed:frontend',
    ]);
    await apply(elbv2, p, {}, sg);
    expect(rulesOf(sg, 'frontend')).toEqual(['tcp/443 0.0.0.0/0', 'tcp/80 0.0.0.0/0']);
    expect((await planOf(elbv2, sg, exampleSpec())).actions).toEqual([]);
  });

  test('a new scheme: the old load balancer keeps its sources while it drains; revoked when it goes (not drift)', async () => {
    const elbv2 = new FakeElbv2();
    const sg = new FakeSecurityGroups();
    await apply(elbv2, await planOf(elbv2, sg, exampleSpec()), {}, sg);
    const oldArn = [...elbv2.lbs.keys()][0]!;
    const internal = exampleSpec();
    internal.loadBalancer!.scheme = 'internal';
    const m = model(internal);
    const observed = async (): Promise<Parameters<typeof plan>[1]> => {
      const actual = await observe(elbv2, {
        id: ID, ownerTags: m.ownerTags, loadBalancerName: m.loadBalancer.name, targetGroupNames: new Map(m.targetGroups.map((t) => [t.key, t.name])),
        knownLoadBalancerArns: [...elbv2.lbs.keys()], knownTargetGroupArns: [], adopt: false,
      });
      return { ...actual, securityGroups: (await observeSecurityGroups(sg, { id: ID, ownerTags: m.ownerTags, vpcId: NETWORK.vpcId, adopt: false })).groups };
    };
    const draining = plan(m, await observed(), { retain: new Set([oldArn]) });
    expect(draining.actions.filter((a) => a.op.includes('SecurityGroup')).map((a) => a.op)).toEqual(['authorizeSecurityGroupIngress']);
    await apply(elbv2, draining, {}, sg);
    expect(rulesOf(sg, 'frontend')).toEqual(['tcp/443 0.0.0.0/0', 'tcp/443 172.31.0.0/16', 'tcp/80 0.0.0.0/0', 'tcp/80 172.31.0.0/16']);
    const done = plan(m, await observed());
    const revoke = done.actions.find((a) => a.op === 'revokeSecurityGroupIngress');
    expect(revoke).toMatchObject({ role: 'frontend', finishesReplacement: true });
    expect(finishesReplacement(revoke!, m)).toBe(true);
    await apply(elbv2, done, {}, sg);
    expect(rulesOf(sg, 'frontend')).toEqual(['tcp/443 172.31.0.0/16', 'tcp/80 172.31.0.0/16']);
    expect(elbv2.lbs.has(oldArn)).toBe(false);
  });

  test('switching to user-named groups moves the load balancer first, then deletes the managed groups, backend first', async () => {
    const elbv2 = new FakeElbv2();
    const sg = new FakeSecurityGroups();
    await apply(elbv2, await planOf(elbv2, sg, exampleSpec()), {}, sg);
    const spec = exampleSpec();
    spec.loadBalancer!.securityGroups = ['sg-0123456789abcdef0'];
    const p = await planOf(elbv2, sg, spec);
    expect(p.actions.map((a) => (a.op === 'deleteSecurityGroup' ? `${a.op} ${a.role}` : a.op))).toEqual(['setSecurityGroups', 'deleteSecurityGroup backend', 'deleteSecurityGroup frontend']);
    await apply(elbv2, p, {}, sg);
    expect(sg.groups.size).toBe(0);
    expect((await planOf(elbv2, sg, spec)).actions).toEqual([]);
  });

  test('a group with our name owned by someone else is a conflict and is not touched', async () => {
    const sg = new FakeSecurityGroups();
    const m = model(exampleSpec());
    const name = m.securityGroups![0]!.name;
    await sg.create({ name, description: 'theirs', vpcId: NETWORK.vpcId, tags: { 'albatross.dev/cluster': 'other', 'albatross.dev/owner': 'LoadBalancedService/x/y' } });
    // the same name in another VPC is not ours and not in the way
    await sg.create({ name, description: 'elsewhere', vpcId: 'vpc-0aaaaaaaaaaaaaaa0', tags: {} });
    const seen = await observeSecurityGroups(sg, { id: ID, ownerTags: m.ownerTags, vpcId: NETWORK.vpcId, adopt: true });
    expect(seen.groups).toEqual([]);
    expect(seen.conflicts).toEqual([{ kind: 'securitygroup', name, arn: 'sg-00000001', owner: 'LoadBalancedService/x/y in cluster other' }]);
  });

  test('adoption: an unowned group with our name in our VPC is taken over (tagged, rules set) only with adopt', async () => {
    const sg = new FakeSecurityGroups();
    const m = model(exampleSpec());
    const fe = m.securityGroups![0]!;
    const id = await sg.create({ name: fe.name, description: 'made by hand', vpcId: NETWORK.vpcId, tags: {} });
    await sg.authorizeIngress(id, [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' }]);
    const without = await observeSecurityGroups(sg, { id: ID, ownerTags: m.ownerTags, vpcId: NETWORK.vpcId, adopt: false });
    expect(without.conflicts).toEqual([{ kind: 'securitygroup', name: fe.name, arn: id, owner: 'nobody (no albatross.dev ownership tags)' }]);
    const adopted = await observeSecurityGroups(sg, { id: ID, ownerTags: m.ownerTags, vpcId: NETWORK.vpcId, adopt: true });
    expect(adopted.conflicts).toEqual([]);
    const p = plan(m, { loadBalancers: [], listeners: [], targetGroups: [], conflicts: [], securityGroups: adopted.groups });
    const sgOps = p.actions.filter((a) => a.op.includes('SecurityGroup')).map((a) => `${a.op} ${'role' in a ? a.role : ''}`);
    expect(sgOps).toEqual([
      'tagSecurityGroup frontend',
      'authorizeSecurityGroupIngress frontend',
      'revokeSecurityGroupIngress frontend',
      'createSecurityGroup backend',
      'authorizeSecurityGroupIngress backend',
    ]);
    const tag = p.actions.find((a) => a.op === 'tagSecurityGroup');
    expect(tag).toMatchObject({ add: { 'albatross.dev/cluster': 'prod-cluster', 'albatross.dev/owner': 'LoadBalancedService/prod/chat' } });
  });

  test('deletion: a group still in use is SecurityGroupInUseError naming it; retried later it goes', async () => {
    const elbv2 = new FakeElbv2();
    const sg = new FakeSecurityGroups();
    await apply(elbv2, await planOf(elbv2, sg, exampleSpec()), {}, sg);
    const m = model(exampleSpec());
    const { groups } = await observeSecurityGroups(sg, { id: ID, ownerTags: m.ownerTags, vpcId: undefined, adopt: false });
    const deletes = securityGroupDeletions(groups);
    expect(deletes.map((a) => (a.op === 'deleteSecurityGroup' ? a.role : ''))).toEqual(['backend', 'frontend']);
    const realDelete = sg.delete.bind(sg);
    let refusals = 1;
    sg.delete = (id) => (refusals-- > 0 ? Promise.reject(new AwsError('ec2', 'DeleteSecurityGroup', 'DependencyViolation', 'in_use', 'in use')) : realDelete(id));
    const run = (): Promise<unknown> => apply(elbv2, { refs: { loadBalancer: null, listeners: {}, targetGroups: {} }, actions: deletes, waiting: [], blocked: [] }, {}, sg);
    await expect(run()).rejects.toThrow(/security group albatross-prod-chat-[0-9a-f]{8}-backend \(sg-[0-9a-f]+\) is still in use \(DependencyViolation\)/);
    await expect(run()).resolves.toBeDefined();
    expect(sg.groups.size).toBe(0);
  });
});
