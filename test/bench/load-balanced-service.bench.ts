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
//   faults                (opt-in) issue 10's fault run: with 30 % of the controller's AWS calls
//                         throttled and 10 % answered 5xx for 10 minutes, N new objects are applied
//                         (a cold create under faults); every status is sampled every 5 s (longest
//                         time a not-Ready object's status went unchanged, what its reason said);
//                         then faults stop: time until all Ready against 2 x the fault-free cold
//                         time, and what moto holds per owner against the example's shape
//
//   npm run bench -- --only load-balanced-service --count N [--json FILE]
//   LBS_BENCH_PHASES=cold,restart,change-after-restart,delete   (a subset; noop-resync takes a resync period)
//   LBS_BENCH_PHASES=cold,faults                                 (the fault run; cold is its fault-free reference)
//   LBS_BENCH_RESYNC=600s                                        (the controller's --resync-period)
//   LBS_BENCH_SEED=1        AWS seeded by the same controller straight against moto with unlimited
//                           budgets (not measured, no cold phase), then every phase behind the proxy:
//                           makes noop-resync and delete at N = 1000 feasible (a cold create at AWS's
//                           rates takes ~50 min there)
//   LBS_BENCH_FAULT_MINUTES=10, LBS_BENCH_FAULT_THROTTLE=30, LBS_BENCH_FAULT_5XX=10,
//   LBS_BENCH_FAULT_5XX_MODE=after (the 5xx replaces AWS's answer after the work was done: the
//   harder case for duplicates; before: nothing done), LBS_BENCH_FAULT_SAMPLE_SECONDS=5
//   LBS_BENCH_CONTROLLER_LOG=FILE  the controller's log (stdout, JSON lines) appended to FILE, at
//                           LBS_BENCH_LOG_LEVEL (default debug with a file, warn without): to read
//                           what it did around the fault run's worst status gaps
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
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
import { StatusGapTracker, type TrackedObject, type TrackerReport } from './lbs-fault-tracker.ts';
import { EXAMPLE_SHAPE, duplicates, ownedByCluster, type OwnedCounts } from './lbs-owned.ts';
import { controllerLog } from './support.ts';
import { createPki, pemBundle } from '../support/pki.ts';

/** One phase as the issue's JSON format has it. */
export interface PhaseResult {
  phase: string;
  seconds: number;
  /** AWS calls of the phase by <service>.<Operation>, every attempt (throttled ones included) */
  calls: Record<string, number>;
  mutatingCalls: number;
  rssMb: number;
  /** the machine's 1, 5 and 15 minute load averages at the end of the phase (2 shared cores) */
  loadAverage?: number[];
  /** the fault run's findings (phase faults) */
  faults?: FaultReport;
}

export interface FaultReport {
  minutes: number;
  throttlePercent: number;
  serverErrorPercent: number;
  serverErrorMode: 'before' | 'after';
  /** calls the proxy answered with an injected fault */
  injected: number;
  /** the fault-free reference: this run's cold phase */
  faultFreeColdSeconds: number;
  readyWhenFaultsStopped: number;
  /** faults off -> all Ready */
  recoverySeconds: number;
  /** status of not-Ready objects while faults were on */
  status: TrackerReport;
  /** owners whose AWS objects differ from the example's shape after recovery (empty: nothing duplicated) */
  duplicates: Array<{ owner: string; counts: OwnedCounts }>;
  /** owners with objects left in moto after everything was deleted again */
  leftAfterDelete: Array<{ owner: string; counts: OwnedCounts }>;
  targets: { statusEveryMinute: boolean; trueReasons: boolean; readyWithinTwiceFaultFree: boolean; nothingDuplicated: boolean };
}

export interface BenchResult {
  name: string;
  count: number;
  /** the commit the bench ran (the controller bundle built from it) */
  commit?: string;
  /** LBS_BENCH_SEED: seconds the unmeasured seeding took */
  seedSeconds?: number;
  resync?: string;
  phases: PhaseResult[];
}

const PHASES = ['cold', 'restart', 'change-after-restart', 'noop-resync', 'delete', 'faults'] as const;
/** What runs without LBS_BENCH_PHASES (faults is opt-in: 10 minutes and a second cold create). */
const DEFAULT_PHASES = PHASES.filter((p) => p !== 'faults');
type Phase = (typeof PHASES)[number];

function envNumber(name: string, fallback: number, min: number, max: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`bench: ${name} must be a number from ${min} to ${max} (got ${v})`);
  return n;
}

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
  const phases = new Set((process.env['LBS_BENCH_PHASES'] ?? DEFAULT_PHASES.join(',')).split(',').map((p) => p.trim()));
  for (const p of phases) if (!(PHASES as readonly string[]).includes(p)) throw new Error(`bench: unknown phase ${p} (phases: ${PHASES.join(', ')})`);
  // The re-check of a whole resync period must stay at or below half AWS's Describe* refill rate
  // (10/s): ~12 reads per object -> at least 2.4 s per object; at least 5 minutes.
  const resync = process.env['LBS_BENCH_RESYNC'] ?? `${Math.max(300, Math.ceil((count * 12) / 5 / 60) * 60)}s`;
  const resyncSeconds = durationSeconds(resync);
  const seed = process.env['LBS_BENCH_SEED'] === '1';
  if (seed && (phases.has('cold') || phases.has('faults'))) throw new Error('bench: LBS_BENCH_SEED=1 has no measured cold phase (and the fault run needs one): leave cold and faults out');
  const fault = {
    minutes: envNumber('LBS_BENCH_FAULT_MINUTES', 10, 0.1, 600),
    throttlePercent: envNumber('LBS_BENCH_FAULT_THROTTLE', 30, 0, 100),
    serverErrorPercent: envNumber('LBS_BENCH_FAULT_5XX', 10, 0, 100),
    serverErrorMode: (process.env['LBS_BENCH_FAULT_5XX_MODE'] ?? 'after') as 'before' | 'after',
    sampleSeconds: envNumber('LBS_BENCH_FAULT_SAMPLE_SECONDS', 5, 1, 60),
  };
  if (fault.serverErrorMode !== 'before' && fault.serverErrorMode !== 'after') throw new Error('bench: LBS_BENCH_FAULT_5XX_MODE must be before or after');
  const commit = ((): string | undefined => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: import.meta.dirname, encoding: 'utf8' }).trim();
    } catch {
      return undefined;
    }
  })();

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
    /** `direct`: straight to moto with unlimited budgets (seeding, not measured). */
    const startController = (direct = false): void => {
      const log = controllerLog('LBS_BENCH');
            const args = ['--cluster-name', cluster, '--namespace', ns, '--resync-period', resync, '--metrics-bind-address', `127.0.0.1:${port}`, '--health-probe-bind-address', '0', '--log-level', log.level];
      const unlimited = ['elbv2:read', 'elbv2:write', 'elbv2:register', 'elbv2:modify', 'iam:read', 'iam:write', 'ec2:read', 'ec2:write'].map((c) => `${c}=1000/1000`).join(',');
      const env = direct ? { ...process.env, AWS_ENDPOINT_URL: process.env['MOTO_ENDPOINT_URL'] } : { ...process.env, AWS_ACCESS_KEY_ID: accessKey };
      const c = spawn(process.execPath, [...NODE_FLAGS, entry, ...args, ...(direct ? ['--aws-budgets', unlimited, '--max-concurrent-reconciles', '16'] : [])], { env, stdio: ['ignore', log.stdout, 'inherit'] });
      log.started();
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
    let seedSeconds: number | undefined;
    const result = (): BenchResult => ({ name: 'load-balanced-service', count, ...(commit ? { commit } : {}), ...(seedSeconds !== undefined ? { seedSeconds } : {}), resync, phases: results });
    const save = (): void => {
      // Written after every phase, so a long run stopped early keeps what it measured.
      const file = process.env['BENCH_RESULT_FILE'];
      if (file) writeFileSync(file, JSON.stringify(result(), null, 2) + '\n');
    };
    const record = async (phase: Phase, since: number, before: CallCounts, extra: Partial<PhaseResult> = {}): Promise<void> => {
      const calls = countsDelta(before, (await limitsProxy.counts(accessKey)).calls);
      const rss = (await scrape(metricsUrl)).get('process_resident_memory_bytes') ?? 0;
      const loadAverage = loadavg().map((l) => Math.round(l * 100) / 100);
      results.push({ phase, seconds: (Date.now() - since) / 1000, calls, mutatingCalls: sumCounts(calls, isMutatingCall), rssMb: Math.round(rss / 2 ** 20), loadAverage, ...extra });
      process.stderr.write(`bench: ${phase} done in ${((Date.now() - since) / 1000).toFixed(1)} s (load ${loadAverage.join(' ')})\n`);
      save();
    };
    const callsNow = async (): Promise<CallCounts> => (await limitsProxy.counts(accessKey)).calls;

    startController(seed);
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

    // 1. cold: every object from nothing to Ready (timed from the first apply). Seeding: the same,
    // straight to moto, not measured; then the controller as a user runs it, behind the proxy.
    {
      const before = await callsNow();
      const t0 = Date.now();
      await inChunks(names, 25, (n) => applyLbs(ns, n, structuredClone(spec)));
      await Promise.race([waitUntil(`all ${count} Ready`, allReady, 6 * 3_600_000, 5000), exited]);
      if (seed) {
        seedSeconds = (Date.now() - t0) / 1000;
        process.stderr.write(`bench: seeded ${count} in ${seedSeconds.toFixed(1)} s (straight to moto, not measured)\n`);
        await stopController();
        startController();
        await metricsUp();
        save();
      } else if (phases.has('cold')) await record('cold', t0, before);
    }
    const coldSeconds = results.find((r) => r.phase === 'cold')?.seconds;

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

    // 5. delete: everything owned removed, finalizers released. (The fault run starts from nothing:
    // the objects are deleted for it, measured or not.)
    const deleteAll = async (which: string[]): Promise<void> => {
      await inChunks(which, 25, (name) => custom.deleteNamespacedCustomObject({ ...RESOURCES.loadBalancedService, namespace: ns, name }));
      await Promise.race([waitUntil('all deleted', async () => (await list()).length === 0, 6 * 3_600_000, 5000), exited]);
    };
    if (phases.has('delete') || phases.has('faults')) {
      await metricsUp();
      const before = await callsNow();
      const t0 = Date.now();
      await deleteAll(names);
      if (phases.has('delete')) await record('delete', t0, before);
    }

    // 6. faults: a cold create of N new objects with faults on for the window, then without.
    if (phases.has('faults')) {
      if (coldSeconds === undefined) throw new Error('bench: the fault run needs the cold phase (its fault-free reference): LBS_BENCH_PHASES=cold,faults');
      const fnames = names.map((n) => `flt-${n}`);
      const owners = fnames.map((n) => `LoadBalancedService/${ns}/${n}`);
      const injectedNow = async (): Promise<number> => sumCounts((await limitsProxy.counts(accessKey)).injected);
      const before = await callsNow();
      const injectedBefore = await injectedNow();
      await limitsProxy.setFaults({ throttlePercent: fault.throttlePercent, serverErrorPercent: fault.serverErrorPercent, serverErrorMode: fault.serverErrorMode, accounts: [accessKey], services: [], operations: '', seed: 10 });
      let faultsOn = true;
      try {
        const t0 = Date.now();
        const tracker = new StatusGapTracker(fnames, t0);
        const certificateReady = async (): Promise<boolean> => {
          const sc = (await custom.getNamespacedCustomObject({ ...RESOURCES.serverCertificate, namespace: ns, name: 'service-example-com' })) as { status?: { conditions?: Array<{ type: string; status: string }> } };
          return sc.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
        };
        const sampleAll = async (): Promise<LoadBalancedService[]> => {
          const [items, cert] = await Promise.all([list(), certificateReady()]);
          const tracked: TrackedObject[] = items.map((o) => ({ name: o.metadata?.name ?? '', generation: o.metadata?.generation, status: o.status, statusJson: JSON.stringify(o.status ?? null) }));
          tracker.sample(Date.now(), tracked, cert);
          return items;
        };
        await inChunks(fnames, 25, (n) => applyLbs(ns, n, structuredClone(spec)));
        const off = t0 + fault.minutes * 60_000;
        let lastLog = 0;
        while (Date.now() < off) {
          const items = await Promise.race([sampleAll(), exited]).catch((e: unknown) => {
            if (e instanceof Error && e.message.startsWith('bench: controller exited')) throw e;
            return [] as LoadBalancedService[];
          });
          if (Date.now() - lastLog > 60_000) {
            lastLog = Date.now();
            process.stderr.write(`bench: faults on ${((Date.now() - t0) / 1000).toFixed(0)} s: ${items.filter(isReady).length}/${count} Ready\n`);
          }
          await new Promise((r) => setTimeout(r, Math.min(fault.sampleSeconds * 1000, Math.max(0, off - Date.now()))));
        }
        const status = tracker.report(Date.now());
        await limitsProxy.clearFaults();
        faultsOn = false;
        const tOff = Date.now();
        const injected = (await injectedNow()) - injectedBefore;
        const readyWhenFaultsStopped = (await list()).filter(isReady).length;
        await Promise.race([waitUntil(`all ${count} Ready after the faults`, allReady, 6 * 3_600_000, 2000), exited]);
        const recoverySeconds = (Date.now() - tOff) / 1000;
        const dup = duplicates(await ownedByCluster(cluster), owners, EXAMPLE_SHAPE);
        process.stderr.write(`bench: faults off: all Ready after ${recoverySeconds.toFixed(1)} s (fault-free cold ${coldSeconds.toFixed(1)} s); ${dup.length} owners off the shape\n`);
        const report: FaultReport = {
          minutes: fault.minutes,
          throttlePercent: fault.throttlePercent,
          serverErrorPercent: fault.serverErrorPercent,
          serverErrorMode: fault.serverErrorMode,
          injected,
          faultFreeColdSeconds: coldSeconds,
          readyWhenFaultsStopped,
          recoverySeconds,
          status,
          duplicates: dup,
          leftAfterDelete: [],
          targets: {
            statusEveryMinute: status.objectsOverLimit === 0,
            trueReasons: status.reasonSamples['reference-false'] === 0 && status.reasonSamples['stalled'] === 0 && status.reasonSamples['aws-other'] === 0 && status.reasonSamples['other'] === 0,
            readyWithinTwiceFaultFree: recoverySeconds <= 2 * coldSeconds,
            nothingDuplicated: dup.length === 0,
          },
        };
        await record('faults', t0, before, { faults: report });
        // Everything deleted again (no faults): nothing may be left behind.
        await deleteAll(fnames);
        report.leftAfterDelete = [...(await ownedByCluster(cluster))].map(([owner, counts]) => ({ owner, counts }));
        save();
      } finally {
        if (faultsOn) await limitsProxy.clearFaults().catch(() => undefined);
      }
    }
    if (phases.has('delete') || phases.has('faults')) await namespace.delete();
    await stopController();
    return result();
  } finally {
    child?.kill('SIGTERM');
    await release(lease);
  }
}

function print(r: BenchResult): void {
  console.log(`\nLoadBalancedService bench: ${r.count} LoadBalancedServices like examples/loadbalancedservice.yaml (3 target groups, 2 listeners, 2 rules), commit ${r.commit ?? '?'}, resync ${r.resync ?? '?'}${r.seedSeconds !== undefined ? `, seeded in ${r.seedSeconds.toFixed(0)} s` : ''}`);
  console.log('behind the AWS limits proxy (ELBv2 Describe* 40 / 10 per s, registration 20 / 4, Modify* 20 / 3, other mutating 20 / 3); controller: the bundled CLI, default workers and budgets\n');
  for (const p of r.phases) {
    const per = (n: number): string => (n / r.count).toFixed(2);
    const total = sumCounts(p.calls);
    const reads = total - p.mutatingCalls;
    console.log(
      `${p.phase.padEnd(21)} ${p.seconds.toFixed(1).padStart(8)} s  AWS calls ${total} (${per(total)}/object: ${per(reads)} read + ${per(p.mutatingCalls)} mutating; read rate ${(reads / Math.max(p.seconds, 1)).toFixed(2)}/s)  controller RSS ${p.rssMb} MB  load ${p.loadAverage?.join(' ') ?? '?'}`,
    );
    const byService = new Map<string, { reads: number; mutating: number }>();
    for (const [op, n] of Object.entries(p.calls)) {
      const svc = op.split('.')[0]!;
      const e = byService.get(svc) ?? { reads: 0, mutating: 0 };
      if (isMutatingCall(op)) e.mutating += n;
      else e.reads += n;
      byService.set(svc, e);
    }
    for (const [svc, e] of [...byService].sort()) console.log(`    ${svc.padEnd(8)} ${per(e.reads + e.mutating)}/object (${per(e.reads)} read + ${per(e.mutating)} mutating)`);
    if (p.faults) console.log(`    faults: ${JSON.stringify(p.faults, null, 2).split('\n').join('\n    ')}`);
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
