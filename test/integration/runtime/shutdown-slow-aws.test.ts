// SIGTERM while AWS answers slowly (issue 12, item 7): the bundled controller, leading, with a
// reconcile of every kind waiting on AWS calls that the limits proxy holds for a minute. It must
// exit by itself before the pod's SIGKILL would come (emulated here: --graceful-shutdown-timeout
// plus a little), with 0, the lease released and no new work started after the signal; and if the
// lease is lost while it drains, it exits 1 without touching the lease.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { limitsProxy } from '../../env/aws-limits/client.ts';
import { createPki, pemBundle } from '../../support/pki.ts';
import { installCrds } from '../support/controller.ts';
import { applyManifests, createTestNamespace, defaultNetwork, kubeConfig, uniqueClusterName, uniqueName, waitFor, type TestNamespace } from '../support/index.ts';
import { ControllerProcess } from './helpers.ts';

const GRACE_MS = 8000;
/** The kubelet's SIGKILL, emulated: the graceful period plus what a loaded machine may add to a process's own timers. */
const KILL_AFTER_MS = GRACE_MS + 2500;
/** Every AWS call of the controller's access key waits this long at the proxy. */
const SLOW_MS = 60_000;

let ns: TestNamespace;
const account = `shutdown${randomBytes(4).toString('hex')}`;
const procs: ControllerProcess[] = [];

beforeAll(async () => {
  await installCrds();
  ns = await createTestNamespace('rt-slow-aws');
  await limitsProxy.setNetworkFaults({ slowPercent: 100, resetPercent: 0, slowMs: [SLOW_MS, SLOW_MS], accounts: [account] });
});
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.kill()));
});
afterAll(async () => {
  await limitsProxy.clearNetworkFaults();
  await ns?.delete();
});

const leases = () => kubeConfig().makeApiClient(CoordinationV1Api);

function start(lease: string, extra: string[] = []): ControllerProcess {
  const p = new ControllerProcess(
    [
      '--cluster-name', uniqueClusterName(), '--namespace', ns.name,
      '--leader-elect', '--leader-election-namespace', ns.name, '--leader-election-id', lease,
      '--graceful-shutdown-timeout', `${GRACE_MS}ms`, '--resync-period', '1h',
      '--metrics-bind-address', '0', '--health-probe-bind-address', '0', '--log-level', 'debug',
      ...extra,
    ],
    { identity: uniqueName('slow'), bundled: true, env: { AWS_ACCESS_KEY_ID: account, AWS_SECRET_ACCESS_KEY: 'test' } },
  );
  procs.push(p);
  return p;
}

/** One resource of each kind, each of whose first AWS call is held by the proxy. */
async function applyOneOfEach(prefix: string): Promise<void> {
  const { vpcId, subnetIds } = await defaultNetwork();
  const pki = await createPki();
  const meta = (name: string) => ({ name: `${prefix}-${name}`, namespace: ns.name });
  await applyManifests([
    { apiVersion: 'v1', kind: 'Secret', metadata: meta('tls'), type: 'kubernetes.io/tls', stringData: { 'tls.crt': pemBundle(pki.leaf, ...pki.chain), 'tls.key': pki.leaf.keyPem } } as never,
    { apiVersion: 'albatross.dev/v1alpha1', kind: 'ServerCertificate', metadata: meta('cert'), spec: { secretRef: { name: `${prefix}-tls` } } } as never,
    {
      apiVersion: 'albatross.dev/v1alpha1', kind: 'LoadBalancedService', metadata: meta('lbs'),
      spec: {
        loadBalancer: { subnets: subnetIds.slice(0, 2) },
        listeners: [{ port: 80, protocol: 'HTTP', defaultAction: { forward: { targetGroup: 'web' } } }],
        targetGroups: [{ name: 'web', port: 8080, vpcId, targets: [{ id: '172.31.7.10' }] }],
      },
    } as never,
    {
      apiVersion: 'albatross.dev/v1alpha1', kind: 'DnsAlias', metadata: meta('dns'),
      spec: { names: [{ name: `${prefix}.slow.example.com`, hostedZone: { name: 'slow.example.com' } }], target: { hostname: 'lb.example.org' } },
    } as never,
  ], { namespace: ns.name });
}

/** Resolves once AWS calls of this controller are held at the proxy (and their reconciles are in flight). */
async function awsCallsHeld(p: ControllerProcess, before: number): Promise<void> {
  await waitFor(async () => (await limitsProxy.networkFaults()).counts.slow >= before + 3, { description: 'AWS calls of three reconciles held by the proxy', timeoutMs: 60_000 });
  await waitFor(() => p.lines.filter((l) => l.msg === 'reconcile start').length >= 3, { description: 'three reconciles in flight' });
}

/** Runs `fn`; a failure carries the controller's last log lines (what it was doing). */
async function withLogs<T>(p: ControllerProcess, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const tail = p.lines.slice(-25).map((l) => `${String(l.time ?? '')} ${l.level ?? ''} ${l.msg ?? ''}${l.key ? ` ${l.key}` : ''}${l['err'] ? ` err=${String(l['err'])}` : ''}`);
    throw new Error(`${err instanceof Error ? err.message : String(err)}\ncontroller log (last 25 lines):\n${tail.join('\n')}\n${p.stderr.join('').slice(-2000)}`);
  }
}

/** SIGTERM, then SIGKILL at the deadline if the process is still there; the exit and how long it took. */
async function terminate(p: ControllerProcess, beforeSigterm?: () => Promise<void>): Promise<{ code: number | null; signal: NodeJS.Signals | null; tookMs: number }> {
  const t0 = Date.now();
  p.child.kill('SIGTERM');
  const kill = setTimeout(() => p.child.kill('SIGKILL'), KILL_AFTER_MS);
  try {
    await beforeSigterm?.();
    const exit = await p.exited;
    return { ...exit, tookMs: Date.now() - t0 };
  } finally {
    clearTimeout(kill);
  }
}

describe('SIGTERM while AWS answers slowly', () => {
  it('exits 0 by itself within the graceful period, lease released, no new work after the signal', async () => {
    const lease = uniqueName('lease');
    const p = start(lease);
    const exit = await withLogs(p, async () => {
      await waitFor(() => p.has('became leader'), { description: 'the process to lead', timeoutMs: 60_000 });
      const held = (await limitsProxy.networkFaults()).counts.slow;
      await applyOneOfEach('term');
      await awsCallsHeld(p, held);
      return terminate(p);
    });
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(p.has('in-flight reconciles did not finish in time: aborting them')).toBe(true);
    expect(p.has('released leadership')).toBe(true);
    expect((await leases().readNamespacedLease({ namespace: ns.name, name: lease })).spec?.holderIdentity).toBe('');
    const stopAt = p.lines.findIndex((l) => l.msg === 'shutting down');
    expect(stopAt).toBeGreaterThanOrEqual(0);
    expect(p.lines.slice(stopAt).filter((l) => l.msg === 'reconcile start')).toEqual([]);
    expect(p.lines.find((l) => l.msg === 'stopped')).toMatchObject({ exitCode: 0 });
  });

  it('exits 1 when the lease is lost while it drains, and leaves the lease to its new holder', async () => {
    const lease = uniqueName('lease');
    const p = start(lease, ['--lease-duration', '4s', '--renew-deadline', '3s', '--retry-period', '1s']);
    const exit = await withLogs(p, async () => {
      await waitFor(() => p.has('became leader'), { description: 'the process to lead', timeoutMs: 60_000 });
      const held = (await limitsProxy.networkFaults()).counts.slow;
      await applyOneOfEach('lost');
      await awsCallsHeld(p, held);
      return terminate(p, async () => {
        // Another replica takes the lease over while this one drains.
        const now = new Date().toISOString().replace(/Z$/, '000Z');
        await applyManifests({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: lease, namespace: ns.name }, spec: { holderIdentity: 'thief', renewTime: now, acquireTime: now } } as never);
      });
    });
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 1, signal: null });
    expect(p.has('leadership lost: lease not renewed within 3000 ms')).toBe(true);
    expect(p.has('released leadership')).toBe(false);
    expect((await leases().readNamespacedLease({ namespace: ns.name, name: lease })).spec?.holderIdentity).toBe('thief');
  });
});
