// Conversions between the ELBv2 wire shapes and the model, both ways. Pure.
// AWS (and moto) spell the same thing several ways: a single forward as TargetGroupArn or as a
// one-entry ForwardConfig, conditions as Values or as <Field>Config.Values. We normalise here so
// plan compares meaning, not spelling.
import type {
  Action,
  Listener,
  LoadBalancer,
  Rule,
  TargetGroup,
  TargetHealthDescription,
} from '../../aws/elbv2.ts';
import {
  LB_ATTRIBUTE_DEFAULTS,
  TAG_RESOURCE,
  TG_ATTRIBUTE_DEFAULTS,
  healthCheckWithDefaults,
  type ActualListener,
  type ActualLoadBalancer,
  type ActualRule,
  type ActualTargetGroup,
  type Attributes,
  type RouteAction,
  type Tags,
  type Target,
} from './model.ts';
import { sortTargets } from './build.ts';
import { conditionsFromAws } from './conditions.ts';
import { oidcFromAws, oidcToAws, type ClientSecretInput } from './oidc.ts';

export { conditionsFromAws, conditionsToAws } from './conditions.ts';

// ---------- AWS -> model ----------

export function actionFromAws(actions: Action[] | undefined): RouteAction {
  // Several actions (e.g. authenticate + forward): the last one is the terminal action.
  const sorted = [...(actions ?? [])].sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0));
  const [first, second] = sorted;
  if (sorted.length === 2 && first?.Type === 'authenticate-oidc' && second) {
    const terminal = terminalFromAws(second);
    return terminal.type === 'other' ? terminal : { ...terminal, authenticateOidc: oidcFromAws(first.AuthenticateOidcConfig) };
  }
  if (sorted.length > 1) return { type: 'other', description: sorted.map((x) => x.Type).join('+') };
  if (!first) return { type: 'other', description: 'no action' };
  return terminalFromAws(first);
}

function terminalFromAws(a: Action): RouteAction {
  switch (a.Type) {
    case 'forward': {
      const list = a.ForwardConfig?.TargetGroups?.length
        ? a.ForwardConfig.TargetGroups.map((t) => ({ targetGroup: t.TargetGroupArn ?? '', weight: t.Weight ?? 1 }))
        : [{ targetGroup: a.TargetGroupArn ?? '', weight: 1 }];
      return { type: 'forward', targetGroups: list.sort((x, y) => x.targetGroup.localeCompare(y.targetGroup)) };
    }
    case 'redirect': {
      const r: NonNullable<Action['RedirectConfig']> = a.RedirectConfig ?? { StatusCode: undefined };
      return {
        type: 'redirect',
        protocol: r.Protocol ?? '#{protocol}',
        port: r.Port ?? '#{port}',
        host: r.Host ?? '#{host}',
        path: r.Path ?? '/#{path}',
        query: r.Query ?? '#{query}',
        statusCode: r.StatusCode ?? '',
      };
    }
    case 'fixed-response': {
      const f: NonNullable<Action['FixedResponseConfig']> = a.FixedResponseConfig ?? { StatusCode: undefined };
      return {
        type: 'fixed-response',
        statusCode: f.StatusCode ?? '',
        contentType: f.ContentType ?? 'text/plain',
        messageBody: f.MessageBody ?? '',
      };
    }
    default:
      return { type: 'other', description: String(a.Type) };
  }
}

export function ruleFromAws(r: Rule): ActualRule | undefined {
  if (r.IsDefault || !r.RuleArn) return undefined;
  const priority = Number(r.Priority);
  if (!Number.isInteger(priority)) return undefined;
  return { arn: r.RuleArn, priority, conditions: conditionsFromAws(r.Conditions), action: actionFromAws(r.Actions) };
}

/** Only the managed attributes, with AWS's default where AWS (or moto) leaves one out. */
function managed(observed: Attributes, defaults: Attributes, extra: string[] = []): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(defaults)) out[k] = observed[k] ?? v;
  for (const k of extra) if (observed[k] !== undefined) out[k] = observed[k];
  return out;
}

export function loadBalancerFromAws(lb: LoadBalancer, attributes: Attributes, tags: Tags): ActualLoadBalancer {
  return {
    arn: lb.LoadBalancerArn ?? '',
    name: lb.LoadBalancerName ?? '',
    dnsName: lb.DNSName ?? '',
    canonicalHostedZoneId: lb.CanonicalHostedZoneId ?? '',
    state: lb.State?.Code ?? '',
    vpcId: lb.VpcId ?? '',
    scheme: lb.Scheme ?? 'internet-facing',
    ipAddressType: lb.IpAddressType ?? 'ipv4',
    subnets: (lb.AvailabilityZones ?? []).map((z) => z.SubnetId ?? '').filter(Boolean).sort(),
    securityGroups: [...(lb.SecurityGroups ?? [])].sort(),
    attributes: managed(attributes, LB_ATTRIBUTE_DEFAULTS),
    tags,
  };
}

/** The logical name from the resource tag (`targetgroup/<name>`), or '' when absent. */
export function targetGroupKey(tags: Tags): string {
  const v = tags[TAG_RESOURCE] ?? '';
  return v.startsWith('targetgroup/') ? v.slice('targetgroup/'.length) : '';
}

export function targetGroupFromAws(
  tg: TargetGroup,
  key: string,
  attributes: Attributes,
  tags: Tags,
  health: TargetHealthDescription[],
): ActualTargetGroup {
  const protocol = tg.Protocol ?? 'HTTP';
  const healthCheck = healthCheckWithDefaults(
    {
      protocol: tg.HealthCheckProtocol,
      port: tg.HealthCheckPort,
      path: tg.HealthCheckPath,
      intervalSeconds: tg.HealthCheckIntervalSeconds,
      timeoutSeconds: tg.HealthCheckTimeoutSeconds,
      healthyThresholdCount: tg.HealthyThresholdCount,
      unhealthyThresholdCount: tg.UnhealthyThresholdCount,
      matcher: tg.Matcher?.HttpCode ?? tg.Matcher?.GrpcCode,
    },
    protocol,
    '200',
  );
  // Draining targets are on their way out: they count as deregistered.
  const registered = health.filter((h) => h.Target?.Id && h.TargetHealth?.State !== 'draining');
  const targets: Target[] = registered.map((h) => ({ id: h.Target?.Id ?? '', port: h.Target?.Port ?? tg.Port ?? 0 }));
  return {
    arn: tg.TargetGroupArn ?? '',
    key,
    name: tg.TargetGroupName ?? '',
    port: tg.Port ?? 0,
    protocol,
    protocolVersion: tg.ProtocolVersion ?? 'HTTP1',
    targetType: tg.TargetType ?? 'instance',
    vpcId: tg.VpcId ?? '',
    healthCheck,
    attributes: managed(attributes, TG_ATTRIBUTE_DEFAULTS, ['stickiness.app_cookie.cookie_name']),
    tags,
    targets: sortTargets(targets),
    healthy: registered.filter((h) => h.TargetHealth?.State === 'healthy').length,
  };
}

export function listenerFromAws(
  l: Listener,
  rules: Rule[],
  certificates: Array<{ CertificateArn?: string; IsDefault?: boolean }>,
  tags: Tags,
): ActualListener {
  const https = l.Protocol === 'HTTPS';
  const defaultCert = l.Certificates?.[0]?.CertificateArn ?? certificates.find((c) => c.IsDefault)?.CertificateArn ?? null;
  const sni = certificates
    .filter((c) => !c.IsDefault && c.CertificateArn && c.CertificateArn !== defaultCert)
    .map((c) => c.CertificateArn ?? '');
  return {
    arn: l.ListenerArn ?? '',
    port: l.Port ?? 0,
    protocol: l.Protocol ?? 'HTTP',
    sslPolicy: https ? (l.SslPolicy ?? null) : null,
    certificates: https ? { default: defaultCert, sni: [...new Set(sni)].sort() } : null,
    defaultAction: actionFromAws(l.DefaultActions),
    rules: rules
      .map(ruleFromAws)
      .filter((r): r is ActualRule => !!r)
      .sort((a, b) => a.priority - b.priority),
    tags,
  };
}

// ---------- model -> AWS ----------

/**
 * The ELBv2 actions of `a`. With an authenticateOidc step, `secret` says how its client secret goes
 * (required then): the authenticate-oidc action is order 1, the terminal action order 2.
 */
export function actionToAws(a: RouteAction, arnOf: (targetGroup: string) => string, secret?: ClientSecretInput): Action[] {
  const terminal = terminalToAws(a, arnOf);
  if (!a.authenticateOidc) return terminal;
  if (!secret) throw new Error('an authenticate-oidc action needs to say how its client secret is sent');
  return [oidcToAws(a.authenticateOidc, secret), ...terminal.map((t) => ({ ...t, Order: 2 }))];
}

function terminalToAws(a: RouteAction, arnOf: (targetGroup: string) => string): Action[] {
  switch (a.type) {
    case 'forward': {
      const [only] = a.targetGroups;
      if (a.targetGroups.length === 1 && only && only.weight === 1) {
        return [{ Type: 'forward', TargetGroupArn: arnOf(only.targetGroup) }];
      }
      return [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: a.targetGroups.map((t) => ({ TargetGroupArn: arnOf(t.targetGroup), Weight: t.weight })),
          },
        },
      ];
    }
    case 'redirect':
      return [
        {
          Type: 'redirect',
          RedirectConfig: {
            Protocol: a.protocol,
            Port: a.port,
            Host: a.host,
            Path: a.path,
            Query: a.query,
            StatusCode: a.statusCode as 'HTTP_301' | 'HTTP_302',
          },
        },
      ];
    case 'fixed-response':
      return [
        {
          Type: 'fixed-response',
          FixedResponseConfig: { StatusCode: a.statusCode, ContentType: a.contentType, MessageBody: a.messageBody },
        },
      ];
    case 'other':
      throw new Error(`cannot send an observed-only action (${a.description}) to AWS`);
  }
}

export function tagsToAws(tags: Tags): Array<{ Key: string; Value: string }> {
  return Object.entries(tags)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([Key, Value]) => ({ Key, Value }));
}
