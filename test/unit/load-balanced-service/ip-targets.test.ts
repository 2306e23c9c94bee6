// Explicit IP targets AWS would refuse (moto takes them all): outside the target group's VPC they
// must be in 10/8, 100.64/10, 172.16/12 or 192.168/16 and name their Availability Zone.
import { describe, expect, it } from '@jest/globals';
import type { LoadBalancedService } from '../../../src/crds/index.ts';
import { ipTargetGroupsToCheck, ipTargetProblems } from '../../../src/reconcilers/load-balanced-service/ip-targets.ts';

type Spec = LoadBalancedService['spec'];
type Tg = NonNullable<Spec['targetGroups']>[number];

const spec = (...targetGroups: Tg[]): Spec => ({ listeners: [], targetGroups });
const tg = (name: string, targets: Tg['targets'], extra: Partial<Tg> = {}): Tg => ({ name, port: 8080, targets, ...extra });
const cidrs = new Map([['vpc-default', ['172.31.0.0/16']], ['vpc-two', ['10.1.0.0/16', '100.64.0.0/16']]]);
const vpcOf = (t: Tg): string => t.vpcId ?? 'vpc-default';

describe('ipTargetProblems', () => {
  it('accepts targets inside the VPC, including a secondary CIDR block', () => {
    expect(ipTargetProblems(spec(tg('web', [{ id: '172.31.7.10' }]), tg('api', [{ id: '100.64.3.4' }, { id: '10.1.2.3' }], { vpcId: 'vpc-two' })), vpcOf, cidrs)).toEqual([]);
  });

  it('an address outside the VPC needs availabilityZone, naming the target field', () => {
    expect(ipTargetProblems(spec(tg('web', [{ id: '172.31.7.10' }, { id: '10.213.7.9' }])), vpcOf, cidrs)).toEqual([
      'targetGroups[web].targets[1].id 10.213.7.9 is outside VPC vpc-default (172.31.0.0/16): set targetGroups[web].targets[1].availabilityZone: all for an address reached through peering, VPN or Direct Connect',
    ]);
    expect(ipTargetProblems(spec(tg('web', [{ id: '10.213.7.9', availabilityZone: 'all' }, { id: '192.168.1.1', availabilityZone: 'all' }])), vpcOf, cidrs)).toEqual([]);
  });

  it('a publicly routable address outside the VPC is refused even with availabilityZone: all', () => {
    const problems = ipTargetProblems(spec(tg('web', [{ id: '8.8.8.8', availabilityZone: 'all' }])), vpcOf, cidrs);
    expect(problems).toEqual([
      'targetGroups[web].targets[0].id 8.8.8.8 is outside VPC vpc-default (172.31.0.0/16) and publicly routable: AWS accepts IP targets only from the VPC or from 10.0.0.0/8, 100.64.0.0/10, 172.16.0.0/12, 192.168.0.0/16',
    ]);
    // The edges of the ranges.
    expect(ipTargetProblems(spec(tg('web', [{ id: '172.32.0.1', availabilityZone: 'all' }, { id: '100.128.0.1', availabilityZone: 'all' }])), vpcOf, cidrs)).toHaveLength(2);
    expect(ipTargetProblems(spec(tg('web', [{ id: '172.16.0.1', availabilityZone: 'all' }, { id: '100.127.255.254', availabilityZone: 'all' }])), vpcOf, cidrs)).toEqual([]);
  });

  it('leaves instance targets, serviceRef target groups and IPv6 to others', () => {
    const s = spec(
      tg('inst', [{ id: 'i-0123456789abcdef0' }], { targetType: 'instance' }),
      { name: 'svc', port: 8080, serviceRef: { name: 'chat', port: 8080 } },
      tg('v6', [{ id: '2001:db8::1' }]),
    );
    expect(ipTargetGroupsToCheck(s)).toEqual([]);
    expect(ipTargetProblems(s, vpcOf, cidrs)).toEqual([]);
  });
});
