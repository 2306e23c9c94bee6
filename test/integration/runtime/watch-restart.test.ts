// A watch survives its apiserver being stopped and restarted: changes made while it was down and
// after it came back are reconciled; objects that did not change are not reconciled again (no
// relist storm: that is the resync's job); every reconcile sees a complete, synced cache.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { startAlbatross, type Albatross } from '../../../src/app.ts';
import { createTestNamespace, extraApiserver, kubeConfig, waitFor, type TestApiserver, type TestNamespace } from '../support/index.ts';
import { configMapController, type Observed } from './fixtures/configmap-registration.ts';
import { configMaps, quietLogger, testConfig } from './helpers.ts';

let apiserver: TestApiserver;
let ns: TestNamespace;
let app: Albatross | undefined;

beforeAll(async () => {
  [apiserver, ns] = await Promise.all([extraApiserver(), createTestNamespace('rt-restart')]);
});

afterAll(async () => {
  await app?.stop();
  await apiserver?.remove();
  await ns?.delete();
});

it('keeps watching across an apiserver restart and reconciles only what changed', async () => {
  const main = configMaps(kubeConfig(), ns.name); // the shared apiserver: same etcd, stays up
  for (const n of ['a', 'b', 'c', 'd', 'e']) await main.create(n, '1');

  const seen: Observed[] = [];
  app = await startAlbatross(testConfig(ns.name, ['--resync-period', '1h']), {
    kubeConfig: apiserver.kubeConfig,
    controllers: [configMapController({ onReconcile: (o) => seen.push(o) })],
    logger: quietLogger(),
    tuning: { reflector: { backoffInitialMs: 200, backoffMaxMs: 1000, stallTimeoutMs: 10_000 } },
  });
  await waitFor(() => seen.length >= 5, { description: 'the initial reconcile of all five ConfigMaps' });
  // Reconciles start only once the cache is complete.
  expect(seen.every((o) => o.cacheSynced && o.cacheSize === 5)).toBe(true);
  expect(seen.map((o) => o.key).sort()).toEqual(['a', 'b', 'c', 'd', 'e'].map((n) => `${ns.name}/${n}`));

  await apiserver.stop();
  const mark = seen.length;
  await main.set('a', '2'); // changed while the controller's apiserver is down
  await new Promise((r) => setTimeout(r, 3000));
  expect(seen.length).toBe(mark); // nothing to see, nothing reconciled

  await apiserver.start();
  await waitFor(() => seen.some((o) => o.key === `${ns.name}/a` && o.value === '2'), { description: 'the change made during the outage to be reconciled', timeoutMs: 60_000 });
  await main.set('b', '3'); // changed after the restart
  await waitFor(() => seen.some((o) => o.key === `${ns.name}/b` && o.value === '3'), { description: 'a change made after the restart to be reconciled' });
  await new Promise((r) => setTimeout(r, 1500));

  const after = seen.slice(mark);
  expect(after.map((o) => [o.key.split('/')[1], o.value]).sort()).toEqual([['a', '2'], ['b', '3']]);
  expect(after.every((o) => o.cacheSynced && o.cacheSize === 5)).toBe(true);

  // The restarts are visible to operators.
  const metrics = await (await fetch(`${app.metricsUrl}/metrics`)).text();
  const restarts = metrics.split('\n').filter((l) => l.startsWith('albatross_watch_restarts_total{resource="configmaps"')).reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
  expect(restarts).toBeGreaterThan(0);
});
