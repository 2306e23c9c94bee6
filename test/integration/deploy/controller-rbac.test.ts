// The field report's example reconciled to Ready by the real controller started with the chart's
// flags and running as the chart's ServiceAccount: a credential bound to exactly the chart's RBAC,
// not admin. `kubectl wait --for=condition=Ready` (kstatus) is how the test waits.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CustomObjectsApi, RbacAuthorizationV1Api, type KubernetesObject } from '@kubernetes/client-node';
import type { Albatross } from '../../../src/app.ts';
import { applyManifests, createTestNamespace, kubeConfig, kubeConfigFor, uniqueClusterName, uniqueName, waitFor, type TestNamespace } from '../support/index.ts';
import { exampleManifests, installCrds, memoryLogger, renderChart, startAsChart, uniqueZone } from './example.ts';
import { helmBinary, kubectl } from './tools.ts';

// helm is built from the Go module proxy on first use (about 2 minutes cold): do it before any test's clock starts.
beforeAll(() => {
  helmBinary();
}, 600_000);

const RBAC_KINDS = new Set(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

describe('the controller running with only the chart RBAC', () => {
  let ns: TestNamespace;
  let app: Albatross | undefined;
  let installed: KubernetesObject[] = [];
  const logs = memoryLogger();

  beforeAll(async () => {
    await installCrds();
    ns = await createTestNamespace('rbac-run');
    const release = uniqueName('ctl');
    const chart = await renderChart(release, ns.name, uniqueClusterName());
    installed = await applyManifests(chart.filter((o) => RBAC_KINDS.has(o.kind ?? '')));
    const asServiceAccount = await kubeConfigFor(`system:serviceaccount:${ns.name}:${release}-albatross`, ['system:serviceaccounts', `system:serviceaccounts:${ns.name}`]);
    const [publicZone, privateZone] = await Promise.all([uniqueZone(false), uniqueZone(true)]);
    await applyManifests(exampleManifests(ns.name, publicZone, privateZone));
    app = await startAsChart(chart, ns.name, asServiceAccount, logs.logger);
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
