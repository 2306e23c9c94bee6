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

  it('shows a rule with sign-in and its new conditions, and where the client secret comes from (never a value)', () => {
    const oidc = {
      issuer: 'https://adfs.example.com/adfs', authorizationEndpoint: 'https://adfs.example.com/a', tokenEndpoint: 'https://adfs.example.com/t',
      userInfoEndpoint: 'https://adfs.example.com/u', clientId: 'chat', scope: 'openid', sessionCookieName: 'AWSELBAuthSessionCookie',
      sessionTimeoutSeconds: 3600, onUnauthenticatedRequest: 'deny', clientSecretRef: { name: 'adfs-client', key: 'client-secret' }, clientSecretVersion: null,
    };
    const steps = describeLbsPlan(planOf([
      { op: 'createRule', port: 443, priority: 10, conditions: { pathPatterns: ['/admin/*'], hostHeaders: [], sourceIps: ['10.0.0.0/8'], httpRequestMethods: ['GET'] }, action: { type: 'forward', targetGroups: [{ targetGroup: 'web', weight: 1 }], authenticateOidc: oidc }, tags: {}, changes: [] },
    ]));
    expect(steps).toEqual([{
      kind: 'create',
      what: 'listener 443 rule 10',
      details: [
        'path /admin/* source 10.0.0.0/8 method GET -> authenticate-oidc https://adfs.example.com/adfs client chat (authorize https://adfs.example.com/a, token https://adfs.example.com/t, userinfo https://adfs.example.com/u, scope openid, cookie AWSELBAuthSessionCookie, 3600s, unauthenticated deny) then forward web',
        'client secret from Secret adfs-client, key client-secret',
      ],
    }]);
  });
});

