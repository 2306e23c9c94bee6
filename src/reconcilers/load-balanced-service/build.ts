// spec -> desired model. Pure: everything it needs from Kubernetes (certificate ARNs, endpoint
// targets) or AWS (the default VPC) is passed in, so `albatross plan` and unit tests use it as is.
import { KIND, TAG_CLUSTER, TAG_OWNER, ownerValue, type LoadBalancedServiceSpec } from '../../crds/index.ts';
import {
  DEFAULT_SSL_POLICY,
  LB_ATTRIBUTE_DEFAULTS,
  TAG_RESOURCE,
  TG_ATTRIBUTE_DEFAULTS,
  healthCheckWithDefaults,
  managedGroupToken,
  type Attributes,
  type Conditions,
  type DesiredListener,
  type DesiredModel,
  type DesiredTargetGroup,
  type RouteAction,
  type Tags,
  type Target,
} from './model.ts';
import { ConditionsError, buildConditions } from './conditions.ts';
import { buildOidc, type SecretLookup } from './oidc.ts';
import { accessLogAttributes } from './access-logs.ts';
import { loadBalancerName, targetGroupName, type ResourceId } from './names.ts';
import { InvalidSpecError } from './build-errors.ts';
import { buildSecurityGroups, managesSecurityGroups, type SecurityGroupNetwork } from './security-groups.ts';

type Spec = LoadBalancedServiceSpec;
type ListenerSpec = Spec['listeners'][number];
type TargetGroupSpec = NonNullable<Spec['targetGroups']>[number];
type RuleSpec = NonNullable<ListenerSpec['rules']>[number];
type ActionSpec = ListenerSpec['defaultAction'] | RuleSpec['action'];

export interface BuildInput {
  id: ResourceId;
  spec: Spec;
  /** Default VPC and subnets, needed only when the spec leaves subnets or a vpcId empty. */
  defaultNetwork?: { vpcId: string; subnetIds: string[] };
  /** ServerCertificate name -> its status.arn when Ready (absent or undefined: not ready yet). */
  certificateArns: ReadonlyMap<string, string | undefined>;
  /** Target group logical name -> ready endpoint targets, for target groups with a serviceRef. */
  serviceTargets: ReadonlyMap<string, Target[]>;
  /**
   * The load balancer's VPC and its CIDR blocks, for the managed security groups (needed when the
   * spec names no securityGroups). Without it no group is managed: callers that plan ELBv2 only.
   */
  securityGroupNetwork?: SecurityGroupNetwork;
  /**
   * Secret name -> what was read of it, for every Secret an authenticateOidc step names. Absent:
   * not known (albatross plan); the client secret versions stay unknown then.
   */
  clientSecrets?: ReadonlyMap<string, SecretLookup>;
}

export interface BuildResult {
  model: DesiredModel;
  /** ServerCertificates referenced by HTTPS listeners that have no ARN yet. */
  pendingCertificates: string[];
}

export { InvalidSpecError };

export function ownerTags(id: ResourceId): Tags {
  return { [TAG_CLUSTER]: id.cluster, [TAG_OWNER]: ownerValue(KIND.loadBalancedService, id.namespace, id.name) };
}

/** Does the spec need the default VPC/subnets resolved? */
export function needsDefaultNetwork(spec: Spec): boolean {
  if (!spec.loadBalancer?.subnets?.length) return true;
  return (spec.targetGroups ?? []).some((tg) => !tg.vpcId);
}

export function build(input: BuildInput): BuildResult {
  const { id, spec } = input;
  const owner = ownerTags(id);
  const userTags = spec.loadBalancer?.tags ?? {};
  const lbSpec = spec.loadBalancer ?? {};
  const scheme = lbSpec.scheme ?? 'internet-facing';
  const lbName = lbSpec.name ?? loadBalancerName(id, scheme);
  const network = (): { vpcId: string; subnetIds: string[] } => {
    if (!input.defaultNetwork) {
      throw new InvalidSpecError('the default VPC is needed (loadBalancer.subnets or a targetGroups[].vpcId is empty) but was not resolved');
    }
    return input.defaultNetwork;
  };

  // Bucket and prefix are managed only while logging is on (access-logs.ts).
  const defaults = Object.fromEntries(Object.entries(LB_ATTRIBUTE_DEFAULTS).filter(([k]) => !k.startsWith('access_logs.')));
  const lbAttributes: Attributes = {
    ...defaults,
    'idle_timeout.timeout_seconds': String(lbSpec.idleTimeoutSeconds ?? 60),
    'routing.http2.enabled': String(lbSpec.http2 ?? true),
    'routing.http.xff_header_processing.mode': lbSpec.xForwardedFor ?? 'append',
    'deletion_protection.enabled': String(lbSpec.deletionProtection ?? false),
    ...accessLogAttributes(lbSpec.accessLogs),
  };

  const targetGroups = (spec.targetGroups ?? []).map((tg) =>
    buildTargetGroup(id, tg, lbName, tg.vpcId ?? network().vpcId, owner, userTags, input.serviceTargets),
  );
  const keys = new Set(targetGroups.map((tg) => tg.key));

  const pendingCertificates: string[] = [];
  const listeners = spec.listeners
    .map((l) => buildListener(l, keys, input.certificateArns, pendingCertificates, owner, userTags, input.clientSecrets))
    .sort((a, b) => a.port - b.port);

  const managed = managesSecurityGroups(spec) && input.securityGroupNetwork;
  const securityGroups = managed ? buildSecurityGroups(id, spec, managed, listeners, targetGroups, { ...userTags, ...owner }) : [];

  return {
    model: {
      ownerTags: owner,
      securityGroups,
      loadBalancer: {
        name: lbName,
        scheme,
        ipAddressType: lbSpec.ipAddressType ?? 'ipv4',
        subnets: [...(lbSpec.subnets?.length ? lbSpec.subnets : network().subnetIds)].sort(),
        securityGroups: managed ? [managedGroupToken('frontend')] : [...(lbSpec.securityGroups ?? [])].sort(),
        attributes: lbAttributes,
        tags: { ...userTags, ...owner, [TAG_RESOURCE]: 'loadbalancer' },
        ...(lbSpec.webAclArn ? { webAclArn: lbSpec.webAclArn } : {}),
      },
      targetGroups: targetGroups.sort((a, b) => a.key.localeCompare(b.key)),
      listeners,
    },
    pendingCertificates: [...new Set(pendingCertificates)],
  };
}

function buildTargetGroup(
  id: ResourceId,
  tg: TargetGroupSpec,
  lbName: string,
  vpcId: string,
  owner: Tags,
  userTags: Tags,
  serviceTargets: ReadonlyMap<string, Target[]>,
): DesiredTargetGroup {
  const protocol = tg.protocol ?? 'HTTP';
  const protocolVersion = tg.protocolVersion ?? 'HTTP1';
  const targetType = tg.targetType ?? 'ip';
  const healthCheck = healthCheckWithDefaults(tg.healthCheck ?? {}, protocol, protocolVersion === 'GRPC' ? '12' : '200');
  if (healthCheck.timeoutSeconds >= healthCheck.intervalSeconds) {
    throw new InvalidSpecError(
      `targetGroups[${tg.name}].healthCheck.timeoutSeconds (${healthCheck.timeoutSeconds}) must be less than intervalSeconds (${healthCheck.intervalSeconds})`,
    );
  }

  const attributes: Attributes = {
    ...TG_ATTRIBUTE_DEFAULTS,
    'deregistration_delay.timeout_seconds': String(tg.deregistrationDelaySeconds ?? 300),
    'load_balancing.algorithm.type': tg.algorithm ?? 'round_robin',
  };
  const st = tg.stickiness;
  if (st) {
    const type = st.type ?? 'lb_cookie';
    const duration = st.durationSeconds ?? 86400;
    if (duration < 1) {
      throw new InvalidSpecError(`targetGroups[${tg.name}].stickiness.durationSeconds must be 1-604800 (0 is not supported by AWS)`);
    }
    attributes['stickiness.enabled'] = String(st.enabled ?? true);
    attributes['stickiness.type'] = type;
    if (type === 'app_cookie') {
      if (!st.cookieName) throw new InvalidSpecError(`targetGroups[${tg.name}].stickiness.cookieName is required for app_cookie`);
      attributes['stickiness.app_cookie.duration_seconds'] = String(duration);
      attributes['stickiness.app_cookie.cookie_name'] = st.cookieName;
    } else {
      attributes['stickiness.lb_cookie.duration_seconds'] = String(duration);
    }
  }

  const port = tg.port;
  const rawTargets: Target[] = tg.serviceRef
    ? (serviceTargets.get(tg.name) ?? [])
    : (tg.targets ?? []).map((t) => ({
        id: t.id,
        port: t.port ?? port,
        ...(t.availabilityZone ? { availabilityZone: t.availabilityZone } : {}),
      }));

  return {
    key: tg.name,
    name: targetGroupName(id, { key: tg.name, port, protocol, protocolVersion, targetType, vpcId, loadBalancerName: lbName }),
    port,
    protocol,
    protocolVersion,
    targetType,
    vpcId,
    healthCheck,
    attributes,
    tags: { ...userTags, ...owner, [TAG_RESOURCE]: `targetgroup/${tg.name}` },
    targets: sortTargets(dedupeTargets(rawTargets)),
  };
}

export function sortTargets(targets: Target[]): Target[] {
  return [...targets].sort((a, b) => (a.id === b.id ? a.port - b.port : a.id < b.id ? -1 : 1));
}

function dedupeTargets(targets: Target[]): Target[] {
  const seen = new Map<string, Target>();
  for (const t of targets) seen.set(`${t.id}:${t.port}`, t);
  return [...seen.values()];
}

function buildListener(
  l: ListenerSpec,
  targetGroupKeys: ReadonlySet<string>,
  certificateArns: ReadonlyMap<string, string | undefined>,
  pending: string[],
  owner: Tags,
  userTags: Tags,
  secrets: ReadonlyMap<string, SecretLookup> | undefined,
): DesiredListener {
  const where = `listeners[${l.port}]`;
  let certificates: DesiredListener['certificates'] = null;
  if (l.protocol === 'HTTPS') {
    const refs = l.certificateRefs ?? [];
    if (refs.length === 0) throw new InvalidSpecError(`${where}.certificateRefs is required when protocol is HTTPS`);
    const arns = refs.map((r) => certificateArns.get(r.name));
    refs.forEach((r, i) => {
      if (!arns[i]) pending.push(r.name);
    });
    const [first, ...rest] = arns;
    certificates = {
      default: first ?? null,
      sni: [...new Set(rest.filter((a): a is string => !!a && a !== first))].sort(),
      complete: arns.every((a) => !!a),
    };
  }
  if (l.protocol !== 'HTTPS') {
    const oidc = l.defaultAction.authenticateOidc ? `${where}.defaultAction` : (l.rules ?? []).filter((r) => r.action.authenticateOidc).map((r) => `${where}.rules[${r.priority}].action`)[0];
    if (oidc) throw new InvalidSpecError(`${oidc}.authenticateOidc requires protocol HTTPS (AWS authenticates users only on HTTPS listeners)`);
  }
  const seen = new Set<number>();
  const rules = (l.rules ?? []).map((r) => {
    if (seen.has(r.priority)) throw new InvalidSpecError(`${where}.rules: priority ${r.priority} is used twice`);
    seen.add(r.priority);
    return {
      priority: r.priority,
      conditions: conditionsOf(r.conditions, `${where}.rules[${r.priority}]`),
      action: buildAction(r.action, targetGroupKeys, `${where}.rules[${r.priority}].action`, secrets),
    };
  });
  return {
    port: l.port,
    protocol: l.protocol,
    sslPolicy: l.protocol === 'HTTPS' ? (l.sslPolicy ?? DEFAULT_SSL_POLICY) : null,
    certificates,
    defaultAction: buildAction(l.defaultAction, targetGroupKeys, `${where}.defaultAction`, secrets),
    rules: rules.sort((a, b) => a.priority - b.priority),
    tags: { ...userTags, ...owner, [TAG_RESOURCE]: `listener/${l.port}` },
  };
}

function conditionsOf(c: RuleSpec['conditions'], where: string): Conditions {
  try {
    return buildConditions(c, where);
  } catch (err) {
    if (err instanceof ConditionsError) throw new InvalidSpecError(err.message);
    throw err;
  }
}

export function buildAction(
  a: ActionSpec,
  targetGroupKeys: ReadonlySet<string>,
  where: string,
  secrets?: ReadonlyMap<string, SecretLookup>,
): RouteAction {
  const terminal = buildTerminal(a, targetGroupKeys, where);
  if (!a.authenticateOidc) return terminal;
  return { ...terminal, authenticateOidc: buildOidc(a.authenticateOidc, where, secrets) };
}

function buildTerminal(a: ActionSpec, targetGroupKeys: ReadonlySet<string>, where: string): RouteAction {
  if (a.forward) {
    const list = a.forward.targetGroups
      ? a.forward.targetGroups.map((w) => ({ targetGroup: w.name, weight: w.weight ?? 1 }))
      : a.forward.targetGroup
        ? [{ targetGroup: a.forward.targetGroup, weight: 1 }]
        : [];
    if (list.length === 0) throw new InvalidSpecError(`${where}.forward needs targetGroup or targetGroups`);
    for (const t of list) {
      if (!targetGroupKeys.has(t.targetGroup)) {
        throw new InvalidSpecError(`${where}.forward names target group "${t.targetGroup}", which is not in spec.targetGroups`);
      }
    }
    return { type: 'forward', targetGroups: list.sort((x, y) => x.targetGroup.localeCompare(y.targetGroup)) };
  }
  if (a.redirect) {
    return {
      type: 'redirect',
      protocol: a.redirect.protocol ?? '#{protocol}',
      port: a.redirect.port ?? '#{port}',
      host: a.redirect.host ?? '#{host}',
      path: a.redirect.path ?? '/#{path}',
      query: a.redirect.query ?? '#{query}',
      statusCode: a.redirect.statusCode,
    };
  }
  if (a.fixedResponse) {
    return {
      type: 'fixed-response',
      statusCode: a.fixedResponse.statusCode,
      contentType: a.fixedResponse.contentType ?? 'text/plain',
      messageBody: a.fixedResponse.messageBody ?? '',
    };
  }
  throw new InvalidSpecError(`${where} needs exactly one of forward, redirect or fixedResponse`);
}
