// Acceptance: the example from examples/ becomes Ready and AWS (moto) holds exactly what it says;
// in-place changes keep every ARN; a target group port change is create-before-destroy (the old group drains).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CoreV1Api } from '@kubernetes/client-node';
import { applyManifests, kubeConfig, readManifests, waitFor } from '../support/index.ts';
import {
  EXAMPLE,
  applyLbs,
  awsView,
  installCrds,
  listenerOn,
  readyCertificate,
  setup,
  teardown,
  tgOf,
  waitReady,
  type Env,
} from './harness.ts';
import type { LoadBalancedService } from '../../../src/crds/index.ts';

let env: Env | undefined;
let certArn = '';
let spec: LoadBalancedService['spec'];

beforeAll(async () => {
  await installCrds();
  env = await setup('lbs-example');
  certArn = await readyCertificate(env.ns.name, 'service-example-com');
  const [example] = readManifests(EXAMPLE) as LoadBalancedService[];
  spec = example!.spec;
  await applyManifests(readManifests(EXAMPLE), { namespace: env.ns.name });
});

afterAll(async () => {
  await teardown(env);
});

const ns = (): string => env!.ns.name;
const cluster = (): string => env!.controller.clusterName;

describe('the example LoadBalancedService', () => {
  test('becomes Ready and AWS holds exactly what it says', async () => {
    const lbs = await waitReady(ns(), 'chat', 90_000);
    const view = await awsView(cluster());

    // One load balancer with the attributes of the field report.
    expect(view.loadBalancers).toHaveLength(1);
    const { lb, attributes, tags } = view.loadBalancers[0]!;
    expect(lb.Scheme).toBe('internet-facing');
    expect(attributes).toMatchObject({
      'idle_timeout.timeout_seconds': '3600',
      'routing.http2.enabled': 'true',
      'routing.http.xff_header_processing.mode': 'append',
    });
    expect(tags).toMatchObject({ 'albatross.dev/cluster': cluster(), 'albatross.dev/owner': `LoadBalancedService/${ns()}/chat`, app: 'chat' });

    // Listeners: 443 HTTPS with the certificate and SSL policy, 80 redirecting with a 301.
    expect(view.listeners.map((l) => l.listener.Port).sort()).toEqual([443, 80].sort());
    const https = listenerOn(view, 443);
    expect(https.listener.Protocol).toBe('HTTPS');
    expect(https.listener.SslPolicy).toBe('ELBSecurityPolicy-TLS13-1-2-2021-06');
    expect(https.listener.Certificates?.[0]?.CertificateArn).toBe(certArn);
    expect(https.certificates).toEqual([certArn]);
    const http = listenerOn(view, 80);
    expect(http.listener.DefaultActions?.[0]).toMatchObject({ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } });

    // Target groups with stickiness lb_cookie / 1860, health checks and targets.
    expect(view.targetGroups).toHaveLength(3);
    const web = tgOf(view, 'web');
    const store = tgOf(view, 'store');
    const api = tgOf(view, 'api');
    for (const t of [web, store, api]) {
      expect(t.attributes).toMatchObject({ 'stickiness.enabled': 'true', 'stickiness.type': 'lb_cookie', 'stickiness.lb_cookie.duration_seconds': '1860' });
      expect(t.tg.VpcId).toMatch(/^vpc-/);
      expect(t.tg.TargetType).toBe('ip');
    }
    expect(web.tg.HealthCheckPath).toBe('/healthz');
    expect(web.tg.Matcher?.HttpCode).toBe('200-399');
    expect(store.tg.HealthCheckPath).toBe('/store/healthz');
    expect(api.tg.Port).toBe(9090);
    expect(web.targets).toEqual([{ id: '172.31.1.10', port: 8080 }, { id: '172.31.2.10', port: 8080 }]);
    expect(api.targets).toEqual([{ id: '172.31.1.30', port: 9090 }, { id: '172.31.2.30', port: 9090 }]);

    // Default action and rules with path patterns and priorities.
    expect(https.listener.DefaultActions?.[0]?.TargetGroupArn ?? https.listener.DefaultActions?.[0]?.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn).toBe(web.tg.TargetGroupArn);
    const rules = [...https.rules].sort((a, b) => Number(a.Priority) - Number(b.Priority));
    expect(rules.map((r) => r.Priority)).toEqual(['10', '20']);
    const paths = (r: (typeof rules)[number]): string[] => r.Conditions?.flatMap((c) => c.PathPatternConfig?.Values ?? c.Values ?? []) ?? [];
    const forwardTo = (r: (typeof rules)[number]): string | undefined => r.Actions?.[0]?.TargetGroupArn ?? r.Actions?.[0]?.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn;
    expect(paths(rules[0]!)).toEqual(['/store', '/store/*']);
    expect(forwardTo(rules[0]!)).toBe(store.tg.TargetGroupArn);
    expect(paths(rules[1]!)).toEqual(['/apiv2/*']);
    expect(forwardTo(rules[1]!)).toBe(api.tg.TargetGroupArn);

    // Status: what a user reads with kubectl.
    expect(lbs.status?.loadBalancer).toEqual({
      arn: lb.LoadBalancerArn,
      name: lb.LoadBalancerName,
      dnsName: lb.DNSName,
      canonicalHostedZoneId: lb.CanonicalHostedZoneId,
      state: 'active',
    });
    expect(lbs.status?.listeners?.map((l) => l.port).sort()).toEqual([443, 80].sort());
    expect(lbs.status?.targetGroups).toEqual(
      expect.arrayContaining([{ name: 'web', arn: web.tg.TargetGroupArn, targets: 2, healthy: 2 }]),
    );
    expect(lbs.status?.drift).toEqual([]);

    // And the change was recorded as an event.
    const events = await kubeConfig().makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns() });
    expect(events.items.filter((e) => e.involvedObject.name === 'chat' && e.reason === 'Created').map((e) => e.message)).toEqual([
      expect.stringMatching(/created target group .*load balancer .*listener 443.*rule 443\/10/),
    ]);
  });

  test('in-place changes (idle timeout, stickiness, a rule path, weights, a target) keep every ARN', async () => {
    const before = await awsView(cluster());
    const arns = (v: typeof before): string[] =>
      [
        ...v.loadBalancers.map((l) => l.lb.LoadBalancerArn!),
        ...v.targetGroups.map((t) => t.tg.TargetGroupArn!),
        ...v.listeners.map((l) => l.listener.ListenerArn!),
        ...v.listeners.flatMap((l) => l.rules.map((r) => r.RuleArn!)),
      ].sort();

    const next = structuredClone(spec);
    next.loadBalancer!.idleTimeoutSeconds = 1200;
    next.targetGroups![0]!.stickiness!.durationSeconds = 3600; // web
    next.listeners[0]!.rules![0]!.conditions = { pathPatterns: ['/shop', '/shop/*'] };
    next.listeners[0]!.rules![1]!.action = { forward: { targetGroups: [{ name: 'api', weight: 90 }, { name: 'web', weight: 10 }] } };
    next.targetGroups![1]!.targets = [{ id: '172.31.1.20' }, { id: '172.31.3.20' }]; // store: one replaced
    await applyLbs(ns(), 'chat', next);
    await waitReady(ns(), 'chat');

    const after = await awsView(cluster());
    expect(arns(after)).toEqual(arns(before));
    expect(after.loadBalancers[0]!.attributes['idle_timeout.timeout_seconds']).toBe('1200');
    expect(tgOf(after, 'web').attributes['stickiness.lb_cookie.duration_seconds']).toBe('3600');
    expect(tgOf(after, 'store').targets).toEqual([{ id: '172.31.1.20', port: 8080 }, { id: '172.31.3.20', port: 8080 }]);
    const rules = [...listenerOn(after, 443).rules].sort((a, b) => Number(a.Priority) - Number(b.Priority));
    expect(rules[0]!.Conditions?.flatMap((c) => c.PathPatternConfig?.Values ?? c.Values ?? [])).toEqual(['/shop', '/shop/*']);
    const weights = Object.fromEntries((rules[1]!.Actions?.[0]?.ForwardConfig?.TargetGroups ?? []).map((t) => [t.TargetGroupArn, t.Weight]));
    expect(weights).toEqual({ [tgOf(after, 'api').tg.TargetGroupArn!]: 90, [tgOf(after, 'web').tg.TargetGroupArn!]: 10 });
    spec = next;
  });

  test('a target group port change is create-before-destroy: new target group wired in, old one draining', async () => {
    const before = await awsView(cluster());
    const oldApi = tgOf(before, 'api').tg;
    const ruleArnsBefore = listenerOn(before, 443).rules.map((r) => r.RuleArn).sort();

    const next = structuredClone(spec);
    next.targetGroups![2]!.port = 9091;
    await applyLbs(ns(), 'chat', next);
    const after = await waitFor(
      async () => {
        const v = await awsView(cluster());
        const api = v.targetGroups.filter((t) => t.tags['albatross.dev/resource'] === 'targetgroup/api');
        const rule20 = listenerOn(v, 443).rules.find((r) => r.Priority === '20');
        const wired = (rule20?.Actions?.[0]?.ForwardConfig?.TargetGroups ?? []).some((t) => api.some((a) => a.tg.Port === 9091 && a.tg.TargetGroupArn === t.TargetGroupArn));
        return wired ? v : undefined;
      },
      { description: 'an api target group on port 9091, wired into rule 20', timeoutMs: 60_000 },
    );
    const ready = await waitReady(ns(), 'chat');
    const newApi = after.targetGroups.find((t) => t.tags['albatross.dev/resource'] === 'targetgroup/api' && t.tg.Port === 9091)!;
    expect(newApi.tg.TargetGroupArn).not.toBe(oldApi.TargetGroupArn);
    expect(newApi.targets).toEqual([{ id: '172.31.1.30', port: 9091 }, { id: '172.31.2.30', port: 9091 }]);
    // The old one drains for its deregistration delay (300 s here) before it is deleted (tg-drain.test.ts).
    expect(after.targetGroups.map((t) => t.tg.TargetGroupArn)).toContain(oldApi.TargetGroupArn);
    expect(ready.status?.previousTargetGroups?.map((t) => t.arn)).toEqual([oldApi.TargetGroupArn]);
    // The rule was re-pointed in place (same ARN) to the new target group.
    expect(listenerOn(after, 443).rules.map((r) => r.RuleArn).sort()).toEqual(ruleArnsBefore);
    spec = next;
  });
});
