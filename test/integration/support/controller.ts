// Starting the controller for an integration test: the CRDs installed, and the real app in-process
// with the flags a user would pass. Each reconciler's harness picks the controllers, options and logger.
import { ApiextensionsV1Api } from '@kubernetes/client-node';
import { startAlbatross, type Albatross, type StartOptions } from '../../../src/app.ts';
import { parseConfig } from '../../../src/config.ts';
import { readCrdFiles } from '../../../src/crd-files.ts';
import { applyManifests, kubeConfig, parseManifests } from './kube.ts';
import { waitFor } from './wait.ts';

/** Applies deploy/crds/*.yaml (server-side, field manager albatross-crds) and waits until each is Established. */
export async function installCrds(): Promise<void> {
  const objects = readCrdFiles().flatMap((f) => parseManifests(f.text));
  await applyManifests(objects, { fieldManager: 'albatross-crds' });
  const api = kubeConfig().makeApiClient(ApiextensionsV1Api);
  for (const o of objects) {
    await waitFor(
      async () => (await api.readCustomResourceDefinition({ name: o.metadata!.name! })).status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'),
      { description: `CRD ${o.metadata!.name} Established` },
    );
  }
}

/** The flags a user passes to run one cluster's controller on one namespace (metrics on a free port, no probes). */
export function controllerFlags(clusterName: string, namespace: string, resyncPeriod: string): string[] {
  return [
    '--cluster-name', clusterName,
    '--namespace', namespace,
    '--resync-period', resyncPeriod,
    '--metrics-bind-address', '127.0.0.1:0',
    '--health-probe-bind-address', '0',
  ];
}

/** The app in-process from these command-line flags and the test env's KUBECONFIG, once its caches have synced. */
export async function startInProcess(flags: string[], options: StartOptions): Promise<Albatross> {
  const parsed = parseConfig(flags, {});
  if (parsed.kind !== 'config') throw new Error('unexpected parse result');
  const app = await startAlbatross({ ...parsed.config, kubeconfig: process.env['KUBECONFIG'] }, options);
  await app.synced();
  return app;
}
