// Golden plans: for each (spec, AWS state) pair, the exact ordered actions. The AWS state is made by
// converging a starting spec on an in-memory ELBv2 (with AWS's rules) and optionally drifting it.
import { describe, expect, test } from '@jest/globals';
import type { LoadBalancedServiceSpec } from '../../../src/crds/index.ts';
import { apply } from '../../../src/reconcilers/load-balanced-service/apply.ts';
import { observe } from '../../../src/reconcilers/load-balanced-service/observe.ts';
import { planDeletion } from '../../../src/reconcilers/load-balanced-service/plan.ts';
import { FakeElbv2 } from './fake-elbv2.ts';
import { CERT_A, CERT_B, CERT_SNI, ID, cycle, desiredOf, exampleSpec, opLine, planAgainst, type Inputs } from './support.ts';

type Spec = LoadBalancedServiceSpec;

interface Case {
  name: string;
  /** spec converged first (default: the example) */
  before?: (s: Spec) => void;
  /** direct changes in AWS after converging (drift) */
  drift?: (api: FakeElbv2) => void;
  /** the spec then planned */
  after?: (s: Spec) => void;
  inputs?: Inputs;
  expected: string[];
}

const tg = (s: Spec, name: string): NonNullable<Spec['targetGroups']>[number] => {
  const found = s.targetGroups?.find((t) => t.name === name);
  if (!found) throw new Error(name);
  return found;
};
const https = (s: Spec): Spec['listeners'][number] => s.listeners[0] as Spec['listeners'][number];

function findTg(api: FakeElbv2, key: string): string {
  for (const [arn] of api.tgs) if (api.tags.get(arn)?.['albatross.dev/resource'] === `targetgroup/${key}`) return arn;
  throw new Error(`no tg ${key}`);
}
function httpsListener(api: FakeElbv2): ReturnType<FakeElbv2['listeners']['get']> {
  return [...api.listeners.values()].find((l) => l.listener.Port === 443);
}

const CASES: Case[] = [
  {
    name: 'cold start builds everything in dependency order',
    before: () => undefined,
    expected: [], // filled by the dedicated test below
  },
  { name: 'converged: nothing to do', expected: [] },
  {
    name: 'idle timeout changes in place',
    after: (s) => {
      s.loadBalancer!.idleTimeoutSeconds = 120;
    },
    expected: ['modifyLoadBalancerAttributes idle_timeout.timeout_seconds=120'],
  },
  {
    name: 'removing idleTimeoutSeconds returns it to the AWS default (60)',
    after: (s) => {
      delete s.loadBalancer!.idleTimeoutSeconds;
    },
    expected: ['modifyLoadBalancerAttributes idle_timeout.timeout_seconds=60'],
  },
  {
    name: 'http2 off and X-Forwarded-For preserve',
    after: (s) => {
      s.loadBalancer!.http2 = false;
      s.loadBalancer!.xForwardedFor = 'preserve';
    },
    expected: ['modifyLoadBalancerAttributes routing.http2.enabled=false routing.http.xff_header_processing.mode=preserve'],
  },
  {
    name: 'stickiness duration changes in place',
    after: (s) => {
      tg(s, 'web').stickiness!.durationSeconds = 3600;
    },
    expected: ['modifyTargetGroupAttributes web targetGroups[web].stickiness.durationSeconds=3600'],
  },
  {
    name: 'removing stickiness returns it to the AWS defaults',
    after: (s) => {
      delete tg(s, 'store').stickiness;
    },
    expected: [
      'modifyTargetGroupAttributes store targetGroups[store].stickiness.enabled=false targetGroups[store].stickiness.durationSeconds=86400',
    ],
  },
  {
    name: 'app_cookie stickiness sends the cookie name with the type',
    after: (s) => {
      tg(s, 'api').stickiness = { enabled: true, type: 'app_cookie', cookieName: 'SESSION', durationSeconds: 600 };
    },
    expected: [
      'modifyTargetGroupAttributes api targetGroups[api].stickiness.enabled=true targetGroups[api].stickiness.type=app_cookie targetGroups[api].stickiness.durationSeconds=600 targetGroups[api].stickiness.cookieName=SESSION',
    ],
  },
  {
    name: 'health check and deregistration delay change in place',
    after: (s) => {
      tg(s, 'web').healthCheck = { path: '/ready', matcher: '200', intervalSeconds: 10 };
      tg(s, 'web').deregistrationDelaySeconds = 30;
      tg(s, 'web').algorithm = 'least_outstanding_requests';
    },
    expected: [
      'modifyTargetGroup web targetGroups[web].healthCheck.path=/ready targetGroups[web].healthCheck.intervalSeconds=10 targetGroups[web].healthCheck.matcher=200',
      'modifyTargetGroupAttributes web targetGroups[web].deregistrationDelaySeconds=30 targetGroups[web].algorithm=least_outstanding_requests',
    ],
  },
  {
    name: "a rule's path changes in place",
    after: (s) => {
      https(s).rules![0]!.conditions = { pathPatterns: ['/shop/*'] };
    },
    expected: ['modifyRule 443/10'],
  },
  {
    name: 'weights change in place',
    after: (s) => {
      https(s).rules![1]!.action = { forward: { targetGroups: [{ name: 'api', weight: 90 }, { name: 'web', weight: 10 }] } };
    },
    expected: ['modifyRule 443/20'],
  },
  {
    name: 'targets added and removed',
    after: (s) => {
      tg(s, 'web').targets = [{ id: '172.31.1.10' }, { id: '172.31.3.10' }];
    },
    expected: ['registerTargets web 172.31.3.10:8080', 'deregisterTargets web 172.31.2.10:8080'],
  },
  {
    name: 'target group port change is create-before-destroy; the old one goes last',
    after: (s) => {
      tg(s, 'api').port = 9091;
    },
    expected: [
      'createTargetGroup api port=9091',
      'modifyTargetGroupAttributes api',
      'registerTargets api 172.31.1.30:9091',
      'modifyRule 443/20',
      'deleteTargetGroup api',
    ],
  },
  {
    name: 'target group protocolVersion change replaces it and moves the default action',
    after: (s) => {
      tg(s, 'web').protocolVersion = 'HTTP2';
    },
    expected: [
      'createTargetGroup web port=8080',
      'modifyTargetGroupAttributes web',
      'registerTargets web 172.31.1.10:8080,172.31.2.10:8080',
      'modifyListener 443 defaultAction',
      'deleteTargetGroup web',
    ],
  },
  {
    name: 'a rule moved to a free priority is re-prioritised, not recreated',
    after: (s) => {
      https(s).rules![0]!.priority = 15;
    },
    expected: ['setRulePriorities 443 15'],
  },
  {
    name: 'two rules swapping priorities are modified in place',
    after: (s) => {
      const [a, b] = https(s).rules!;
      a!.priority = 20;
      b!.priority = 10;
    },
    expected: ['modifyRule 443/10', 'modifyRule 443/20'],
  },
  {
    name: 'a new rule is created before an old one is deleted',
    after: (s) => {
      https(s).rules = [
        https(s).rules![0]!,
        { priority: 30, conditions: { hostHeaders: ['API.example.com'] }, action: { forward: { targetGroup: 'api' } } },
      ];
    },
    expected: ['createRule 443/30', 'deleteRule 443/20'],
  },
  {
    name: 'a listener removed from the spec is deleted',
    after: (s) => {
      s.listeners = [https(s)];
    },
    expected: ['deleteListener 80'],
  },
  {
    name: 'a target group removed from the spec is deleted after the rule that used it',
    after: (s) => {
      https(s).rules = [https(s).rules![0]!];
      s.targetGroups = s.targetGroups!.filter((t) => t.name !== 'api');
    },
    expected: ['deleteRule 443/20', 'deleteTargetGroup api'],
  },
  {
    name: 'certificate rotation: the listener follows the new ARN',
    inputs: { certificateArns: new Map([['service-example-com', CERT_B]]) },
    expected: ['modifyListener 443 certificateRefs[0]'],
  },
  {
    name: 'an SNI certificate is added',
    after: (s) => {
      https(s).certificateRefs = [{ name: 'service-example-com' }, { name: 'api-example-com' }];
    },
    inputs: { certificateArns: new Map([['service-example-com', CERT_A], ['api-example-com', CERT_SNI]]) },
    expected: ['addListenerCertificates 443 api-example-com-0badcafe'],
  },
  {
    name: 'an SNI certificate that is not Ready yet is neither added nor removes anything',
    after: (s) => {
      https(s).certificateRefs = [{ name: 'service-example-com' }, { name: 'api-example-com' }];
    },
    inputs: { certificateArns: new Map([['service-example-com', CERT_A], ['api-example-com', undefined]]) },
    expected: [],
  },
  {
    name: 'ssl policy changes in place',
    after: (s) => {
      https(s).sslPolicy = 'ELBSecurityPolicy-TLS13-1-3-2021-06';
    },
    expected: ['modifyListener 443 sslPolicy'],
  },
  {
    name: 'user tags change in place on every object',
    after: (s) => {
      s.loadBalancer!.tags = { app: 'chat', team: 'payments' };
    },
    expected: [
      'tagTargetGroup api targetGroups[api].tags.team=payments',
      'tagTargetGroup store targetGroups[store].tags.team=payments',
      'tagTargetGroup web targetGroups[web].tags.team=payments',
      'tagLoadBalancer loadBalancer.tags.team=payments',
      'tagListener 80',
      'tagListener 443',
    ],
  },
  {
    name: 'ipAddressType and subnets change in place',
    after: (s) => {
      s.loadBalancer!.ipAddressType = 'dualstack';
      s.loadBalancer!.subnets = ['subnet-aaaaaaaa', 'subnet-cccccccc'];
    },
    expected: ['setSubnets loadBalancer.subnets=subnet-aaaaaaaa,subnet-cccccccc', 'setIpAddressType loadBalancer.ipAddressType=dualstack'],
  },
  {
    name: 'scheme change (derived name), old load balancer due (drained): new load balancer and target groups first, old ones removed last',
    after: (s) => {
      s.loadBalancer!.scheme = 'internal';
    },
    expected: [
      'createTargetGroup api port=9090',
      'modifyTargetGroupAttributes api',
      'registerTargets api 172.31.1.30:9090',
      'createTargetGroup store port=8080',
      'modifyTargetGroupAttributes store',
      'registerTargets store 172.31.1.20:8080',
      'createTargetGroup web port=8080',
      'modifyTargetGroupAttributes web',
      'registerTargets web 172.31.1.10:8080,172.31.2.10:8080',
      'createLoadBalancer internal',
      'modifyLoadBalancerAttributes idle_timeout.timeout_seconds=3600 routing.http2.enabled=true routing.http.xff_header_processing.mode=append deletion_protection.enabled=false access_logs.s3.enabled=false',
      'createListener 80 new',
      'createListener 443 new',
      'createRule 443/10',
      'createRule 443/20',
      'deleteLoadBalancer OLD',
      'deleteTargetGroup api',
      'deleteTargetGroup store',
      'deleteTargetGroup web',
    ],
  },
  {
    name: 'drift: an attribute changed, a rule deleted and a target deregistered in AWS',
    drift: (api) => {
      const lb = [...api.lbs.values()][0]!;
      lb.attributes['idle_timeout.timeout_seconds'] = '60';
      const l = httpsListener(api)!;
      l.rules = l.rules.filter((r) => r.Priority !== '10');
      const web = api.tgs.get(findTg(api, 'web'))!;
      web.targets = web.targets.filter((t) => t.Id !== '172.31.2.10');
    },
    expected: ['registerTargets web 172.31.2.10:8080', 'modifyLoadBalancerAttributes idle_timeout.timeout_seconds=3600', 'createRule 443/10'],
  },
  {
    name: 'drift: a foreign tag and a changed stickiness are put back',
    drift: (api) => {
      const store = findTg(api, 'store');
      api.tgs.get(store)!.attributes['stickiness.enabled'] = 'false';
      api.tags.set(store, { ...api.tags.get(store), extra: 'x' });
    },
    expected: [
      'modifyTargetGroupAttributes store targetGroups[store].stickiness.enabled=true',
      'tagTargetGroup store targetGroups[store].tags.extra=(absent)',
    ],
  },
];

describe('plan golden table', () => {
  test('cold start builds everything in dependency order: TG -> LB -> listeners -> rules', async () => {
    const api = new FakeElbv2();
    const p = await planAgainst(api, exampleSpec());
    expect(p.actions.map(opLine)).toEqual([
      'createTargetGroup api port=9090',
      'modifyTargetGroupAttributes api',
      'registerTargets api 172.31.1.30:9090',
      'createTargetGroup store port=8080',
      'modifyTargetGroupAttributes store',
      'registerTargets store 172.31.1.20:8080',
      'createTargetGroup web port=8080',
      'modifyTargetGroupAttributes web',
      'registerTargets web 172.31.1.10:8080,172.31.2.10:8080',
      'createLoadBalancer internet-facing',
      'modifyLoadBalancerAttributes idle_timeout.timeout_seconds=3600 routing.http2.enabled=true routing.http.xff_header_processing.mode=append deletion_protection.enabled=false access_logs.s3.enabled=false',
      'createListener 80 new',
      'createListener 443 new',
      'createRule 443/10',
      'createRule 443/20',
    ]);
    expect(JSON.parse(JSON.stringify(p))).toEqual(p); // JSON-serialisable as is
  });

  for (const c of CASES.slice(1)) {
    test(c.name, async () => {
      const api = new FakeElbv2();
      const before = exampleSpec();
      c.before?.(before);
      await cycle(api, before);
      expect((await planAgainst(api, before)).actions).toEqual([]);
      c.drift?.(api);
      const after = structuredClone(before);
      c.after?.(after);
      const oldLb = [...api.lbs.values()][0]?.lb.LoadBalancerName ?? '';
      const p = await planAgainst(api, after, c.inputs);
      expect(p.actions.map(opLine).map((l) => l.replace(oldLb, 'OLD'))).toEqual(c.expected);
      // Applying it converges: the next plan is empty, ARNs of kept objects unchanged.
      const arnsBefore = new Set([...api.lbs.keys(), ...api.tgs.keys(), ...api.listeners.keys()]);
      await apply(api, p);
      expect((await planAgainst(api, after, c.inputs)).actions).toEqual([]);
      const replaced = p.actions.filter((a) => a.op.startsWith('delete')).length;
      if (replaced === 0 && !c.expected.some((l) => l.startsWith('create'))) {
        expect(new Set([...api.lbs.keys(), ...api.tgs.keys(), ...api.listeners.keys()])).toEqual(arnsBefore);
      }
    });
  }

  test('a listener whose default certificate is not Ready waits; everything else is built', async () => {
    const api = new FakeElbv2();
    const inputs = { certificateArns: new Map<string, string | undefined>([['service-example-com', undefined]]) };
    const p = await planAgainst(api, exampleSpec(), inputs);
    expect(p.actions.map(opLine)).not.toContain('createListener 443 new');
    expect(p.actions.map(opLine)).toContain('createListener 80 new');
    expect(p.actions.filter((a) => a.op === 'createRule')).toEqual([]);
    expect(p.waiting).toEqual(['listeners[443] waits for its default certificate to be Ready']);
    await apply(api, p);
    expect((await planAgainst(api, exampleSpec(), inputs)).actions).toEqual([]);
    // The certificate becomes Ready: only the listener and its rules are added.
    expect((await planAgainst(api, exampleSpec())).actions.map(opLine)).toEqual(['createListener 443 new', 'createRule 443/10', 'createRule 443/20']);
  });

  test('scheme change with an explicit name: the old load balancer must go first', async () => {
    const api = new FakeElbv2();
    const spec = exampleSpec();
    spec.loadBalancer!.name = 'chat-prod';
    await cycle(api, spec);
    spec.loadBalancer!.scheme = 'internal';
    const p = await planAgainst(api, spec);
    expect(p.actions.map(opLine).slice(0, 2)).toEqual(['deleteLoadBalancer chat-prod', 'createLoadBalancer internal']);
    await apply(api, p);
    expect((await planAgainst(api, spec)).actions).toEqual([]);
  });

  test('scheme change with an explicit name and deletion protection is blocked, nothing is planned', async () => {
    const api = new FakeElbv2();
    const spec = exampleSpec();
    spec.loadBalancer!.name = 'chat-prod';
    spec.loadBalancer!.deletionProtection = true;
    await cycle(api, spec);
    spec.loadBalancer!.scheme = 'internal';
    const p = await planAgainst(api, spec);
    expect(p.actions).toEqual([]);
    expect(p.blocked[0]).toMatch(/deletion protection/);
  });

  test('deletion: listeners, then the load balancer (protection off first), then target groups', async () => {
    const api = new FakeElbv2();
    const spec = exampleSpec();
    spec.loadBalancer!.deletionProtection = true;
    await cycle(api, spec);
    const model = desiredOf(spec);
    const actual = await observe(api, {
      id: ID,
      ownerTags: model.ownerTags,
      loadBalancerName: model.loadBalancer.name,
      targetGroupNames: new Map(),
      knownLoadBalancerArns: [],
      knownTargetGroupArns: [],
      adopt: false,
    });
    const p = planDeletion(actual);
    expect(p.actions.map(opLine)).toEqual([
      'deleteListener 80',
      'deleteListener 443',
      `deleteLoadBalancer ${model.loadBalancer.name} (protection off first)`,
      'deleteTargetGroup api',
      'deleteTargetGroup store',
      'deleteTargetGroup web',
    ]);
    await apply(api, p);
    expect(api.lbs.size + api.tgs.size + api.listeners.size).toBe(0);
  });
});
