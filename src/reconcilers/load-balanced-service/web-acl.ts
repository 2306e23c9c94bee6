// spec.loadBalancer.webAclArn -> the WAFv2 association of the current load balancer. Pure.
// Managed only while the spec names a web ACL, or right after it stopped naming one: status
// remembers the ARN the controller associated (status.loadBalancer.webAclArn), and only that one is
// disassociated on removal. A load balancer whose spec never named a web ACL is not looked at in
// WAFv2 at all (no WAFv2 call, no SDK loaded), and an association made outside the controller then
// is left alone, as AWS Load Balancer Controller does without its annotation.
import type { Change, Plan, PlanAction } from './plan.ts';

const ABSENT = '(absent)';
const PATH = 'loadBalancer.webAclArn';

export interface WebAclInput {
  /** spec.loadBalancer.webAclArn */
  desired: string | undefined;
  /** status.loadBalancer.webAclArn: what the controller associated last */
  remembered: string | undefined;
  /**
   * What WAFv2 says is associated with the current load balancer: null none, undefined not read
   * (no current load balancer yet: it is created by this plan and has none).
   */
  observed: string | null | undefined;
}

/** Whether WAFv2 must be read for this resource (the spec names a web ACL, or did until now). */
export function webAclManaged(desired: string | undefined, remembered: string | undefined): boolean {
  return desired !== undefined || remembered !== undefined;
}

export function webAclActions(input: WebAclInput): PlanAction[] {
  const actual = input.observed ?? null;
  if (input.desired !== undefined) {
    if (actual === input.desired) return [];
    // AWS replaces an existing association: one call, no moment without a web ACL.
    const changes: Change[] = [{ path: PATH, desired: input.desired, actual: actual ?? ABSENT }];
    return [{ op: 'associateWebAcl', webAclArn: input.desired, changes }];
  }
  // Removed from the spec: take off only what the controller put on.
  if (input.remembered !== undefined && actual === input.remembered) {
    return [{ op: 'disassociateWebAcl', webAclArn: input.remembered, changes: [{ path: PATH, desired: ABSENT, actual }] }];
  }
  return [];
}

/**
 * The plan with the web ACL actions after everything that creates or changes the load balancer and
 * before the deletes (the association needs the load balancer's ARN, which a create gives).
 */
export function withWebAcl(p: Plan, actions: PlanAction[]): Plan {
  if (actions.length === 0) return p;
  // plan() puts every create and change first and the deletes last (a load balancer replaced for
  // its scheme under the same name is deleted before its successor is created, among the former).
  let at = 0;
  p.actions.forEach((a, i) => {
    if (!a.op.startsWith('delete')) at = i + 1;
  });
  return { ...p, actions: [...p.actions.slice(0, at), ...actions, ...p.actions.slice(at)] };
}

/** What status.loadBalancer.webAclArn says after this pass (applied: the plan ran without error). */
export function rememberedAfter(input: WebAclInput, applied: boolean): string | undefined {
  if (input.desired !== undefined) return applied || input.observed === input.desired ? input.desired : input.remembered;
  // Removed from the spec: forgotten once disassociated, or once something else holds the load balancer.
  return !applied && input.remembered !== undefined && input.observed === input.remembered ? input.remembered : undefined;
}
