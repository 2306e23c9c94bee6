// Property: for any spec and any AWS state reachable from another spec plus drift, applying the
// plan and planning again yields no actions; and the plan never asks AWS for something it refuses
// (duplicate names or ports, a priority in use, deleting a target group still in use ...), which
// the in-memory ELBv2 enforces like AWS does.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { LoadBalancedServiceSpec } from '../../../src/crds/index.ts';
import { apply } from '../../../src/reconcilers/load-balanced-service/apply.ts';
import { FakeElbv2 } from './fake-elbv2.ts';
import { planAgainst } from './support.ts';

type Spec = LoadBalancedServiceSpec;
type TgSpec = NonNullable<Spec['targetGroups']>[number];
type ListenerSpec = Spec['listeners'][number];
type ActionSpec = ListenerSpec['defaultAction'];

const TG_NAMES = ['web', 'store', 'api', 'blue'];
const IPS = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'];
const CERTS = ['c1', 'c2', 'c3'];
const ARNS = ['arn:aws:iam::1:server-certificate/x-1', 'arn:aws:iam::1:server-certificate/x-2', 'arn:aws:iam::1:server-certificate/x-3'];

const undef = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });

const targetGroupArb = (name: string): fc.Arbitrary<TgSpec> =>
  fc.record({
    name: fc.constant(name),
    port: fc.constantFrom(80, 8080, 9090),
    protocol: undef(fc.constantFrom('HTTP' as const, 'HTTPS' as const)),
    protocolVersion: undef(fc.constantFrom('HTTP1' as const, 'HTTP2' as const)),
    targetType: fc.constant('ip' as const),
    algorithm: undef(fc.constantFrom('round_robin' as const, 'least_outstanding_requests' as const)),
    deregistrationDelaySeconds: undef(fc.constantFrom(0, 30, 300)),
    healthCheck: undef(
      fc.record({ path: undef(fc.constantFrom('/', '/healthz')), intervalSeconds: undef(fc.constantFrom(10, 30)), matcher: undef(fc.constantFrom('200', '200-399')) }),
    ),
    stickiness: undef(
      fc.oneof(
        fc.record({ enabled: undef(fc.boolean()), type: fc.constant('lb_cookie' as const), durationSeconds: undef(fc.constantFrom(1860, 86400)) }),
        fc.record({ enabled: fc.constant(true), type: fc.constant('app_cookie' as const), durationSeconds: undef(fc.constantFrom(60, 1860)), cookieName: fc.constantFrom('SESSION', 'JSESSIONID') }),
      ),
    ),
    targets: fc.subarray(IPS).chain((ips) =>
      fc.tuple(...ips.map((id) => fc.record({ id: fc.constant(id), port: undef(fc.constantFrom(8080, 9000)) }))),
    ),
  });

const actionArb = (tgs: string[]): fc.Arbitrary<ActionSpec> => {
  const options: Array<fc.Arbitrary<ActionSpec>> = [
    fc.record({ redirect: fc.record({ protocol: undef(fc.constantFrom('HTTPS' as const)), port: undef(fc.constant('443')), statusCode: fc.constantFrom('HTTP_301' as const, 'HTTP_302' as const) }) }),
    fc.record({ fixedResponse: fc.record({ statusCode: fc.constantFrom('404', '503'), messageBody: undef(fc.constant('nope')) }) }),
  ];
  if (tgs.length) {
    options.push(fc.constantFrom(...tgs).map((t) => ({ forward: { targetGroup: t } })));
    options.push(
      fc.uniqueArray(fc.constantFrom(...tgs), { minLength: 1, maxLength: 3 }).chain((names) =>
        fc.tuple(...names.map((n) => fc.integer({ min: 0, max: 100 }).map((weight) => ({ name: n, weight })))).map((list) => ({ forward: { targetGroups: list } })),
      ),
    );
  }
  return fc.oneof(...options);
};

const listenerArb = (port: number, tgs: string[]): fc.Arbitrary<ListenerSpec> =>
  fc.constantFrom('HTTP' as const, 'HTTPS' as const).chain((protocol) =>
    fc.record({
      port: fc.constant(port),
      protocol: fc.constant(protocol),
      ...(protocol === 'HTTPS'
        ? { certificateRefs: fc.uniqueArray(fc.constantFrom(...CERTS), { minLength: 1, maxLength: 3 }).map((ns) => ns.map((name) => ({ name }))) }
        : {}),
      defaultAction: actionArb(tgs),
      rules: fc.uniqueArray(fc.integer({ min: 1, max: 6 }), { maxLength: 4 }).chain((prios) =>
        fc.tuple(
          ...prios.map((priority) =>
            fc.record({
              priority: fc.constant(priority),
              conditions: fc.oneof(
                fc.record({ pathPatterns: fc.uniqueArray(fc.constantFrom('/a', '/b/*', '/c'), { minLength: 1, maxLength: 2 }) }),
                fc.record({ hostHeaders: fc.uniqueArray(fc.constantFrom('a.example.com', 'B.example.com'), { minLength: 1, maxLength: 2 }) }),
              ),
              action: actionArb(tgs),
            }),
          ),
        ),
      ),
    }),
  );

const specArb: fc.Arbitrary<Spec> = fc.subarray(TG_NAMES).chain((tgNames) =>
  fc.record({
    loadBalancer: fc.record({
      scheme: undef(fc.constantFrom('internet-facing' as const, 'internal' as const)),
      ipAddressType: undef(fc.constantFrom('ipv4' as const, 'dualstack' as const)),
      subnets: undef(fc.constantFrom(['subnet-aaaaaaaa', 'subnet-bbbbbbbb'], ['subnet-aaaaaaaa', 'subnet-cccccccc'])),
      securityGroups: undef(fc.constantFrom(['sg-11111111'], ['sg-22222222', 'sg-11111111'])),
      idleTimeoutSeconds: undef(fc.constantFrom(60, 1800, 4000)),
      http2: undef(fc.boolean()),
      xForwardedFor: undef(fc.constantFrom('append' as const, 'preserve' as const, 'remove' as const)),
      deletionProtection: undef(fc.boolean()),
      tags: undef(fc.constantFrom<Record<string, string>>({ team: 'a' }, { team: 'b', app: 'chat' })),
    }),
    targetGroups: fc.tuple(...tgNames.map(targetGroupArb)),
    listeners: fc.uniqueArray(fc.constantFrom(80, 443, 8443), { minLength: 1, maxLength: 3 }).chain((ports) =>
      fc.tuple(...ports.map((p) => listenerArb(p, tgNames))),
    ),
    driftPolicy: fc.constant('Correct' as const),
  }),
);

const certsArb = fc.tuple(...CERTS.map(() => fc.option(fc.constantFrom(...ARNS), { nil: undefined }))).map(
  (arns) => new Map<string, string | undefined>(CERTS.map((c, i) => [c, arns[i]])),
);

type Drift = (api: FakeElbv2) => void;
const driftArb: fc.Arbitrary<Drift[]> = fc.array(
  fc.constantFrom<Drift>(
    (api) => {
      for (const x of api.lbs.values()) x.attributes['idle_timeout.timeout_seconds'] = '999';
    },
    (api) => {
      for (const l of api.listeners.values()) l.rules = l.rules.slice(1);
    },
    (api) => {
      for (const x of api.tgs.values()) x.targets = x.targets.slice(1);
    },
    (api) => {
      for (const x of api.tgs.values()) x.attributes['stickiness.enabled'] = 'true';
    },
    (api) => {
      for (const [arn, t] of api.tags) api.tags.set(arn, { ...t, foreign: 'x' });
    },
    (api) => {
      const first = [...api.listeners.keys()][0];
      if (first) api.listeners.delete(first);
    },
    (api) => {
      for (const l of api.listeners.values()) l.listener.DefaultActions = [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '500' } }];
    },
    (api) => {
      for (const x of api.tgs.values()) x.tg.HealthCheckPath = '/drifted';
    },
    (api) => {
      for (const l of api.listeners.values()) {
        if (l.certificates.length) l.certificates.push('arn:aws:iam::1:server-certificate/stray');
      }
    },
  ),
  { maxLength: 3 },
);

describe('plan property', () => {
  test('apply(plan) then plan again is empty, from any reachable state', async () => {
    await fc.assert(
      fc.asyncProperty(specArb, certsArb, specArb, certsArb, driftArb, async (a, certsA, b, certsB, drift) => {
        const api = new FakeElbv2();
        const pa = await planAgainst(api, a, { certificateArns: certsA });
        await apply(api, pa);
        expect((await planAgainst(api, a, { certificateArns: certsA })).actions).toEqual([]);
        for (const d of drift) d(api);
        // As the reconciler does, remember the load balancer ARN in status.
        const knownLoadBalancerArns = [...api.lbs.keys()];
        const pb = await planAgainst(api, b, { certificateArns: certsB, knownLoadBalancerArns });
        expect(JSON.parse(JSON.stringify(pb))).toEqual(pb);
        await apply(api, pb);
        const again = await planAgainst(api, b, { certificateArns: certsB, knownLoadBalancerArns });
        expect(again.actions).toEqual([]);
        // Nothing duplicated: one load balancer unless an old protected one had to stay.
        if (again.blocked.length === 0) expect(api.lbs.size).toBe(1);
      }),
      { numRuns: 300 },
    );
  });
});
