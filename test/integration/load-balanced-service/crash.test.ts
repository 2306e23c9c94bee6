// Acceptance: killing the controller (SIGKILL of the real CLI process) during apply, then restarting
// it, converges with no duplicate load balancers, target groups, listeners or rules.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { CoreV1Api } from '@kubernetes/client-node';
import { createTestNamespace, kubeConfig, readManifests, uniqueClusterName, waitFor, type TestNamespace } from '../support/index.ts';
import { createPki, pemBundle } from '../../support/pki.ts';
import type { LoadBalancedService } from '../../../src/crds/index.ts';
import { EXAMPLE, applyLbs, awsView, createServerCertificate, installCrds, spawnController, startController, waitReady } from './harness.ts';
import { KillProxy } from './kill-proxy.ts';

const namespaces: TestNamespace[] = [];
let spec: LoadBalancedService['spec'];

beforeAll(async () => {
  await installCrds();
  spec = (readManifests(EXAMPLE)[0] as LoadBalancedService).spec;
});

afterAll(async () => {
  for (const n of namespaces) await n.delete();
});

/**
 * A namespace of its own (the controller then has exactly one LoadBalancedService to work on, so
 * the k-th call is this one's), with a ServerCertificate backed by a real keystore: the CLI runs
 * every controller, so its certificate controller makes it Ready (a status set by hand would be
 * overwritten).
 */
async function freshNamespace(): Promise<TestNamespace> {
  const ns = await createTestNamespace('lbs-crash');
  namespaces.push(ns);
  const pki = await createPki();
  await kubeConfig()
    .makeApiClient(CoreV1Api)
    .createNamespacedSecret({
      namespace: ns.name,
      body: {
        metadata: { name: 'service-example-com-keystore' },
        type: 'kubernetes.io/tls',
        stringData: { 'tls.crt': pemBundle(pki.leaf, ...pki.chain), 'tls.key': pki.leaf.keyPem },
      },
    });
  await createServerCertificate(ns.name, 'service-example-com');
  return ns;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

describe('crash during apply', () => {
  // The example takes 16 mutating calls from scratch; kill before the 1st, in the middle of target
  // groups, right at the load balancer, between listeners and during rules.
  test.each([1, 5, 10, 12, 15])('killed at mutating call %i, restarted: converges with no duplicates', async (k) => {
    const clusterName = uniqueClusterName();
    const name = 'chat';
    const ns = await freshNamespace();
    const proxy = new KillProxy();
    await proxy.start(process.env['AWS_ENDPOINT_URL']!);
    const child = spawnController(clusterName, ns.name, { AWS_ENDPOINT_URL: proxy.url, ALBATROSS_AWS_MAX_ATTEMPTS: '1' });
    let killedAt = '';
    proxy.onMutation = (n, action) => {
      if (n === k) {
        killedAt = action;
        child.kill('SIGKILL');
      }
    };
    try {
      await applyLbs(ns.name, name, structuredClone(spec));
      await waitFor(() => killedAt !== '', { description: `the controller to reach mutating call ${k}`, timeoutMs: 60_000 });
      await exited(child);
    } finally {
      child.kill('SIGKILL');
      await proxy.stop();
    }

    // Restart (in-process, every controller as the CLI runs them, same cluster name) and let it converge.
    const controller = await startController(ns.name, { clusterName, allControllers: true });
    try {
      await waitReady(ns.name, name, 90_000);
      const view = await awsView(clusterName, `LoadBalancedService/${ns.name}/${name}`);
      expect({ killedAt: killedAt.length > 0, loadBalancers: view.loadBalancers.length }).toEqual({ killedAt: true, loadBalancers: 1 });
      expect(view.targetGroups.map((t) => t.tags['albatross.dev/resource']).sort()).toEqual(['targetgroup/api', 'targetgroup/store', 'targetgroup/web']);
      expect(view.listeners.map((l) => l.listener.Port).sort()).toEqual([443, 80].sort());
      expect(view.listeners.flatMap((l) => l.rules.map((r) => `${l.listener.Port}/${r.Priority}`)).sort()).toEqual(['443/10', '443/20']);
      for (const t of view.targetGroups) expect(t.targets).toHaveLength(2);
    } finally {
      await controller.stop();
    }
  });
});
