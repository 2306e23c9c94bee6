// Runs the security group actions of a plan (apply.ts hands them here). Idempotent like the rest:
// a group is created with its tags in the same call and found again by name, a rule already there
// (InvalidPermission.Duplicate) or already gone (InvalidPermission.NotFound) counts as done, and a
// delete of a group already gone counts as done. A group AWS still holds in use (a deleted load
// balancer's network interfaces linger for minutes; targets may still be in the backend group)
// becomes SecurityGroupInUseError, which the reconciler retries with backoff and reports.
import { AwsError, isAwsErrorKind } from '../../aws/errors.ts';
import type { IngressPermission, SecurityGroupApi } from '../../aws/security-groups.ts';
import type { SecurityGroupRule } from './model.ts';
import type { PlanAction, Refs } from './plan.ts';
import { describeRule } from './security-groups.ts';

type SgAction = Extract<PlanAction, { op: 'createSecurityGroup' | 'authorizeSecurityGroupIngress' | 'revokeSecurityGroupIngress' | 'tagSecurityGroup' | 'deleteSecurityGroup' }>;

export const isSecurityGroupAction = (a: PlanAction): a is SgAction =>
  a.op === 'createSecurityGroup' || a.op === 'authorizeSecurityGroupIngress' || a.op === 'revokeSecurityGroupIngress' || a.op === 'tagSecurityGroup' || a.op === 'deleteSecurityGroup';

/** A managed group AWS refuses to delete yet (DependencyViolation): retried, and said so in status. */
export class SecurityGroupInUseError extends Error {
  readonly groupId: string;
  constructor(name: string, groupId: string, cause: AwsError) {
    super(
      `security group ${name} (${groupId}) is still in use (${cause.code}): AWS releases a deleted load balancer's network interfaces some minutes after it is gone, and targets may still be in the group; retrying with backoff`,
      { cause },
    );
    this.name = 'SecurityGroupInUseError';
    this.groupId = groupId;
  }
}

/** The id of a managed group by role (refs) or a raw id from an observed rule. */
function groupId(refs: Refs, ref: string): string {
  if (ref.startsWith('sg-')) return ref;
  const id = refs.securityGroups?.[ref];
  if (!id) throw new Error(`plan refers to the ${ref} security group before it exists`);
  return id;
}

/** A managed-group reference in the load balancer's list (managedGroupToken) -> its id. */
export function resolveGroupReference(refs: Refs, value: string): string {
  const m = /^managed:(frontend|backend)$/.exec(value);
  return m ? groupId(refs, m[1]!) : value;
}

function permission(refs: Refs, r: SecurityGroupRule): IngressPermission {
  const [kind, ...rest] = r.source.split(':');
  const value = rest.join(':');
  const base = { protocol: r.protocol, fromPort: r.fromPort, toPort: r.toPort, description: `albatross: ${describeRule(r)}` };
  if (kind === 'cidr') return { ...base, cidr: value };
  if (kind === 'cidr6') return { ...base, ipv6Cidr: value };
  return { ...base, group: groupId(refs, value) };
}

async function ignoring(fn: () => Promise<void>, kind: 'duplicate' | 'not_found'): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!isAwsErrorKind(err, kind)) throw err;
  }
}

export async function applySecurityGroupAction(api: SecurityGroupApi | undefined, a: SgAction, refs: Refs): Promise<void> {
  if (!api) throw new Error(`plan has ${a.op} but apply was given no security group port`);
  switch (a.op) {
    case 'createSecurityGroup': {
      const id = await api.create({ name: a.name, description: a.description, vpcId: a.vpcId, tags: a.tags });
      refs.securityGroups = { ...refs.securityGroups, [a.role]: id };
      return;
    }
    case 'authorizeSecurityGroupIngress': {
      const id = groupId(refs, a.role);
      // One call for all; if one rule is there already AWS refuses the call: then one at a time.
      try {
        await api.authorizeIngress(id, a.rules.map((r) => permission(refs, r)));
      } catch (err) {
        if (!isAwsErrorKind(err, 'duplicate') || a.rules.length === 1) return ignoring(() => Promise.reject(err), 'duplicate');
        for (const r of a.rules) await ignoring(() => api.authorizeIngress(id, [permission(refs, r)]), 'duplicate');
      }
      return;
    }
    case 'revokeSecurityGroupIngress': {
      const id = groupId(refs, a.role);
      try {
        await api.revokeIngress(id, a.rules.map((r) => permission(refs, r)));
      } catch (err) {
        if (!isAwsErrorKind(err, 'not_found') || a.rules.length === 1) return ignoring(() => Promise.reject(err), 'not_found');
        for (const r of a.rules) await ignoring(() => api.revokeIngress(id, [permission(refs, r)]), 'not_found');
      }
      return;
    }
    case 'tagSecurityGroup': {
      const id = groupId(refs, a.role);
      await api.addTags(id, a.add);
      await api.removeTags(id, a.remove);
      return;
    }
    case 'deleteSecurityGroup':
      try {
        await ignoring(() => api.delete(a.id), 'not_found');
      } catch (err) {
        if (err instanceof AwsError && err.kind === 'in_use') throw new SecurityGroupInUseError(a.name, a.id, err);
        throw err;
      }
      if (refs.securityGroups?.[a.role] === a.id) {
        const { [a.role]: _gone, ...rest } = refs.securityGroups;
        refs.securityGroups = rest;
      }
      return;
  }
}
