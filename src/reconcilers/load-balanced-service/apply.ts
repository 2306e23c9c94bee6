// Runs a plan against AWS, in its order. Idempotent by construction: every object is created with
// its ownership tags in the same call and is found again by observe (name + tags), so a crash at
// any point followed by a fresh observe -> plan -> apply converges without duplicates. Deletes of
// things already gone count as done.
import type { Elbv2Api, LoadBalancer } from '../../aws/elbv2.ts';
import type { Wafv2Api } from '../../aws/wafv2.ts';
import { AwsError, isAwsErrorKind } from '../../aws/errors.ts';
import { actionToAws, conditionsToAws, tagsToAws } from './aws-shapes.ts';
import type { HealthCheck, RouteAction } from './model.ts';
import type { ClientSecretInput } from './oidc.ts';
import type { Plan, PlanAction, Refs } from './plan.ts';
import type { SecurityGroupApi } from '../../aws/security-groups.ts';
import { applySecurityGroupAction, isSecurityGroupAction, resolveGroupReference } from './security-groups-apply.ts';

export interface ApplyHooks {
  /** after each action succeeded (events, logs) */
  applied?(action: PlanAction): void;
  /** deletion protection is about to be turned off (only on deletion of the resource) */
  disablingDeletionProtection?(loadBalancerName: string): void;
  /** the value of an authenticate-oidc client secret (Secret name, key); never logged */
  clientSecret?(ref: { name: string; key: string }): string | undefined;
  /** WAFv2, for plans with web ACL actions (web-acl.ts) */
  wafv2?: Wafv2Api;
}

export interface ApplyResult {
  refs: Refs;
  applied: PlanAction[];
  /** the load balancer as CreateLoadBalancer returned it (its DNS name, its state: provisioning) */
  createdLoadBalancer?: LoadBalancer;
}

function healthCheckInput(hc: HealthCheck, protocolVersion: string): {
  HealthCheckProtocol: 'HTTP' | 'HTTPS';
  HealthCheckPort: string;
  HealthCheckPath: string;
  HealthCheckIntervalSeconds: number;
  HealthCheckTimeoutSeconds: number;
  HealthyThresholdCount: number;
  UnhealthyThresholdCount: number;
  HealthCheckEnabled: boolean;
  Matcher: { HttpCode?: string; GrpcCode?: string };
} {
  return {
    HealthCheckProtocol: hc.protocol as 'HTTP' | 'HTTPS',
    HealthCheckPort: hc.port,
    HealthCheckPath: hc.path,
    HealthCheckIntervalSeconds: hc.intervalSeconds,
    HealthCheckTimeoutSeconds: hc.timeoutSeconds,
    HealthyThresholdCount: hc.healthyThresholdCount,
    UnhealthyThresholdCount: hc.unhealthyThresholdCount,
    HealthCheckEnabled: true,
    Matcher: protocolVersion === 'GRPC' ? { GrpcCode: hc.matcher } : { HttpCode: hc.matcher },
  };
}

/** Ignores "already gone" for deletes (and "not registered" for deregistration). */
async function gone(fn: () => Promise<void>, extraCodes: string[] = []): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (isAwsErrorKind(err, 'not_found') || (err instanceof AwsError && extraCodes.includes(err.code))) return;
    throw err;
  }
}

/** How an action's client secret goes to AWS: its value when `send`, else AWS keeps the one it has. */
function secretFor(action: RouteAction, send: boolean, hooks: ApplyHooks): ClientSecretInput | undefined {
  const ref = action.authenticateOidc?.clientSecretRef;
  if (!action.authenticateOidc) return undefined;
  if (!send) return { UseExistingClientSecret: true };
  const value = ref ? hooks.clientSecret?.(ref) : undefined;
  // The message names where the secret should come from, never a value.
  if (!value) throw new Error(`the client secret of Secret ${ref?.name ?? '?'} key ${ref?.key ?? '?'} is not available to send`);
  return { ClientSecret: value };
}

/** `securityGroups`: the EC2 port for the plan's managed security group actions (when it has any). */
export async function apply(api: Elbv2Api, p: Plan, hooks: ApplyHooks = {}, securityGroups?: SecurityGroupApi): Promise<ApplyResult> {
  const refs: Refs = structuredClone(p.refs);
  const applied: PlanAction[] = [];
  let createdLoadBalancer: LoadBalancer | undefined;

  const lb = (): string => {
    if (!refs.loadBalancer) throw new Error('plan refers to the load balancer before it exists');
    return refs.loadBalancer;
  };
  const listener = (port: number): string => {
    const arn = refs.listeners[String(port)];
    if (!arn) throw new Error(`plan refers to listener ${port} before it exists`);
    return arn;
  };
  const tgArn = (key: string): string => {
    // Observed actions may carry raw ARNs of target groups being replaced.
    if (key.startsWith('arn:')) return key;
    const arn = refs.targetGroups[key];
    if (!arn) throw new Error(`plan refers to target group ${key} before it exists`);
    return arn;
  };

  for (const a of p.actions) {
    if (isSecurityGroupAction(a)) {
      await applySecurityGroupAction(securityGroups, a, refs);
      applied.push(a);
      hooks.applied?.(a);
      continue;
    }
    switch (a.op) {
      case 'createTargetGroup': {
        const tg = await api.createTargetGroup({
          Name: a.name,
          Port: a.port,
          Protocol: a.protocol as 'HTTP' | 'HTTPS',
          ProtocolVersion: a.protocolVersion,
          TargetType: a.targetType as 'ip' | 'instance',
          VpcId: a.vpcId,
          ...healthCheckInput(a.healthCheck, a.protocolVersion),
          Tags: tagsToAws(a.tags),
        });
        refs.targetGroups[a.targetGroup] = tg.TargetGroupArn ?? '';
        break;
      }
      case 'modifyTargetGroup':
        await api.modifyTargetGroup({
          TargetGroupArn: tgArn(a.targetGroup),
          ...healthCheckInput(a.healthCheck, a.protocolVersion),
        });
        break;
      case 'modifyTargetGroupAttributes':
        await api.modifyTargetGroupAttributes(tgArn(a.targetGroup), a.attributes);
        break;
      case 'tagTargetGroup':
        if (Object.keys(a.add).length) await api.addTags([tgArn(a.targetGroup)], a.add);
        if (a.remove.length) await api.removeTags([tgArn(a.targetGroup)], a.remove);
        break;
      case 'registerTargets':
        await api.registerTargets(
          tgArn(a.targetGroup),
          a.targets.map((t) => ({ Id: t.id, Port: t.port, ...(t.availabilityZone ? { AvailabilityZone: t.availabilityZone } : {}) })),
        );
        break;
      case 'deregisterTargets':
        await gone(
          () => api.deregisterTargets(tgArn(a.targetGroup), a.targets.map((t) => ({ Id: t.id, Port: t.port }))),
          ['InvalidTarget'],
        );
        break;
      case 'createLoadBalancer': {
        const created = await api.createLoadBalancer({
          Name: a.name,
          Type: 'application',
          Scheme: a.scheme as 'internet-facing' | 'internal',
          IpAddressType: a.ipAddressType as 'ipv4' | 'dualstack',
          Subnets: a.subnets,
          ...(a.securityGroups.length ? { SecurityGroups: a.securityGroups.map((g) => resolveGroupReference(refs, g)) } : {}),
          Tags: tagsToAws(a.tags),
        });
        refs.loadBalancer = created.LoadBalancerArn ?? null;
        refs.listeners = {};
        createdLoadBalancer = created;
        break;
      }
      case 'setSubnets':
        await api.setSubnets(lb(), a.subnets);
        break;
      case 'setSecurityGroups':
        await api.setSecurityGroups(lb(), a.securityGroups.map((g) => resolveGroupReference(refs, g)));
        break;
      case 'setIpAddressType':
        await api.setIpAddressType(lb(), a.ipAddressType);
        break;
      case 'modifyLoadBalancerAttributes':
        await api.modifyLoadBalancerAttributes(lb(), a.attributes);
        break;
      case 'tagLoadBalancer':
        if (Object.keys(a.add).length) await api.addTags([lb()], a.add);
        if (a.remove.length) await api.removeTags([lb()], a.remove);
        break;
      case 'createListener': {
        const created = await api.createListener({
          LoadBalancerArn: lb(),
          Port: a.port,
          Protocol: a.protocol as 'HTTP' | 'HTTPS',
          ...(a.sslPolicy ? { SslPolicy: a.sslPolicy } : {}),
          ...(a.certificate ? { Certificates: [{ CertificateArn: a.certificate }] } : {}),
          DefaultActions: actionToAws(a.defaultAction, tgArn, secretFor(a.defaultAction, true, hooks)),
          Tags: tagsToAws(a.tags),
        });
        refs.listeners[String(a.port)] = created.ListenerArn ?? '';
        break;
      }
      case 'modifyListener':
        await api.modifyListener({
          ListenerArn: listener(a.port),
          Port: a.port,
          Protocol: a.protocol as 'HTTP' | 'HTTPS',
          ...(a.sslPolicy ? { SslPolicy: a.sslPolicy } : {}),
          ...(a.certificate ? { Certificates: [{ CertificateArn: a.certificate }] } : {}),
          DefaultActions: actionToAws(a.defaultAction, tgArn, secretFor(a.defaultAction, a.sendClientSecret, hooks)),
        });
        break;
      case 'addListenerCertificates':
        await api.addListenerCertificates(listener(a.port), a.certificates);
        break;
      case 'removeListenerCertificates':
        await api.removeListenerCertificates(listener(a.port), a.certificates);
        break;
      case 'tagListener':
        if (Object.keys(a.add).length) await api.addTags([listener(a.port)], a.add);
        if (a.remove.length) await api.removeTags([listener(a.port)], a.remove);
        break;
      case 'setRulePriorities':
        await api.setRulePriorities(a.rules.map((r) => ({ RuleArn: r.arn, Priority: r.priority })));
        break;
      case 'modifyRule':
        await api.modifyRule(a.arn, conditionsToAws(a.conditions), actionToAws(a.action, tgArn, secretFor(a.action, a.sendClientSecret, hooks)));
        break;
      case 'createRule':
        await api.createRule({
          ListenerArn: listener(a.port),
          Priority: a.priority,
          Conditions: conditionsToAws(a.conditions),
          Actions: actionToAws(a.action, tgArn, secretFor(a.action, true, hooks)),
          Tags: tagsToAws(a.tags),
        });
        break;
      case 'deleteRule':
        await gone(() => api.deleteRule(a.arn));
        break;
      case 'deleteListener':
        await gone(() => api.deleteListener(a.arn));
        break;
      case 'deleteLoadBalancer':
        if (a.disableDeletionProtection) {
          hooks.disablingDeletionProtection?.(a.name);
          await gone(() => api.modifyLoadBalancerAttributes(a.arn, { 'deletion_protection.enabled': 'false' }));
        }
        try {
          await gone(() => api.deleteLoadBalancer(a.arn));
        } catch (err) {
          // Deletion protection turned on outside the spec (AWS refuses): deleting the resource
          // with deletionPolicy Delete turns it off, as when the spec had it on.
          if (!(err instanceof AwsError && err.code.startsWith('OperationNotPermitted')) || !hooks.disablingDeletionProtection) throw err;
          hooks.disablingDeletionProtection(a.name);
          await gone(() => api.modifyLoadBalancerAttributes(a.arn, { 'deletion_protection.enabled': 'false' }));
          await gone(() => api.deleteLoadBalancer(a.arn));
        }
        if (refs.loadBalancer === a.arn) refs.loadBalancer = null;
        break;
      case 'associateWebAcl':
        if (!hooks.wafv2) throw new Error('plan associates a web ACL but apply was given no WAFv2 port');
        await hooks.wafv2.associate(a.webAclArn, lb());
        break;
      case 'disassociateWebAcl':
        if (!hooks.wafv2) throw new Error('plan disassociates a web ACL but apply was given no WAFv2 port');
        await gone(() => hooks.wafv2!.disassociate(lb()));
        break;
      case 'deleteTargetGroup':
        // ResourceInUse right after the load balancer went away is retried by the caller's backoff.
        await gone(() => api.deleteTargetGroup(a.arn));
        break;
    }
    applied.push(a);
    hooks.applied?.(a);
  }
  return { refs, applied, ...(createdLoadBalancer ? { createdLoadBalancer } : {}) };
}
