// AWS -> the managed security groups a resource owns: from the shared inventory of this cluster's
// groups (sg-inventory.ts) when it shows every desired group as ours in the desired VPC (no other
// group can then hold those names there), or on deletion; otherwise one DescribeSecurityGroups by
// our group names (they are derived from the resource, so every group of ours and every group
// squatting one of our names is in the answer). Ownership decided by tags as for the ELBv2 objects. A group with our
// name in the load balancer's VPC that someone else owns (or nobody, without adoption) is a
// conflict and is never touched; groups of that name in other VPCs are not ours unless tagged so.
import { TAG_CLUSTER, TAG_OWNER } from '../../crds/index.ts';
import type { Ec2SecurityGroup, SecurityGroupApi } from '../../aws/security-groups.ts';
import type { SecurityGroupView } from './sg-inventory.ts';
import { TAG_RESOURCE, type ActualSecurityGroup, type Conflict, type SecurityGroupRole, type SecurityGroupRule, type Tags } from './model.ts';
import { securityGroupName, type ResourceId } from './names.ts';
import { ruleKey } from './security-groups.ts';

export interface ObservedSecurityGroups {
  groups: ActualSecurityGroup[];
  conflicts: Conflict[];
}

const ROLES: readonly SecurityGroupRole[] = ['frontend', 'backend'];

/** EC2's permissions flattened to one rule per source, sorted (source groups by id: plan maps ours to roles). */
export function rulesFromAws(g: Ec2SecurityGroup): SecurityGroupRule[] {
  const rules = g.ingress.flatMap((p) => {
    const base = { protocol: p.protocol, fromPort: p.fromPort ?? -1, toPort: p.toPort ?? -1 };
    return [...p.cidrs.map((c) => `cidr:${c}`), ...p.ipv6Cidrs.map((c) => `cidr6:${c}`), ...p.groups.map((id) => `group:${id}`)].map((source) => ({ ...base, source }));
  });
  return [...new Map(rules.map((r) => [ruleKey(r), r])).values()].sort((a, b) => ruleKey(a).localeCompare(ruleKey(b)));
}

function ownerOf(tags: Tags): string {
  if (tags[TAG_CLUSTER] === undefined && tags[TAG_OWNER] === undefined) return 'nobody (no albatross.dev ownership tags)';
  return `${tags[TAG_OWNER] ?? '?'} in cluster ${tags[TAG_CLUSTER] ?? '?'}`;
}

function roleOf(g: Ec2SecurityGroup, names: ReadonlyMap<string, SecurityGroupRole>): SecurityGroupRole | undefined {
  const tagged = /^securitygroup\/(frontend|backend)$/.exec(g.tags[TAG_RESOURCE] ?? '')?.[1] as SecurityGroupRole | undefined;
  return tagged ?? names.get(g.groupName);
}

/**
 * The groups of `id` (both roles' names), owned ones with their rules; `vpcId` is where the
 * desired groups live (undefined on deletion: every owned group of ours counts, no conflicts).
 */
export async function observeSecurityGroups(
  api: SecurityGroupApi | SecurityGroupView,
  input: { id: ResourceId; ownerTags: Tags; vpcId: string | undefined; adopt: boolean },
): Promise<ObservedSecurityGroups> {
  const names = new Map(ROLES.map((r) => [securityGroupName(input.id, r), r] as const));
  const isOurs = (g: Ec2SecurityGroup): boolean => g.tags[TAG_CLUSTER] === input.ownerTags[TAG_CLUSTER] && g.tags[TAG_OWNER] === input.ownerTags[TAG_OWNER];
  let found: Ec2SecurityGroup[] | undefined;
  if ('ownedByNames' in api) {
    const known = await api.ownedByNames([...names.keys()]);
    const complete = input.vpcId === undefined || [...names.keys()].every((n) => known.some((g) => g.groupName === n && g.vpcId === input.vpcId && isOurs(g)));
    if (complete) found = known;
  }
  found ??= await api.describeByNames([...names.keys()]);
  const groups: ActualSecurityGroup[] = [];
  const conflicts: Conflict[] = [];
  for (const g of found) {
    const role = roleOf(g, names);
    if (!role) continue;
    const ours = isOurs(g);
    const unowned = g.tags[TAG_CLUSTER] === undefined && g.tags[TAG_OWNER] === undefined;
    const inOurVpc = input.vpcId !== undefined && g.vpcId === input.vpcId && names.has(g.groupName);
    if (ours || (unowned && inOurVpc && input.adopt)) {
      groups.push({ id: g.groupId, role, name: g.groupName, vpcId: g.vpcId, description: g.description, tags: g.tags, ingress: rulesFromAws(g) });
    } else if (inOurVpc) {
      conflicts.push({ kind: 'securitygroup', name: g.groupName, arn: g.groupId, owner: ownerOf(g.tags) });
    }
  }
  groups.sort((a, b) => a.role.localeCompare(b.role) || a.id.localeCompare(b.id));
  return { groups, conflicts };
}
