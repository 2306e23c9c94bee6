// desired + observed managed security groups -> actions (pure), in the plan's order: groups are
// created (frontend first: the backend group's rules name it) and their rules authorized before the
// load balancer is pointed at them; a rule is authorized before the one it replaces is revoked, so
// the allowed set never has a gap; groups no longer wanted (the spec now names its own, or the
// load balancer moved VPC) are deleted last, backend first (its rules reference the frontend group).
import { managedGroupToken, type ActualSecurityGroup, type DesiredSecurityGroup, type SecurityGroupRule, type Tags } from './model.ts';
import type { Change, PlanAction } from './plan.ts';
import { describeRule, ruleKey } from './security-groups.ts';

const ABSENT = '(absent)';

export interface SecurityGroupPlan {
  /** creates and in-place changes, before the load balancer's own actions */
  actions: PlanAction[];
  /** deletes of groups no longer wanted, after everything else */
  deletes: PlanAction[];
  /** role -> id of the groups kept */
  refs: Record<string, string>;
  /** observed id -> managedGroupToken(role), for the load balancer's security group list */
  tokenOfId: Map<string, string>;
}

function diffTags(desired: Tags, actual: Tags): { add: Tags; remove: string[] } {
  const add: Tags = {};
  for (const [k, v] of Object.entries(desired)) if (actual[k] !== v) add[k] = v;
  const remove = Object.keys(actual).filter((k) => !(k in desired) && !k.startsWith('aws:')).sort();
  return { add, remove };
}

const rulePath = (role: string, r: SecurityGroupRule): string => `securityGroups.${role}.ingress[${describeRule(r)}]`;

/**
 * `keepStale`: a replaced load balancer still serves. It carries the same frontend group (one per
 * resource and VPC), so nothing it admitted is revoked while it drains (a new scheme changes the
 * default sources: the internet must still reach the old internet-facing one), and no old group
 * is deleted. `finishingReplacement`: a replaced load balancer is deleted in this plan; revokes then
 * finish that replacement (retire.ts's finishesReplacement) rather than correct drift.
 */
export function planSecurityGroups(
  desired: readonly DesiredSecurityGroup[],
  actual: readonly ActualSecurityGroup[] | undefined,
  keepStale: boolean,
  finishingReplacement = false,
): SecurityGroupPlan {
  const out: SecurityGroupPlan = { actions: [], deletes: [], refs: {}, tokenOfId: new Map() };
  if (!actual) return out;
  const kept = new Map<string, ActualSecurityGroup>();
  for (const d of desired) {
    const have = actual.find((a) => a.role === d.role && a.vpcId === d.vpcId && a.name === d.name);
    if (!have) continue;
    kept.set(d.role, have);
    out.refs[d.role] = have.id;
    out.tokenOfId.set(have.id, managedGroupToken(d.role));
  }
  const roleOfId = new Map([...kept.entries()].map(([role, g]) => [g.id, role]));
  const mapSource = (r: SecurityGroupRule): SecurityGroupRule => {
    const m = /^group:(sg-.+)$/.exec(r.source);
    const role = m ? roleOfId.get(m[1]!) : undefined;
    return role ? { ...r, source: `group:${role}` } : r;
  };

  for (const d of desired) {
    const have = kept.get(d.role);
    if (!have) {
      out.actions.push({ op: 'createSecurityGroup', role: d.role, name: d.name, vpcId: d.vpcId, description: d.description, tags: d.tags, changes: [{ path: `securityGroups.${d.role}`, desired: d.name, actual: ABSENT }] });
      if (d.ingress.length) out.actions.push({ op: 'authorizeSecurityGroupIngress', role: d.role, rules: d.ingress, changes: [] });
      continue;
    }
    const tags = diffTags(d.tags, have.tags);
    if (Object.keys(tags.add).length || tags.remove.length) {
      const changes: Change[] = [
        ...Object.keys(tags.add).sort().map((k) => ({ path: `securityGroups.${d.role}.tags.${k}`, desired: d.tags[k] ?? '', actual: have.tags[k] ?? ABSENT })),
        ...tags.remove.map((k) => ({ path: `securityGroups.${d.role}.tags.${k}`, desired: ABSENT, actual: have.tags[k] ?? '' })),
      ];
      out.actions.push({ op: 'tagSecurityGroup', role: d.role, ...tags, changes });
    }
    const haveRules = have.ingress.map(mapSource);
    const haveKeys = new Set(haveRules.map(ruleKey));
    const wantKeys = new Set(d.ingress.map(ruleKey));
    const missing = d.ingress.filter((r) => !haveKeys.has(ruleKey(r)));
    const extra = haveRules.filter((r) => !wantKeys.has(ruleKey(r)));
    if (missing.length) {
      out.actions.push({ op: 'authorizeSecurityGroupIngress', role: d.role, rules: missing, changes: missing.map((r) => ({ path: rulePath(d.role, r), desired: 'allowed', actual: ABSENT })) });
    }
    if (extra.length && !(keepStale && d.role === 'frontend')) {
      out.actions.push({
        op: 'revokeSecurityGroupIngress',
        role: d.role,
        rules: extra,
        ...(finishingReplacement ? { finishesReplacement: true } : {}),
        changes: extra.map((r) => ({ path: rulePath(d.role, r), desired: ABSENT, actual: 'allowed' })),
      });
    }
  }

  if (!keepStale) {
    const keptIds = new Set([...kept.values()].map((g) => g.id));
    const stale = actual.filter((a) => !keptIds.has(a.id)).sort((a, b) => (a.role === b.role ? a.id.localeCompare(b.id) : a.role === 'backend' ? -1 : 1));
    for (const g of stale) {
      const replacement = desired.find((d) => d.role === g.role);
      out.deletes.push({
        op: 'deleteSecurityGroup',
        id: g.id,
        name: g.name,
        role: g.role,
        changes: replacement
          ? [{ path: `securityGroups.${g.role}.vpcId`, desired: replacement.vpcId, actual: g.vpcId }]
          : [{ path: `securityGroups.${g.role}`, desired: ABSENT, actual: `${g.name} (${g.id})` }],
      });
    }
  }
  return out;
}

/** On deletion of the resource: every owned group, backend first. */
export function securityGroupDeletions(groups: readonly ActualSecurityGroup[]): PlanAction[] {
  return planSecurityGroups([], groups, false).deletes.map((a) => ({ ...a, changes: [] }));
}
