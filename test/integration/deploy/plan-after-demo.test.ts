// README § Preview changes, right after `npm run demo`: the demo's controller (its cluster name,
// namespace `demo`) owns the example's DNS names, so README's plan for another cluster and
// namespace reports the ownership conflict and exits 1, as that cluster's controller would be
// refused; planned as the demo (its cluster name, namespace and the Secret from the cluster) it
// shows no changes and exits 0.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubernetesObject } from '@kubernetes/client-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { stringify } from 'yaml';
import { exampleKeystoreSecret } from '../../../scripts/generate-example-keystore.ts';
import { applyManifests, createTestNamespace, kubeConfig, uniqueClusterName, uniqueName, type TestNamespace } from '../support/index.ts';
import { cliArgv } from '../../support/dist.ts';
import { exampleManifests, installCrds, memoryLogger, renderChart, startAsChart, uniqueZone } from './example.ts';
import { helmBinary, kubectl, run } from './tools.ts';

beforeAll(() => {
  helmBinary();
}, 600_000);

const albatross = (...args: string[]) => run(process.execPath, cliArgv(args));

describe('albatross plan right after the demo', () => {
  let ns: TestNamespace;
  let dir: string;
  let publicZone: string;
  const demoCluster = uniqueClusterName();

  beforeAll(async () => {
    await installCrds();
    ns = await createTestNamespace('demo');
    let privateZone: string;
    [publicZone, privateZone] = await Promise.all([uniqueZone(false), uniqueZone(true)]);
    const manifests = exampleManifests(ns.name, publicZone, privateZone);
    // What the demo does: apply the examples (with a keystore Secret), run the controller, wait for Ready.
    await applyManifests(manifests);
    const app = await startAsChart(await renderChart(uniqueName('demo'), ns.name, demoCluster), ns.name, kubeConfig(), memoryLogger().logger);
    try {
      const wait = await kubectl(['wait', '--for=condition=Ready', '--timeout=100s', '-n', ns.name, 'servercertificate/service-example-com', 'loadbalancedservice/chat', 'dnsalias/chat']);
      expect(wait.stderr).toBe('');
    } finally {
      await app.stop();
    }
    // The files README's commands give the CLI: examples/ without a namespace (-n sets it) ...
    dir = mkdtempSync(`${tmpdir()}/albatross-plan-after-demo-`);
    const withoutNamespace = (o: KubernetesObject): KubernetesObject => ({ ...o, metadata: { ...o.metadata, namespace: undefined } });
    writeFileSync(`${dir}/examples.yaml`, manifests.filter((o) => o.kind !== 'Secret').map((o) => stringify(withoutNamespace(o))).join('---\n'));
    // ... a freshly generated keystore (README: generate-example-keystore.ts > /tmp/keystore-secret.yaml) ...
    writeFileSync(`${dir}/fresh-secret.yaml`, stringify(exampleKeystoreSecret()));
    // ... and the demo's own, from the cluster (README: kubectl get secret -n demo service-keystore -o yaml).
    const secret = await kubectl(['get', 'secret', '-n', ns.name, 'service-keystore', '-o', 'yaml']);
    expect(secret.code).toBe(0);
    writeFileSync(`${dir}/demo-secret.yaml`, secret.stdout);
  }, 180_000);

  afterAll(async () => {
    await ns?.delete();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('for another cluster and namespace: the DNS names are owned by the demo, a conflict, exit 1', async () => {
    const r = await albatross('plan', '-f', `${dir}/examples.yaml`, '-f', `${dir}/fresh-secret.yaml`, '--cluster-name', 'prod-cluster', '-n', 'prod');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Conflict: nothing would be written');
    expect(r.stdout).toContain(`service.${publicZone} (zone `);
    expect(r.stdout).toContain(`is owned by ${demoCluster}/DnsAlias/${ns.name}/chat per its TXT record _albatross.service.${publicZone}`);
    // Everything else would be created for the other cluster.
    expect(r.stdout).toContain('+   IAM server certificate /albatross/prod-cluster/prod/service-example-com-');
    expect(r.code).toBe(1);
  });

  it("as the demo (its cluster name, namespace and Secret): no changes, exit 0", async () => {
    const r = await albatross('plan', '-f', `${dir}/examples.yaml`, '-f', `${dir}/demo-secret.yaml`, '--cluster-name', demoCluster, '-n', ns.name);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`No changes. AWS matches the manifests for cluster "${demoCluster}".`);
    expect(r.code).toBe(0);
  });
});
