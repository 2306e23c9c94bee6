// desired + actual -> ordered actions. Pure and JSON-serialisable: the same plan is what apply runs,
// what `albatross plan` prints, what status.drift summarises and what golden tests snapshot.
//
// Order (dependencies as data): target groups (create, modify, targets) -> load balancer ->
// listeners -> rules (re-prioritise, modify, create) -> deletes in reverse: rules, listeners,
// load balancers, and target groups last (a rule may point at them until then).
// Fields AWS cannot change are replaced create-before-destroy: the replacement gets a new name
// (names hash those fields), is wired in, and only then is the old object deleted. A replaced load
// balancer the caller asks to keep (options.retain: its drain period, see retire.ts) is left, and
// with it every stale target group (one may still be attached to it).
import {
  LB_ATTRIBUTE_DEFAULTS,
  LB_ATTRIBUTE_PATHS,
  TG_ATTRIBUTE_DEFAULTS,
  TG_ATTRIBUTE_PATHS,
  type ActualListener,
  type ActualLoadBalancer,
  type ActualRule,
  type ActualState,
  type ActualTargetGroup,
  type Attributes,
  type Conditions,
  type DesiredListener,
  type DesiredLoadBalancer,
  type DesiredModel,
  type DesiredRule,
  type DesiredTargetGroup,
  type HealthCheck,
  type RouteAction,
  type SecurityGroupRole,
  type SecurityGroupRule,
  type Tags,
  type Target,
} from './model.ts';
import { describeConditions } from './conditions.ts';
import { planSecurityGroups } from './security-groups-plan.ts';
import { comparable, describeOidc, describeSecretVersion, needsClientSecret } from './oidc.ts';

/** One difference between spec and AWS, as reported in status.drift. */
export interface Change {
  path: string;
  desired: string;
  actual: string;
}

interface Base {
  changes: Change[];
}

export type PlanAction = Base &
  (
    | ({ op: 'createTargetGroup'; targetGroup: string } & Pick<
        DesiredTargetGroup,
        'name' | 'port' | 'protocol' | 'protocolVersion' | 'targetType' | 'vpcId' | 'healthCheck' | 'tags'
      >)
    | { op: 'modifyTargetGroup'; targetGroup: string; protocolVersion: string; healthCheck: HealthCheck }
    | { op: 'modifyTargetGroupAttributes'; targetGroup: string; attributes: Attributes }
    | { op: 'tagTargetGroup'; targetGroup: string; add: Tags; remove: string[] }
    | { op: 'registerTargets'; targetGroup: string; targets: Target[] }
    | { op: 'deregisterTargets'; targetGroup: string; targets: Target[] }
    | ({ op: 'createLoadBalancer' } & Pick<
        DesiredLoadBalancer,
        'name' | 'scheme' | 'ipAddressType' | 'subnets' | 'securityGroups' | 'tags'
      >)
    | { op: 'setSubnets'; subnets: string[] }
    | { op: 'setSecurityGroups'; securityGroups: string[] }
    | { op: 'setIpAddressType'; ipAddressType: string }
    | { op: 'modifyLoadBalancerAttributes'; attributes: Attributes }
    | { op: 'tagLoadBalancer'; add: Tags; remove: string[] }
    | {
        op: 'createListener';
        port: number;
        protocol: string;
        sslPolicy: string | null;
        certificate: string | null;
        defaultAction: RouteAction;
        tags: Tags;
      }
    | {
        op: 'modifyListener';
        port: number;
        protocol: string;
        sslPolicy: string | null;
        certificate: string | null;
        defaultAction: RouteAction;
        /** send the authenticate-oidc client secret (else AWS keeps the one it has) */
        sendClientSecret: boolean;
      }
    | { op: 'addListenerCertificates'; port: number; certificates: string[] }
    | { op: 'removeListenerCertificates'; port: number; certificates: string[] }
    | { op: 'tagListener'; port: number; add: Tags; remove: string[] }
    | { op: 'setRulePriorities'; port: number; rules: Array<{ arn: string; priority: number }> }
    | { op: 'modifyRule'; port: number; arn: string; priority: number; conditions: Conditions; action: RouteAction; sendClientSecret: boolean }
    | { op: 'createRule'; port: number; priority: number; conditions: Conditions; action: RouteAction; tags: Tags }
    | { op: 'deleteRule'; port: number; arn: string; priority: number }
    | { op: 'deleteListener'; port: number; arn: string }
    | { op: 'deleteLoadBalancer'; arn: string; name: string; disableDeletionProtection: boolean }
    | { op: 'deleteTargetGroup'; arn: string; name: string; targetGroup: string }
    | { op: 'createSecurityGroup'; role: SecurityGroupRole; name: string; vpcId: string; description: string; tags: Tags }
    | { op: 'authorizeSecurityGroupIngress'; role: SecurityGroupRole; rules: SecurityGroupRule[] }
    | { op: 'revokeSecurityGroupIngress'; role: SecurityGroupRole; rules: SecurityGroupRule[]; finishesReplacement?: true }
    | { op: 'tagSecurityGroup'; role: SecurityGroupRole; add: Tags; remove: string[] }
    | { op: 'deleteSecurityGroup'; id: string; name: string; role: SecurityGroupRole }
    // web-acl.ts: the WAFv2 association of the current load balancer
    | { op: 'associateWebAcl'; webAclArn: string }
    | { op: 'disassociateWebAcl'; webAclArn: string }
  );

export type Op = PlanAction['op'];

/** ARNs of the objects the plan keeps, by identity; apply adds the ones it creates. */
export interface Refs {
  loadBalancer: string | null;
  /** port -> listener ARN */
  listeners: Record<string, string>;
  /** logical name -> target group ARN */
  targetGroups: Record<string, string>;
  /** managed security group role -> group id */
  securityGroups?: Record<string, string>;
}

export interface Plan {
  refs: Refs;
  actions: PlanAction[];
  /** What waits for a reference (a listener whose default certificate is not Ready yet). */
  waiting: string[];
  /** What the plan refuses to do without a human (e.g. replacing a deletion-protected load balancer). */
  blocked: string[];
}

const ABSENT = '(absent)';

// ---------- helpers ----------

/** JSON with sorted object keys, so equal values compare equal whatever their construction order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)));
    }
    return v;
  });
}

const same = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

function diffAttributes(desired: Attributes, actual: Attributes, defaults: Attributes): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(desired)) {
    if ((actual[k] ?? defaults[k]) !== v) out[k] = v;
  }
  return out;
}

function diffTags(desired: Tags, actual: Tags): { add: Tags; remove: string[] } {
  const add: Tags = {};
  for (const [k, v] of Object.entries(desired)) if (actual[k] !== v) add[k] = v;
  // aws:* tags belong to AWS and cannot be removed.
  const remove = Object.keys(actual).filter((k) => !(k in desired) && !k.startsWith('aws:')).sort();
  return { add, remove };
}

function tagChanges(prefix: string, desired: Tags, actual: Tags, d: { add: Tags; remove: string[] }): Change[] {
  return [
    ...Object.keys(d.add)
      .sort()
      .map((k) => ({ path: `${prefix}.tags.${k}`, desired: desired[k] ?? '', actual: actual[k] ?? ABSENT })),
    ...d.remove.map((k) => ({ path: `${prefix}.tags.${k}`, desired: ABSENT, actual: actual[k] ?? '' })),
  ];
}

export function describeAction(a: RouteAction): string {
  const terminal = describeTerminal(a);
  return a.authenticateOidc ? `${describeOidc(a.authenticateOidc)} then ${terminal}` : terminal;
}

function describeTerminal(a: RouteAction): string {
  switch (a.type) {
    case 'forward':
      return `forward ${a.targetGroups.map((t) => (a.targetGroups.length > 1 ? `${t.targetGroup}=${t.weight}` : t.targetGroup)).join(',')}`;
    case 'redirect':
      return `redirect ${a.statusCode} ${a.protocol}://${a.host}:${a.port}${a.path}?${a.query}`;
    case 'fixed-response':
      return `fixed-response ${a.statusCode}`;
    case 'other':
      return a.description;
  }
}

function describeRule(r: { priority: number; conditions: Conditions; action: RouteAction }): string {
  return `${describeConditions(r.conditions)} -> ${describeAction(r.action)}`;
}

const targetId = (t: Target): string => `${t.id}:${t.port}`;

const usesOidc = (l: DesiredListener): boolean => !!l.defaultAction.authenticateOidc || l.rules.some((r) => !!r.action.authenticateOidc);

/** The client secret is sent again: which Secret version, and the one AWS was sent (never the secret). */
function secretChange(path: string, want: RouteAction, have: RouteAction): Change {
  const w = want.authenticateOidc;
  const h = have.authenticateOidc;
  return {
    path: `${path}.authenticateOidc.clientSecretRef`,
    desired: w?.clientSecretVersion ? describeSecretVersion(w.clientSecretVersion) : `Secret ${w?.clientSecretRef?.name ?? '?'}/${w?.clientSecretRef?.key ?? '?'}`,
    actual: h ? describeSecretVersion(h.clientSecretVersion) : '(absent)',
  };
}

/** Rewrites forward ARNs to logical names where the ARN is the target group we keep for that name. */
function mapAction(a: RouteAction, arnToKey: ReadonlyMap<string, string>): RouteAction {
  if (a.type !== 'forward') return a;
  return {
    ...a,
    type: 'forward',
    targetGroups: a.targetGroups
      .map((t) => ({ targetGroup: arnToKey.get(t.targetGroup) ?? t.targetGroup, weight: t.weight }))
      .sort((x, y) => x.targetGroup.localeCompare(y.targetGroup)),
  };
}

// ---------- plan ----------

export interface PlanOptions {
  /** ARNs of replaced load balancers to leave in place for now (still draining) */
  retain?: ReadonlySet<string>;
  /** ARNs of replaced target groups to leave in place for now (draining, see tg-drain.ts) */
  retainTargetGroups?: ReadonlySet<string>;
}

export function plan(desired: DesiredModel, actual: ActualState, options: PlanOptions = {}): Plan {
  const retain = options.retain ?? new Set<string>();
  const actions: PlanAction[] = [];
  const waiting: string[] = [];
  const blocked: string[] = [];
  const deletes: PlanAction[] = [];

  // Load balancer identity: the one named like the desired one is current; other owned ones are stale
  // (of two with that name, observe.ts puts first the one status remembers).
  const wantLb = desired.loadBalancer;
  let current: ActualLoadBalancer | undefined = actual.loadBalancers.find((lb) => lb.name === wantLb.name);
  const staleLbs = actual.loadBalancers.filter((lb) => lb !== current);
  // Same name but a scheme AWS cannot change (only with an explicit spec name): it must go first.
  let replaceFirst: ActualLoadBalancer | undefined;
  if (current && current.scheme !== wantLb.scheme) {
    replaceFirst = current;
    current = undefined;
  }

  // ---- target groups ----
  const keepers = new Map<string, ActualTargetGroup>();
  for (const tg of desired.targetGroups) {
    const found = actual.targetGroups.find((a) => a.name === tg.name);
    if (found) keepers.set(tg.key, found);
  }
  const keptArns = new Set([...keepers.values()].map((t) => t.arn));
  const staleTgs = actual.targetGroups.filter((t) => !keptArns.has(t.arn));
  const arnToKey = new Map([...keepers.entries()].map(([k, t]) => [t.arn, k]));

  for (const tg of desired.targetGroups) {
    const have = keepers.get(tg.key);
    if (!have) actions.push(...createTargetGroup(tg, actual.targetGroups.find((a) => a.key === tg.key)));
    else actions.push(...updateTargetGroup(tg, have));
  }

  // ---- managed security groups: before the load balancer that uses them ----
  // A replaced load balancer that still serves may still carry an old group: keep those until it goes.
  const lbsStaying = staleLbs.some((lb) => retain.has(lb.arn) || lb.attributes['deletion_protection.enabled'] === 'true');
  const sgPlan = planSecurityGroups(desired.securityGroups ?? [], actual.securityGroups, lbsStaying, staleLbs.length > 0 && !lbsStaying);
  actions.push(...sgPlan.actions);

  // ---- load balancer ----
  const lbPath = 'loadBalancer';
  if (replaceFirst) {
    if (replaceFirst.attributes['deletion_protection.enabled'] === 'true') {
      blocked.push(
        `load balancer ${replaceFirst.name} must be replaced (scheme ${replaceFirst.scheme} -> ${wantLb.scheme}) but has deletion protection on; turn it off or give the load balancer a new name`,
      );
      return { refs: { loadBalancer: null, listeners: {}, targetGroups: {} }, actions: [], waiting, blocked };
    }
    actions.push({
      op: 'deleteLoadBalancer',
      arn: replaceFirst.arn,
      name: replaceFirst.name,
      disableDeletionProtection: false,
      changes: [{ path: `${lbPath}.scheme`, desired: wantLb.scheme, actual: replaceFirst.scheme }],
    });
  }
  if (!current) {
    actions.push({
      op: 'createLoadBalancer',
      name: wantLb.name,
      scheme: wantLb.scheme,
      ipAddressType: wantLb.ipAddressType,
      subnets: wantLb.subnets,
      securityGroups: wantLb.securityGroups,
      tags: wantLb.tags,
      changes: [{ path: lbPath, desired: wantLb.name, actual: ABSENT }],
    });
    // Every managed attribute is written explicitly, defaults included, so AWS holds the spec as is.
    actions.push({ op: 'modifyLoadBalancerAttributes', attributes: { ...wantLb.attributes }, changes: [] });
  } else {
    actions.push(...updateLoadBalancer(wantLb, { ...current, securityGroups: current.securityGroups.map((id) => sgPlan.tokenOfId.get(id) ?? id).sort() }));
  }

  // ---- listeners and rules ----
  // One listener per port; a duplicate on the same port (possible after a crash or a create done
  // twice on lenient implementations) is removed like any listener the spec does not have (observe.ts
  // puts first the one status remembers).
  const allListeners = current ? actual.listeners : [];
  const actualListeners = allListeners.filter((l, i) => allListeners.findIndex((o) => o.port === l.port) === i);
  const ruleDeletes: PlanAction[] = [];
  for (const l of desired.listeners) {
    const have = actualListeners.find((a) => a.port === l.port);
    const path = `listeners[${l.port}]`;
    if (!have) {
      if (l.certificates && !l.certificates.default) {
        waiting.push(`${path} waits for its default certificate to be Ready`);
        continue;
      }
      actions.push({
        op: 'createListener',
        port: l.port,
        protocol: l.protocol,
        sslPolicy: l.sslPolicy,
        certificate: l.certificates?.default ?? null,
        defaultAction: l.defaultAction,
        tags: l.tags,
        changes: [{ path, desired: `${l.protocol} ${describeAction(l.defaultAction)}`, actual: ABSENT }],
      });
      if (l.certificates?.sni.length) {
        actions.push({ op: 'addListenerCertificates', port: l.port, certificates: l.certificates.sni, changes: [] });
      }
      for (const r of l.rules) actions.push(createRule(l, r));
      continue;
    }
    if (l.certificates && !l.certificates.default && have.protocol !== 'HTTPS' && usesOidc(l)) {
      // Sign-in works only on HTTPS: nothing of this listener changes until it can become HTTPS.
      waiting.push(`${path} waits for its default certificate to be Ready before it becomes HTTPS (authenticateOidc needs HTTPS)`);
      continue;
    }
    if (l.certificates && !l.certificates.default && have.protocol !== 'HTTPS') {
      // Becoming HTTPS needs a certificate: keep the protocol until one is Ready, update the rest
      // (its actions must stop pointing at target groups that are being replaced).
      waiting.push(`${path} waits for its default certificate to be Ready before it becomes HTTPS`);
      actions.push(...updateListener({ ...l, protocol: have.protocol, sslPolicy: null, certificates: null }, have, arnToKey));
    } else {
      actions.push(...updateListener(l, have, arnToKey));
    }
    const rulePlan = planRules(l, have, arnToKey);
    actions.push(...rulePlan.actions);
    ruleDeletes.push(...rulePlan.deletes);
  }

  // ---- deletes, in reverse dependency order ----
  deletes.push(...ruleDeletes);
  for (const have of allListeners) {
    if (actualListeners.includes(have) && desired.listeners.some((l) => l.port === have.port)) continue;
    deletes.push({
      op: 'deleteListener',
      port: have.port,
      arn: have.arn,
      changes: [{ path: `listeners[${have.port}]`, desired: ABSENT, actual: `${have.protocol} ${describeAction(mapAction(have.defaultAction, arnToKey))}` }],
    });
  }
  for (const lb of staleLbs) {
    if (retain.has(lb.arn)) continue;
    if (lb.attributes['deletion_protection.enabled'] === 'true') {
      blocked.push(`old load balancer ${lb.name} is kept: it has deletion protection on (turn it off in AWS to let it be removed)`);
      continue;
    }
    deletes.push({
      op: 'deleteLoadBalancer',
      arn: lb.arn,
      name: lb.name,
      disableDeletionProtection: false,
      changes: [{ path: lbPath, desired: wantLb.name, actual: lb.name }],
    });
  }
  // A stale target group may still be used by a stale load balancer we could not delete.
  const blockedLbs = staleLbs.some((lb) => retain.has(lb.arn) || lb.attributes['deletion_protection.enabled'] === 'true');
  if (!blockedLbs) {
    for (const tg of staleTgs) {
      if (options.retainTargetGroups?.has(tg.arn)) continue;
      deletes.push({
        op: 'deleteTargetGroup',
        arn: tg.arn,
        name: tg.name,
        targetGroup: tg.key,
        changes: desired.targetGroups.some((d) => d.key === tg.key)
          ? []
          : [{ path: `targetGroups[${tg.key}]`, desired: ABSENT, actual: tg.name }],
      });
    }
  }

  // Groups no longer wanted go last: the load balancer has moved off them by now.
  deletes.push(...sgPlan.deletes);

  const refs: Refs = {
    loadBalancer: current?.arn ?? null,
    listeners: Object.fromEntries(actualListeners.map((l) => [String(l.port), l.arn])),
    targetGroups: Object.fromEntries([...keepers.entries()].map(([k, t]) => [k, t.arn])),
    ...(Object.keys(sgPlan.refs).length ? { securityGroups: sgPlan.refs } : {}),
  };
  return { refs, actions: [...actions, ...deletes], waiting, blocked };
}

function createTargetGroup(tg: DesiredTargetGroup, replaces: ActualTargetGroup | undefined): PlanAction[] {
  const path = `targetGroups[${tg.key}]`;
  const changes: Change[] = [];
  if (replaces) {
    for (const f of ['port', 'protocol', 'protocolVersion', 'targetType', 'vpcId'] as const) {
      if (String(tg[f]) !== String(replaces[f])) changes.push({ path: `${path}.${f}`, desired: String(tg[f]), actual: String(replaces[f]) });
    }
    if (changes.length === 0) changes.push({ path, desired: tg.name, actual: replaces.name });
  } else {
    changes.push({ path, desired: tg.name, actual: ABSENT });
  }
  const out: PlanAction[] = [
    {
      op: 'createTargetGroup',
      targetGroup: tg.key,
      name: tg.name,
      port: tg.port,
      protocol: tg.protocol,
      protocolVersion: tg.protocolVersion,
      targetType: tg.targetType,
      vpcId: tg.vpcId,
      healthCheck: tg.healthCheck,
      tags: tg.tags,
      changes,
    },
  ];
  out.push({ op: 'modifyTargetGroupAttributes', targetGroup: tg.key, attributes: { ...tg.attributes }, changes: [] });
  if (tg.targets.length) out.push({ op: 'registerTargets', targetGroup: tg.key, targets: tg.targets, changes: [] });
  return out;
}

function updateTargetGroup(tg: DesiredTargetGroup, have: ActualTargetGroup): PlanAction[] {
  const path = `targetGroups[${tg.key}]`;
  const out: PlanAction[] = [];

  const hcChanges: Change[] = [];
  for (const k of Object.keys(tg.healthCheck) as Array<keyof HealthCheck>) {
    if (String(tg.healthCheck[k]) !== String(have.healthCheck[k])) {
      hcChanges.push({ path: `${path}.healthCheck.${k}`, desired: String(tg.healthCheck[k]), actual: String(have.healthCheck[k]) });
    }
  }
  if (hcChanges.length) out.push({
      op: 'modifyTargetGroup',
      targetGroup: tg.key,
      protocolVersion: tg.protocolVersion,
      healthCheck: tg.healthCheck,
      changes: hcChanges,
    });

  const attrs = diffAttributes(tg.attributes, have.attributes, TG_ATTRIBUTE_DEFAULTS);
  if (Object.keys(attrs).length) {
    // AWS needs the cookie name alongside any app_cookie stickiness change.
    if (tg.attributes['stickiness.type'] === 'app_cookie' && Object.keys(attrs).some((k) => k.startsWith('stickiness.'))) {
      const name = tg.attributes['stickiness.app_cookie.cookie_name'];
      if (name !== undefined) attrs['stickiness.app_cookie.cookie_name'] = name;
    }
    out.push({
      op: 'modifyTargetGroupAttributes',
      targetGroup: tg.key,
      attributes: attrs,
      changes: Object.keys(attrs)
        .filter((k) => (have.attributes[k] ?? TG_ATTRIBUTE_DEFAULTS[k]) !== attrs[k])
        .map((k) => ({
          path: `${path}.${TG_ATTRIBUTE_PATHS[k] ?? k}`,
          desired: attrs[k] ?? '',
          actual: have.attributes[k] ?? TG_ATTRIBUTE_DEFAULTS[k] ?? ABSENT,
        })),
    });
  }

  const tags = diffTags(tg.tags, have.tags);
  if (Object.keys(tags.add).length || tags.remove.length) {
    out.push({ op: 'tagTargetGroup', targetGroup: tg.key, ...tags, changes: tagChanges(path, tg.tags, have.tags, tags) });
  }

  const haveIds = new Set(have.targets.map(targetId));
  const wantIds = new Set(tg.targets.map(targetId));
  const register = tg.targets.filter((t) => !haveIds.has(targetId(t)));
  const deregister = have.targets.filter((t) => !wantIds.has(targetId(t)));
  if (register.length) {
    out.push({
      op: 'registerTargets',
      targetGroup: tg.key,
      targets: register,
      changes: register.map((t) => ({ path: `${path}.targets[${targetId(t)}]`, desired: 'registered', actual: ABSENT })),
    });
  }
  if (deregister.length) {
    out.push({
      op: 'deregisterTargets',
      targetGroup: tg.key,
      targets: deregister,
      changes: deregister.map((t) => ({ path: `${path}.targets[${targetId(t)}]`, desired: ABSENT, actual: 'registered' })),
    });
  }
  return out;
}

function updateLoadBalancer(want: DesiredModel['loadBalancer'], have: ActualLoadBalancer): PlanAction[] {
  const path = 'loadBalancer';
  const out: PlanAction[] = [];
  if (!same(want.subnets, have.subnets)) {
    out.push({
      op: 'setSubnets',
      subnets: want.subnets,
      changes: [{ path: `${path}.subnets`, desired: want.subnets.join(','), actual: have.subnets.join(',') }],
    });
  }
  // An empty list means "AWS's default", which we do not manage (see docs/api.md).
  if (want.securityGroups.length && !same(want.securityGroups, have.securityGroups)) {
    out.push({
      op: 'setSecurityGroups',
      securityGroups: want.securityGroups,
      changes: [{ path: `${path}.securityGroups`, desired: want.securityGroups.join(','), actual: have.securityGroups.join(',') }],
    });
  }
  if (want.ipAddressType !== have.ipAddressType) {
    out.push({
      op: 'setIpAddressType',
      ipAddressType: want.ipAddressType,
      changes: [{ path: `${path}.ipAddressType`, desired: want.ipAddressType, actual: have.ipAddressType }],
    });
  }
  const attrs = diffAttributes(want.attributes, have.attributes, LB_ATTRIBUTE_DEFAULTS);
  if (Object.keys(attrs).length) {
    out.push({
      op: 'modifyLoadBalancerAttributes',
      attributes: attrs,
      changes: Object.keys(attrs).map((k) => ({
        path: LB_ATTRIBUTE_PATHS[k] ?? `${path}.attributes.${k}`,
        desired: attrs[k] ?? '',
        actual: have.attributes[k] ?? LB_ATTRIBUTE_DEFAULTS[k] ?? ABSENT,
      })),
    });
  }
  const tags = diffTags(want.tags, have.tags);
  if (Object.keys(tags.add).length || tags.remove.length) {
    out.push({ op: 'tagLoadBalancer', ...tags, changes: tagChanges(path, want.tags, have.tags, tags) });
  }
  return out;
}

function updateListener(l: DesiredListener, have: ActualListener, arnToKey: ReadonlyMap<string, string>): PlanAction[] {
  const path = `listeners[${l.port}]`;
  const out: PlanAction[] = [];
  const changes: Change[] = [];
  if (l.protocol !== have.protocol) changes.push({ path: `${path}.protocol`, desired: l.protocol, actual: have.protocol });
  if (l.sslPolicy !== null && l.sslPolicy !== have.sslPolicy) {
    changes.push({ path: `${path}.sslPolicy`, desired: l.sslPolicy, actual: have.sslPolicy ?? ABSENT });
  }
  const haveAction = mapAction(have.defaultAction, arnToKey);
  if (!same(comparable(l.defaultAction), comparable(haveAction))) {
    changes.push({ path: `${path}.defaultAction`, desired: describeAction(l.defaultAction), actual: describeAction(haveAction) });
  }
  const sendClientSecret = needsClientSecret(l.defaultAction, haveAction);
  if (sendClientSecret) changes.push(secretChange(`${path}.defaultAction`, l.defaultAction, haveAction));
  const wantDefault = l.certificates?.default ?? null;
  const haveDefault = have.certificates?.default ?? null;
  const defaultChanged = wantDefault !== null && wantDefault !== haveDefault;
  if (defaultChanged) changes.push({ path: `${path}.certificateRefs[0]`, desired: wantDefault, actual: haveDefault ?? ABSENT });
  if (changes.length) {
    out.push({
      op: 'modifyListener',
      port: l.port,
      protocol: l.protocol,
      sslPolicy: l.sslPolicy,
      // Sent only when it changes (or the listener becomes HTTPS); otherwise AWS keeps it.
      certificate: l.protocol === 'HTTPS' && (defaultChanged || have.protocol !== 'HTTPS') ? (wantDefault ?? haveDefault) : null,
      defaultAction: l.defaultAction,
      sendClientSecret,
      changes,
    });
  }

  if (l.certificates) {
    const haveSni = new Set(have.certificates?.sni ?? []);
    // The default certificate is never also listed as SNI (AWS reports it once, as the default).
    const effectiveDefault = wantDefault ?? haveDefault;
    const wantSni = new Set(l.certificates.sni.filter((c) => c !== effectiveDefault));
    // Some implementations reset SNI certificates when the default changes: re-add them all then
    // (adding one already present is a no-op for AWS).
    const add = defaultChanged ? [...wantSni] : [...wantSni].filter((c) => !haveSni.has(c));
    const missing = [...wantSni].filter((c) => !haveSni.has(c));
    if (add.length) {
      out.push({
        op: 'addListenerCertificates',
        port: l.port,
        certificates: add.sort(),
        changes: missing.map((c) => ({ path: `${path}.certificateRefs`, desired: c, actual: ABSENT })),
      });
    }
    // Unknown (not yet Ready) SNI certificates: leave what is there until we know what to keep.
    const remove = l.certificates.complete
      ? [...haveSni].filter((c) => !wantSni.has(c) && c !== wantDefault)
      : [];
    if (remove.length) {
      out.push({
        op: 'removeListenerCertificates',
        port: l.port,
        certificates: remove.sort(),
        changes: remove.map((c) => ({ path: `${path}.certificateRefs`, desired: ABSENT, actual: c })),
      });
    }
  }

  const tags = diffTags(l.tags, have.tags);
  if (Object.keys(tags.add).length || tags.remove.length) {
    out.push({ op: 'tagListener', port: l.port, ...tags, changes: tagChanges(path, l.tags, have.tags, tags) });
  }
  return out;
}

function createRule(l: DesiredListener, r: DesiredRule, changes?: Change[]): PlanAction {
  return {
    op: 'createRule',
    port: l.port,
    priority: r.priority,
    conditions: r.conditions,
    action: r.action,
    tags: l.tags,
    changes: changes ?? [{ path: `listeners[${l.port}].rules[${r.priority}]`, desired: describeRule(r), actual: ABSENT }],
  };
}

/**
 * Rules are matched (1) same priority and content: nothing to do; (2) same priority: modified in
 * place; (3) same content elsewhere: re-prioritised (its new priority is free after 1 and 2);
 * (4) created; (5) left-over rules deleted last, so a request never meets a gap.
 */
function planRules(
  l: DesiredListener,
  have: ActualListener,
  arnToKey: ReadonlyMap<string, string>,
): { actions: PlanAction[]; deletes: PlanAction[] } {
  const path = `listeners[${l.port}].rules`;
  const actualRules = have.rules.map((r) => ({ ...r, action: mapAction(r.action, arnToKey) }));
  const content = (r: { conditions: Conditions; action: RouteAction }): string => canonical([r.conditions, comparable(r.action)]);
  const unmatchedWant: DesiredRule[] = [];
  const unmatchedHave = new Map<string, ActualRule>(actualRules.map((r) => [r.arn, r]));
  const modifies: PlanAction[] = [];

  for (const r of l.rules) {
    const at = actualRules.find((a) => a.priority === r.priority && unmatchedHave.has(a.arn));
    if (!at) {
      unmatchedWant.push(r);
      continue;
    }
    unmatchedHave.delete(at.arn);
    const sendClientSecret = needsClientSecret(r.action, at.action);
    if (content(at) !== content(r) || sendClientSecret) {
      const changes: Change[] = content(at) !== content(r) ? [{ path: `${path}[${r.priority}]`, desired: describeRule(r), actual: describeRule(at) }] : [];
      if (sendClientSecret) changes.push(secretChange(`${path}[${r.priority}].action`, r.action, at.action));
      modifies.push({
        op: 'modifyRule',
        port: l.port,
        arn: at.arn,
        priority: r.priority,
        conditions: r.conditions,
        action: r.action,
        sendClientSecret,
        changes,
      });
    }
  }

  const moves: Array<{ arn: string; priority: number }> = [];
  const moveChanges: Change[] = [];
  const creates: PlanAction[] = [];
  for (const r of unmatchedWant) {
    // A rule whose client secret must be sent again is not moved but created anew (which sends it).
    const moved = [...unmatchedHave.values()].find((a) => content(a) === content(r) && !needsClientSecret(r.action, a.action));
    if (moved) {
      unmatchedHave.delete(moved.arn);
      moves.push({ arn: moved.arn, priority: r.priority });
      moveChanges.push({ path: `${path}[${r.priority}]`, desired: `priority ${r.priority}`, actual: `priority ${moved.priority}` });
    } else {
      creates.push(createRule(l, r));
    }
  }

  const actions: PlanAction[] = [];
  if (moves.length) actions.push({ op: 'setRulePriorities', port: l.port, rules: moves, changes: moveChanges });
  actions.push(...modifies, ...creates);
  const deletes: PlanAction[] = [...unmatchedHave.values()]
    .sort((a, b) => a.priority - b.priority)
    .map((a) => ({
      op: 'deleteRule' as const,
      port: l.port,
      arn: a.arn,
      priority: a.priority,
      changes: [{ path: `${path}[${a.priority}]`, desired: ABSENT, actual: describeRule(a) }],
    }));
  return { actions, deletes };
}

/**
 * Everything owned, removed in reverse dependency order: listeners (with their rules), load
 * balancers, then target groups. Deletion protection is turned off first only here, on deletion of
 * the resource with deletionPolicy Delete.
 */
export function planDeletion(actual: ActualState): Plan {
  const actions: PlanAction[] = [];
  for (const l of actual.listeners) {
    actions.push({ op: 'deleteListener', port: l.port, arn: l.arn, changes: [] });
  }
  for (const lb of actual.loadBalancers) {
    actions.push({
      op: 'deleteLoadBalancer',
      arn: lb.arn,
      name: lb.name,
      disableDeletionProtection: lb.attributes['deletion_protection.enabled'] === 'true',
      changes: [],
    });
  }
  for (const tg of actual.targetGroups) {
    actions.push({ op: 'deleteTargetGroup', arn: tg.arn, name: tg.name, targetGroup: tg.key, changes: [] });
  }
  return { refs: { loadBalancer: null, listeners: {}, targetGroups: {} }, actions, waiting: [], blocked: [] };
}

/** The differences a plan corrects, for status.drift (deduplicated by path). */
export function driftOf(p: Plan): Change[] {
  const seen = new Map<string, Change>();
  for (const a of p.actions) for (const c of a.changes) if (!seen.has(c.path)) seen.set(c.path, c);
  return [...seen.values()];
}
