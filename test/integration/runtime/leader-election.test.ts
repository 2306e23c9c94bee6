// Two real controller processes against one apiserver: exactly one reconciles; SIGKILL of the
// leader hands over within the lease duration (+ a few s); SIGTERM hands over at once; a leader
// that cannot renew stops its in-flight work and exits 1.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestNamespace, extraApiserver, kubeConfig, uniqueName, waitFor, type TestNamespace } from '../support/index.ts';
import { ControllerProcess, configMaps, writeKubeconfig } from './helpers.ts';

let ns: TestNamespace;
const procs: ControllerProcess[] = [];

beforeAll(async () => {
  ns = await createTestNamespace('rt-leader');
});

afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.kill()));
});

afterAll(async () => {
  await ns?.delete();
});

function start(identity: string, lease: string, timing: string[], opts: { kubeconfig?: string; env?: Record<string, string>; logLevel?: string } = {}): ControllerProcess {
  const p = new ControllerProcess(
    [
      '--cluster-name', 'it-leader', '--namespace', ns.name, '--leader-elect',
      '--leader-election-namespace', ns.name, '--leader-election-id', lease, ...timing,
      '--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0',
      '--log-level', opts.logLevel ?? 'info', '--graceful-shutdown-timeout', '5s',
      ...(opts.kubeconfig ? ['--kubeconfig', opts.kubeconfig] : []),
    ],
    { identity, env: opts.env },
  );
  procs.push(p);
  return p;
}

async function readyz(p: ControllerProcess): Promise<string> {
  const url = p.lines.find((l) => l.msg === 'starting albatross')?.health;
  const res = await fetch(`${String(url)}/readyz`);
  return `${res.status} ${await res.text()}`;
}

const FAST = ['--lease-duration', '4s', '--renew-deadline', '3s', '--retry-period', '500ms'];

describe('leader election', () => {
  it('lets exactly one of two processes reconcile, and a standby takes over from a SIGKILLed leader within the lease duration', async () => {
    const lease = uniqueName('lease');
    const a = start('proc-a', lease, FAST);
    const b = start('proc-b', lease, FAST);
    const [leader, standby] = await waitFor(() => (a.has('became leader') ? [a, b] : b.has('became leader') ? [b, a] : undefined), { description: 'a leader' });
    await waitFor(() => standby.has('caches synced'), { description: 'the standby to sync its caches' });
    expect(await readyz(leader)).toBe('200 ok: caches synced, leader\n');
    expect(await readyz(standby)).toBe('200 ok: caches synced, standby\n');

    const cms = configMaps(kubeConfig(), ns.name);
    await cms.create('one', '1');
    await cms.set('one', '2');
    await waitFor(() => leader.reconciled(`${ns.name}/one`).some((l) => l.value === '2'), { description: 'the leader to reconcile value 2' });
    await new Promise((r) => setTimeout(r, 1500));
    expect(standby.reconciled()).toEqual([]);
    expect(standby.has('became leader')).toBe(false);

    const killedAt = Date.now();
    await leader.kill('SIGKILL');
    await waitFor(() => standby.has('became leader'), { description: 'the standby to take over', timeoutMs: 15_000 });
    const tookOver = standby.firstTime('became leader')! - killedAt;
    expect(tookOver).toBeLessThanOrEqual(4000 + 3000); // lease duration + a few seconds
    expect(tookOver).toBeGreaterThanOrEqual(4000 - 500 - 1000); // it did wait for the lease to expire
    // The new leader reconciles everything (level-based), including changes made now.
    await cms.set('one', '3');
    await waitFor(() => standby.reconciled(`${ns.name}/one`).some((l) => l.value === '3'), { description: 'the new leader to reconcile value 3' });
    expect(await readyz(standby)).toBe('200 ok: caches synced, leader\n');
  });

  it('hands over at once on SIGTERM: the leader releases the lease and exits 0', async () => {
    const lease = uniqueName('lease');
    const slow = ['--lease-duration', '30s', '--renew-deadline', '20s', '--retry-period', '1s'];
    const a = start('term-a', lease, slow);
    await waitFor(() => a.has('became leader'), { description: 'term-a to lead' });
    const b = start('term-b', lease, slow);
    await waitFor(() => b.has('caches synced') && b.has('waiting for leadership'), { description: 'term-b to stand by' });
    await new Promise((r) => setTimeout(r, 1500));
    expect(b.has('became leader')).toBe(false);

    const termAt = Date.now();
    a.child.kill('SIGTERM');
    expect(await a.exited).toEqual({ code: 0, signal: null });
    expect(a.has('released leadership')).toBe(true);
    await waitFor(() => b.has('became leader'), { description: 'term-b to take over', timeoutMs: 10_000 });
    expect(b.firstTime('became leader')! - termAt).toBeLessThan(5000); // not the 30 s lease
  });

  it('stops and aborts in-flight work and exits 1 when it cannot renew the lease', async () => {
    const apiserver = await extraApiserver();
    try {
      const lease = uniqueName('lease');
      const p = start('lost', lease, FAST, {
        kubeconfig: writeKubeconfig(apiserver.kubeConfig),
        env: { FIXTURE_RECONCILE_MS: '120000' },
        logLevel: 'debug',
      });
      await waitFor(() => p.has('became leader'), { description: 'the process to lead' });
      await configMaps(kubeConfig(), ns.name).create(uniqueName('slow'), 'x');
      await waitFor(() => p.has('reconcile start'), { description: 'a long reconcile to be in flight' });
      const stoppedAt = Date.now();
      await apiserver.stop();
      const exit = await p.exited;
      expect(exit).toEqual({ code: 1, signal: null });
      expect(p.has('leadership lost: lease not renewed within 3000 ms')).toBe(true);
      expect(p.has('reconcile aborted')).toBe(true);
      expect(p.reconciled()).toEqual([]);
      expect(Date.now() - stoppedAt).toBeLessThan(3000 + 500 + 8000);
    } finally {
      await apiserver.remove();
    }
  });
});
