// SIGTERM drains in-flight reconciles, bounded by --graceful-shutdown-timeout (the whole stop fits in it).
import { afterAll, afterEach, beforeAll, expect, it } from '@jest/globals';
import { createTestNamespace, kubeConfig, uniqueName, waitFor, type TestNamespace } from '../support/index.ts';
import { ControllerProcess, configMaps } from './helpers.ts';

let ns: TestNamespace;
const procs: ControllerProcess[] = [];

beforeAll(async () => {
  ns = await createTestNamespace('rt-shutdown');
});
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.kill()));
});
afterAll(async () => {
  await ns?.delete();
});

async function startWithInFlight(reconcileMs: number, graceful: string): Promise<{ p: ControllerProcess; key: string }> {
  const name = uniqueName('cm');
  const p = new ControllerProcess(
    ['--cluster-name', 'it-shutdown', '--namespace', ns.name, '--metrics-bind-address', '0', '--health-probe-bind-address', '0', '--log-level', 'debug', '--graceful-shutdown-timeout', graceful],
    { identity: name, env: { FIXTURE_RECONCILE_MS: String(reconcileMs) } },
  );
  procs.push(p);
  await waitFor(() => p.has('controller started'), { description: 'the controller to start' });
  await configMaps(kubeConfig(), ns.name).create(name, 'v');
  const key = `${ns.name}/${name}`;
  await waitFor(() => p.lines.some((l) => l.msg === 'reconcile start' && l.key === key), { description: 'the reconcile to be in flight' });
  return { p, key };
}

it('lets an in-flight reconcile finish before exiting 0', async () => {
  const { p, key } = await startWithInFlight(3000, '20s');
  const t0 = Date.now();
  p.child.kill('SIGTERM');
  expect(await p.exited).toEqual({ code: 0, signal: null });
  expect(p.reconciled(key)).toHaveLength(1);
  expect(p.has('reconcile aborted')).toBe(false);
  expect(Date.now() - t0).toBeLessThan(10_000);
});

it('aborts a reconcile that outlasts --graceful-shutdown-timeout, then exits 0', async () => {
  const { p, key } = await startWithInFlight(120_000, '2s');
  const t0 = Date.now();
  p.child.kill('SIGTERM');
  expect(await p.exited).toEqual({ code: 0, signal: null });
  const took = Date.now() - t0;
  expect(p.has('in-flight reconciles did not finish in time: aborting them')).toBe(true);
  expect(p.lines.some((l) => l.msg === 'reconcile aborted' && l.key === key)).toBe(true);
  expect(p.reconciled(key)).toHaveLength(0);
  // The reconcile had the graceful period less the reserve for what follows (a quarter of 2 s), and
  // the whole stop fit in the graceful period.
  expect(took).toBeGreaterThanOrEqual(1400);
  expect(p.lines.find((l) => l.msg === 'stopped')?.['tookMs']).toBeLessThanOrEqual(2000 + 250);
  expect(took).toBeLessThan(8000);
});
