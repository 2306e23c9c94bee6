// An in-memory EC2 security group port for unit tests of the managed groups (pure logic; the
// integration tests use moto). Refuses duplicate rules and deletes of referenced groups as EC2 does.
import { AwsError } from '../../../src/aws/errors.ts';
import type { Ec2SecurityGroup, IngressPermission, SecurityGroupApi } from '../../../src/aws/security-groups.ts';

const same = (a: IngressPermission, b: { protocol: string; fromPort?: number; toPort?: number; cidrs: string[]; ipv6Cidrs: string[]; groups: string[] }): boolean =>
  a.protocol === b.protocol && a.fromPort === b.fromPort && a.toPort === b.toPort &&
  ((a.cidr !== undefined && b.cidrs.includes(a.cidr)) || (a.ipv6Cidr !== undefined && b.ipv6Cidrs.includes(a.ipv6Cidr)) || (a.group !== undefined && b.groups.includes(a.group)));

export class FakeSecurityGroups implements SecurityGroupApi {
  readonly groups = new Map<string, Ec2SecurityGroup>();
  calls: string[] = [];
  /** every DescribeSecurityGroups by what it asked (names:…, tag:k=v, ids:…) */
  describes: string[] = [];
  private seq = 0;

  describeByNames(names: readonly string[]): Promise<Ec2SecurityGroup[]> {
    this.calls.push('DescribeSecurityGroups');
    this.describes.push(`names:${names.join(',')}`);
    return Promise.resolve(structuredClone([...this.groups.values()].filter((g) => names.includes(g.groupName))));
  }

  describeByTag(key: string, value: string): Promise<Ec2SecurityGroup[]> {
    this.calls.push('DescribeSecurityGroups');
    this.describes.push(`tag:${key}=${value}`);
    return Promise.resolve(structuredClone([...this.groups.values()].filter((g) => g.tags[key] === value)));
  }

  describeByIds(ids: readonly string[]): Promise<Ec2SecurityGroup[]> {
    this.calls.push('DescribeSecurityGroups');
    this.describes.push(`ids:${ids.join(',')}`);
    return Promise.resolve(structuredClone([...this.groups.values()].filter((g) => ids.includes(g.groupId))));
  }

  create(input: { name: string; description: string; vpcId: string; tags: Record<string, string> }): Promise<string> {
    this.calls.push('CreateSecurityGroup');
    if ([...this.groups.values()].some((g) => g.groupName === input.name && g.vpcId === input.vpcId)) {
      return Promise.reject(new AwsError('ec2', 'CreateSecurityGroup', 'InvalidGroup.Duplicate', 'duplicate', 'exists'));
    }
    const groupId = `sg-${(++this.seq).toString(16).padStart(8, '0')}`;
    this.groups.set(groupId, { groupId, groupName: input.name, vpcId: input.vpcId, description: input.description, tags: { ...input.tags }, ingress: [] });
    return Promise.resolve(groupId);
  }

  private group(id: string): Ec2SecurityGroup {
    const g = this.groups.get(id);
    if (!g) throw new AwsError('ec2', 'x', 'InvalidGroup.NotFound', 'not_found', id);
    return g;
  }

  authorizeIngress(groupId: string, permissions: readonly IngressPermission[]): Promise<void> {
    this.calls.push('AuthorizeSecurityGroupIngress');
    const g = this.group(groupId);
    if (permissions.some((p) => g.ingress.some((have) => same(p, have)))) {
      return Promise.reject(new AwsError('ec2', 'AuthorizeSecurityGroupIngress', 'InvalidPermission.Duplicate', 'duplicate', 'exists'));
    }
    for (const p of permissions) {
      g.ingress.push({ protocol: p.protocol, fromPort: p.fromPort, toPort: p.toPort, cidrs: p.cidr ? [p.cidr] : [], ipv6Cidrs: p.ipv6Cidr ? [p.ipv6Cidr] : [], groups: p.group ? [p.group] : [] });
    }
    return Promise.resolve();
  }

  revokeIngress(groupId: string, permissions: readonly IngressPermission[]): Promise<void> {
    this.calls.push('RevokeSecurityGroupIngress');
    const g = this.group(groupId);
    if (permissions.some((p) => !g.ingress.some((have) => same(p, have)))) {
      return Promise.reject(new AwsError('ec2', 'RevokeSecurityGroupIngress', 'InvalidPermission.NotFound', 'not_found', 'no such rule'));
    }
    g.ingress = g.ingress.filter((have) => !permissions.some((p) => same(p, have)));
    return Promise.resolve();
  }

  delete(groupId: string): Promise<void> {
    this.calls.push('DeleteSecurityGroup');
    this.group(groupId);
    if ([...this.groups.values()].some((o) => o.groupId !== groupId && o.ingress.some((p) => p.groups.includes(groupId)))) {
      return Promise.reject(new AwsError('ec2', 'DeleteSecurityGroup', 'DependencyViolation', 'in_use', 'referenced'));
    }
    this.groups.delete(groupId);
    return Promise.resolve();
  }

  addTags(groupId: string, tags: Record<string, string>): Promise<void> {
    this.calls.push('CreateTags');
    Object.assign(this.group(groupId).tags, tags);
    return Promise.resolve();
  }

  removeTags(groupId: string, keys: readonly string[]): Promise<void> {
    this.calls.push('DeleteTags');
    const g = this.group(groupId);
    for (const k of keys) delete g.tags[k];
    return Promise.resolve();
  }
}
