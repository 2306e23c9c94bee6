// Which objects' tags the shared inventory reads ahead (issue 10), from what status remembers.
// Pure: the LoadBalancedServices of the cache in, the ARNs of those whose tags a reconcile will ask
// for soonest out, in that order.
import { createHash } from 'node:crypto';
import { isDeleting, keyOf } from '../../runtime/index.ts';
import type { LoadBalancedService } from '../../crds/index.ts';
import type { TagReadAhead } from './inventory.ts';

/**
 * When the periodic re-check of an object in sync since `syncTime` is due, after it: the resync
 * period with the runtime's ±10 % spread, but drawn from the object and the time (not at random),
 * so the inventory knows which objects come next. The reconciler returns it as resyncAfterMs.
 */
export function resyncDelayMs(o: LoadBalancedService, syncTime: string, periodMs: number): number {
  const h = createHash('sha256').update(`${o.metadata?.uid ?? keyOf(o)}\0${syncTime}`).digest().readUInt32BE(0) / 2 ** 32;
  return Math.round(periodMs * (0.9 + 0.2 * h));
}

/** The AWS objects status remembers by ARN (found even when their names are no longer derived). */
export function knownArns(lbs: LoadBalancedService): { knownLoadBalancerArns: string[]; knownTargetGroupArns: string[] } {
  return {
    knownLoadBalancerArns: [
      ...(lbs.status?.loadBalancer?.arn ? [lbs.status.loadBalancer.arn] : []),
      ...(lbs.status?.previousLoadBalancers ?? []).flatMap((p) => (p.arn ? [p.arn] : [])),
    ],
    knownTargetGroupArns: [...(lbs.status?.targetGroups ?? []), ...(lbs.status?.previousTargetGroups ?? [])].flatMap((t) => (t.arn ? [t.arn] : [])),
  };
}

/**
 * The objects whose ownership tags a reconcile will read within `horizonMs`, soonest first, with
 * the ARNs their status remembers: those being deleted (deletionPolicy Delete) now, then those in
 * sync by when their periodic re-check is due (the last sync + resyncDelayMs, as the reconciler
 * and a restarted controller schedule it). Deletion reads no listener tags.
 */
export function tagsDueNext(objects: readonly LoadBalancedService[], at: { now: number; resyncPeriodMs: number; horizonMs: number }): TagReadAhead[] {
  const due: Array<{ at: number; arns: TagReadAhead }> = [];
  for (const o of objects) {
    const s = o.status;
    if (!s) continue;
    const deleting = isDeleting(o);
    if (deleting && (o.spec.deletionPolicy ?? 'Delete') !== 'Delete') continue;
    const time = s.inSync?.time ?? '';
    const when = deleting ? at.now : Date.parse(time) + resyncDelayMs(o, time, at.resyncPeriodMs);
    if (!Number.isFinite(when) || when - at.now > at.horizonMs) continue;
    const { knownLoadBalancerArns, knownTargetGroupArns } = knownArns(o);
    due.push({
      at: when,
      arns: {
        loadBalancerArns: knownLoadBalancerArns,
        listenerArns: deleting ? [] : (s.listeners ?? []).flatMap((l) => (l.arn ? [l.arn] : [])),
        targetGroupArns: knownTargetGroupArns,
      },
    });
  }
  return due.sort((a, b) => a.at - b.at).map((d) => d.arns);
}
