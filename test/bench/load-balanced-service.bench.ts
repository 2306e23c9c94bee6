// Bench: N LoadBalancedServices shaped like the example (3 target groups, HTTPS + redirect, 2 rules),
// against the real apiserver and moto behind the AWS limits proxy (AWS's documented per-account
// request limits, test/env/aws-limits), with the controller as a user runs it: the bundled CLI in
// its own process, default workers and AWS budgets. AWS calls are counted by the proxy (the
// controller's own access key), per phase:
//   cold                  apply N -> all Ready
//   restart               controller restarted -> every object reconciled once (unchanged: no AWS call)
//   change-after-restart  restarted again, one spec changed at once -> that object Ready
//   noop-resync           every object re-checked by the periodic resync (nothing to change)
//   delete                delete N -> all gone
//
//   npm run bench -- --only load-balanced-service --count N [--json FILE]
//   LBS_BENCH_PHASES=cold,restart,change-after-restart,delete   (a subset; noop-resync takes a resync period)
//   LBS_BENCH_RESYNC=600s                                        (the controller's --resync-period)
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { buildIfStale } from '../../scripts/build.ts';
import { RESOURCES, type LoadBalancedService } from '../../src/crds/index.ts';
import { countsDelta, isMutatingCall, limitsProxy, sumCounts } from '../env/aws-limits/client.ts';
import type { CallCounts } from '../env/aws-limits/proxy.ts';
import { release, up } from '../env/env.ts';
import { createTestNamespace, kubeConfig, readManifests, uniqueClusterName } from '../integration/support/index.ts';
import { EXAMPLE, applyLbs, createServerCertificate, installCrds } from '../integration/load-balanced-service/harness.ts';
import { CONTROLLER_ENTRY, NODE_FLAGS } from '../support/dist.ts';
import { createPki, pemBundle } from '../support/pki.ts';

/** One phase as the JSON format has it. */
export interface PhaseResult {
  phase: string;
  seconds: number;
  /** AWS calls of the phase by <service>.<Operation>, every attempt (throttled ones included) */
  calls: Record<string, number>;
  mutatingCalls: number;
  rssMb: number;
}

export interface BenchResult {
  name: string;
  count: number;
  phases: PhaseResult[];
}

const PHASES = ['cold', 'restart', 'change-after-restart', 'noop-resync', 'delete'] as const;
type Phase = (typeof PHASES)[number];

type Samples = Map<string, number>;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (addr && typeof addr !== 'string' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function scrape(url: string): Promise<Samples> {
  const text = await (await fetch(url)).text();
  const out: Samples = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) ([0-9.eE+-]+|NaN)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

function reconciles(s: Samples): number {
  let n = 0;
  for (const [series, v] of s) if (series.startsWith('controller_runtime_reconcile_total{') && series.includes('controller="loadbalancedservice"')) n += v;
  return n;
}

async function waitUntil(what: string, fn: () => Promise<boolean>, timeoutMs: number, everyMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function inChunks<T>(items: T[], size: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

function durationSeconds(text: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(text);
  if (!m) throw new Error(`bench: LBS_BENCH_RESYNC must be like 600s, 10m or 1h (got ${text})`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'];
}

export async function run(): Promise<BenchResult> {
  const count = Number(process.env['LBS_BENCH_COUNT'] ?? process.env['BENCH_COUNT'] ?? 50);
  if (!Number.isInteger(count) || count < 1 || count > 1000) throw new Error(`bench: count must be 1-1000 (got ${count})`);
  const phases = new Set((process.env['LBS_BENCH_PHASES'] ?? PHASES.join(',')).split(',').map((p) => p.trim()));
  for (const p of phases) if (!(PHASES as readonly string[]).includes(p)) throw new Error(`bench: unknown phase ${p} (phases: ${PHASES.join(', ')})`);
  // The re-check of a whole resync period must stay at or below half AWS's Describe* refill rate
  // (10/s): ~12 reads per object -> at least 2.4 s per object; at least 5 minutes.
  const resync = process.env['LBS_BENCH_RESYNC'] ?? `${Math.max(300, Math.ceil((count * 12) / 5 / 60) * 60)}s`;
  const resyncSeconds = durationSeconds(resync);

  await buildIfStale();
  // The bundle as built now, copied: a controller restarted an hour later runs the same code even
  // if dist/ is rebuilt meanwhile.
  const dist = mkdtempSync(join(tmpdir(), 'albatross-bench-dist-'));
  cpSync(join(CONTROLLER_ENTRY, '..'), dist, { recursive: true });
  const entry = join(dist, 'main.js');
  const lease = process.pid;
  const { env } = await up({ lease });
  Object.assign(process.env, env);
  // The controller's own access key: the proxy gives it one account's limits and counts its calls alone.
  const accessKey = `bench-lbs-${process.pid}`;
  let child: ChildProcess | undefined;
  try {
    await installCrds();
    const namespace = await createTestNamespace('bench-lbs');
    const ns = namespace.name;
    const core = kubeConfig().makeApiClient(CoreV1Api);
    const custom = kubeConfig().makeApiClient(CustomObjectsApi);

    // One certificate for all (the CLI's certificate controller uploads it and makes it Ready).
    const pki = await createPki();
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'service-example-com-keystore' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': pemBundle(pki.leaf, ...pki.chain), 'tls.key': pki.leaf.keyPem } },
    });
    await createServerCertificate(ns, 'service-example-com');

    const list = async (): Promise<LoadBalancedService[]> =>
      ((await custom.listNamespacedCustomObject({ ...RESOURCES.loadBalancedService, namespace: ns })) as { items: LoadBalancedService[] }).items;
    const isReady = (o: LoadBalancedService): boolean =>
      o.status?.observedGeneration === o.metadata?.generation && (o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True' && c.observedGeneration === o.metadata?.generation) ?? false);
    const allReady = async (): Promise<boolean> => {
      const items = await list();
      return items.length === count && items.every(isReady);
    };

    const port = await freePort();
    const metricsUrl = `http://127.0.0.1:${port}/metrics`;
    const cluster = uniqueClusterName();
    let exited: Promise<never> = new Promise(() => undefined);
    const startController = (): void => {
      const args = ['--cluster-name', cluster, '--namespace', ns, '--resync-period', resync, '--metrics-bind-address', `127.0.0.1:${port}`, '--health-probe-bind-address', '0', '--log-level', 'warn'];
      const c = spawn(process.execPath, [...NODE_FLAGS, entry, ...args], { env: { ...process.env, AWS_ACCESS_KEY_ID: accessKey }, stdio: ['ignore', 'ignore', 'inherit'] });
      child = c;
      exited = new Promise<never>((_, reject) => c.once('exit', (code) => reject(new Error(`bench: controller exited (${code})`))));
      exited.catch(() => undefined);
    };
    const stopController = async (): Promise<void> => {
      const c = child;
      if (!c || c.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGTERM');
      });
    };
    const metricsUp = (): Promise<void> => Promise.race([waitUntil('controller metrics', async () => (await fetch(metricsUrl)).ok, 120_000, 200), exited]);

    const results: PhaseResult[] = [];
    const record = async (phase: Phase, since: number, before: CallCounts): Promise<void> => {
      const calls = countsDelta(before, (await limitsProxy.counts(accessKey)).calls);
      const rss = (await scrape(metricsUrl)).get('process_resident_memory_bytes') ?? 0;
      results.push({ phase, seconds: (Date.now() - since) / 1000, calls, mutatingCalls: sumCounts(calls, isMutatingCall), rssMb: Math.round(rss / 2 ** 20) });
      process.stderr.write(`bench: ${phase} done in ${((Date.now() - since) / 1000).toFixed(1)} s\n`);
      // Written after every phase, so a long run stopped early keeps what it measured.
      const file = process.env['BENCH_RESULT_FILE'];
      if (file) writeFileSync(file, JSON.stringify({ name: 'load-balanced-service', count, phases: results }, null, 2) + '\n');
    };
    const callsNow = async (): Promise<CallCounts> => (await limitsProxy.counts(accessKey)).calls;

    startController();
    await metricsUp();
    // The certificate is uploaded and Ready before the load balancers arrive, so the figures are
    // the load balancers' own.
    await Promise.race([
      waitUntil(
        'ServerCertificate Ready',
        async () => {
          const sc = (await custom.getNamespacedCustomObject({ ...RESOURCES.serverCertificate, namespace: ns, name: 'service-example-com' })) as { status?: { conditions?: Array<{ type: string; status: string }> } };
          return sc.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
        },
        120_000,
      ),
      exited,
    ]);
    const spec = (readManifests(EXAMPLE)[0] as LoadBalancedService).spec;
    const names = Array.from({ length: count }, (_, i) => `chat-${i}`);

    // 1. cold: every object from nothing to Ready (timed from the first apply).
    {
      const before = await callsNow();
      const t0 = Date.now();
      await inChunks(names, 25, (n) => applyLbs(ns, n, structuredClone(spec)));
      await Promise.race([waitUntil(`all ${count} Ready`, allReady, 6 * 3_600_000, 5000), exited]);
      if (phases.has('cold')) await record('cold', t0, before);
    }

    // 2. restart: a new controller process; every object reconciled once (unchanged: skipped).
    if (phases.has('restart')) {
      await stopController();
      const before = await callsNow();
      const t0 = Date.now();
      startController();
      await metricsUp();
      await Promise.race([waitUntil(`every object reconciled after the restart`, async () => reconciles(await scrape(metricsUrl)) >= count, 3_600_000, 500), exited]);
      await record('restart', t0, before);
    }

    // 3. change-after-restart: restarted again and one spec changed at once; that object Ready again.
    if (phases.has('change-after-restart')) {
      await stopController();
      const before = await callsNow();
      startController();
      const t0 = Date.now();
      const changed = structuredClone(spec);
      changed.loadBalancer = { ...changed.loadBalancer, idleTimeoutSeconds: 1800 };
      await applyLbs(ns, names[0]!, changed);
      await Promise.race([
        waitUntil(`${names[0]} Ready with the change`, async () => isReady((await list()).find((o) => o.metadata?.name === names[0])!), 3_600_000, 250),
        exited,
      ]);
      await record('change-after-restart', t0, before);
    }

    // 4. noop-resync: the periodic re-check of every object (due one resync period after its last
    // sync, spread as the syncs were); nothing to change.
    if (phases.has('noop-resync')) {
      await metricsUp();
      const before = await callsNow();
      const base = reconciles(await scrape(metricsUrl));
      const t0 = Date.now();
      await Promise.race([
        waitUntil(`every object re-checked by the resync (${resync})`, async () => reconciles(await scrape(metricsUrl)) - base >= count, resyncSeconds * 3000, 2000),
        exited,
      ]);
      await record('noop-resync', t0, before);
    }

    // 5. delete: everything owned removed, finalizers released.
    if (phases.has('delete')) {
      await metricsUp();
      const before = await callsNow();
      const t0 = Date.now();
      await inChunks(names, 25, (name) => custom.deleteNamespacedCustomObject({ ...RESOURCES.loadBalancedService, namespace: ns, name }));
      await Promise.race([waitUntil('all deleted', async () => (await list()).length === 0, 6 * 3_600_000, 5000), exited]);
      await record('delete', t0, before);
      await namespace.delete();
    }
    await stopController();
    return { name: 'load-balanced-service', count, phases: results };
  } finally {
    child?.kill('SIGTERM');
    await release(lease);
  }
}

function print(r: BenchResult): void {
  console.log(`\nLoadBalancedService bench: ${r.count} LoadBalancedServices like examples/loadbalancedservice.yaml (3 target groups, 2 listeners, 2 rules)`);
  console.log('behind the AWS limits proxy (ELBv2 Describe* 40 / 10 per s, registration 20 / 4, Modify* 20 / 3, other mutating 20 / 3); controller: the bundled CLI, default workers and budgets\n');
  for (const p of r.phases) {
    const per = (n: number): string => (n / r.count).toFixed(2);
    const total = sumCounts(p.calls);
    const reads = total - p.mutatingCalls;
    console.log(
      `${p.phase.padEnd(21)} ${p.seconds.toFixed(1).padStart(8)} s  AWS calls ${total} (${per(total)}/object: ${per(reads)} read + ${per(p.mutatingCalls)} mutating; read rate ${(reads / Math.max(p.seconds, 1)).toFixed(2)}/s)  controller RSS ${p.rssMb} MB`,
    );
    for (const [op, n] of Object.entries(p.calls).sort()) console.log(`    ${op.padEnd(44)} ${String(n).padStart(7)}  ${per(n).padStart(7)}/object`);
  }
}

if (import.meta.filename === process.argv[1]) {
  run().then(
    (r) => {
      print(r);
      // run.ts collects each bench's result into the --json FILE array.
      const file = process.env['BENCH_RESULT_FILE'];
      if (file) writeFileSync(file, JSON.stringify(r, null, 2) + '\n');
      console.log(JSON.stringify(r));
      const restart = r.phases.find((p) => p.phase === 'restart');
      process.exit(restart && restart.mutatingCalls !== 0 ? 1 : 0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
