// The field report's example reconciled to Ready by the real controller started with the chart's
// flags and running as the chart's ServiceAccount: a credential bound to exactly the chart's RBAC,
// not admin. `kubectl wait --for=condition=Ready` (kstatus) is how the test waits.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiextensionsV1Api, CustomObjectsApi, RbacAuthorizationV1Api, type KubernetesObject, type V1Deployment } from '@kubernetes/client-node';
import { CreateHostedZoneCommand } from '@aws-sdk/client-route-53';
import { readdirSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { parseAllDocuments } from 'yaml';
import { startAlbatross, type Albatross } from '../../../src/app.ts';
import { parseConfig } from '../../../src/config.ts';
import { exampleKeystoreSecret } from '../../../scripts/generate-example-keystore.ts';
import {
  applyManifests, awsClients, createTestNamespace, defaultNetwork, kubeConfig, kubeConfigFor, readManifests,
  uniqueClusterName, uniqueName, waitFor, type TestNamespace,
} from '../support/index.ts';
import { CI_VALUES, REPO, helmTemplate, kubectl, kubeletView } from './tools.ts';

const RBAC_KINDS = new Set(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

async function installCrds(): Promise<void> {
  const dir = `${REPO}deploy/crds`;
  const crds = readdirSync(dir).filter((f) => f.endsWith('.yaml')).flatMap((f) => readManifests(`${dir}/${f}`));
  await applyManifests(crds, { fieldManager: 'albatross-crds' });
  const api = kubeConfig().makeApiClient(ApiextensionsV1Api);
  for (const crd of crds) {
    await waitFor(async () => (await api.readCustomResourceDefinition({ name: crd.metadata?.name ?? '' })).status?.conditions
      ?.some((c) => c.type === 'Established' && c.status === 'True'), { description: `CRD ${crd.metadata?.name} Established` });
  }
}

/** A hosted zone no other test uses, so the example's chain cannot conflict with anyone's records. */
async function uniqueZone(isPrivate: boolean): Promise<string> {
  const name = `${uniqueName(isPrivate ? 'corp' : 'pub')}.example.test`;
  const vpc = isPrivate ? { VPC: { VPCId: (await defaultNetwork()).vpcId, VPCRegion: 'us-east-1' as const } } : {};
  await awsClients().route53.send(new CreateHostedZoneCommand({
    Name: name, CallerReference: uniqueName('zone'), ...vpc, ...(isPrivate ? { HostedZoneConfig: { PrivateZone: true } } : {}),
  }));
  return name;
}

/** examples/*.yaml, with the DNS chain moved into this test's zones. */
function exampleManifests(publicZone: string, privateZone: string): KubernetesObject[] {
  return readdirSync(`${REPO}examples`).filter((f) => f.endsWith('.yaml')).flatMap((f) => readManifests(`${REPO}examples/${f}`))
    .map((o) => {
      if (o.kind !== 'DnsAlias') return o;
      const spec = (o as { spec: { names: unknown[] } }).spec;
      return { ...o, spec: { ...spec, names: [
        { name: `service.${publicZone}`, hostedZone: { name: publicZone } },
        { name: `service.${privateZone}`, hostedZone: { name: privateZone, private: true } },
      ] } } as KubernetesObject;
    });
}

/** Captures the controller's JSON log lines. */
function memoryLogger(): { logger: pino.Logger; lines: () => string[] } {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, cb) { lines.push(...chunk.toString().split('\n').filter(Boolean)); cb(); } });
  return { logger: pino({ level: 'info' }, sink), lines: () => lines };
}

describe('the controller running with only the chart RBAC', () => {
  let ns: TestNamespace;
  let app: Albatross | undefined;
  let installed: KubernetesObject[] = [];
  const logs = memoryLogger();

  beforeAll(async () => {
    await installCrds();
    ns = await createTestNamespace('rbac-run');
    const release = uniqueName('ctl');
    const clusterName = uniqueClusterName();
    const rendered = await helmTemplate(release, ns.name, '-f', CI_VALUES, '--set', `clusterName=${clusterName}`);
    const objects = parseAllDocuments(rendered).map((d) => d.toJS() as KubernetesObject | null);
    installed = await applyManifests(objects.filter((o): o is KubernetesObject => !!o && RBAC_KINDS.has(o.kind ?? '')));

    // The flags and env of the chart's Deployment, as the kubelet would hand them to the process;
    // only the listen addresses change (free ports on loopback instead of :8080/:8081).
    const deploy = objects.find((o) => o?.kind === 'Deployment') as V1Deployment;
    const container = deploy.spec?.template.spec?.containers[0];
    const { argv, env } = kubeletView(container?.args ?? [], container?.env ?? [], { 'metadata.namespace': ns.name, 'metadata.name': `${release}-pod` });
    const parsed = parseConfig([...argv, '--metrics-bind-address=127.0.0.1:0', '--health-probe-bind-address=127.0.0.1:0', `--namespace=${ns.name}`], env);
    if (parsed.kind !== 'config') throw new Error('the chart args did not parse into a config');
    const asServiceAccount = await kubeConfigFor(`system:serviceaccount:${ns.name}:${release}-albatross`, ['system:serviceaccounts', `system:serviceaccounts:${ns.name}`]);

    const [publicZone, privateZone] = await Promise.all([uniqueZone(false), uniqueZone(true)]);
    await applyManifests(exampleKeystoreSecret({ namespace: ns.name }) as KubernetesObject);
    await applyManifests(exampleManifests(publicZone, privateZone), { namespace: ns.name });

    app = await startAlbatross(parsed.config, { kubeConfig: asServiceAccount, logger: logs.logger });
    await app.synced();
  }, 120_000);

  afterAll(async () => {
    await app?.stop();
    const rbac = kubeConfig().makeApiClient(RbacAuthorizationV1Api);
    for (const o of installed) {
      if (o.kind === 'ClusterRole') await rbac.deleteClusterRole({ name: o.metadata?.name ?? '' }).catch(() => undefined);
      if (o.kind === 'ClusterRoleBinding') await rbac.deleteClusterRoleBinding({ name: o.metadata?.name ?? '' }).catch(() => undefined);
    }
    await ns?.delete();
  });

  it('becomes leader through its Lease and reconciles the example to Ready (kubectl wait)', async () => {
    await waitFor(() => app?.isLeader(), { description: 'the controller to hold the lease', timeoutMs: 30_000 });
    const r = await kubectl(['wait', '--for=condition=Ready', '--timeout=100s', '-n', ns.name,
      'servercertificate/service-example-com', 'loadbalancedservice/chat', 'dnsalias/chat']);
    if (r.code !== 0) {
      const objs = await kubectl(['get', 'albatross', '-n', ns.name, '-o', 'yaml']);
      throw new Error(`not Ready: ${r.stderr}\n${objs.stdout.slice(0, 6000)}\nforbidden in logs: ${logs.lines().filter((l) => /forbidden|403/i.test(l)).slice(0, 5).join('\n')}`);
    }
    expect(r.stdout).toContain('condition met');
    expect(logs.lines().filter((l) => /forbidden|"statusCode":403/i.test(l))).toEqual([]);
  }, 120_000);

  it('removes its finalizers when the example is deleted (patch), and the objects go away', async () => {
    const r = await kubectl(['delete', '--wait=true', '--timeout=100s', '-n', ns.name,
      'dnsalias/chat', 'loadbalancedservice/chat', 'servercertificate/service-example-com']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const custom = kubeConfig().makeApiClient(CustomObjectsApi);
    for (const plural of ['dnsaliases', 'loadbalancedservices', 'servercertificates']) {
      const list = (await custom.listNamespacedCustomObject({ group: 'albatross.dev', version: 'v1alpha1', plural, namespace: ns.name })) as { items: unknown[] };
      expect([plural, list.items]).toEqual([plural, []]);
    }
    expect(logs.lines().filter((l) => /forbidden|"statusCode":403/i.test(l))).toEqual([]);
  }, 120_000);
});
