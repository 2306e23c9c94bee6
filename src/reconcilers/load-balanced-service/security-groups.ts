// spec -> the managed security groups (pure). Unless spec.loadBalancer.securityGroups names groups:
// - frontend, on the load balancer: admits inboundCidrs on every listener port;
// - backend, for the targets: admits the frontend group on every target port and health-check
//   port. The controller does not touch the targets' own groups (it never changes what it does not
//   own); the targets join the backend group (docs/api.md says how).
// Both live in the load balancer's VPC and carry the ownership tags like every other object.
import type { LoadBalancedServiceSpec } from '../../crds/index.ts';
import { InvalidSpecError } from './build-errors.ts';
import { canonicalCidr } from './cidr.ts';
import { TAG_RESOURCE, type DesiredListener, type DesiredSecurityGroup, type DesiredTargetGroup, type SecurityGroupRole, type SecurityGroupRule, type Tags } from './model.ts';
import { securityGroupName, type ResourceId } from './names.ts';

/** AWS's default quota of inbound rules per security group (IPv4 and IPv6 rules counted apart). */
export const MAX_RULES_PER_GROUP = 60;

/** What build needs from EC2 for managed groups: the load balancer's VPC and its CIDR blocks. */
export interface SecurityGroupNetwork {
  vpcId: string;
  /** the VPC's IPv4 blocks (default sources of an internal load balancer) */
  ipv4Cidrs: string[];
  /** the VPC's IPv6 blocks (added for an internal dualstack load balancer) */
  ipv6Cidrs: string[];
}

/** Does the spec leave the security groups to the controller? */
export function managesSecurityGroups(spec: LoadBalancedServiceSpec): boolean {
  return !spec.loadBalancer?.securityGroups?.length;
}

/** The sources allowed to reach the listener ports: the spec's, or the defaults for the scheme. */
export function inboundCidrs(spec: LoadBalancedServiceSpec, network: SecurityGroupNetwork): string[] {
  const lb = spec.loadBalancer ?? {};
  if (lb.inboundCidrs?.length) {
    lb.inboundCidrs.forEach((c, i) => {
      const canonical = canonicalCidr(c);
      if (canonical !== c) {
        throw new InvalidSpecError(
          canonical
            ? `spec.loadBalancer.inboundCidrs[${i}] ${c} has host bits set or is not in canonical form: write ${canonical} (EC2 stores that form)`
            : `spec.loadBalancer.inboundCidrs[${i}] ${c} is not a CIDR block`,
        );
      }
    });
    return [...new Set(lb.inboundCidrs)];
  }
  const dualstack = lb.ipAddressType === 'dualstack';
  if ((lb.scheme ?? 'internet-facing') === 'internal') return [...network.ipv4Cidrs, ...(dualstack ? network.ipv6Cidrs : [])];
  return ['0.0.0.0/0', ...(dualstack ? ['::/0'] : [])];
}

export const ruleKey = (r: SecurityGroupRule): string => `${r.protocol}/${r.fromPort}-${r.toPort}/${r.source}`;

/** "tcp/443 from 0.0.0.0/0", for drift reports and events. */
export function describeRule(r: SecurityGroupRule): string {
  const ports = r.protocol === '-1' ? 'all traffic' : `${r.protocol}/${r.fromPort === r.toPort ? r.fromPort : `${r.fromPort}-${r.toPort}`}`;
  const source = r.source.replace(/^cidr6?:/, '').replace(/^group:(frontend|backend)$/, 'the managed $1 group').replace(/^group:/, 'group ');
  return `${ports} from ${source}`;
}

const sortRules = (rules: SecurityGroupRule[]): SecurityGroupRule[] => {
  const byKey = new Map(rules.map((r) => [ruleKey(r), r]));
  return [...byKey.values()].sort((a, b) => ruleKey(a).localeCompare(ruleKey(b)));
};

const tcp = (port: number, source: string): SecurityGroupRule => ({ protocol: 'tcp', fromPort: port, toPort: port, source });

/** The ports the load balancer opens to the targets: traffic ports (the group's and each target's) and numeric health-check ports. */
export function targetPorts(targetGroups: readonly DesiredTargetGroup[]): number[] {
  const ports = new Set<number>();
  for (const tg of targetGroups) {
    ports.add(tg.port);
    for (const t of tg.targets) ports.add(t.port);
    const hc = Number(tg.healthCheck.port);
    if (tg.healthCheck.port !== 'traffic-port' && Number.isInteger(hc)) ports.add(hc);
  }
  return [...ports].sort((a, b) => a - b);
}

export function buildSecurityGroups(
  id: ResourceId,
  spec: LoadBalancedServiceSpec,
  network: SecurityGroupNetwork,
  listeners: readonly DesiredListener[],
  targetGroups: readonly DesiredTargetGroup[],
  baseTags: Tags,
): DesiredSecurityGroup[] {
  const cidrs = inboundCidrs(spec, network);
  if (!cidrs.length) throw new InvalidSpecError(`spec.loadBalancer.inboundCidrs is empty and VPC ${network.vpcId} reports no CIDR block to default to`);
  const frontendRules = sortRules(listeners.flatMap((l) => cidrs.map((c) => tcp(l.port, c.includes(':') ? `cidr6:${c}` : `cidr:${c}`))));
  for (const family of ['cidr:', 'cidr6:']) {
    const n = frontendRules.filter((r) => r.source.startsWith(family)).length;
    if (n > MAX_RULES_PER_GROUP) {
      throw new InvalidSpecError(`spec.loadBalancer.inboundCidrs x spec.listeners make ${n} rules in the frontend security group; AWS allows ${MAX_RULES_PER_GROUP}`);
    }
  }
  const backendRules = targetPorts(targetGroups).map((p) => tcp(p, 'group:frontend'));
  if (backendRules.length > MAX_RULES_PER_GROUP) {
    throw new InvalidSpecError(`spec.targetGroups use ${backendRules.length} distinct target and health-check ports; the backend security group can hold ${MAX_RULES_PER_GROUP} rules`);
  }
  const group = (role: SecurityGroupRole, description: string, ingress: SecurityGroupRule[]): DesiredSecurityGroup => ({
    role,
    name: securityGroupName(id, role),
    vpcId: network.vpcId,
    description,
    tags: { ...baseTags, [TAG_RESOURCE]: `securitygroup/${role}` },
    ingress,
  });
  const owner = `LoadBalancedService ${id.namespace}/${id.name}`;
  return [
    group('frontend', `Albatross ${owner}: clients to the load balancer's listeners`, frontendRules),
    group('backend', `Albatross ${owner}: the load balancer to its targets (put the targets in this group)`, backendRules),
  ];
}
