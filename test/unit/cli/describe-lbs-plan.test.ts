// The LoadBalancedService plan in words: follow-ups folded into creates, create+delete = replace.
import { describe, expect, it } from '@jest/globals';
import { describeLbsPlan, isReplacedDelete } from '../../../src/cli/describe-lbs-plan.ts';
import type { Plan, PlanAction } from '../../../src/reconcilers/load-balanced-service/plan.ts';
import { summarize } from '../../../src/cli/render.ts';

const hc = { protocol: 'HTTP', port: 'traffic-port', path: '/', intervalSeconds: 30, timeoutSeconds: 5, healthyThresholdCount: 5, unhealthyThresholdCount: 2, matcher: '200' };
const planOf = (actions: PlanAction[]): Plan => ({ refs: { loadBalancer: null, listeners: {}, targetGroups: {} }, actions, waiting: [], blocked: [] });

describe('describeLbsPlan', () => {
  it('folds attributes and targets of a new target group into its create step', () => {
    const steps = describeLbsPlan(planOf([
      { op: 'createTargetGroup', targetGroup: 'web', name: 'chat-web-1', port: 8080, protocol: 'HTTP', protocolVersion: 'HTTP1', targetType: 'ip', vpcId: 'vpc-1', healthCheck: hc, tags: {}, changes: [] },
      { op: 'modifyTargetGroupAttributes', targetGroup: 'web', attributes: { 'stickiness.enabled': 'true' }, changes: [] },
      { op: 'registerTargets', targetGroup: 'web', targets: [{ id: '10.0.0.1', port: 8080 }], changes: [] },
    ]));
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ kind: 'create', what: 'target group web (chat-web-1)' });
    expect(steps[0]?.details).toEqual(expect.arrayContaining(['stickiness.enabled = true', 'targets 10.0.0.1:8080']));
  });

  it('shows an in-place change with actual -> desired', () => {
    const steps = describeLbsPlan(planOf([
      { op: 'modifyLoadBalancerAttributes', attributes: { 'idle_timeout.timeout_seconds': '3600' }, changes: [{ path: 'loadBalancer.idleTimeoutSeconds', desired: '3600', actual: '60' }] },
    ]));
    expect(steps).toEqual([{ kind: 'update', what: 'load balancer attributes', details: ['loadBalancer.idleTimeoutSeconds: 60 -> 3600'] }]);
  });

  it('makes a create and a later delete of the same target group one replacement', () => {
    const steps = describeLbsPlan(planOf([
      { op: 'createTargetGroup', targetGroup: 'web', name: 'chat-web-2', port: 9090, protocol: 'HTTP', protocolVersion: 'HTTP1', targetType: 'ip', vpcId: 'vpc-1', healthCheck: hc, tags: {}, changes: [{ path: 'targetGroups[web].port', desired: '9090', actual: '8080' }] },
      { op: 'deleteTargetGroup', arn: 'arn:old', name: 'chat-web-1', targetGroup: 'web', changes: [] },
    ]));
    expect(steps.map((s) => s.kind)).toEqual(['replace', 'delete']);
    expect(steps[0]?.details).toContain('targetGroups[web].port: 8080 -> 9090');
    expect(isReplacedDelete(steps[1]!)).toBe(true);
    expect(summarize([{ kind: 'LoadBalancedService', namespace: 'a', name: 'b', steps, notes: [] }])).toEqual({ create: 0, update: 0, replace: 1, delete: 0, errors: 0 });
  });
});
