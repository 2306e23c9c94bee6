// References: an HTTPS listener waits for its ServerCertificate (ReferenceNotReady, the rest built),
// follows a rotated ARN, and serviceRef targets follow the Service's ready EndpointSlice addresses.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import type { LoadBalancedService } from '../../../src/crds/index.ts';
import { conditionOf, kubeConfig, waitFor } from '../support/index.ts';
import {
  applyLbs,
  awsView,
  createServerCertificate,
  installCrds,
  listenerOn,
  setCertificateStatus,
  setup,
  teardown,
  tgOf,
  uploadIamCertificate,
  waitForCondition,
  waitReady,
  type Env,
} from './harness.ts';

let env: Env | undefined;

beforeAll(async () => {
  await installCrds();
  env = await setup('lbs-refs');
});

afterAll(async () => {
  await teardown(env);
});

const ns = (): string => env!.ns.name;
const cluster = (): string => env!.controller.clusterName;

const httpsSpec = (): LoadBalancedService['spec'] => ({
  listeners: [
    { port: 443, protocol: 'HTTPS', certificateRefs: [{ name: 'site' }, { name: 'api-site' }], defaultAction: { forward: { targetGroup: 'web' } } },
    { port: 80, protocol: 'HTTP', defaultAction: { redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } } },
  ],
  targetGroups: [{ name: 'web', port: 8080, targets: [{ id: '172.31.5.10' }] }],
});

describe('certificate references', () => {
  test('until the certificate is Ready: ReferenceNotReady, everything else built; then the listener appears and follows rotation', async () => {
    await createServerCertificate(ns(), 'site');
    await createServerCertificate(ns(), 'api-site');
    await applyLbs(ns(), 'web', httpsSpec());

    const waiting = await waitForCondition(ns(), 'web', 'Ready', 'False', 'ReferenceNotReady', 60_000);
    expect(conditionOf(waiting, 'Ready')?.message).toMatch(/ServerCertificate site, api-site not Ready/);
    let view = await waitFor(
      async () => {
        const v = await awsView(cluster());
        return v.listeners.length === 1 && v.targetGroups.length === 1 ? v : undefined;
      },
      { description: 'load balancer, HTTP listener and target group built while the certificate is pending' },
    );
    expect(view.loadBalancers).toHaveLength(1);
    expect(view.listeners[0]!.listener.Port).toBe(80);

    // The default certificate becomes Ready (the SNI one not yet): the listener is created with it.
    const first = await uploadIamCertificate(`site-${Date.now()}`);
    await setCertificateStatus(ns(), 'site', { arn: first, ready: true });
    view = await waitFor(
      async () => {
        const v = await awsView(cluster());
        return v.listeners.length === 2 ? v : undefined;
      },
      { description: 'HTTPS listener created once its default certificate is Ready' },
    );
    expect(listenerOn(view, 443).certificates).toEqual([first]);
    await waitForCondition(ns(), 'web', 'Ready', 'False', 'ReferenceNotReady');

    // The SNI certificate becomes Ready: added as a listener certificate; the LBS is Ready.
    const sni = await uploadIamCertificate(`api-site-${Date.now()}`);
    await setCertificateStatus(ns(), 'api-site', { arn: sni, ready: true });
    await waitReady(ns(), 'web');
    view = await awsView(cluster());
    expect(listenerOn(view, 443).certificates.sort()).toEqual([first, sni].sort());
    const listenerArn = listenerOn(view, 443).listener.ListenerArn;

    // Rotation: the ServerCertificate publishes a new ARN; the same listener follows it.
    const rotated = await uploadIamCertificate(`site-rotated-${Date.now()}`);
    await setCertificateStatus(ns(), 'site', { arn: rotated, ready: true });
    view = await waitFor(
      async () => {
        const v = await awsView(cluster());
        return listenerOn(v, 443).listener.Certificates?.[0]?.CertificateArn === rotated ? v : undefined;
      },
      { description: 'listener default certificate moved to the rotated ARN' },
    );
    expect(listenerOn(view, 443).listener.ListenerArn).toBe(listenerArn);
    await waitFor(async () => {
      const certs = listenerOn(await awsView(cluster()), 443).certificates;
      return certs.includes(sni) && certs.includes(rotated) && !certs.includes(first);
    }, { description: 'SNI certificate kept, old default gone' });
    await waitReady(ns(), 'web');
  });
});

describe('serviceRef targets', () => {
  test("targets follow the Service's ready endpoints (EndpointSlices)", async () => {
    const core = kubeConfig().makeApiClient(CoreV1Api);
    const discovery = kubeConfig().makeApiClient(DiscoveryV1Api);
    await core.createNamespacedService({
      namespace: ns(),
      body: { metadata: { name: 'chat' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }], selector: { app: 'chat' } } },
    });
    const slice = (ready: Record<string, boolean>) => ({
      metadata: { name: 'chat-abc', labels: { 'kubernetes.io/service-name': 'chat' } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: Object.entries(ready).map(([ip, r]) => ({ addresses: [ip], conditions: { ready: r } })),
    });
    await discovery.createNamespacedEndpointSlice({ namespace: ns(), body: slice({ '172.31.9.1': true, '172.31.9.2': true, '172.31.9.3': false }) });

    await applyLbs(ns(), 'svc', {
      listeners: [{ port: 80, protocol: 'HTTP', defaultAction: { forward: { targetGroup: 'app' } } }],
      targetGroups: [{ name: 'app', port: 8080, serviceRef: { name: 'chat', port: 80 } }],
    });
    const ready = await waitReady(ns(), 'svc', 60_000);
    const tgArn = ready.status?.targetGroups?.[0]?.arn;
    const targetsOf = async (): Promise<string[]> =>
      (await awsView(cluster())).targetGroups.find((t) => t.tg.TargetGroupArn === tgArn)?.targets.map((t) => `${t.id}:${t.port}`) ?? [];
    expect(await targetsOf()).toEqual(['172.31.9.1:8080', '172.31.9.2:8080']);

    // One endpoint stops being ready, another becomes ready: the target group follows.
    await discovery.replaceNamespacedEndpointSlice({
      namespace: ns(),
      name: 'chat-abc',
      body: slice({ '172.31.9.1': false, '172.31.9.2': true, '172.31.9.3': true }),
    });
    await waitFor(async () => (await targetsOf()).join(',') === '172.31.9.2:8080,172.31.9.3:8080', { description: 'targets 9.2 and 9.3' });
    await waitReady(ns(), 'svc');
    expect(tgOf(await awsView(cluster()), 'app').targets).toHaveLength(2);
  });
});
