// What every LoadBalancedService integration test needs: the CRDs, the real controller (in-process
// with the flags a user would pass, or as a child process that can be killed), ServerCertificates
// with a published ARN (the certificate controller is not under test here), and a view of what AWS
// holds for one cluster name, read straight from moto.
import { CoreV1Api, CustomObjectsApi, type KubernetesObject } from '@kubernetes/client-node';
import {
  CreateLoadBalancerCommand,
  DescribeListenerCertificatesCommand,
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type Listener,
  type LoadBalancer,
  type Rule,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { UploadServerCertificateCommand } from '@aws-sdk/client-iam';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import type { Albatross } from '../../../src/app.ts';
import { RESOURCES, type LoadBalancedService, type ServerCertificate } from '../../../src/crds/index.ts';
import { createLoadBalancedServiceController, type LbsControllerOptions } from '../../../src/reconcilers/load-balanced-service/reconciler.ts';
import { applyManifests, awsClients, conditionOf, createTestNamespace, defaultNetwork, kubeConfig, uniqueClusterName, uniqueName, waitFor, type TestNamespace } from '../support/index.ts';
import { controllerFlags, installCrds, startInProcess } from '../support/controller.ts';
import { replaceStatus } from '../support/status.ts';
import { CONTROLLER_ENV, controllerArgv } from '../../support/dist.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
export { installCrds };

export const EXAMPLE = join(ROOT, 'examples', 'loadbalancedservice.yaml');

export interface Controller {
  app: Albatross;
  clusterName: string;
  namespace: string;
  stop(): Promise<void>;
}

/** The controller in-process, as a user runs it (flags), watching one namespace (or a comma list), plus any extra flags. */
export async function startController(
  namespace: string,
  opts: { clusterName?: string; resyncPeriod?: string; allControllers?: boolean; lbs?: LbsControllerOptions; flags?: string[]; logger?: Logger } = {},
): Promise<Controller> {
  const clusterName = opts.clusterName ?? uniqueClusterName();
  const app = await startInProcess(
    [...controllerFlags(clusterName, namespace, opts.resyncPeriod ?? '1h'), ...(opts.flags ?? [])],
    {
      // Only this controller by default: ServerCertificate statuses are then set by the tests.
      ...(opts.allControllers ? {} : { controllers: [createLoadBalancedServiceController(opts.lbs)] }),
      logger: opts.logger ?? pino({ level: process.env['LBS_TEST_LOG'] ?? 'silent' }),
    },
  );
  return { app, clusterName, namespace, stop: () => app.stop() };
}

/** The real CLI entry as a child process (so a test can SIGKILL it mid-apply). */
export function spawnController(clusterName: string, namespace: string, env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, controllerArgv([...controllerFlags(clusterName, namespace, '1h'), '--log-level', 'warn']), {
    env: { ...process.env, ...CONTROLLER_ENV, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

export interface Env {
  ns: TestNamespace;
  controller: Controller;
}

const custom = () => kubeConfig().makeApiClient(CustomObjectsApi);

export async function applyLbs(namespace: string, name: string, spec: LoadBalancedService['spec']): Promise<void> {
  await applyManifests({ apiVersion: 'albatross.dev/v1alpha1', kind: 'LoadBalancedService', metadata: { name, namespace }, spec } as LoadBalancedService & KubernetesObject, { namespace });
}

export async function getLbs(namespace: string, name: string): Promise<LoadBalancedService> {
  return (await custom().getNamespacedCustomObject({ ...RESOURCES.loadBalancedService, namespace, name })) as LoadBalancedService;
}

export async function deleteLbs(namespace: string, name: string): Promise<void> {
  await custom().deleteNamespacedCustomObject({ ...RESOURCES.loadBalancedService, namespace, name });
}

/** Waits until condition `type` has `status` (and `reason`) for the current generation. */
export async function waitForCondition(
  namespace: string,
  name: string,
  type: string,
  status: 'True' | 'False',
  reason?: string,
  timeoutMs = 60_000,
): Promise<LoadBalancedService> {
  return waitFor(
    async () => {
      const o = await getLbs(namespace, name);
      const c = conditionOf(o, type);
      const current = o.status?.observedGeneration === o.metadata?.generation;
      return current && c?.status === status && (reason === undefined || c.reason === reason) ? o : undefined;
    },
    { description: `LoadBalancedService ${namespace}/${name} ${type}=${status}${reason ? ` (${reason})` : ''}`, timeoutMs, intervalMs: 300 },
  );
}

export const waitReady = (namespace: string, name: string, timeoutMs?: number): Promise<LoadBalancedService> =>
  waitForCondition(namespace, name, 'Ready', 'True', undefined, timeoutMs);

/** Uploads an IAM server certificate to moto (which accepts any PEM) and returns its ARN. */
export async function uploadIamCertificate(name: string): Promise<string> {
  const out = await awsClients().iam.send(
    new UploadServerCertificateCommand({
      ServerCertificateName: name,
      Path: '/albatross-test/',
      CertificateBody: '-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n',
      PrivateKey: '-----BEGIN PRIVATE KEY-----\nMIIBtest\n-----END PRIVATE KEY-----\n',
    }),
  );
  return out.ServerCertificateMetadata!.Arn!;
}

/** A ServerCertificate object; its status is set by setCertificateStatus (no certificate controller here). */
export async function createServerCertificate(namespace: string, name: string): Promise<void> {
  await applyManifests(
    { apiVersion: 'albatross.dev/v1alpha1', kind: 'ServerCertificate', metadata: { name, namespace }, spec: { secretRef: { name: `${name}-keystore` } } } as ServerCertificate & KubernetesObject,
    { namespace },
  );
}

export async function setCertificateStatus(namespace: string, name: string, status: { arn?: string; ready: boolean }): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await replaceStatus<ServerCertificate>(RESOURCES.serverCertificate, namespace, name, (cur) => ({
    observedGeneration: cur.metadata?.generation,
    ...(status.arn ? { arn: status.arn } : {}),
    conditions: [
      { type: 'Ready', status: status.ready ? 'True' : 'False', reason: status.ready ? 'Uploaded' : 'Progressing', message: '', lastTransitionTime: now },
    ],
  }));
}

/** A Ready ServerCertificate backed by a real (moto) IAM certificate; returns the ARN. */
export async function readyCertificate(namespace: string, name: string): Promise<string> {
  const arn = await uploadIamCertificate(uniqueName(name));
  await createServerCertificate(namespace, name);
  await setCertificateStatus(namespace, name, { arn, ready: true });
  return arn;
}

// ---------- what AWS holds, for one cluster ----------

export interface TargetGroupView {
  tg: TargetGroup;
  tags: Record<string, string>;
  attributes: Record<string, string>;
  targets: Array<{ id: string; port: number }>;
}
export interface ListenerView {
  listener: Listener;
  rules: Rule[];
  certificates: string[];
}
export interface AwsView {
  loadBalancers: Array<{ lb: LoadBalancer; tags: Record<string, string>; attributes: Record<string, string> }>;
  targetGroups: TargetGroupView[];
  /** listeners of every owned load balancer */
  listeners: ListenerView[];
}

/** ELBv2 tags by ARN, 20 ARNs a call. */
export async function tagsOf(arns: string[]): Promise<Map<string, Record<string, string>>> {
  const { elbv2 } = awsClients();
  const out = new Map<string, Record<string, string>>();
  for (let i = 0; i < arns.length; i += 20) {
    const res = await elbv2.send(new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20) }));
    for (const d of res.TagDescriptions ?? []) out.set(d.ResourceArn!, Object.fromEntries((d.Tags ?? []).map((t) => [t.Key!, t.Value ?? ''])));
  }
  return out;
}

/** One load balancer's ELBv2 tags ({} when it has none or is gone). */
export async function tagsOfArn(arn: string): Promise<Record<string, string>> {
  return (await tagsOf([arn])).get(arn) ?? {};
}

/** Someone else's load balancer, made straight at moto (neither counted nor seen by the proxy's layers). */
export async function createForeignAlb(name: string, tags: Record<string, string>): Promise<string> {
  const { subnetIds } = await defaultNetwork();
  const out = await awsClients().elbv2.send(new CreateLoadBalancerCommand({ Name: name, Subnets: subnetIds.slice(0, 2), Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
  return out.LoadBalancers![0]!.LoadBalancerArn!;
}

/** The ARNs of the load balancers with this name (moto may hold several). */
export async function albsNamed(name: string): Promise<string[]> {
  const out = await awsClients().elbv2.send(new DescribeLoadBalancersCommand({ Names: [name] })).catch(() => ({ LoadBalancers: [] }));
  return (out.LoadBalancers ?? []).map((l) => l.LoadBalancerArn!);
}

export async function listenersOf(arn: string): Promise<number> {
  return (await awsClients().elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: arn }))).Listeners?.length ?? 0;
}

/** The messages of the events with this reason about the object `name` in `namespace`. */
export async function eventsOf(namespace: string, name: string, reason: string): Promise<string[]> {
  const list = await kubeConfig().makeApiClient(CoreV1Api).listNamespacedEvent({ namespace });
  return list.items.filter((e) => e.involvedObject.name === name && e.reason === reason).map((e) => e.message ?? '');
}

const kv = (list: Array<{ Key?: string; Value?: string }> | undefined): Record<string, string> =>
  Object.fromEntries((list ?? []).map((a) => [a.Key!, a.Value ?? '']));

/** Every load balancer / target group tagged with this cluster name (and owner), with their details. */
/** Every load balancer and target group of the account (all pages), straight from moto. */
export async function listAllElbv2(): Promise<{ lbs: LoadBalancer[]; tgs: TargetGroup[] }> {
  const { elbv2 } = awsClients();
  const lbs: LoadBalancer[] = [];
  let marker: string | undefined;
  do {
    const page = await elbv2.send(new DescribeLoadBalancersCommand({ Marker: marker, PageSize: 400 }));
    lbs.push(...(page.LoadBalancers ?? []));
    marker = page.NextMarker;
  } while (marker);
  const tgs: TargetGroup[] = [];
  marker = undefined;
  do {
    const page: { TargetGroups?: TargetGroup[]; NextMarker?: string } = await elbv2.send(new DescribeTargetGroupsCommand({ Marker: marker, PageSize: 400 }));
    tgs.push(...(page.TargetGroups ?? []));
    marker = page.NextMarker;
  } while (marker);
  return { lbs, tgs };
}

export async function awsView(clusterName: string, owner?: string): Promise<AwsView> {
  const { elbv2 } = awsClients();
  const { lbs, tgs } = await listAllElbv2();
  const tags = await tagsOf([...lbs.map((l) => l.LoadBalancerArn!), ...tgs.map((t) => t.TargetGroupArn!)]);
  const mine = (arn: string | undefined): boolean =>
    tags.get(arn ?? '')?.['albatross.dev/cluster'] === clusterName && (owner === undefined || tags.get(arn ?? '')?.['albatross.dev/owner'] === owner);

  const view: AwsView = { loadBalancers: [], targetGroups: [], listeners: [] };
  for (const lb of lbs.filter((l) => mine(l.LoadBalancerArn))) {
    const attributes = kv((await elbv2.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Attributes);
    view.loadBalancers.push({ lb, tags: tags.get(lb.LoadBalancerArn!) ?? {}, attributes });
    const listeners = (await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners ?? [];
    for (const listener of listeners) {
      const rules = (await elbv2.send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn }))).Rules ?? [];
      const certificates =
        listener.Protocol === 'HTTPS'
          ? ((await elbv2.send(new DescribeListenerCertificatesCommand({ ListenerArn: listener.ListenerArn }))).Certificates ?? []).map((c) => c.CertificateArn!)
          : [];
      view.listeners.push({ listener, rules: rules.filter((r) => !r.IsDefault), certificates });
    }
  }
  for (const tg of tgs.filter((t) => mine(t.TargetGroupArn))) {
    const attributes = kv((await elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tg.TargetGroupArn }))).Attributes);
    const health = (await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }))).TargetHealthDescriptions ?? [];
    view.targetGroups.push({
      tg,
      tags: tags.get(tg.TargetGroupArn!) ?? {},
      attributes,
      targets: health.map((h) => ({ id: h.Target!.Id!, port: h.Target!.Port! })).sort((a, b) => a.id.localeCompare(b.id)),
    });
  }
  return view;
}

/** The target group of logical name `key`, by its resource tag. */
export function tgOf(view: AwsView, key: string): TargetGroupView {
  const found = view.targetGroups.filter((t) => t.tags['albatross.dev/resource'] === `targetgroup/${key}`);
  if (found.length !== 1) throw new Error(`expected one target group ${key}, found ${found.length}`);
  return found[0]!;
}

export function listenerOn(view: AwsView, port: number): ListenerView {
  const found = view.listeners.filter((l) => l.listener.Port === port);
  if (found.length !== 1) throw new Error(`expected one listener on ${port}, found ${found.length}`);
  return found[0]!;
}

/** A fresh namespace with the in-process controller watching it. */
export async function setup(prefix: string, opts: { resyncPeriod?: string; lbs?: LbsControllerOptions; flags?: string[]; logger?: Logger } = {}): Promise<Env> {
  const ns = await createTestNamespace(prefix);
  const controller = await startController(ns.name, opts);
  return { ns, controller };
}

export async function teardown(env: Env | undefined): Promise<void> {
  if (!env) return;
  await env.controller.stop();
  await env.ns.delete();
}
