// What a LoadBalancedService reports for objects it may not touch: a foreign owner is always a
// Conflict; an unowned object asked for with spec.adopt: true, where the operator did not allow
// adoption, is AdoptionNotAllowed naming the flag to set.
import { describe, expect, it } from '@jest/globals';
import { conflictError } from '../../../src/reconcilers/load-balanced-service/conflicts.ts';
import type { Conflict } from '../../../src/reconcilers/load-balanced-service/model.ts';

const unowned: Conflict = { kind: 'loadbalancer', name: 'legacy', arn: 'arn:lb/legacy', owner: 'nobody (no albatross.dev ownership tags)' };
const foreign: Conflict = { kind: 'targetgroup', name: 'tg', arn: 'arn:tg/tg', owner: 'LoadBalancedService/x/y in cluster other' };

describe('conflictError', () => {
  it('unowned, without spec.adopt: Conflict, suggesting spec.adopt', () => {
    const e = conflictError([unowned], { adoptRequested: false, namespace: 'team' });
    expect(e.reason).toBe('Conflict');
    expect(e.message).toBe('load balancer legacy (arn:lb/legacy) is owned by nobody (no albatross.dev ownership tags); nothing was changed; set spec.adopt: true to take over an unowned object');
  });

  it('unowned, with spec.adopt where adoption is not allowed: AdoptionNotAllowed naming the namespace and the flag', () => {
    const e = conflictError([unowned], { adoptRequested: true, namespace: 'team' });
    expect(e.reason).toBe('AdoptionNotAllowed');
    expect(e.recheck).toBe(true);
    expect(e.message).toContain('load balancer legacy (arn:lb/legacy) is owned by nobody');
    expect(e.message).toContain('nothing was changed: spec.adopt is true, but the operator has not allowed adoption in namespace team');
    expect(e.message).toContain('--adopt-namespaces (chart value controller.adoptNamespaces');
  });

  it('a foreign owner is a Conflict even with spec.adopt; the unowned ones still name the flag', () => {
    const e = conflictError([foreign, unowned], { adoptRequested: true, namespace: 'team' });
    expect(e.reason).toBe('Conflict');
    expect(e.message).toMatch(/^target group tg \(arn:tg\/tg\) is owned by LoadBalancedService\/x\/y in cluster other; load balancer legacy/);
    expect(e.message).toContain('the unowned ones cannot be adopted either');
    expect(conflictError([foreign], { adoptRequested: true, namespace: 'team' }).message).toBe(
      'target group tg (arn:tg/tg) is owned by LoadBalancedService/x/y in cluster other; nothing was changed',
    );
  });
});
