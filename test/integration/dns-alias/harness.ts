// What every DnsAlias integration test needs: the CRDs, the real controller (in-process, started
// with the flags a user would pass) whose Route 53 traffic goes through a recording proxy in front
// of moto, hosted zones of its own (unique names, a public and a private one), LoadBalancedServices
// with a published load balancer, and direct Route 53 reads for assertions.
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type Change,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { pino } from 'pino';
import type { Albatross } from '../../../src/app.ts';
import { sdkClientConfig } from '../../../src/aws/call.ts';
import { route53Port } from '../../../src/aws/route53.ts';
import { RESOURCES, type DnsAlias, type LoadBalancedService } from '../../../src/crds/index.ts';
import type { ControllerRegistration } from '../../../src/runtime/index.ts';
import { dnsAliasController } from '../../../src/reconcilers/dns-alias/reconciler.ts';
import type { ZoneCoordinator } from '../../../src/reconcilers/dns-alias/zone-coordinator.ts';
import { applyManifests, awsClients, createTestNamespace, defaultNetwork, kubeConfig, uniqueClusterName, uniqueName, waitFor, type TestNamespace } from '../support/index.ts';
import { installCrds, startInProcess } from '../support/controller.ts';
import { replaceStatus } from '../support/status.ts';
import { Route53Proxy } from './route53-proxy.ts';

export { installCrds };

export function route53(): Route53Client {
  return awsClients().route53;
}

export interface TestZone {
  id: string;
  name: string;
}

/** A hosted zone with a unique name; private zones are attached to moto's default VPC. */
export async function createZone(name: string, opts: { private?: boolean } = {}): Promise<TestZone> {
  const vpc = opts.private ? { VPC: { VPCId: (await defaultNetwork()).vpcId, VPCRegion: process.env['AWS_REGION'] as 'us-east-1' } } : {};
  const out = await route53().send(
    new CreateHostedZoneCommand({
      Name: name,
      CallerReference: uniqueName('dnsa'),
      ...vpc,
      ...(opts.private ? { HostedZoneConfig: { PrivateZone: true } } : {}),
    }),
  );
  return { id: out.HostedZone!.Id!.replace('/hostedzone/', ''), name };
}

/** Every record set of a zone, straight from moto, as Route 53 returns them. */
export async function zoneRecords(zoneId: string): Promise<ResourceRecordSet[]> {
  const out: ResourceRecordSet[] = [];
  let start: { StartRecordName?: string; StartRecordType?: ResourceRecordSet['Type'] } = {};
  for (;;) {
    const page = await route53().send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, ...start }));
    out.push(...(page.ResourceRecordSets ?? []));
    if (!page.IsTruncated) return out;
    start = { StartRecordName: page.NextRecordName, StartRecordType: page.NextRecordType };
  }
}

/** The record sets at one name (any type), trailing dot optional. */
export async function recordsAt(zoneId: string, name: string): Promise<ResourceRecordSet[]> {
  const fq = name.endsWith('.') ? name : `${name}.`;
  return (await zoneRecords(zoneId)).filter((r) => r.Name === fq);
}

/** Changes made "behind the controller's back" (a person, another tool). */
export async function changeRecords(zoneId: string, changes: Change[]): Promise<void> {
  await route53().send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } }));
}

export const cname = (name: string, value: string, ttl = 300): ResourceRecordSet => ({ Name: name, Type: 'CNAME', TTL: ttl, ResourceRecords: [{ Value: value }] });

export interface Controller {
  app: Albatross;
  clusterName: string;
  /** the controller's access key at the AWS limits proxy (limitsProxy.counts(accessKey)) */
  accessKey: string;
  namespace: TestNamespace;
  proxy: Route53Proxy;
  coordinator: () => ZoneCoordinator;
  stop(): Promise<void>;
}

export interface ControllerOptions {
  /** an existing namespace to watch (default: a new one) */
  namespace?: TestNamespace;
  resyncPeriod?: string;
  maxConcurrentReconciles?: number;
  /** the zone write interval (default 100 ms here; the controller's default is 5 s) */
  writeIntervalMs?: number;
  listingTtlMs?: number;
  zoneTtlMs?: number;
  holdBaseMs?: number;
  holdMaxMs?: number;
  /** other controllers to run in the same process (e.g. the real LoadBalancedService controller) */
  alsoRun?: ControllerRegistration[];
  /** more command-line flags (e.g. --adopt-namespaces) */
  flags?: string[];
}

/** The controller as a user runs it (flags), for one test namespace, with Route 53 behind the proxy. */
export async function startController(prefix: string, opts: ControllerOptions = {}): Promise<Controller> {
  const namespace = opts.namespace ?? (await createTestNamespace(prefix));
  const clusterName = uniqueClusterName();
  const proxy = new Route53Proxy();
  await proxy.start(process.env['AWS_ENDPOINT_URL']!);
  let coordinator: ZoneCoordinator | undefined;
  // An access key of its own: the AWS limits proxy gives it one account's limits and counts its calls apart.
  const accessKey = `dnsa-${clusterName}`;
  const client = new Route53Client({ ...sdkClientConfig(), endpoint: proxy.url, credentials: { accessKeyId: accessKey, secretAccessKey: 'testing' } });
  const app = await startInProcess(
    [
      '--cluster-name', clusterName,
      '--namespace', namespace.name,
      '--resync-period', opts.resyncPeriod ?? '2s',
      '--max-concurrent-reconciles', String(opts.maxConcurrentReconciles ?? 4),
      '--metrics-bind-address', '0',
      '--health-probe-bind-address', '0',
      ...(opts.flags ?? []),
    ],
    {
      controllers: [
        dnsAliasController({
          port: route53Port(() => client),
          writeIntervalMs: opts.writeIntervalMs ?? 100,
          listingTtlMs: opts.listingTtlMs ?? 300,
          zoneTtlMs: opts.zoneTtlMs ?? 1000,
          ...(opts.holdBaseMs !== undefined ? { holdBaseMs: opts.holdBaseMs } : {}),
          ...(opts.holdMaxMs !== undefined ? { holdMaxMs: opts.holdMaxMs } : {}),
          onCoordinator: (c) => (coordinator = c),
        }),
        ...(opts.alsoRun ?? []),
      ],
      logger: pino({ level: process.env['DNSA_TEST_LOG'] ?? 'silent' }),
    },
  );
  return {
    app,
    clusterName,
    accessKey,
    namespace,
    proxy,
    coordinator: () => {
      if (!coordinator) throw new Error('controller not created yet');
      return coordinator;
    },
    stop: async () => {
      await app.stop();
      await proxy.stop();
      client.destroy();
      await namespace.delete();
    },
  };
}

const custom = () => kubeConfig().makeApiClient(CustomObjectsApi);

/** A LoadBalancedService whose status publishes a load balancer (the LBS controller is not running here). */
export async function createPublishedLbs(namespace: string, name: string, dnsName: string | undefined, opts: { dualstack?: boolean } = {}): Promise<void> {
  await applyManifests(
    {
      apiVersion: 'albatross.dev/v1alpha1',
      kind: 'LoadBalancedService',
      metadata: { name, namespace },
      spec: {
        loadBalancer: { ipAddressType: opts.dualstack ? 'dualstack' : 'ipv4' },
        listeners: [{ port: 80, protocol: 'HTTP', defaultAction: { redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } } }],
      },
    } as LoadBalancedService,
    { namespace },
  );
  if (dnsName) await publishLbs(namespace, name, dnsName);
}

export async function publishLbs(namespace: string, name: string, dnsName: string): Promise<void> {
  await replaceStatus(RESOURCES.loadBalancedService, namespace, name, () => ({
    loadBalancer: { arn: `arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/${name}/0123456789abcdef`, dnsName, canonicalHostedZoneId: 'Z35SXDOTRQ7X7K', state: 'active' },
  }));
}

export async function applyDnsAlias(namespace: string, name: string, spec: DnsAlias['spec']): Promise<void> {
  await applyManifests({ apiVersion: 'albatross.dev/v1alpha1', kind: 'DnsAlias', metadata: { name, namespace }, spec } as DnsAlias, { namespace });
}

export async function getDnsAlias(namespace: string, name: string): Promise<DnsAlias | undefined> {
  try {
    return (await custom().getNamespacedCustomObject({ ...RESOURCES.dnsAlias, namespace, name })) as DnsAlias;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

export async function deleteDnsAlias(namespace: string, name: string): Promise<void> {
  await custom().deleteNamespacedCustomObject({ ...RESOURCES.dnsAlias, namespace, name });
}

export function condition(obj: DnsAlias | undefined, type: string) {
  return obj?.status?.conditions?.find((c) => c.type === type);
}

/** Waits until the DnsAlias's condition `type` has `status` (and `reason`, when given) for the current generation. */
export async function waitForCondition(namespace: string, name: string, type: string, status: 'True' | 'False', reason?: string, timeoutMs = 30_000): Promise<DnsAlias> {
  return waitFor(
    async () => {
      const o = await getDnsAlias(namespace, name);
      const c = condition(o, type);
      const current = o?.status?.observedGeneration === o?.metadata?.generation;
      return current && c?.status === status && (!reason || c.reason === reason) ? o : undefined;
    },
    { description: `DnsAlias ${namespace}/${name} ${type}=${status}${reason ? ` (${reason})` : ''}`, timeoutMs, intervalMs: 100 },
  );
}

/** Events recorded on one object. */
export async function eventsFor(namespace: string, name: string): Promise<Array<{ reason: string; message: string; type: string }>> {
  const list = await kubeConfig().makeApiClient(CoreV1Api).listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items.map((e) => ({ reason: e.reason ?? '', message: e.message ?? '', type: e.type ?? '' }));
}
