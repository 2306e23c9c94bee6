// The LoadBalancedService's view of an ALB, used for both "desired" (built from the spec) and
// "actual" (observed in AWS). Plain JSON, so plans and models can be logged, snapshotted and diffed.

export type Tags = Record<string, string>;
export type Attributes = Record<string, string>;

/** Tag naming which part of the resource an AWS object is (e.g. `targetgroup/web`, `loadbalancer`). */
export const TAG_RESOURCE = 'albatross.dev/resource';

/**
 * Load balancer attributes the spec manages, with AWS's documented defaults: a field removed from
 * the spec puts the attribute back to this value. Attributes not listed are left alone.
 */
export const LB_ATTRIBUTE_DEFAULTS: Attributes = {
  'idle_timeout.timeout_seconds': '60',
  'routing.http2.enabled': 'true',
  'routing.http.xff_header_processing.mode': 'append',
  'deletion_protection.enabled': 'false',
  // access-logs.ts: bucket and prefix are in the desired attributes only while logging is on.
  'access_logs.s3.enabled': 'false',
  'access_logs.s3.bucket': '',
  'access_logs.s3.prefix': '',
};

/** Target group attributes the spec manages, with AWS's documented defaults. */
export const TG_ATTRIBUTE_DEFAULTS: Attributes = {
  'deregistration_delay.timeout_seconds': '300',
  'load_balancing.algorithm.type': 'round_robin',
  'stickiness.enabled': 'false',
  'stickiness.type': 'lb_cookie',
  'stickiness.lb_cookie.duration_seconds': '86400',
  'stickiness.app_cookie.duration_seconds': '86400',
};

/** Spec paths of the managed attributes, for drift reports. */
export const LB_ATTRIBUTE_PATHS: Record<string, string> = {
  'idle_timeout.timeout_seconds': 'loadBalancer.idleTimeoutSeconds',
  'routing.http2.enabled': 'loadBalancer.http2',
  'routing.http.xff_header_processing.mode': 'loadBalancer.xForwardedFor',
  'deletion_protection.enabled': 'loadBalancer.deletionProtection',
  'access_logs.s3.enabled': 'loadBalancer.accessLogs',
  'access_logs.s3.bucket': 'loadBalancer.accessLogs.bucket',
  'access_logs.s3.prefix': 'loadBalancer.accessLogs.prefix',
};
export const TG_ATTRIBUTE_PATHS: Record<string, string> = {
  'deregistration_delay.timeout_seconds': 'deregistrationDelaySeconds',
  'load_balancing.algorithm.type': 'algorithm',
  'stickiness.enabled': 'stickiness.enabled',
  'stickiness.type': 'stickiness.type',
  'stickiness.lb_cookie.duration_seconds': 'stickiness.durationSeconds',
  'stickiness.app_cookie.duration_seconds': 'stickiness.durationSeconds',
  'stickiness.app_cookie.cookie_name': 'stickiness.cookieName',
};

export const DEFAULT_SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

export interface HealthCheck {
  protocol: string;
  port: string;
  path: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThresholdCount: number;
  unhealthyThresholdCount: number;
  /** HTTP codes ("200-399"), or gRPC codes for protocolVersion GRPC */
  matcher: string;
}

/**
 * A health check with AWS's defaults for what `given` leaves out (null or undefined): the spec's
 * and the observed target group's settings both go through here, so they default alike.
 */
export function healthCheckWithDefaults(
  given: { readonly [K in keyof HealthCheck]?: HealthCheck[K] | null },
  trafficProtocol: string,
  defaultMatcher: string,
): HealthCheck {
  return {
    protocol: given.protocol ?? trafficProtocol,
    port: given.port ?? 'traffic-port',
    path: given.path ?? '/',
    intervalSeconds: given.intervalSeconds ?? 30,
    timeoutSeconds: given.timeoutSeconds ?? 5,
    healthyThresholdCount: given.healthyThresholdCount ?? 5,
    unhealthyThresholdCount: given.unhealthyThresholdCount ?? 2,
    matcher: given.matcher ?? defaultMatcher,
  };
}

export interface Target {
  id: string;
  port: number;
  availabilityZone?: string;
}

/**
 * A forward target: `targetGroup` is the logical name (spec.targetGroups[].name). In an observed
 * action it is the logical name only when the ARN is the target group the plan keeps for that name;
 * otherwise it is the raw ARN, which never equals a logical name (those cannot contain ':').
 */
export interface WeightedTargetGroup {
  targetGroup: string;
  weight: number;
}

/**
 * An authenticate-oidc step before the action (oidc.ts). Never holds the client secret: only which
 * Secret key holds it and the version of it AWS was (or is to be) sent.
 */
export interface OidcAuth {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  userInfoEndpoint: string;
  clientId: string;
  scope: string;
  sessionCookieName: string;
  sessionTimeoutSeconds: number;
  onUnauthenticatedRequest: string;
  /** observed only: AuthenticationRequestExtraParams the spec cannot express */
  extraParams?: Record<string, string>;
  /** desired: the Secret and key; observed: null (AWS does not say) */
  clientSecretRef: { name: string; key: string } | null;
  /**
   * "<secret>/<key>@<resourceVersion>". Desired: the Secret's current version (null: not known, as
   * in `albatross plan`); observed: the version last sent, from status (null: not recorded).
   */
  clientSecretVersion: string | null;
}

export type RouteAction = (
  | { type: 'forward'; targetGroups: WeightedTargetGroup[] }
  | {
      type: 'redirect';
      protocol: string;
      port: string;
      host: string;
      path: string;
      query: string;
      statusCode: string;
    }
  | { type: 'fixed-response'; statusCode: string; contentType: string; messageBody: string }
  /** observed only: actions the spec cannot express (e.g. authenticate-cognito) */
  | { type: 'other'; description: string }
) & { authenticateOidc?: OidcAuth };

/** An http-header condition: the header has one of the values. */
export interface HeaderCondition {
  name: string;
  /** sorted */
  values: string[];
}

/** One key/value pair of the query-string condition; without key, any parameter with that value. */
export interface QueryStringPair {
  key?: string;
  value: string;
}

/** Rule conditions (conditions.ts). The optional kinds are left out when empty. */
export interface Conditions {
  /** sorted */
  pathPatterns: string[];
  /** sorted, lower case */
  hostHeaders: string[];
  /** one http-header condition each; sorted by name, then values */
  httpHeaders?: HeaderCondition[];
  /** one query-string condition holding these pairs; sorted */
  queryStrings?: QueryStringPair[];
  /** CIDRs, sorted, lower case */
  sourceIps?: string[];
  /** sorted */
  httpRequestMethods?: string[];
  /** observed only: condition fields the spec cannot express */
  other?: string[];
}

export interface DesiredLoadBalancer {
  name: string;
  scheme: string;
  ipAddressType: string;
  /** sorted */
  subnets: string[];
  /**
   * sorted; the spec's ids, or managedGroupToken('frontend') for the managed group; empty = leave
   * the load balancer's groups alone
   */
  securityGroups: string[];
  attributes: Attributes;
  tags: Tags;
  /** spec.loadBalancer.webAclArn (web-acl.ts); absent: no web ACL wanted */
  webAclArn?: string;
}

export interface DesiredTargetGroup {
  key: string;
  name: string;
  port: number;
  protocol: string;
  protocolVersion: string;
  targetType: string;
  vpcId: string;
  healthCheck: HealthCheck;
  attributes: Attributes;
  tags: Tags;
  /** sorted by id then port */
  targets: Target[];
}

export interface DesiredCertificates {
  /** ARN of the default certificate, or null while its ServerCertificate is not Ready */
  default: string | null;
  /** SNI certificate ARNs that are known (sorted) */
  sni: string[];
  /** false while some referenced certificate has no ARN yet: unknown SNI entries are left alone */
  complete: boolean;
}

export interface DesiredRule {
  priority: number;
  conditions: Conditions;
  action: RouteAction;
}

export interface DesiredListener {
  port: number;
  protocol: string;
  /** null for HTTP */
  sslPolicy: string | null;
  /** null for HTTP */
  certificates: DesiredCertificates | null;
  defaultAction: RouteAction;
  /** sorted by priority */
  rules: DesiredRule[];
  tags: Tags;
}

/** Managed security groups (./security-groups.ts): the frontend one is on the load balancer. */
export type SecurityGroupRole = 'frontend' | 'backend';

/**
 * In DesiredLoadBalancer.securityGroups: the managed group of that role, whose id is known only once
 * it exists (apply resolves it; plan maps the observed id back to it).
 */
export const managedGroupToken = (role: SecurityGroupRole): string => `managed:${role}`;

/**
 * One ingress rule: a protocol and port range from one source. `source` is `cidr:<v4>`,
 * `cidr6:<v6>`, `group:<role>` (a managed group, by role) or `group:<sg id>` (observed, not ours).
 */
export interface SecurityGroupRule {
  protocol: string;
  fromPort: number;
  toPort: number;
  source: string;
}

export interface DesiredSecurityGroup {
  role: SecurityGroupRole;
  name: string;
  vpcId: string;
  description: string;
  tags: Tags;
  /** sorted by ruleKey */
  ingress: SecurityGroupRule[];
}

export interface ActualSecurityGroup extends DesiredSecurityGroup {
  id: string;
}

export interface DesiredModel {
  /** the owner tags every object carries (cluster + owner) */
  ownerTags: Tags;
  loadBalancer: DesiredLoadBalancer;
  targetGroups: DesiredTargetGroup[];
  listeners: DesiredListener[];
  /** managed security groups; empty when the spec names the groups (or the caller resolved no network) */
  securityGroups?: DesiredSecurityGroup[];
}

export interface ActualLoadBalancer extends DesiredLoadBalancer {
  arn: string;
  dnsName: string;
  canonicalHostedZoneId: string;
  state: string;
  vpcId: string;
}

export interface ActualTargetGroup extends DesiredTargetGroup {
  arn: string;
  /** number of registered targets that are healthy */
  healthy: number;
}

export interface ActualRule {
  arn: string;
  priority: number;
  conditions: Conditions;
  /** forward targets hold ARNs here; plan maps them to logical names */
  action: RouteAction;
}

export interface ActualListener {
  arn: string;
  port: number;
  protocol: string;
  sslPolicy: string | null;
  /** default certificate ARN and SNI ARNs (sorted); null when the listener has no certificate */
  certificates: { default: string | null; sni: string[] } | null;
  defaultAction: RouteAction;
  rules: ActualRule[];
  tags: Tags;
}

/** An AWS object with one of our names that belongs to someone else: never touched. */
export interface Conflict {
  kind: 'loadbalancer' | 'targetgroup' | 'securitygroup';
  name: string;
  arn: string;
  /** who owns it, from its tags, or "nobody" */
  owner: string;
}

export interface ActualState {
  /** Owned load balancers: the one named like the desired one is current, others are stale. */
  loadBalancers: ActualLoadBalancer[];
  /** Listeners (with rules) of the current load balancer. */
  listeners: ActualListener[];
  /** Owned target groups, each with its logical key from the resource tag. */
  targetGroups: ActualTargetGroup[];
  /** Owned security groups with our names (observed only when the spec manages them). */
  securityGroups?: ActualSecurityGroup[];
  conflicts: Conflict[];
}
