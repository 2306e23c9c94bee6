// Replaced target groups drain before they are deleted. A change AWS cannot make in place (port,
// protocol, protocolVersion, targetType, vpcId) creates a new group and moves the listeners and
// rules to it; the old group's open connections (websockets) keep flowing to its targets until its
// own deregistration delay has passed after the switch, and only then is it deleted.
// The start of the drain is kept in status.previousTargetGroups[].since, so a restarted controller
// neither loses nor shortens it (a group first seen without one starts its drain then: a crash
// between the switch and the status write makes the drain longer, never shorter). Pure.
import type { ActualState, DesiredModel } from './model.ts';

/** status.previousTargetGroups[] */
export interface PreviousTargetGroup {
  /** logical name (spec.targetGroups[].name) */
  name: string;
  arn: string;
  awsName: string;
  /** ISO time of the switch to the replacement; the drain counts from here */
  since: string;
  /** ISO time at which it is deleted: since + its deregistration delay */
  until: string;
}

export interface TargetGroupDrain {
  /** ARNs of replaced target groups to keep in this pass (still draining) */
  keep: Set<string>;
  /** what status.previousTargetGroups says: every replaced target group still in AWS */
  previous: PreviousTargetGroup[];
  /** ms until the next one is due, null when none is kept */
  dueInMs: number | null;
  /** for the Ready message, empty when none drains */
  message: string;
}

const DEFAULT_DELAY_SECONDS = 300;

function delayMs(attributes: Record<string, string>): number {
  const n = Number(attributes['deregistration_delay.timeout_seconds'] ?? DEFAULT_DELAY_SECONDS);
  return (Number.isFinite(n) && n >= 0 ? n : DEFAULT_DELAY_SECONDS) * 1000;
}

/**
 * Replaced target groups: owned ones whose logical name the spec still has under another AWS name.
 * While a replaced load balancer is still in AWS, its drain (retire.ts) decides for every stale
 * target group (one may still be attached to it), so none drains here.
 */
export function targetGroupDrain(
  desired: DesiredModel,
  actual: Pick<ActualState, 'loadBalancers' | 'targetGroups'>,
  known: ReadonlyArray<{ arn?: string; since?: string }>,
  nowMs: number,
): TargetGroupDrain {
  const out: TargetGroupDrain = { keep: new Set(), previous: [], dueInMs: null, message: '' };
  const want = desired.loadBalancer;
  if (actual.loadBalancers.some((lb) => lb.name !== want.name || lb.scheme !== want.scheme)) return out;
  const desiredNames = new Set(desired.targetGroups.map((t) => t.name));
  const keys = new Set(desired.targetGroups.map((t) => t.key));
  const notes: string[] = [];
  for (const tg of actual.targetGroups) {
    if (desiredNames.has(tg.name) || !keys.has(tg.key)) continue;
    const sinceText = known.find((k) => k.arn === tg.arn)?.since;
    const parsed = sinceText ? Date.parse(sinceText) : NaN;
    const since = Number.isNaN(parsed) ? nowMs : parsed;
    const until = since + delayMs(tg.attributes);
    out.previous.push({ name: tg.key, arn: tg.arn, awsName: tg.name, since: new Date(since).toISOString(), until: new Date(until).toISOString() });
    const left = until - nowMs;
    if (left <= 0) continue;
    out.keep.add(tg.arn);
    out.dueInMs = out.dueInMs === null ? left : Math.min(out.dueInMs, left);
    notes.push(`old target group ${tg.key} (${tg.name}) drains until ${new Date(until).toISOString()} (its deregistration delay)`);
  }
  out.message = notes.join('; ');
  return out;
}
