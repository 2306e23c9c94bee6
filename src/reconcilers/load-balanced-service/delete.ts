// Lean deletion: what the resource owns (found by name, remembered ARNs and tags, no details read),
// then the load balancer (its listeners and rules go with it) and then the target groups.
import type { Owned } from './observe.ts';
import type { Plan, PlanAction } from './plan.ts';

export function deletionPlan(owned: Pick<Owned, 'loadBalancers' | 'targetGroups'>, deletionProtection: boolean): Plan {
  const actions: PlanAction[] = [
    ...owned.loadBalancers.map((lb): PlanAction => ({ op: 'deleteLoadBalancer', arn: lb.LoadBalancerArn ?? '', name: lb.LoadBalancerName ?? '', disableDeletionProtection: deletionProtection, changes: [] })),
    ...owned.targetGroups.map(({ tg, key }): PlanAction => ({ op: 'deleteTargetGroup', arn: tg.TargetGroupArn ?? '', name: tg.TargetGroupName ?? '', targetGroup: key, changes: [] })),
  ];
  return { refs: { loadBalancer: null, listeners: {}, targetGroups: {} }, actions, waiting: [], blocked: [] };
}
