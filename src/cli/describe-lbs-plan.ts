// The LoadBalancedService plan (src/reconcilers/load-balanced-service/plan.ts) in words, in its
// own order. Follow-up actions on an object the plan creates (attributes, targets, SNI certificates)
// are folded into its "create" step; a create and a delete of the same logical object are one
// replacement (create-before-destroy).
import type { Change, Plan, PlanAction } from '../reconcilers/load-balanced-service/plan.ts';
import { describeAction } from '../reconcilers/load-balanced-service/plan.ts';
import type { Attributes, RouteAction, Tags, Target } from '../reconcilers/load-balanced-service/model.ts';
import { describeConditions } from '../reconcilers/load-balanced-service/conditions.ts';
import type { Step, StepKind } from './preview.ts';
import { describeRule as describeSgRule } from '../reconcilers/load-balanced-service/security-groups.ts';

const targetList = (ts: Target[]): string => ts.map((t) => `${t.id}:${t.port}`).join(', ');
const attrs = (a: Attributes): string[] => Object.entries(a).sort(([x], [y]) => x.localeCompare(y)).map(([k, v]) => `${k} = ${v}`);
const userTags = (t: Tags): string => Object.entries(t).filter(([k]) => !k.startsWith('albatross.dev/')).map(([k, v]) => `${k}=${v}`).join(', ');
const groupText = (g: string): string => (g.startsWith('managed:') ? `the managed ${g.slice('managed:'.length)} group` : g);
const changeLines = (cs: Change[]): string[] => cs.map((c) => `${c.path}: ${c.actual} -> ${c.desired}`);
const conditionText = describeConditions;
/** Where an authenticate-oidc client secret comes from (never its value). */
const secretSource = (a: RouteAction): string[] => {
  const ref = a.authenticateOidc?.clientSecretRef;
  return ref ? [`client secret from Secret ${ref.name}, key ${ref.key}`] : [];
};

/** Which AWS object an action is about, so follow-ups can find the step that created it. */
function objectOf(a: PlanAction): string {
  switch (a.op) {
    case 'createTargetGroup': case 'modifyTargetGroup': case 'modifyTargetGroupAttributes': case 'tagTargetGroup':
    case 'registerTargets': case 'deregisterTargets': case 'deleteTargetGroup':
      return `tg:${a.targetGroup}`;
    case 'createLoadBalancer': case 'setSubnets': case 'setSecurityGroups': case 'setIpAddressType':
    case 'modifyLoadBalancerAttributes': case 'tagLoadBalancer': case 'deleteLoadBalancer':
    case 'associateWebAcl': case 'disassociateWebAcl':
      return 'lb';
    case 'createListener': case 'modifyListener': case 'addListenerCertificates': case 'removeListenerCertificates':
    case 'tagListener': case 'deleteListener': case 'setRulePriorities':
      return `listener:${a.port}`;
    case 'createRule': case 'modifyRule': case 'deleteRule':
      return `rule:${a.port}:${a.priority}`;
    case 'createSecurityGroup': case 'authorizeSecurityGroupIngress': case 'revokeSecurityGroupIngress': case 'tagSecurityGroup':
      return `sg:${a.role}`;
    case 'deleteSecurityGroup':
      return `sg-delete:${a.id}`;
  }
}

function describe(a: PlanAction): Step {
  const step = (kind: StepKind, what: string, details: string[]): Step => ({ kind, what, details });
  switch (a.op) {
    case 'createTargetGroup':
      return step('create', `target group ${a.targetGroup} (${a.name})`, [
        `${a.protocol}:${a.port} ${a.protocolVersion}, target type ${a.targetType}, ${a.vpcId}`,
        `health check ${a.healthCheck.protocol} ${a.healthCheck.path} every ${a.healthCheck.intervalSeconds}s, matcher ${a.healthCheck.matcher}`,
      ]);
    case 'modifyTargetGroup':
      return step('update', `target group ${a.targetGroup} health check`, changeLines(a.changes));
    case 'modifyTargetGroupAttributes':
      return step('update', `target group ${a.targetGroup} attributes`, a.changes.length ? changeLines(a.changes) : attrs(a.attributes));
    case 'tagTargetGroup':
      return step('update', `target group ${a.targetGroup} tags`, changeLines(a.changes));
    case 'registerTargets':
      return step('update', `target group ${a.targetGroup}: register ${a.targets.length} target(s)`, [targetList(a.targets)]);
    case 'deregisterTargets':
      return step('update', `target group ${a.targetGroup}: deregister ${a.targets.length} target(s)`, [targetList(a.targets)]);
    case 'createLoadBalancer':
      return step('create', `load balancer ${a.name}`, [
        `${a.scheme}, ${a.ipAddressType}, subnets ${a.subnets.join(', ')}${a.securityGroups.length ? `, security groups ${a.securityGroups.map(groupText).join(', ')}` : ''}`,
        ...(userTags(a.tags) ? [`tags ${userTags(a.tags)}`] : []),
      ]);
    case 'setSubnets':
      return step('update', 'load balancer subnets', changeLines(a.changes));
    case 'setSecurityGroups':
      return step('update', 'load balancer security groups', changeLines(a.changes));
    case 'setIpAddressType':
      return step('update', 'load balancer IP address type', changeLines(a.changes));
    case 'modifyLoadBalancerAttributes':
      return step('update', 'load balancer attributes', a.changes.length ? changeLines(a.changes) : attrs(a.attributes));
    case 'tagLoadBalancer':
      return step('update', 'load balancer tags', changeLines(a.changes));
    case 'createListener':
      return step('create', `listener ${a.port} ${a.protocol}`, [
        `default action: ${describeAction(a.defaultAction)}`,
        ...secretSource(a.defaultAction),
        ...(a.certificate ? [`certificate ${a.certificate}`] : []),
        ...(a.sslPolicy ? [`ssl policy ${a.sslPolicy}`] : []),
      ]);
    case 'modifyListener':
      return step('update', `listener ${a.port}`, changeLines(a.changes));
    case 'addListenerCertificates':
      return step('update', `listener ${a.port}: add SNI certificate(s)`, a.certificates);
    case 'removeListenerCertificates':
      return step('update', `listener ${a.port}: remove SNI certificate(s)`, a.certificates);
    case 'tagListener':
      return step('update', `listener ${a.port} tags`, changeLines(a.changes));
    case 'setRulePriorities':
      return step('update', `listener ${a.port}: rule priorities`, a.changes.length ? changeLines(a.changes) : a.rules.map((r) => `${r.arn} -> ${r.priority}`));
    case 'modifyRule':
      return step('update', `listener ${a.port} rule ${a.priority}`, changeLines(a.changes));
    case 'createRule':
      return step('create', `listener ${a.port} rule ${a.priority}`, [`${conditionText(a.conditions)} -> ${describeAction(a.action)}`, ...secretSource(a.action)]);
    case 'deleteRule':
      return step('delete', `listener ${a.port} rule ${a.priority}`, changeLines(a.changes));
    case 'deleteListener':
      return step('delete', `listener ${a.port}`, changeLines(a.changes));
    case 'deleteLoadBalancer':
      return step('delete', `load balancer ${a.name}`, [...changeLines(a.changes), ...(a.disableDeletionProtection ? ['deletion protection is turned off first'] : [])]);
    case 'deleteTargetGroup':
      return step('delete', `target group ${a.targetGroup} (${a.name})`, changeLines(a.changes));
    case 'createSecurityGroup':
      return step('create', `${a.role} security group ${a.name}`, [`in ${a.vpcId}`, ...(userTags(a.tags) ? [`tags ${userTags(a.tags)}`] : [])]);
    case 'authorizeSecurityGroupIngress':
      return step('update', `${a.role} security group: allow`, a.rules.map((r) => `allow ${describeSgRule(r)}`));
    case 'revokeSecurityGroupIngress':
      return step('update', `${a.role} security group: revoke`, a.rules.map((r) => `revoke ${describeSgRule(r)}`));
    case 'tagSecurityGroup':
      return step('update', `${a.role} security group tags`, changeLines(a.changes));
    case 'deleteSecurityGroup':
      return step('delete', `${a.role} security group ${a.name} (${a.id})`, [...changeLines(a.changes), 'after the load balancer has let go of it (AWS may hold it in use for some minutes)']);
    case 'associateWebAcl':
      return step('update', 'load balancer web ACL (WAFv2 association)', a.changes.length ? changeLines(a.changes) : [`web ACL ${a.webAclArn}`]);
    case 'disassociateWebAcl':
      return step('update', 'load balancer web ACL (WAFv2 association)', [...changeLines(a.changes), 'disassociated: the load balancer is left without a web ACL']);
  }
}

export function describeLbsPlan(p: Plan): Step[] {
  const steps: Step[] = [];
  const created = new Map<string, Step>();
  const replaced = new Set<string>();
  for (const a of p.actions) {
    if (a.op === 'deleteTargetGroup' && p.actions.some((c) => c.op === 'createTargetGroup' && c.targetGroup === a.targetGroup)) replaced.add(`tg:${a.targetGroup}`);
    if (a.op === 'deleteLoadBalancer' && p.actions.some((c) => c.op === 'createLoadBalancer')) replaced.add('lb');
  }
  for (const a of p.actions) {
    const object = objectOf(a);
    const s = describe(a);
    const creator = created.get(object);
    if (creator && s.kind === 'update') {
      creator.details.push(...s.details.map((d) => (a.op === 'registerTargets' ? `targets ${d}` : d)));
      continue;
    }
    if (s.kind === 'create') {
      if (replaced.has(object)) {
        s.kind = 'replace';
        s.details.unshift('create-before-destroy: the new one is created and wired in, then the old one is deleted', ...changeLines(a.changes).filter((l) => !l.includes('(absent)')));
      }
      created.set(object, s);
    }
    if (s.kind === 'delete' && replaced.has(object)) s.details.unshift('(the replaced one, after traffic has moved)');
    steps.push(s);
  }
  return steps;
}

/** Steps that count as changes in the summary: a replaced object's final delete is part of its replacement. */
export function isReplacedDelete(s: Step): boolean {
  return s.kind === 'delete' && s.details[0] === '(the replaced one, after traffic has moved)';
}
