// Replaced load balancers (a new scheme or a new explicit name) are retired create-before-destroy:
// the new one is created and published in status (DnsAlias moves its CNAME), and the old one keeps
// serving until the new one is active and a drain period has passed since the switch, so clients
// holding the old DNS answer (up to its TTL) still reach a load balancer. Pure.
import type { ActualState, DesiredModel } from './model.ts';

/** Default drain period: the DnsAlias default TTL, so cached answers for the old name expire first. */
export const DEFAULT_DRAIN_SECONDS = 300;

/** status.previousLoadBalancers[] */
export interface PreviousLoadBalancer {
  arn: string;
  name: string;
  dnsName: string;
  /** ISO time of the switch; the drain period counts from here */
  since: string;
}

export interface Retirement {
  /** ARNs of replaced load balancers to keep in this pass (not yet due) */
  keep: Set<string>;
  /** what status.previousLoadBalancers should say (every replaced load balancer still in AWS) */
  previous: PreviousLoadBalancer[];
  /** ms until the next one is due (null when none is kept, or when waiting for the new one to be active) */
  dueInMs: number | null;
  /** for the condition message, empty when none is kept */
  message: string;
}

/**
 * Replaced load balancers are the owned ones with another name than the desired one. (One with the
 * desired name but another scheme cannot coexist with its replacement and is not retired here; an
 * owned duplicate of the desired name never was published and is removed at once, as before.)
 */
export function retirement(
  desired: DesiredModel,
  actual: Pick<ActualState, 'loadBalancers'>,
  known: ReadonlyArray<{ arn?: string; since?: string }>,
  nowMs: number,
  drainMs: number,
): Retirement {
  const want = desired.loadBalancer;
  const current = actual.loadBalancers.find((lb) => lb.name === want.name && lb.scheme === want.scheme);
  const active = current?.state === 'active';
  const keep = new Set<string>();
  const previous: PreviousLoadBalancer[] = [];
  const notes: string[] = [];
  let dueInMs: number | null = null;
  for (const lb of actual.loadBalancers) {
    if (lb.name === want.name) continue;
    const sinceText = known.find((k) => k.arn === lb.arn)?.since;
    const sinceMs = sinceText ? Date.parse(sinceText) : NaN;
    const since = Number.isNaN(sinceMs) ? nowMs : sinceMs;
    previous.push({ arn: lb.arn, name: lb.name, dnsName: lb.dnsName, since: new Date(since).toISOString() });
    const left = since + drainMs - nowMs;
    if (active && left <= 0) continue;
    keep.add(lb.arn);
    if (active) dueInMs = dueInMs === null ? left : Math.min(dueInMs, left);
    notes.push(
      active
        ? `old load balancer ${lb.name} still serves until ${new Date(since + drainMs).toISOString()} (drain period)`
        : `old load balancer ${lb.name} still serves until ${want.name} is active and the drain period has passed`,
    );
  }
  return { keep, previous, dueInMs, message: notes.join('; ') };
}

/**
 * Does this action only finish a replacement (an old load balancer with another name, or the old
 * target group of a logical name the spec still has)? Such deletes are not drift.
 */
export function finishesReplacement(
  a: { op: string; name?: string; targetGroup?: string; finishesReplacement?: true },
  desired: DesiredModel,
): boolean {
  if (a.op === 'deleteLoadBalancer') return a.name !== desired.loadBalancer.name;
  // Frontend rules the replaced load balancer still needed while it drained (security-groups-plan.ts).
  if (a.op === 'revokeSecurityGroupIngress') return a.finishesReplacement === true;
  if (a.op === 'deleteTargetGroup') return desired.targetGroups.some((t) => t.key === a.targetGroup);
  return false;
}
