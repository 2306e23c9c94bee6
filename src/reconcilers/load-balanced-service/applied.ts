// What AWS holds once a plan has been applied without error, for status: the desired model with
// the ARNs apply got back, the load balancer's DNS name and state as CreateLoadBalancer answered
// (or as observed before), and every owned object the plan kept. No re-read: each call of the plan
// succeeded, so AWS has what it asked for; what AWS fills in later (the state after provisioning)
// is looked at by the reconciler's provisioning re-check.
import type { ActualLoadBalancer, ActualState, ActualTargetGroup, DesiredModel } from './model.ts';
import type { ApplyResult } from './apply.ts';
import type { Plan } from './plan.ts';

/** The part of an actual state status is written from. */
export type StatusState = Pick<ActualState, 'loadBalancers' | 'targetGroups'> & { listeners: Array<{ port: number; arn: string }> };

export function appliedState(model: DesiredModel, before: ActualState, p: Plan, result: ApplyResult): StatusState {
  const deleted = new Set(p.actions.flatMap((a) => (a.op === 'deleteLoadBalancer' || a.op === 'deleteTargetGroup' ? [a.arn] : [])));
  const lbArn = result.refs.loadBalancer;
  const was = before.loadBalancers.find((lb) => lb.arn === lbArn);
  const created = result.createdLoadBalancer?.LoadBalancerArn === lbArn ? result.createdLoadBalancer : undefined;
  const current: ActualLoadBalancer[] = lbArn
    ? [
        {
          ...model.loadBalancer,
          arn: lbArn,
          dnsName: created?.DNSName ?? was?.dnsName ?? '',
          canonicalHostedZoneId: created?.CanonicalHostedZoneId ?? was?.canonicalHostedZoneId ?? '',
          state: created?.State?.Code ?? was?.state ?? '',
          vpcId: created?.VpcId ?? was?.vpcId ?? '',
        },
      ]
    : [];
  const targetGroups: ActualTargetGroup[] = model.targetGroups.flatMap((d) => {
    const arn = result.refs.targetGroups[d.key];
    if (!arn) return [];
    // Health is AWS's to report: targets already registered keep the count last seen, new ones start unhealthy.
    return [{ ...d, arn, healthy: before.targetGroups.find((t) => t.arn === arn)?.healthy ?? 0 }];
  });
  const kept = new Set([...current.map((l) => l.arn), ...targetGroups.map((t) => t.arn)]);
  return {
    loadBalancers: [...current, ...before.loadBalancers.filter((lb) => !kept.has(lb.arn) && !deleted.has(lb.arn))],
    listeners: model.listeners.flatMap((l) => {
      const arn = result.refs.listeners[String(l.port)];
      return arn ? [{ port: l.port, arn }] : [];
    }),
    targetGroups: [...targetGroups, ...before.targetGroups.filter((t) => !kept.has(t.arn) && !deleted.has(t.arn))],
  };
}
