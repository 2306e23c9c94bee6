// What every ServerCertificate integration test needs: the CRDs, the real controller (in-process with
// the flags a user would pass and its log captured, or the CLI as a child process), Secrets made from
// test PKI, and a view of what IAM (moto) holds under one cluster's path.
import { CoreV1Api, CustomObjectsApi, type KubernetesObject } from '@kubernetes/client-node';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetServerCertificateCommand, ListServerCertificatesCommand } from '@aws-sdk/client-iam';
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Albatross } from '../../../src/app.ts';
import { RESOURCES, type ServerCertificate } from '../../../src/crds/index.ts';
import { createServerCertificateController } from '../../../src/reconcilers/server-certificate/reconciler.ts';
import { CONTROLLER_ENV, controllerArgv } from '../../support/dist.ts';
import type { TestCert } from '../../support/pki.ts';
import { afterAll, beforeAll } from '@jest/globals';
import { applyManifests, awsClients, conditionOf, createTestNamespace, defaultNetwork, kubeConfig, uniqueClusterName, uniqueName, waitFor, type TestNamespace } from '../support/index.ts';
import { controllerFlags, installCrds, startInProcess } from '../support/controller.ts';

export { installCrds };

export interface Controller {
  app: Albatross;
  clusterName: string;
  /** Every line the controller logged (pino JSON, level debug and up). */
  logs: string[];
  stop(): Promise<void>;
}

/**
 * This test file's namespace (`<prefix>-…`) and in-process controller: the CRDs installed and both
 * started in beforeAll, the controller stopped and the namespace deleted in afterAll. Read the fields
 * inside tests and hooks (they are set once beforeAll has run).
 */
export function controllerPerFile(prefix: string, opts: { resyncPeriod?: string } = {}): { ns: TestNamespace; controller: Controller } {
  const env = {} as { ns: TestNamespace; controller: Controller };
  beforeAll(async () => {
    await installCrds();
    env.ns = await createTestNamespace(prefix);
    env.controller = await startController(env.ns.name, opts);
  });
  afterAll(async () => {
    await env.controller?.stop();
    await env.ns?.delete();
  });
  return env;
}

/**
 * The controller in-process, as a user runs it (flags), with its log captured for leak checks.
 * SCERT_LOG_DIR=<dir> also writes each controller's log to <dir>/<namespace>.log when it stops.
 */
export async function startController(namespace: string, opts: { clusterName?: string; resyncPeriod?: string } = {}): Promise<Controller> {
  const clusterName = opts.clusterName ?? uniqueClusterName();
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      done();
    },
  });
  const app = await startInProcess(controllerFlags(clusterName, namespace, opts.resyncPeriod ?? '1h'), { controllers: [createServerCertificateController({ pendingRequeueMs: 1000 })], logger: pino({ level: 'debug' }, sink) });
  return {
    app,
    clusterName,
    logs,
    stop: async () => {
      await app.stop();
      if (process.env.SCERT_LOG_DIR) writeFileSync(join(process.env.SCERT_LOG_DIR, `${namespace}.log`), logs.join('\n'));
    },
  };
}

/** The real CLI entry as a child process (all controllers, as deployed). */
export function spawnController(clusterName: string, namespace: string, env: Record<string, string> = {}): { child: ChildProcess; output: string[] } {
  const child = spawn(process.execPath, controllerArgv([...controllerFlags(clusterName, namespace, '1h'), '--log-level', 'debug']), {
    env: { ...process.env, ...CONTROLLER_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString('utf8')));
  return { child, output };
}

const core = () => kubeConfig().makeApiClient(CoreV1Api);
const custom = () => kubeConfig().makeApiClient(CustomObjectsApi);

/** Creates or replaces a Secret with these keys (strings as UTF-8, Buffers as they are). */
export async function putSecret(namespace: string, name: string, data: Record<string, string | Buffer>): Promise<void> {
  const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  const body = { metadata: { name, namespace }, type: 'Opaque', data: encoded };
  try {
    const cur = await core().readNamespacedSecret({ name, namespace });
    await core().replaceNamespacedSecret({ name, namespace, body: { ...body, metadata: { ...body.metadata, resourceVersion: cur.metadata?.resourceVersion } } });
  } catch {
    await core().createNamespacedSecret({ namespace, body });
  }
}

export async function applyServerCertificate(namespace: string, name: string, spec: ServerCertificate['spec']): Promise<void> {
  await applyManifests({ apiVersion: 'albatross.dev/v1alpha1', kind: 'ServerCertificate', metadata: { name, namespace }, spec } as ServerCertificate & KubernetesObject, { namespace });
}

export async function getServerCertificate(namespace: string, name: string): Promise<ServerCertificate | undefined> {
  try {
    return (await custom().getNamespacedCustomObject({ ...RESOURCES.serverCertificate, namespace, name })) as ServerCertificate;
  } catch {
    return undefined;
  }
}

export async function deleteServerCertificate(namespace: string, name: string): Promise<void> {
  await custom().deleteNamespacedCustomObject({ ...RESOURCES.serverCertificate, namespace, name });
}

/** Waits until condition `type` has `status` (and `reason`) for the current generation. */
export async function waitForCondition(
  namespace: string,
  name: string,
  type: string,
  status: 'True' | 'False' | 'Unknown',
  reason?: string,
  extra: (sc: ServerCertificate) => boolean = () => true,
  timeoutMs = 60_000,
): Promise<ServerCertificate> {
  return waitFor(
    async () => {
      const o = await getServerCertificate(namespace, name);
      const c = conditionOf(o, type);
      const current = o?.status?.observedGeneration === o?.metadata?.generation;
      return o && current && c?.status === status && (reason === undefined || c.reason === reason) && extra(o) ? o : undefined;
    },
    { description: `ServerCertificate ${namespace}/${name} ${type}=${status}${reason ? ` (${reason})` : ''}`, timeoutMs, intervalMs: 250 },
  );
}

export interface IamCertificate {
  name: string;
  arn: string;
  path: string;
  /** SHA-256 (hex) of the leaf and of each chain certificate, in the order IAM holds them. */
  leafSha256: string;
  chainSha256: string[];
}

function shas(pemText: string | undefined): string[] {
  return (pemText?.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map((p) =>
    new X509Certificate(p).fingerprint256.replace(/:/g, '').toLowerCase(),
  );
}

/** Every IAM server certificate under `/albatross/<cluster>/`, with what IAM holds in it. */
export async function iamCertificates(clusterName: string, prefix = '/albatross/'): Promise<IamCertificate[]> {
  const { iam } = awsClients();
  const out: IamCertificate[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(new ListServerCertificatesCommand({ PathPrefix: `${prefix}${clusterName}/`, ...(marker ? { Marker: marker } : {}) }));
    // moto ignores PathPrefix (real IAM honours it): filter here as the controller does.
    for (const m of (page.ServerCertificateMetadataList ?? []).filter((c) => c.Path?.startsWith(`${prefix}${clusterName}/`))) {
      const got = await iam.send(new GetServerCertificateCommand({ ServerCertificateName: m.ServerCertificateName! }));
      out.push({
        name: m.ServerCertificateName!,
        arn: m.Arn!,
        path: m.Path!,
        leafSha256: shas(got.ServerCertificate?.CertificateBody)[0] ?? '',
        chainSha256: shas(got.ServerCertificate?.CertificateChain),
      });
    }
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  // moto keeps two certificates of one name where IAM would refuse the second: a double upload shows here.
  const names = out.map((c) => c.name);
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (twice.length > 0) throw new Error(`IAM holds more than one certificate named ${twice.join(', ')}: uploaded twice`);
  return out;
}

/** Fails when any log line carries key material or a password. */
export function expectNoSecretsIn(lines: string[], secrets: { keys?: TestCert[]; passwords?: string[] }): void {
  if (lines.length === 0) throw new Error('no log lines captured: the leak check would prove nothing');
  const needles = [
    'PRIVATE KEY',
    ...(secrets.passwords ?? []),
    // every base64 line of the private keys: any of them in a log would be a leak
    ...(secrets.keys ?? []).flatMap((k) => k.keyPem.split('\n').filter((l) => l.length >= 40)),
  ];
  for (const line of lines) {
    for (const needle of needles) {
      if (line.includes(needle)) throw new Error(`controller log leaks secret material (${needle.slice(0, 12)}…): ${line.slice(0, 200)}`);
    }
  }
}

/** An ALB with an HTTPS listener using `certificateArn`, made straight in moto (as another tool or a person would). */
export async function createHttpsListener(certificateArn: string): Promise<{ loadBalancerArn: string; listenerArn: string }> {
  const { elbv2 } = awsClients();
  const { subnetIds } = await defaultNetwork();
  const lb = await elbv2.send(new CreateLoadBalancerCommand({ Name: uniqueName('sc-it').slice(0, 32), Subnets: subnetIds.slice(0, 2), Type: 'application' }));
  const loadBalancerArn = lb.LoadBalancers![0]!.LoadBalancerArn!;
  const listener = await elbv2.send(new CreateListenerCommand({
    LoadBalancerArn: loadBalancerArn,
    Protocol: 'HTTPS',
    Port: 443,
    Certificates: [{ CertificateArn: certificateArn }],
    DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200', ContentType: 'text/plain', MessageBody: 'ok' } }],
  }));
  return { loadBalancerArn, listenerArn: listener.Listeners![0]!.ListenerArn! };
}

export async function moveListener(listenerArn: string, certificateArn: string): Promise<void> {
  await awsClients().elbv2.send(new ModifyListenerCommand({ ListenerArn: listenerArn, Certificates: [{ CertificateArn: certificateArn }] }));
}

export async function deleteLoadBalancer(lb: { loadBalancerArn: string; listenerArn: string }): Promise<void> {
  await awsClients().elbv2.send(new DeleteListenerCommand({ ListenerArn: lb.listenerArn })).catch(() => undefined);
  await awsClients().elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.loadBalancerArn })).catch(() => undefined);
}
