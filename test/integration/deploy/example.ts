// The field report's example (examples/*.yaml) for one test: its DNS chain moved into hosted zones
// no other test uses, the keystore Secret generated, the CRDs installed, and the controller started
// with the flags the chart renders.
import { ApiextensionsV1Api, type KubeConfig, type KubernetesObject, type V1Deployment } from '@kubernetes/client-node';
import { CreateHostedZoneCommand } from '@aws-sdk/client-route-53';
import { readdirSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { parseAllDocuments } from 'yaml';
import { startAlbatross, type Albatross } from '../../../src/app.ts';
import { parseConfig } from '../../../src/config.ts';
import { exampleKeystoreSecret } from '../../../scripts/generate-example-keystore.ts';
import { applyManifests, awsClients, defaultNetwork, kubeConfig, readManifests, uniqueName, waitFor } from '../support/index.ts';
import { CI_VALUES, REPO, helmTemplate, kubeletView } from './tools.ts';

export async function installCrds(): Promise<void> {
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
export async function uniqueZone(isPrivate: boolean): Promise<string> {
  const name = `${uniqueName(isPrivate ? 'corp' : 'pub')}.example.test`;
  const vpc = isPrivate ? { VPC: { VPCId: (await defaultNetwork()).vpcId, VPCRegion: 'us-east-1' as const } } : {};
  await awsClients().route53.send(new CreateHostedZoneCommand({
    Name: name, CallerReference: uniqueName('zone'), ...vpc, ...(isPrivate ? { HostedZoneConfig: { PrivateZone: true } } : {}),
  }));
  return name;
}

/** examples/*.yaml plus the keystore Secret, with the DNS chain in the given zones. */
export function exampleManifests(namespace: string, publicZone: string, privateZone: string): KubernetesObject[] {
  const examples = readdirSync(`${REPO}examples`).filter((f) => f.endsWith('.yaml')).flatMap((f) => readManifests(`${REPO}examples/${f}`))
    .map((o) => {
      const obj = { ...o, metadata: { ...o.metadata, namespace } } as KubernetesObject;
      if (o.kind !== 'DnsAlias') return obj;
      const spec = (o as { spec: { names: unknown[] } }).spec;
      return { ...obj, spec: { ...spec, names: [
        { name: `service.${publicZone}`, hostedZone: { name: publicZone } },
        { name: `service.${privateZone}`, hostedZone: { name: privateZone, private: true } },
      ] } } as KubernetesObject;
    });
  return [exampleKeystoreSecret({ namespace }) as KubernetesObject, ...examples];
}

/** Captures the controller's JSON log lines. */
export function memoryLogger(): { logger: pino.Logger; lines: () => string[] } {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, cb) { lines.push(...chunk.toString().split('\n').filter(Boolean)); cb(); } });
  return { logger: pino({ level: 'info' }, sink), lines: () => lines };
}

/** The chart rendered for a release in `namespace` with this cluster name. */
export async function renderChart(release: string, namespace: string, clusterName: string): Promise<KubernetesObject[]> {
  const rendered = await helmTemplate(release, namespace, '-f', CI_VALUES, '--set', `clusterName=${clusterName}`);
  return parseAllDocuments(rendered).map((d) => d.toJS() as KubernetesObject | null).filter((o): o is KubernetesObject => !!o);
}

/**
 * Starts the controller in-process with the flags and env of the chart's Deployment, as the
 * kubelet would hand them over; only the listen addresses change (free loopback ports) and it
 * watches `namespace` only.
 */
export async function startAsChart(chart: KubernetesObject[], namespace: string, kubeConfigToUse: KubeConfig, logger: pino.Logger): Promise<Albatross> {
  const deploy = chart.find((o) => o.kind === 'Deployment') as V1Deployment;
  const container = deploy.spec?.template.spec?.containers[0];
  const { argv, env } = kubeletView(container?.args ?? [], container?.env ?? [], { 'metadata.namespace': namespace, 'metadata.name': uniqueName('albatross-pod') });
  const parsed = parseConfig([...argv, '--metrics-bind-address=127.0.0.1:0', '--health-probe-bind-address=127.0.0.1:0', `--namespace=${namespace}`], env);
  if (parsed.kind !== 'config') throw new Error('the chart args did not parse into a config');
  const app = await startAlbatross(parsed.config, { kubeConfig: kubeConfigToUse, logger });
  await app.synced();
  return app;
}
