// Bench: the controller's memory with many objects (issue 11). In the real apiserver: N custom
// resources — 20 % LoadBalancedServices (the example's shape), 20 % ServerCertificates each with its
// own Secret, 60 % DnsAliases over 3 hosted zones — plus N/5 unrelated Secrets and N/5 unrelated
// EndpointSlices (default N = 5000). The controller runs as a user runs it (the bundle, all
// namespaces, default workers), AWS behind the limits proxy. Reported (RSS from the controller's
// own /metrics, heap from Node's). It watches the bench's two namespaces (a comma list), not leftovers of other runs:
//   idle          the controller with nothing to watch: RSS, heap, start → /readyz, `albatross --help`
//   full-sync     restarted on N converged objects: start → /readyz, every object reconciled once
//   resync        after the periodic resync re-checked every object against AWS
//   settled       the same controller once the wave's worker threads have stopped (idle 30 s: the
//                 EC2 thread serves every LoadBalancedService's re-check), at most 90 s later
// AWS is seeded first by the same controller talking to moto directly with unlimited budgets (not
// measured: at AWS's rates a cold start of 1000 load balancers takes most of an hour, see
// docs/performance.md), so what is measured is the steady state a restarted replica holds.
//
//   npm run bench -- --only footprint [--count N] [--json FILE]
//   FOOTPRINT_BENCH_RESYNC=300s   the measured controller's --resync-period
//   FOOTPRINT_BENCH_VARIANTS='[{"name":"arena2","env":{"GLIBC_TUNABLES":"glibc.malloc.arena_max=2"}},{"name":"pool1","flags":["--v8-pool-size=1"]}]'
//                                 after the resync, restart the controller once per variant (extra node
//                                 flags and/or environment) on the same objects and measure its full-sync
//   FOOTPRINT_BENCH_SMAPS=DIR     copy the controller's /proc/PID/smaps into DIR at every measurement
//                                 (which mappings the anonymous memory is in: V8's pages, malloc arenas, stacks)
//   FOOTPRINT_BENCH_HEAPSNAPSHOT=DIR   write a V8 heap snapshot of the measured controller after the
//                                 resync (and of each variant after its full-sync) into DIR
import { CoreV1Api, CustomObjectsApi, DiscoveryV1Api, type KubernetesObject } from '@kubernetes/client-node';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { buildIfStale } from '../../scripts/build.ts';
import { RESOURCES, type LoadBalancedService } from '../../src/crds/index.ts';
import { countsDelta, limitsProxy, sumCounts, isMutatingCall } from '../env/aws-limits/client.ts';
import { release, up } from '../env/env.ts';
import { applyManifests, createTestNamespace, kubeConfig, readManifests, uniqueClusterName, uniqueName } from '../integration/support/index.ts';
import { EXAMPLE, installCrds } from '../integration/load-balanced-service/harness.ts';
import { createZone } from '../integration/dns-alias/harness.ts';
import { CLI_ENTRY, CONTROLLER_ENTRY, CONTROLLER_ENV, NODE_FLAGS } from '../support/dist.ts';
import { createPki, pemBundle } from '../support/pki.ts';

export interface FootprintPhase {
  phase: 'idle' | 'full-sync' | 'resync' | 'settled';
  /** the variant measured (FOOTPRINT_BENCH_VARIANTS); absent for the controller as shipped */
  variant?: string;
  /** process_resident_memory_bytes of the controller, MiB */
  rssMiB: number;
  /** of the RSS: anonymous memory (heap, malloc arenas, V8 code space) and file-backed pages (the node binary's text and data, mostly fixed), MiB (Linux /proc/PID/smaps_rollup) */
  anonMiB?: number;
  fileMiB?: number;
  /** nodejs_heap_size_used_bytes, MiB */
  heapUsedMiB: number;
  /** nodejs_heap_size_total_bytes (what V8 holds committed for the heap), MiB */
  heapTotalMiB?: number;
  /** nodejs_external_memory_bytes (Buffers, KeyObjects and other memory V8 objects hold outside the heap), MiB */
  externalMiB?: number;
  /** the process's threads (/proc/PID/status): each that allocates may hold a malloc arena */
  threads?: number;
  /** start → /readyz (idle, full-sync), or the resync wave's duration */
  seconds: number;
  /** AWS calls of the phase by <service>.<Operation> (the limits proxy's count) */
  calls: Record<string, number>;
  mutatingCalls: number;
}

export interface FootprintResult {
  name: 'footprint';
  count: number;
  objects: Record<string, number>;
  helpSeconds: number;
  seedSeconds: number;
  /** the lists a starting controller makes (its watched kinds in its namespaces, made at once from the bench process, full objects), seconds: the apiserver's share of start → /readyz */
  listSeconds: number;
  phases: FootprintPhase[];
}

type Samples = Map<string, number>;

/** An extra run of the full-sync with other node flags or environment (what-if measurements). */
interface Variant {
  name: string;
  flags?: string[];
  env?: Record<string, string>;
}

function variants(): Variant[] {
  const raw = process.env['FOOTPRINT_BENCH_VARIANTS'];
  if (!raw) return [];
  const parsed: unknown = JSON.parse(raw);
  const ok = (v: unknown): v is Variant => {
    if (typeof v !== 'object' || v === null) return false;
    const { name, flags, env } = v as Record<string, unknown>;
    return typeof name === 'string' && (flags === undefined || (Array.isArray(flags) && flags.every((f) => typeof f === 'string'))) && (env === undefined || (typeof env === 'object' && env !== null && Object.values(env).every((e) => typeof e === 'string')));
  };
  if (!Array.isArray(parsed) || !parsed.every(ok)) throw new Error('bench: FOOTPRINT_BENCH_VARIANTS must be a JSON array of {name: string, flags?: string[], env?: {[k]: string}}');
  return parsed;
}
const KINDS = { loadbalancedservice: RESOURCES.loadBalancedService, servercertificate: RESOURCES.serverCertificate, dnsalias: RESOURCES.dnsAlias } as const;
type Kind = keyof typeof KINDS;

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
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) ([0-9.eE+-]+|NaN)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

function reconciles(s: Samples, kind: Kind): number {
  let n = 0;
  for (const [series, v] of s) if (series.startsWith('controller_runtime_reconcile_total{') && series.includes(`controller="${kind}"`)) n += v;
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

const mib = (bytes: number | undefined): number => Math.round(((bytes ?? 0) / 2 ** 20) * 10) / 10;
/** One phase's figures: memory from the controller's own metrics and /proc, calls from the proxy. */
function phaseOf(phase: FootprintPhase['phase'], m: Samples, split: { anonMiB?: number; fileMiB?: number; threads?: number }, seconds: number, calls: Record<string, number>, variant?: string): FootprintPhase {
  return {
    phase,
    ...(variant ? { variant } : {}),
    rssMiB: mib(m.get('process_resident_memory_bytes')),
    ...split,
    heapUsedMiB: mib(m.get('nodejs_heap_size_used_bytes')),
    heapTotalMiB: mib(m.get('nodejs_heap_size_total_bytes')),
    externalMiB: mib(m.get('nodejs_external_memory_bytes')),
    seconds,
    calls,
    mutatingCalls: sumCounts(calls, isMutatingCall),
  };
}
/** A custom resource for applyManifests (its spec is the CRD's business, not KubernetesObject's). */
const cr = (kind: string, namespace: string, name: string, spec: unknown): KubernetesObject => ({ apiVersion: 'albatross.dev/v1alpha1', kind, metadata: { name, namespace }, spec }) as KubernetesObject;
const log = (s: string): void => void process.stderr.write(`bench: ${s}\n`);

/** The bundled controller in a process of its own, with its /metrics and /readyz on free ports. */
class ControllerProcess {
  private child: ChildProcess | undefined;
  metricsUrl = '';
  readyUrl = '';
  startedAt = 0;
  exited: Promise<never> = new Promise(() => undefined);

  async start(args: string[], env: NodeJS.ProcessEnv, variant: Variant = { name: 'shipped' }): Promise<void> {
    const [mp, hp] = [await freePort(), await freePort()];
    this.metricsUrl = `http://127.0.0.1:${mp}/metrics`;
    this.readyUrl = `http://127.0.0.1:${hp}/readyz`;
    this.startedAt = Date.now();
    const snapshots = process.env['FOOTPRINT_BENCH_HEAPSNAPSHOT'];
    const flags = [...NODE_FLAGS, ...(variant.flags ?? []), ...(snapshots ? ['--heapsnapshot-signal=SIGUSR2'] : [])];
    const c = spawn(process.execPath, [...flags, CONTROLLER_ENTRY, ...args, '--metrics-bind-address', `127.0.0.1:${mp}`, '--health-probe-bind-address', `127.0.0.1:${hp}`, '--log-level', 'warn'], {
      env: { ...env, ...CONTROLLER_ENV, ...variant.env },
      stdio: ['ignore', 'ignore', 'inherit'],
      ...(snapshots ? { cwd: snapshots } : {}),
    });
    this.child = c;
    this.exited = new Promise<never>((_, reject) => c.once('exit', (code) => reject(new Error(`bench: controller exited (${code})`))));
    this.exited.catch(() => undefined);
  }

  /** Seconds from start to the first 200 of /readyz. */
  async ready(): Promise<number> {
    await Promise.race([waitUntil('/readyz', async () => (await fetch(this.readyUrl)).ok, 600_000, 50), this.exited]);
    return (Date.now() - this.startedAt) / 1000;
  }

  metrics(): Promise<Samples> {
    return scrape(this.metricsUrl);
  }

  /** Anonymous and file-backed resident memory, MiB, and the thread count (undefined where /proc has no smaps_rollup). */
  rssSplit(label?: string): { anonMiB?: number; fileMiB?: number; threads?: number } {
    try {
      const smapsDir = process.env['FOOTPRINT_BENCH_SMAPS'];
      if (smapsDir && label) writeFileSync(join(smapsDir, `footprint-${label}.smaps`), readFileSync(`/proc/${this.child?.pid}/smaps`, 'utf8'));
      const threads = Number(/^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${this.child?.pid}/status`, 'utf8'))?.[1] ?? NaN);
      const text = readFileSync(`/proc/${this.child?.pid}/smaps_rollup`, 'utf8');
      const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
      const [rss, anon] = [kb('Rss'), kb('Anonymous')];
      if (!Number.isFinite(rss) || !Number.isFinite(anon)) return {};
      return { anonMiB: Math.round((anon / 1024) * 10) / 10, fileMiB: Math.round(((rss - anon) / 1024) * 10) / 10, ...(Number.isFinite(threads) ? { threads } : {}) };
    } catch {
      return {};
    }
  }

  /** A heap snapshot (--heapsnapshot-signal) written into FOOTPRINT_BENCH_HEAPSNAPSHOT, if set. */
  async heapSnapshot(label: string): Promise<void> {
    const dir = process.env['FOOTPRINT_BENCH_HEAPSNAPSHOT'];
    const c = this.child;
    if (!dir || !c?.pid) return;
    const before = new Set(readdirSync(dir));
    c.kill('SIGUSR2');
    let file: string | undefined;
    await waitUntil(`heap snapshot (${label})`, async () => {
      file = readdirSync(dir).find((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
      if (!file) return false;
      const size = statSync(join(dir, file)).size;
      await new Promise((r) => setTimeout(r, 2000));
      return size > 0 && statSync(join(dir, file)).size === size; // written out
    }, 600_000);
    if (file) renameSync(join(dir, file), join(dir, `footprint-${label}.heapsnapshot`));
    log(`heap snapshot: ${join(dir, `footprint-${label}.heapsnapshot`)}`);
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  }
}

export async function run(): Promise<FootprintResult> {
  const count = Number(process.env['BENCH_COUNT'] ?? 5000);
  if (!Number.isInteger(count) || count < 10 || count > 20_000) throw new Error(`bench: count must be 10-20000 (got ${count})`);
  const n = { loadBalancedServices: Math.round(count / 5), serverCertificates: Math.round(count / 5), dnsAliases: count - 2 * Math.round(count / 5), unrelatedSecrets: Math.round(count / 5), unrelatedEndpointSlices: Math.round(count / 5) };
  const resync = process.env['FOOTPRINT_BENCH_RESYNC'] ?? '300s';

  await buildIfStale();
  const t0 = Date.now();
  execFileSync(process.execPath, [CLI_ENTRY, '--help'], { stdio: 'ignore' });
  const helpSeconds = (Date.now() - t0) / 1000;

  const lease = process.pid;
  const { env } = await up({ lease });
  Object.assign(process.env, env);
  const accessKey = `bench-footprint-${process.pid}`;
  const cluster = uniqueClusterName();
  const ctl = new ControllerProcess();
  const phases: FootprintPhase[] = [];
  const result = (): FootprintResult => ({ name: 'footprint', count, objects: n, helpSeconds, seedSeconds, listSeconds, phases });
  let seedSeconds = 0;
  let listSeconds = 0;
  const save = (): void => {
    const file = process.env['BENCH_RESULT_FILE'];
    if (file) writeFileSync(file, JSON.stringify(result(), null, 2) + '\n');
  };
  const callsNow = async () => (await limitsProxy.counts(accessKey)).calls;
  const proxied = { ...process.env, AWS_ACCESS_KEY_ID: accessKey };
  try {
    await installCrds();
    // 1. idle: nothing to watch.
    const empty = await createTestNamespace('bench-fp-empty');
    {
      const before = await callsNow();
      await ctl.start(['--cluster-name', cluster, '--namespace', empty.name], proxied);
      const seconds = await ctl.ready();
      await new Promise((r) => setTimeout(r, 10_000)); // what it settles at, not a start-up peak
      const m = await ctl.metrics();
      const calls = countsDelta(before, await callsNow());
      phases.push(phaseOf('idle', m, ctl.rssSplit('idle'), seconds, calls));
      await ctl.stop();
      save();
      log(`idle: ${phases.at(-1)?.rssMiB} MiB RSS`);
    }

    // 2. The objects, in the apiserver.
    const ns = (await createTestNamespace('bench-fp')).name;
    const other = (await createTestNamespace('bench-fp-other')).name;
    const core = kubeConfig().makeApiClient(CoreV1Api);
    const discovery = kubeConfig().makeApiClient(DiscoveryV1Api);
    const custom = kubeConfig().makeApiClient(CustomObjectsApi);
    const pki = await createPki({ algorithm: 'ecdsa' });
    const tlsData = { 'tls.crt': pemBundle(pki.leaf, ...pki.chain), 'tls.key': pki.leaf.keyPem };
    const zones = await Promise.all([0, 1, 2].map((z) => createZone(`${uniqueName(`fp${z}`)}.example.com`)));
    const range = (k: number): number[] => Array.from({ length: k }, (_, i) => i);
    const lbsSpec = (readManifests(EXAMPLE)[0] as LoadBalancedService).spec;
    log(`creating ${count} custom resources, ${n.unrelatedSecrets + n.serverCertificates} Secrets, ${n.unrelatedEndpointSlices} EndpointSlices`);
    await inChunks(range(n.serverCertificates), 25, async (i) => {
      await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: `cert-${i}` }, type: 'kubernetes.io/tls', stringData: tlsData } });
      await applyManifests(cr('ServerCertificate', ns, i === 0 ? 'service-example-com' : `cert-${i}`, { secretRef: { name: `cert-${i}` } }), { namespace: ns });
    });
    await inChunks(range(n.unrelatedSecrets), 25, (i) => core.createNamespacedSecret({ namespace: other, body: { metadata: { name: `unrelated-${i}` }, stringData: { token: `value-${i}-${'x'.repeat(200)}` } } }));
    await inChunks(range(n.unrelatedEndpointSlices), 25, (i) =>
      discovery.createNamespacedEndpointSlice({ namespace: other, body: { metadata: { name: `unrelated-${i}`, labels: { 'kubernetes.io/service-name': `unrelated-${i}` } }, addressType: 'IPv4', ports: [{ name: 'http', port: 8080 }], endpoints: [{ addresses: [`10.1.${i % 250}.${1 + (i % 200)}`], conditions: { ready: true } }] } }),
    );
    await inChunks(range(n.loadBalancedServices), 25, (i) => applyManifests(cr('LoadBalancedService', ns, `chat-${i}`, structuredClone(lbsSpec)), { namespace: ns }));
    await inChunks(range(n.dnsAliases), 25, (i) => {
      const zone = zones[i % zones.length]!;
      return applyManifests(cr('DnsAlias', ns, `alias-${i}`, { names: [{ name: `svc-${i}.${zone.name}`, hostedZone: { name: zone.name } }], target: { hostname: `lb-${i % 50}.us-east-1.elb.amazonaws.com` } }), { namespace: ns });
    });

    const ready = async (kind: Kind): Promise<number> => {
      const items = ((await custom.listNamespacedCustomObject({ ...KINDS[kind], namespace: ns })) as { items: Array<{ metadata?: { generation?: number }; status?: { observedGeneration?: number; conditions?: Array<{ type: string; status: string }> } }> }).items;
      return items.filter((o) => o.status?.observedGeneration === o.metadata?.generation && o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    };
    const allReady = async (): Promise<boolean> => {
      const [l, s, d] = await Promise.all([ready('loadbalancedservice'), ready('servercertificate'), ready('dnsalias')]);
      log(`seeding: Ready ${l}/${n.loadBalancedServices} LoadBalancedServices, ${s}/${n.serverCertificates} ServerCertificates, ${d}/${n.dnsAliases} DnsAliases`);
      return l === n.loadBalancedServices && s === n.serverCertificates && d === n.dnsAliases;
    };

    // 3. Seed AWS: the same controller, straight to moto, no budgets to speak of (not measured).
    {
      const t = Date.now();
      const unlimited = ['elbv2:read', 'elbv2:write', 'elbv2:register', 'elbv2:modify', 'iam:read', 'iam:write', 'route53:read', 'route53:write', 'ec2:read', 'ec2:write'].map((c) => `${c}=1000/1000`).join(',');
      await ctl.start(['--cluster-name', cluster, '--namespace', `${ns},${other}`, '--aws-budgets', unlimited, '--max-concurrent-reconciles', '16'], { ...process.env, AWS_ENDPOINT_URL: process.env['MOTO_ENDPOINT_URL'] });
      await Promise.race([waitUntil('every object Ready (seeding)', allReady, 4 * 3_600_000, 15_000), ctl.exited]);
      await ctl.stop();
      seedSeconds = (Date.now() - t) / 1000;
      save();
    }

    // The apiserver's share of a start: the lists the controller's informers make, all at once.
    {
      const t = Date.now();
      await Promise.all([ns, other].flatMap((namespace) => [
        ...Object.values(KINDS).map((r) => custom.listNamespacedCustomObject({ ...r, namespace })),
        core.listNamespacedSecret({ namespace }),
        core.listNamespacedService({ namespace }),
        discovery.listNamespacedEndpointSlice({ namespace }),
      ]));
      listSeconds = (Date.now() - t) / 1000;
      log(`the controller's lists from the bench process: ${listSeconds.toFixed(1)} s`);
    }

    // 4. full-sync: a replica (re)starting on all of it, behind AWS's limits.
    const counts = { loadbalancedservice: n.loadBalancedServices, servercertificate: n.serverCertificates, dnsalias: n.dnsAliases };
    const reconciledAtLeast = async (times: number): Promise<boolean> => {
      const m = await ctl.metrics();
      return (Object.keys(counts) as Kind[]).every((k) => reconciles(m, k) >= times * counts[k]);
    };
    {
      const before = await callsNow();
      await ctl.start(['--cluster-name', cluster, '--namespace', `${ns},${other}`, '--resync-period', resync], proxied);
      const seconds = await ctl.ready();
      await Promise.race([waitUntil('every object reconciled once', () => reconciledAtLeast(1), 3_600_000), ctl.exited]);
      const m = await ctl.metrics();
      const calls = countsDelta(before, await callsNow());
      phases.push(phaseOf('full-sync', m, ctl.rssSplit('full-sync'), seconds, calls));
      save();
      log(`full-sync: ${phases.at(-1)?.rssMiB} MiB RSS, /readyz after ${seconds.toFixed(1)} s`);
    }

    // 5. resync: the periodic resync re-checks every object against AWS.
    {
      const before = await callsNow();
      const t = Date.now();
      await Promise.race([waitUntil('every object reconciled again (resync)', () => reconciledAtLeast(2), 3 * 3_600_000, 5000), ctl.exited]);
      const m = await ctl.metrics();
      const calls = countsDelta(before, await callsNow());
      const split = ctl.rssSplit('resync');
      phases.push(phaseOf('resync', m, split, (Date.now() - t) / 1000, calls));
      save();
      // 6. settled: nothing to do until the next period; the wave's worker threads stop when idle.
      const t2 = Date.now();
      const before2 = await callsNow();
      if (split.threads !== undefined) {
        const threads = split.threads;
        await waitUntil('the wave\'s worker threads stopped', async () => (ctl.rssSplit().threads ?? 0) < threads, 90_000, 2000).catch(() => undefined);
      }
      phases.push(phaseOf('settled', await ctl.metrics(), ctl.rssSplit('settled'), (Date.now() - t2) / 1000, countsDelta(before2, await callsNow())));
      save();
      await ctl.heapSnapshot('resync');
    }
    await ctl.stop();

    // 6. What-if: the same full-sync once per variant (other flags / environment), same objects.
    for (const variant of variants()) {
      const before = await callsNow();
      await ctl.start(['--cluster-name', cluster, '--namespace', `${ns},${other}`, '--resync-period', resync], proxied, variant);
      const seconds = await ctl.ready();
      await Promise.race([waitUntil(`every object reconciled once (${variant.name})`, () => reconciledAtLeast(1), 3_600_000), ctl.exited]);
      const m = await ctl.metrics();
      const calls = countsDelta(before, await callsNow());
      phases.push(phaseOf('full-sync', m, ctl.rssSplit(`full-sync-${variant.name}`), seconds, calls, variant.name));
      save();
      log(`full-sync (${variant.name}): ${phases.at(-1)?.rssMiB} MiB RSS`);
      await ctl.heapSnapshot(`full-sync-${variant.name}`);
      await ctl.stop();
    }
    return result();
  } finally {
    await ctl.stop();
    await release(lease);
  }
}

function print(r: FootprintResult): void {
  console.log(`\nFootprint bench: ${r.count} custom resources (${Object.entries(r.objects).map(([k, v]) => `${v} ${k}`).join(', ')}); \`albatross --help\` ${r.helpSeconds.toFixed(2)} s; seeding ${r.seedSeconds.toFixed(0)} s; the controller's lists ${r.listSeconds.toFixed(1)} s`);
  console.log('phase (variant)              RSS MiB  anon MiB  file MiB  heap MiB  heap total  external  threads  seconds  AWS calls (mutating)');
  for (const p of r.phases) {
    const total = Object.values(p.calls).reduce((a, b) => a + b, 0);
    const label = p.variant ? `${p.phase} (${p.variant})` : p.phase;
    console.log(`${label.padEnd(27)}  ${String(p.rssMiB).padStart(7)}  ${String(p.anonMiB ?? '-').padStart(8)}  ${String(p.fileMiB ?? '-').padStart(8)}  ${String(p.heapUsedMiB).padStart(8)}  ${String(p.heapTotalMiB ?? '-').padStart(10)}  ${String(p.externalMiB ?? '-').padStart(8)}  ${String(p.threads ?? '-').padStart(7)}  ${p.seconds.toFixed(1).padStart(7)}  ${total} (${p.mutatingCalls})`);
  }
}

if (import.meta.filename === process.argv[1]) {
  run().then(
    (r) => {
      print(r);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
