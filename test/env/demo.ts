// `npm run demo` after the environment is up (scripts/demo.sh): installs the CRDs, applies the
// examples into namespace `demo` (with the generated keystore Secret and the hosted zones they
// need), runs the controller as the image does (the bundle, `node --enable-source-maps dist/main.js`,
// built by scripts/demo.sh; cluster name `demo`) and lists what the apiserver and AWS then hold.
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, type KubernetesObject } from '@kubernetes/client-node';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { paths, REPO_ROOT } from './config.ts';
import { startRecordedController } from './env.ts';
import { freePort, isAlive, logTail, type Proc } from './proc.ts';
import { printAws, printCategory } from './show.ts';
import { applyManifests, conditionOf, kubeConfig, readManifests } from '../integration/support/kube.ts';
import { waitFor } from '../integration/support/wait.ts';
import { exampleKeystoreSecret } from '../../scripts/generate-example-keystore.ts';
import { createDemoZones, DEMO_ZONES } from '../../scripts/create-demo-zones.ts';
import { CONTROLLER_ENV, controllerArgv } from '../support/dist.ts';

const NAMESPACE = 'demo';
const CLUSTER = 'demo';
const READY_TIMEOUT_MS = 120_000;
const say = (msg: string): void => void process.stdout.write(`${msg}\n`);

const yamlFiles = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(dir, f)) : [];

async function installCrds(): Promise<void> {
  const files = yamlFiles(join(REPO_ROOT, 'deploy/crds'));
  if (files.length === 0) throw new Error('no CRDs in deploy/crds/');
  const crds = await applyManifests(files.flatMap(readManifests), { fieldManager: 'albatross-demo' });
  const api = kubeConfig().makeApiClient(ApiextensionsV1Api);
  for (const crd of crds) {
    const name = crd.metadata?.name ?? '';
    await waitFor(async () => conditionOf(await api.readCustomResourceDefinition({ name }), 'Established')?.status === 'True', {
      description: `CRD ${name} to be Established`,
    });
  }
  say(`installed CRDs: ${crds.map((c) => c.metadata?.name).join(', ')}`);
}

async function applyExamples(): Promise<Array<{ kind: string; name: string; plural: string }>> {
  const kc = kubeConfig();
  await applyManifests({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } }, { fieldManager: 'albatross-demo' });
  const core = kc.makeApiClient(CoreV1Api);
  // Generated once per environment: re-running the demo keeps the same certificate.
  const haveSecret = await core.readNamespacedSecret({ name: 'service-keystore', namespace: NAMESPACE }).then(
    () => true,
    () => false,
  );
  if (!haveSecret) {
    await applyManifests(exampleKeystoreSecret({ namespace: NAMESPACE }) as KubernetesObject, { fieldManager: 'albatross-demo' });
    say('created Secret demo/service-keystore (PKCS#12 from a throwaway CA: scripts/generate-example-keystore.ts)');
  }
  const zones = await createDemoZones();
  say(`hosted zones in moto: ${zones.map((z) => `${z.name} (${z.private ? 'private' : 'public'}, ${z.id})`).join(', ')}`);
  const objects = yamlFiles(join(REPO_ROOT, 'examples')).flatMap(readManifests);
  const applied = await applyManifests(objects, { namespace: NAMESPACE, fieldManager: 'albatross-demo' });
  say(`applied examples/ into namespace ${NAMESPACE}: ${applied.map((o) => `${o.kind}/${o.metadata?.name}`).join(', ')}`);
  const plural = (kind: string): string => ({ LoadBalancedService: 'loadbalancedservices', ServerCertificate: 'servercertificates', DnsAlias: 'dnsaliases' })[kind] ?? '';
  return applied.filter((o) => o.apiVersion?.startsWith('albatross.dev/')).map((o) => ({ kind: o.kind ?? '', name: o.metadata?.name ?? '', plural: plural(o.kind ?? '') }));
}

async function runController(): Promise<Proc | undefined> {
  const log = join(paths.logs, 'demo-controller.log');
  const args = controllerArgv([
    '--cluster-name', CLUSTER,
    // Only the demo's namespace: tests share this apiserver and must not meet a second controller.
    '--namespace', NAMESPACE,
    '--metrics-bind-address', `127.0.0.1:${await freePort()}`,
    '--health-probe-bind-address', `127.0.0.1:${await freePort()}`,
  ]);
  // The image's environment too (glibc malloc tunables); the daemon inherits this process's.
  Object.assign(process.env, CONTROLLER_ENV);
  const proc = await startRecordedController(process.execPath, args, log);
  say(`\nstarted the controller: node ${args.map((a) => (a.startsWith(REPO_ROOT) ? relative(REPO_ROOT, a) : a)).join(' ')} (pid ${proc.pid}, log ${log})`);
  return proc;
}

async function waitReady(controller: Proc, resources: Array<{ kind: string; name: string; plural: string }>): Promise<boolean> {
  const api = kubeConfig().makeApiClient(CustomObjectsApi);
  const started = Date.now();
  const notReady = async (): Promise<string[]> => {
    const pending: string[] = [];
    for (const r of resources) {
      const obj = await api.getNamespacedCustomObject({ group: 'albatross.dev', version: 'v1alpha1', namespace: NAMESPACE, plural: r.plural, name: r.name });
      const ready = conditionOf(obj, 'Ready');
      if (ready?.status !== 'True') pending.push(`${r.kind}/${r.name}: ${ready ? `${ready.reason ?? ''} ${ready.message ?? ''}`.trim() : 'no Ready condition yet'}`);
    }
    return pending;
  };
  say(`waiting up to ${READY_TIMEOUT_MS / 1000} s for ${resources.map((r) => `${r.kind}/${r.name}`).join(', ')} to be Ready ...`);
  let pending: string[] = [];
  while (Date.now() - started < READY_TIMEOUT_MS) {
    if (!isAlive(controller)) {
      say(`the controller exited.\n${logTail(controller.log)}`);
      return false;
    }
    pending = await notReady();
    if (pending.length === 0) {
      say(`all Ready after ${Math.round((Date.now() - started) / 1000)} s`);
      return true;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  say(`not Ready after ${READY_TIMEOUT_MS / 1000} s:\n  ${pending.join('\n  ')}`);
  return false;
}

async function main(): Promise<void> {
  await installCrds();
  const resources = await applyExamples();
  const controller = await runController();
  const ready = controller ? await waitReady(controller, resources) : true;
  await printCategory(kubeConfig(), 'albatross.dev', 'v1alpha1', 'albatross');
  await printAws(CLUSTER, DEMO_ZONES.map((z) => z.name));
  say('');
  if (controller) say(`The controller keeps running (pid ${controller.pid}); edit the resources and watch. \`npm run env -- down\` stops it with the environment.`);
  say(`Use the environment: source ${paths.envSh}  (KUBECONFIG, AWS_ENDPOINT_URL, ...)`);
  if (!ready) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`demo failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
