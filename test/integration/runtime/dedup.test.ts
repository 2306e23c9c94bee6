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
    controllers: [configMapController({ reconcileMs: 400, onReconcile: (o) => seen.push(o) })],
    logger: quietLogger(),
  });
  await waitFor(() => seen.length === 1, { description: 'the first reconcile' });

  // Ten writers in parallel, 100 updates in all, as fast as the apiserver takes them.
  let next = 1;
  const t0 = Date.now();
  await Promise.all(Array.from({ length: 10 }, async () => {
    while (next <= 100) await cms.set('hot', String(next++));
  }));
  const window = Date.now() - t0;
  // Parallel writers land in any order: the last value is whatever the apiserver holds now.
  const last = (await cms.read('hot')).data?.value;
  expect(Number(last)).toBeGreaterThan(90);
  await waitFor(() => seen.at(-1)?.value === last, { description: `a reconcile that sees value ${last}`, timeoutMs: 30_000 });
  await new Promise((r) => setTimeout(r, 500));

  const updates = seen.slice(1);
  process.stderr.write(`[dedup] ${updates.length} reconciles for 100 updates in ${window} ms\n`);
  expect(updates.length).toBeGreaterThan(0);
  // At most one reconcile per 400 ms while updates arrive, plus the one that sees the last value.
  expect(updates.length).toBeLessThanOrEqual(Math.ceil(window / 400) + 2);
  expect(updates.length).toBeLessThan(25);
  const sorted = [...seen].sort((a, b) => a.startedAt - b.startedAt);
  for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.startedAt).toBeGreaterThanOrEqual(sorted[i - 1]!.endedAt);
  expect(seen.at(-1)!.value).toBe(last);
});
