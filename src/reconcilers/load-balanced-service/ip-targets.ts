// Explicit IP targets AWS would refuse, found before any call that changes AWS. ELBv2 accepts, for a
// target group of targetType ip, addresses from the target group's VPC and, outside it, only from
// 10.0.0.0/8, 100.64.0.0/10, 172.16.0.0/12 and 192.168.0.0/16 (never publicly routable ones), and
// an address outside the VPC must name its Availability Zone (`all` for an ALB). moto checks none
// of this. Pure: the VPCs' CIDR blocks are handed in. IPv6 targets are left to AWS.
import { BlockList, isIPv4 } from 'node:net';
import type { LoadBalancedServiceSpec } from '../../crds/index.ts';

type TargetGroupSpec = NonNullable<LoadBalancedServiceSpec['targetGroups']>[number];

/** The ranges ELBv2 accepts for IP targets outside the target group's VPC. */
export const OUTSIDE_VPC_RANGES = ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16'] as const;

function blockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [net, bits] = cidr.split('/');
    if (net && bits !== undefined && isIPv4(net)) list.addSubnet(net, Number(bits), 'ipv4');
  }
  return list;
}

const outsideRanges = blockList(OUTSIDE_VPC_RANGES);

/** Target groups whose explicit IPv4 targets need their VPC's CIDR blocks to be judged. */
export function ipTargetGroupsToCheck(spec: LoadBalancedServiceSpec): TargetGroupSpec[] {
  return (spec.targetGroups ?? []).filter((tg) => (tg.targetType ?? 'ip') === 'ip' && (tg.targets ?? []).some((t) => isIPv4(t.id)));
}

/**
 * What is wrong with the explicit IP targets, one message per target naming its field; [] when
 * nothing. `vpcOf` gives each target group's VPC (its vpcId or the default VPC), `cidrsOf` that
 * VPC's IPv4 CIDR blocks.
 */
export function ipTargetProblems(spec: LoadBalancedServiceSpec, vpcOf: (tg: TargetGroupSpec) => string, cidrsOf: ReadonlyMap<string, readonly string[]>): string[] {
  const problems: string[] = [];
  for (const tg of ipTargetGroupsToCheck(spec)) {
    const vpcId = vpcOf(tg);
    const cidrs = cidrsOf.get(vpcId) ?? [];
    const inVpc = blockList(cidrs);
    (tg.targets ?? []).forEach((t, i) => {
      if (!isIPv4(t.id) || inVpc.check(t.id, 'ipv4')) return;
      const field = `targetGroups[${tg.name}].targets[${i}]`;
      const where = `outside VPC ${vpcId} (${cidrs.join(', ') || 'no IPv4 CIDR block'})`;
      if (!outsideRanges.check(t.id, 'ipv4')) {
        problems.push(`${field}.id ${t.id} is ${where} and publicly routable: AWS accepts IP targets only from the VPC or from ${OUTSIDE_VPC_RANGES.join(', ')}`);
      } else if (!t.availabilityZone) {
        problems.push(`${field}.id ${t.id} is ${where}: set ${field}.availabilityZone: all for an address reached through peering, VPN or Direct Connect`);
      }
    });
  }
  return problems;
}
