// What a LoadBalancedService reports when AWS objects holding its names may not be touched.
import { ADOPT_CONSENT_HINT } from '../../config.ts';
import { Reason } from '../../crds/index.ts';
import { TerminalError } from '../../runtime/index.ts';
import type { Conflict } from './model.ts';

/**
 * Objects holding our names that we may not touch. Only unowned ones, with spec.adopt: true in a
 * namespace the operator did not allow: AdoptionNotAllowed, saying which flag to set. Otherwise a
 * Conflict (a foreign owner is never taken over, whatever the flags).
 */
export function conflictError(conflicts: readonly Conflict[], opts: { adoptRequested: boolean; namespace: string }): TerminalError {
  const { adoptRequested, namespace } = opts;
  const kinds: Record<Conflict['kind'], string> = { loadbalancer: 'load balancer', targetgroup: 'target group', securitygroup: 'security group' };
  const what = (x: Conflict): string => `${kinds[x.kind]} ${x.name} (${x.arn}) is owned by ${x.owner}`;
  const c = conflicts.map(what).join('; ');
  const unowned = conflicts.filter((x) => x.owner.startsWith('nobody'));
  const consent = `the operator has not allowed adoption in namespace ${namespace} (add it to the controller's ${ADOPT_CONSENT_HINT})`;
  if (adoptRequested && unowned.length === conflicts.length) {
    return new TerminalError(
      Reason.AdoptionNotAllowed,
      `${c}; nothing was changed: spec.adopt is true, but ${consent}`,
      { recheck: true },
    );
  }
  const hint = !unowned.length ? '' : adoptRequested ? `; the unowned ones cannot be adopted either: ${consent}` : '; set spec.adopt: true to take over an unowned object';
  return new TerminalError(Reason.Conflict, `${c}; nothing was changed${hint}`, { recheck: true });
}
