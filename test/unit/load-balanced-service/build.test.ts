import { describe, expect, test } from '@jest/globals';
import { build, InvalidSpecError } from '../../../src/reconcilers/load-balanced-service/build.ts';
import { serviceTargets } from '../../../src/reconcilers/load-balanced-service/endpoints.ts';
import {
  isCandidateTargetGroupName,
  loadBalancerName,
  targetGroupName,
} from '../../../src/reconcilers/load-balanced-service/names.ts';
import { CERT_A, ID, NETWORK, desiredOf, exampleSpec } from './support.ts';

const VALID = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;

describe('names', () => {
  const tg = { key: 'web', port: 8080, protocol: 'HTTP', protocolVersion: 'HTTP1', targetType: 'ip', vpcId: 'vpc-1', loadBalancerName: 'lb' };

  test('are valid AWS names of at most 32 characters, even for long inputs', () => {
    const long = { cluster: 'c'.repeat(60), namespace: 'a-very-long-namespace-name-indeed', name: 'and-an-even-longer-resource-name-x' };
    for (const n of [loadBalancerName(long, 'internal'), targetGroupName(long, { ...tg, key: 'k'.repeat(32) }), loadBalancerName(ID, 'internal')]) {
      expect(n.length).toBeLessThanOrEqual(32);
      expect(n).toMatch(VALID);
      expect(n).not.toMatch(/--/);
    }
  });

  test('are stable and differ per cluster, namespace and name', () => {
    expect(loadBalancerName(ID, 'internet-facing')).toBe(loadBalancerName({ ...ID }, 'internet-facing'));
    const others = [
      { ...ID, cluster: 'other' },
      { ...ID, namespace: 'other' },
      { ...ID, name: 'other' },
    ];
    for (const o of others) {
      expect(loadBalancerName(o, 'internet-facing')).not.toBe(loadBalancerName(ID, 'internet-facing'));
      expect(targetGroupName(o, tg)).not.toBe(targetGroupName(ID, tg));
    }
  });

  test('"internal-" is never a load balancer name prefix (AWS reserves it)', () => {
    expect(loadBalancerName({ cluster: 'c', namespace: 'internal', name: 'x' }, 'internal')).not.toMatch(/^internal-/);
  });

  test('a scheme change yields a new load balancer name; an immutable target group field a new target group name', () => {
    expect(loadBalancerName(ID, 'internal')).not.toBe(loadBalancerName(ID, 'internet-facing'));
    for (const change of [{ port: 8081 }, { protocol: 'HTTPS' }, { protocolVersion: 'HTTP2' }, { targetType: 'instance' }, { vpcId: 'vpc-2' }, { loadBalancerName: 'lb2' }]) {
      expect(targetGroupName(ID, { ...tg, ...change })).not.toBe(targetGroupName(ID, tg));
    }
  });

  test("target group names carry the resource's marker, and only its own", () => {
    expect(isCandidateTargetGroupName(ID, targetGroupName(ID, tg))).toBe(true);
    expect(isCandidateTargetGroupName({ ...ID, name: 'other' }, targetGroupName(ID, tg))).toBe(false);
  });
});

describe('build', () => {
  test('access logs: on with bucket and prefix; absent means off, bucket and prefix then unmanaged', () => {
    const on = desiredOf({ ...exampleSpec(), loadBalancer: { ...exampleSpec().loadBalancer, accessLogs: { bucket: 'my-alb-logs', prefix: 'chat' } } });
    expect(on.loadBalancer.attributes).toMatchObject({ 'access_logs.s3.enabled': 'true', 'access_logs.s3.bucket': 'my-alb-logs', 'access_logs.s3.prefix': 'chat' });
    const noPrefix = desiredOf({ ...exampleSpec(), loadBalancer: { ...exampleSpec().loadBalancer, accessLogs: { bucket: 'my-alb-logs' } } });
    expect(noPrefix.loadBalancer.attributes['access_logs.s3.prefix']).toBe('');
    const off = desiredOf(exampleSpec());
    expect(off.loadBalancer.attributes['access_logs.s3.enabled']).toBe('false');
    expect(Object.keys(off.loadBalancer.attributes).filter((k) => k.startsWith('access_logs.s3.') && k !== 'access_logs.s3.enabled')).toEqual([]);
  });

  test('the example becomes the attributes AWS should hold', () => {
    const m = desiredOf(exampleSpec());
    expect(m.loadBalancer.attributes).toEqual({
      'idle_timeout.timeout_seconds': '3600',
      'routing.http2.enabled': 'true',
      'routing.http.xff_header_processing.mode': 'append',
      'deletion_protection.enabled': 'false',
      'access_logs.s3.enabled': 'false',
    });
    const web = m.targetGroups.find((t) => t.key === 'web');
    expect(web?.attributes).toMatchObject({
      'stickiness.enabled': 'true',
      'stickiness.type': 'lb_cookie',
      'stickiness.lb_cookie.duration_seconds': '1860',
      'deregistration_delay.timeout_seconds': '300',
      'load_balancing.algorithm.type': 'round_robin',
    });
    expect(web?.healthCheck).toEqual({
      protocol: 'HTTP',
      port: 'traffic-port',
      path: '/healthz',
      intervalSeconds: 30,
      timeoutSeconds: 5,
      healthyThresholdCount: 5,
      unhealthyThresholdCount: 2,
      matcher: '200-399',
    });
    expect(web?.vpcId).toBe(NETWORK.vpcId);
    expect(m.loadBalancer.subnets).toEqual(NETWORK.subnetIds);
    const l443 = m.listeners.find((l) => l.port === 443);
    expect(l443?.certificates).toEqual({ default: CERT_A, sni: [], complete: true });
    expect(l443?.sslPolicy).toBe('ELBSecurityPolicy-TLS13-1-2-2021-06');
    expect(m.listeners.find((l) => l.port === 80)?.defaultAction).toEqual({
      type: 'redirect',
      protocol: 'HTTPS',
      port: '443',
      host: '#{host}',
      path: '/#{path}',
      query: '#{query}',
      statusCode: 'HTTP_301',
    });
  });

  test('every object carries ownership tags and its resource-id tag; user tags too', () => {
    const m = desiredOf(exampleSpec());
    const owner = { 'albatross.dev/cluster': 'prod-cluster', 'albatross.dev/owner': 'LoadBalancedService/prod/chat' };
    expect(m.loadBalancer.tags).toEqual({ ...owner, app: 'chat', 'albatross.dev/resource': 'loadbalancer' });
    expect(m.targetGroups.find((t) => t.key === 'store')?.tags).toEqual({ ...owner, app: 'chat', 'albatross.dev/resource': 'targetgroup/store' });
    expect(m.listeners.find((l) => l.port === 80)?.tags).toEqual({ ...owner, app: 'chat', 'albatross.dev/resource': 'listener/80' });
  });

  test('app_cookie stickiness carries its cookie name and duration', () => {
    const s = exampleSpec();
    s.targetGroups![0]!.stickiness = { enabled: true, type: 'app_cookie', cookieName: 'SESSION', durationSeconds: 900 };
    const web = desiredOf(s).targetGroups.find((t) => t.key === 'web');
    expect(web?.attributes).toMatchObject({
      'stickiness.type': 'app_cookie',
      'stickiness.app_cookie.cookie_name': 'SESSION',
      'stickiness.app_cookie.duration_seconds': '900',
      'stickiness.lb_cookie.duration_seconds': '86400',
    });
  });

  test('a certificate without ARN is pending; the rest is built', () => {
    const r = build({ id: ID, spec: exampleSpec(), defaultNetwork: NETWORK, certificateArns: new Map(), serviceTargets: new Map() });
    expect(r.pendingCertificates).toEqual(['service-example-com']);
    expect(r.model.listeners.find((l) => l.port === 443)?.certificates).toEqual({ default: null, sni: [], complete: false });
  });

  test('bad input the schema cannot catch names the field', () => {
    const s = exampleSpec();
    s.targetGroups![0]!.healthCheck = { timeoutSeconds: 30, intervalSeconds: 30 };
    expect(() => desiredOf(s)).toThrow(InvalidSpecError);
    expect(() => desiredOf(s)).toThrow(/targetGroups\[web\]\.healthCheck\.timeoutSeconds/);
    const t = exampleSpec();
    t.listeners[0]!.defaultAction = { forward: { targetGroup: 'nope' } };
    expect(() => desiredOf(t)).toThrow(/listeners\[443\]\.defaultAction\.forward names target group "nope"/);
  });

  test('without subnets or vpcId and without the default network, it says what is missing', () => {
    expect(() => build({ id: ID, spec: exampleSpec(), certificateArns: new Map(), serviceTargets: new Map() })).toThrow(/default VPC/);
  });

  test('serviceRef targets come from the ready endpoints passed in', () => {
    const s = exampleSpec();
    s.targetGroups![2] = { name: 'api', port: 9090, serviceRef: { name: 'api', port: 80 } };
    const m = desiredOf(s, { serviceTargets: new Map([['api', [{ id: '10.1.0.2', port: 9000 }, { id: '10.1.0.1', port: 9000 }]]]) });
    expect(m.targetGroups.find((t) => t.key === 'api')?.targets).toEqual([
      { id: '10.1.0.1', port: 9000 },
      { id: '10.1.0.2', port: 9000 },
    ]);
  });
});

describe('serviceTargets', () => {
  const service = { spec: { ports: [{ name: 'http', port: 80 }, { name: 'admin', port: 81 }] } };
  const slice = (addresses: Array<[string, boolean | undefined]>) => ({
    addressType: 'IPv4',
    ports: [
      { name: 'http', port: 8080 },
      { name: 'admin', port: 9000 },
    ],
    endpoints: addresses.map(([a, ready]) => ({ addresses: [a], conditions: ready === undefined ? {} : { ready } })),
  });

  test('ready endpoints on the target port of the named service port; not-ready ones left out', () => {
    expect(serviceTargets(service, [slice([['10.0.0.2', true], ['10.0.0.1', undefined], ['10.0.0.3', false]])], 80)).toEqual([
      { id: '10.0.0.1', port: 8080 },
      { id: '10.0.0.2', port: 8080 },
    ]);
    expect(serviceTargets(service, [slice([['10.0.0.1', true]])], 81)).toEqual([{ id: '10.0.0.1', port: 9000 }]);
  });

  test('no slices, or FQDN slices: no targets', () => {
    expect(serviceTargets(service, [], 80)).toEqual([]);
    expect(serviceTargets(service, [{ ...slice([['a.example', true]]), addressType: 'FQDN' }], 80)).toEqual([]);
  });
});
