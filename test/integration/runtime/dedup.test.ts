// 100 rapid updates to one object: far fewer reconciles than updates (the queue holds a key once),
// never two reconciles of it at once, and the last reconcile sees the last value (level-based).
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { startAlbatross, type Albatross } from '../../../src/app.ts';
import { createTestNamespace, kubeConfig, waitFor, type TestNamespace } from '../support/index.ts';
import { configMapController, type Observed } from './fixtures/configmap-registration.ts';
import { configMaps, quietLogger, testConfig } from './helpers.ts';

let ns: TestNamespace;
let app: Albatross | undefined;

beforeAll(async () => {
  ns = await createTestNamespace('rt-dedup');
});

afterAll(async () => {
  await app?.stop();
  await ns?.delete();
});

it('coalesces 100 rapid updates into few reconciles, one at a time, ending on the last value', async () => {
  const cms = configMaps(kubeConfig(), ns.name);
  await cms.create('hot', '0');
  const seen: Observed[] = [];
  app = await startAlbatross(testConfig(ns.name, ['--max-concurrent-reconciles', '8']), {
    controllers: [configMapController({ reconcileMs: 100, onReconcile: (o) => seen.push(o) })],
    logger: quietLogger(),
  });
  await waitFor(() => seen.length === 1, { description: 'the first reconcile' });

  // Ten writers in parallel, 100 updates in all, as fast as the apiserver takes them.
  let next = 1;
  await Promise.all(Array.from({ length: 10 }, async () => {
    while (next <= 100) await cms.set('hot', String(next++));
  }));
  const last = String(next - 1);
  await waitFor(() => seen.at(-1)?.value === last, { description: `a reconcile that sees value ${last}`, timeoutMs: 30_000 });
  await new Promise((r) => setTimeout(r, 500));

  const updates = seen.slice(1);
  expect(updates.length).toBeGreaterThan(0);
  expect(updates.length).toBeLessThan(50);
  const sorted = [...seen].sort((a, b) => a.startedAt - b.startedAt);
  for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.startedAt).toBeGreaterThanOrEqual(sorted[i - 1]!.endedAt);
  expect(seen.at(-1)!.value).toBe(last);
});
