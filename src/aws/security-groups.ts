// EC2 security groups, for the groups a LoadBalancedService manages: find them (a shared listing
// of the cluster's groups by tag, by id after our own writes, by name before creating), create them
// tagged, keep their ingress rules, delete them. Every call goes through callAws (budgets, retries, metrics) and runs on the
// EC2 worker thread (./ec2.ts), like the port's other calls.
import { callAws, type CallOptions } from './call.ts';
import { ec2Send } from './ec2.ts';
import type { Ec2SecurityGroup } from './ec2-jobs.ts';

export type { Ec2Permission, Ec2SecurityGroup } from './ec2-jobs.ts';

/** One port range from one source, the unit the controller authorizes and revokes. */
export interface IngressPermission {
  /** tcp, udp, icmp, or -1 (all traffic) */
  protocol: string;
  fromPort: number;
  toPort: number;
  /** exactly one of: an IPv4 CIDR, an IPv6 CIDR, a security group id */
  cidr?: string;
  ipv6Cidr?: string;
  group?: string;
  description?: string;
}

export interface SecurityGroupApi {
  /** Groups with any of these names (in any VPC), paginated. */
  describeByNames(names: readonly string[]): Promise<Ec2SecurityGroup[]>;
  /** Every group carrying tag `key` = `value` (any VPC), paginated. */
  describeByTag(key: string, value: string): Promise<Ec2SecurityGroup[]>;
  /** These groups; ids EC2 no longer has are absent from the answer. */
  describeByIds(ids: readonly string[]): Promise<Ec2SecurityGroup[]>;
  create(input: { name: string; description: string; vpcId: string; tags: Record<string, string> }): Promise<string>;
  authorizeIngress(groupId: string, permissions: readonly IngressPermission[]): Promise<void>;
  revokeIngress(groupId: string, permissions: readonly IngressPermission[]): Promise<void>;
  delete(groupId: string): Promise<void>;
  addTags(groupId: string, tags: Record<string, string>): Promise<void>;
  removeTags(groupId: string, keys: readonly string[]): Promise<void>;
}

function toIpPermissions(permissions: readonly IngressPermission[]): Array<{
  IpProtocol: string;
  FromPort: number;
  ToPort: number;
  IpRanges?: Array<{ CidrIp: string; Description?: string }>;
  Ipv6Ranges?: Array<{ CidrIpv6: string; Description?: string }>;
  UserIdGroupPairs?: Array<{ GroupId: string; Description?: string }>;
}> {
  return permissions.map((p) => {
    const d = p.description ? { Description: p.description } : {};
    return {
      IpProtocol: p.protocol,
      FromPort: p.fromPort,
      ToPort: p.toPort,
      ...(p.cidr ? { IpRanges: [{ CidrIp: p.cidr, ...d }] } : {}),
      ...(p.ipv6Cidr ? { Ipv6Ranges: [{ CidrIpv6: p.ipv6Cidr, ...d }] } : {}),
      ...(p.group ? { UserIdGroupPairs: [{ GroupId: p.group, ...d }] } : {}),
    };
  });
}

export class SdkSecurityGroups implements SecurityGroupApi {
  private readonly opts: CallOptions;

  constructor(opts: CallOptions = {}) {
    this.opts = opts;
  }

  /** Every page of one filtered DescribeSecurityGroups. */
  private async describeFiltered(filter: { Name: string; Values: string[] }): Promise<Ec2SecurityGroup[]> {
    const out: Ec2SecurityGroup[] = [];
    let token: string | undefined;
    do {
      const page = await callAws(
        'ec2',
        'DescribeSecurityGroups',
        (signal) => ec2Send({ op: 'DescribeSecurityGroups', input: { Filters: [filter], MaxResults: 1000, ...(token ? { NextToken: token } : {}) } }, signal),
        this.opts,
      );
      out.push(...page.groups);
      token = page.nextToken;
    } while (token);
    return out;
  }

  async describeByNames(names: readonly string[]): Promise<Ec2SecurityGroup[]> {
    if (!names.length) return [];
    return this.describeFiltered({ Name: 'group-name', Values: [...names] });
  }

  async describeByTag(key: string, value: string): Promise<Ec2SecurityGroup[]> {
    return this.describeFiltered({ Name: `tag:${key}`, Values: [value] });
  }

  // By the group-id filter rather than GroupIds: a filter leaves out an id EC2 no longer has
  // instead of failing the whole call (InvalidGroup.NotFound).
  async describeByIds(ids: readonly string[]): Promise<Ec2SecurityGroup[]> {
    const out: Ec2SecurityGroup[] = [];
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 200) out.push(...(await this.describeFiltered({ Name: 'group-id', Values: unique.slice(i, i + 200) })));
    return out;
  }

  async create(input: { name: string; description: string; vpcId: string; tags: Record<string, string> }): Promise<string> {
    const out = await callAws(
      'ec2',
      'CreateSecurityGroup',
      (signal) =>
        ec2Send(
          {
            op: 'CreateSecurityGroup',
            input: {
              GroupName: input.name,
              Description: input.description,
              VpcId: input.vpcId,
              // Tagged in the same call: the group is never untagged (found again after a crash, and
              // the IAM policy can require the cluster tag on create).
              TagSpecifications: [{ ResourceType: 'security-group', Tags: Object.entries(input.tags).map(([Key, Value]) => ({ Key, Value })) }],
            },
          },
          signal,
        ),
      this.opts,
    );
    return out.groupId;
  }

  async authorizeIngress(groupId: string, permissions: readonly IngressPermission[]): Promise<void> {
    if (!permissions.length) return;
    await callAws('ec2', 'AuthorizeSecurityGroupIngress', (signal) => ec2Send({ op: 'AuthorizeSecurityGroupIngress', input: { GroupId: groupId, IpPermissions: toIpPermissions(permissions) } }, signal), this.opts);
  }

  async revokeIngress(groupId: string, permissions: readonly IngressPermission[]): Promise<void> {
    if (!permissions.length) return;
    await callAws('ec2', 'RevokeSecurityGroupIngress', (signal) => ec2Send({ op: 'RevokeSecurityGroupIngress', input: { GroupId: groupId, IpPermissions: toIpPermissions(permissions) } }, signal), this.opts);
  }

  async delete(groupId: string): Promise<void> {
    await callAws('ec2', 'DeleteSecurityGroup', (signal) => ec2Send({ op: 'DeleteSecurityGroup', input: { GroupId: groupId } }, signal), this.opts);
  }

  async addTags(groupId: string, tags: Record<string, string>): Promise<void> {
    if (!Object.keys(tags).length) return;
    await callAws('ec2', 'CreateTags', (signal) => ec2Send({ op: 'CreateTags', input: { Resources: [groupId], Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) } }, signal), this.opts);
  }

  async removeTags(groupId: string, keys: readonly string[]): Promise<void> {
    if (!keys.length) return;
    await callAws('ec2', 'DeleteTags', (signal) => ec2Send({ op: 'DeleteTags', input: { Resources: [groupId], Tags: keys.map((Key) => ({ Key })) } }, signal), this.opts);
  }
}
