// ELBv2's CreateLoadBalancer is idempotent by name: given a name the account already holds, with
// the same settings, AWS answers with that load balancer instead of a new one, which may be someone
// else's. Rather than ask AWS by name before every create (a read per object, issue 10), the
// inventory's view looks at what the create answered (inventory.ts): a load balancer that existed
// before the request is not ours until its ownership tags say so.
import type { LoadBalancer } from '../../aws/elbv2.ts';
import type { Conflict } from './model.ts';

/**
 * How far AWS's clock may be behind ours when it stamps CreatedTime. A load balancer created more
 * than this before our request was sent existed before it. Too small a margin costs one (batched)
 * DescribeTags per create when our clock runs ahead; too large lets a foreign load balancer made
 * that long before our create pass unchecked. Nodes keep NTP time to well under a second.
 */
export const CREATE_CLOCK_SKEW_MS = 10_000;

/**
 * Did CreateLoadBalancer hand back a load balancer that existed before our request (sent at
 * `sentAtMs`, our clock)? Yes when the view already knew its ARN (another reconcile made it, or the
 * listing holds it), when AWS stamped it well before the request, or when there is no stamp to tell.
 */
export function preExisted(lb: Pick<LoadBalancer, 'CreatedTime'>, sentAtMs: number, knownArn: boolean): boolean {
  if (knownArn) return true;
  const created = lb.CreatedTime ? new Date(lb.CreatedTime).getTime() : NaN;
  return Number.isNaN(created) || created < sentAtMs - CREATE_CLOCK_SKEW_MS;
}

/** CreateLoadBalancer answered with a load balancer that existed before and is not ours: nothing more is done to it. */
export class PreExistingLoadBalancerError extends Error {
  readonly conflict: Conflict;
  constructor(conflict: Conflict) {
    super(`CreateLoadBalancer answered with load balancer ${conflict.name} (${conflict.arn}), which existed before the request and is owned by ${conflict.owner}`);
    this.name = 'PreExistingLoadBalancerError';
    this.conflict = conflict;
  }
}
