// actual state -> the observed part of status (load balancer, listeners, target groups). Pure.
import type { LoadBalancedServiceStatus } from '../../crds/index.ts';
import type { StatusState } from './applied.ts';
import type { DesiredModel } from './model.ts';
import type { Change } from './plan.ts';

export type ObservedStatus = Pick<LoadBalancedServiceStatus, 'loadBalancer' | 'listeners' | 'targetGroups'>;

export function observedStatus(desired: DesiredModel, actual: StatusState): ObservedStatus {
  const lb = actual.loadBalancers.find((l) => l.name === desired.loadBalancer.name) ?? actual.loadBalancers[0];
  const seen = new Set<string>();
  return {
    ...(lb
      ? {
          loadBalancer: {
            arn: lb.arn,
            name: lb.name,
            dnsName: lb.dnsName,
            canonicalHostedZoneId: lb.canonicalHostedZoneId,
            state: lb.state,
          },
        }
      : {}),
    listeners: (lb?.name === desired.loadBalancer.name ? actual.listeners : []).map((l) => ({ port: l.port, arn: l.arn })),
    targetGroups: desired.targetGroups.flatMap((d) => {
      const tg = actual.targetGroups.find((a) => a.name === d.name);
      if (!tg || seen.has(d.key)) return [];
      seen.add(d.key);
      return [{ name: d.key, arn: tg.arn, targets: tg.targets.length, healthy: tg.healthy }];
    }),
  };
}

const MAX_DRIFT = 50;
const MAX_VALUE = 256;

function clip(s: string): string {
  return s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE - 1)}…` : s;
}

/** status.drift entries (bounded, so a wildly drifted object cannot blow up the status). */
export function driftStatus(changes: Change[]): NonNullable<LoadBalancedServiceStatus['drift']> {
  return changes.slice(0, MAX_DRIFT).map((c) => ({ path: c.path, desired: clip(c.desired), actual: clip(c.actual) }));
}

/** "path: actual -> desired; ..." for condition messages and events. */
export function summarizeChanges(changes: Change[], max = 10): string {
  const parts = changes.slice(0, max).map((c) => `${c.path}: ${clip(c.actual)} -> ${clip(c.desired)}`);
  if (changes.length > max) parts.push(`and ${changes.length - max} more`);
  return parts.join('; ');
}
