// LoadBalancedService: build -> observe ELBv2 (by ownership tags) -> plan, with the controller's own
// functions. Inputs the controller takes from the cluster come from the manifests instead:
// certificate ARNs from the ServerCertificates previewed before, and for target groups with a
// serviceRef the targets AWS already has (endpoints are not in manifests).
import type { Ec2Api } from '../aws/ec2.ts';
import type { Elbv2Api } from '../aws/elbv2.ts';
import type { SecurityGroupApi } from '../aws/security-groups.ts';
import { AwsError } from '../aws/errors.ts';
import { managesSecurityGroups } from '../reconcilers/load-balanced-service/security-groups.ts';
import { resolveSecurityGroupNetwork } from '../reconcilers/load-balanced-service/security-groups-network.ts';
import { observeSecurityGroups } from '../reconcilers/load-balanced-service/security-groups-observe.ts';
import type { Wafv2Api } from '../aws/wafv2.ts';
import type { LoadBalancedService } from '../crds/index.ts';
import { build, InvalidSpecError, needsDefaultNetwork, type BuildInput } from '../reconcilers/load-balanced-service/build.ts';
import type { ActualState, DesiredModel, Target } from '../reconcilers/load-balanced-service/model.ts';
import type { ResourceId } from '../reconcilers/load-balanced-service/names.ts';
import { conflictError } from '../reconcilers/load-balanced-service/conflicts.ts';
import { observeDesired } from '../reconcilers/load-balanced-service/observe.ts';
import { plan } from '../reconcilers/load-balanced-service/plan.ts';
import { webAclActions, withWebAcl } from '../reconcilers/load-balanced-service/web-acl.ts';
import { describeLbsPlan } from './describe-lbs-plan.ts';
import { knownAfterApply, type ResourcePreview } from './preview.ts';

export interface LoadBalancedServicePreview extends ResourcePreview {
  /** What a DnsAlias pointing here would use. */
  loadBalancer?: { dnsName: string; canonicalHostedZoneId: string; ipAddressType: string };
}

export interface LbsContext {
  cluster: string;
  elbv2: Elbv2Api;
  ec2: Ec2Api;
  securityGroups: SecurityGroupApi;
  /** read only when a spec names a web ACL (the WAFv2 client is not loaded otherwise) */
  wafv2: Wafv2Api;
  /** Whether the operator allows adoption in a namespace (the controller's --adopt-namespaces). */
  mayAdopt(namespace: string): boolean;
  /** ServerCertificate name -> ARN (or a known-after-apply placeholder); undefined: not available. */
  certificateArn(namespace: string, name: string): string | undefined;
}

/**
 * A manifest has no status: nothing is known by ARN. spec.adopt counts only with the operator's
 * consent. The managed security groups are looked at by name, as the controller does (and, when the
 * spec names its own groups, to show the managed ones it would delete).
 */
async function observeFor(api: Elbv2Api, sg: SecurityGroupApi, id: ResourceId, adopt: boolean, model: DesiredModel): Promise<ActualState> {
  const actual = await observeDesired(api, id, model, { knownLoadBalancerArns: [], knownTargetGroupArns: [], adopt });
  const groups = await observeSecurityGroups(sg, { id, ownerTags: model.ownerTags, vpcId: model.securityGroups?.[0]?.vpcId, adopt });
  return { ...actual, securityGroups: groups.groups, conflicts: [...actual.conflicts, ...groups.conflicts] };
}

export async function previewLoadBalancedService(lbs: LoadBalancedService, ctx: LbsContext): Promise<LoadBalancedServicePreview> {
  const namespace = lbs.metadata?.namespace ?? 'default';
  const name = lbs.metadata?.name ?? '';
  const base: LoadBalancedServicePreview = { kind: 'LoadBalancedService', namespace, name, steps: [], notes: [] };
  const id: ResourceId = { cluster: ctx.cluster, namespace, name };
  const spec = lbs.spec;
  const adoptRequested = spec.adopt === true;
  const adopt = adoptRequested && ctx.mayAdopt(namespace);

  const certificateArns = new Map<string, string | undefined>();
  for (const l of spec.listeners) {
    for (const ref of l.certificateRefs ?? []) {
      const arn = ctx.certificateArn(namespace, ref.name);
      certificateArns.set(ref.name, arn);
      if (arn === undefined) base.notes.push(`ServerCertificate ${ref.name} is not in the manifests or has no usable certificate: listener ${l.port} waits for it`);
    }
  }
  const withServiceRef = (spec.targetGroups ?? []).filter((tg) => tg.serviceRef);

  let input: BuildInput;
  let model: DesiredModel;
  try {
    const defaultNetwork = needsDefaultNetwork(spec) ? await ctx.ec2.defaultNetwork() : undefined;
    const securityGroupNetwork = managesSecurityGroups(spec)
      ? await resolveSecurityGroupNetwork(ctx.ec2, spec, async () => defaultNetwork ?? (await ctx.ec2.defaultNetwork())).catch((err: unknown) => {
          if (err instanceof Error && !(err instanceof AwsError)) throw new InvalidSpecError(`spec.loadBalancer.subnets: ${err.message}`);
          throw err;
        })
      : undefined;
    input = { id, spec, defaultNetwork, certificateArns, serviceTargets: new Map(), securityGroupNetwork };
    ({ model } = build(input));
  } catch (err) {
    if (err instanceof InvalidSpecError) return { ...base, error: `InvalidSpec: ${err.message}` };
    throw err;
  }

  let actual = await observeFor(ctx.elbv2, ctx.securityGroups, id, adopt, model);
  if (actual.conflicts.length) {
    // The controller's own verdict: Conflict, or AdoptionNotAllowed naming --adopt-namespaces.
    const e = conflictError(actual.conflicts, { adoptRequested, namespace });
    return { ...base, error: `${e.reason}: ${e.message}` };
  }
  if (withServiceRef.length) {
    // The controller would register the Service's ready endpoints; here AWS's current targets stand in.
    const serviceTargets = new Map<string, Target[]>();
    for (const tg of withServiceRef) {
      const key = model.targetGroups.find((t) => t.key === tg.name)?.key ?? tg.name;
      const have = actual.targetGroups.find((t) => t.key === key);
      serviceTargets.set(tg.name, have?.targets ?? []);
      base.notes.push(`target group ${tg.name} follows Service ${tg.serviceRef?.name}: its targets come from the cluster and are shown as AWS has them`);
    }
    ({ model } = build({ ...input, serviceTargets }));
    actual = await observeFor(ctx.elbv2, ctx.securityGroups, id, adopt, model);
  }

  // A manifest has no status: the web ACL the controller associated before is unknown, so only a
  // web ACL the spec names is previewed (its removal is not).
  const want = model.loadBalancer;
  const currentLb = actual.loadBalancers.find((lb) => lb.name === want.name && lb.scheme === want.scheme);
  const observedAcl = want.webAclArn !== undefined && currentLb ? await ctx.wafv2.webAclFor(currentLb.arn) : undefined;
  const p = withWebAcl(plan(model, actual), webAclActions({ desired: want.webAclArn, remembered: undefined, observed: observedAcl }));
  const notes = [...base.notes, ...p.waiting];
  if (p.blocked.length) return { ...base, notes, error: `Blocked: ${p.blocked.join('; ')}`, plan: p };
  const current = actual.loadBalancers.find((lb) => lb.name === model.loadBalancer.name);
  const createsLb = p.actions.some((a) => a.op === 'createLoadBalancer');
  const loadBalancer = current && !createsLb
    ? { dnsName: current.dnsName, canonicalHostedZoneId: current.canonicalHostedZoneId, ipAddressType: model.loadBalancer.ipAddressType }
    : { dnsName: knownAfterApply(`DNS name of load balancer ${model.loadBalancer.name}`), canonicalHostedZoneId: knownAfterApply('hosted zone of the load balancer'), ipAddressType: model.loadBalancer.ipAddressType };
  return { ...base, notes, steps: describeLbsPlan(p), plan: p, loadBalancer };
}
