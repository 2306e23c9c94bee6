// Bench: N LoadBalancedServices shaped like the example (3 target groups, HTTPS + redirect, 2 rules),
// against the real apiserver and moto, with the controller as a user runs it: the CLI in its own
// process, default workers and AWS budgets. Reports, read from the controller's own /metrics
// (albatross_aws_api_calls_total): AWS calls per operation for cold convergence, for a no-op
// re-check (which must make zero mutating calls) and for deletion; time to all Ready; controller RSS.
//
//   node test/bench/load-balanced-service.bench.ts          (brings the environment up if needed)
//   LBS_BENCH_COUNT=1000 node test/bench/load-balanced-service.bench.ts
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { RESOURCES, type LoadBalancedService } from '../../src/crds/index.ts';
import { release, up } from '../env/env.ts';
import { createTestNamespace, kubeConfig, readManifests, uniqueClusterName } from '../integration/support/index.ts';
import { EXAMPLE, applyLbs, createServerCertificate, installCrds } from '../integration/load-balanced-service/harness.ts';
import { createPki, pemBundle } from '../support/pki.ts';

const ROOT = join(import.meta.dirname, '..', '..');

export interface PhaseResult {
  phase: string;
  seconds: number;
  reconciles: number;
  /** AWS calls of the phase by service.operation (all outcomes) */
  calls: Record<string, number>;
  mutatingCalls: number;
  errors: Record<string, number>;
  rssMb: number;
}

export interface BenchResult {
  name: string;
  count: number;
  phases: PhaseResult[];
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

function label(series: string, name: string): string | undefined {
  return new RegExp(`${name}="([^"]*)"`).exec(series)?.[1];
}

function delta(before: Samples, after: Samples, metric: string, filter: (series: string) => boolean = () => true): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (const [series, v] of after) {
    if (!series.startsWith(`${metric}{`) || !filter(series)) continue;
    const d = v - (before.get(series) ?? 0);
    if (d > 0) out.push([series, d]);
  }
  return out;
}

function reconciles(s: Samples): number {
  let n = 0;
  for (const [series, v] of s) if (series.startsWith('controller_runtime_reconcile_total{') && label(series, 'controller') === 'loadbalancedservice') n += v;
  return n;
}

async function waitUntil(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function inChunks<T>(items: T[], size: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

export async function run(): Promise<BenchResult> {
  const count = Number(process.env['LBS_BENCH_COUNT'] ?? process.env['BENCH_COUNT'] ?? 50);
  if (!Number.isInteger(count) || count < 1 || count > 1000) throw new Error(`bench: count must be 1-1000 (got ${count})`);
  const lease = process.pid;
  const { env } = await up({ lease });
  Object.assign(process.env, env);
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
    const allReady = async (): Promise<boolean> => {
      const items = await list();
      return items.length === count && items.every((o) => o.status?.observedGeneration === o.metadata?.generation && o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    };

    const phases: PhaseResult[] = [];
    let last: Samples = new Map();

    // The controller as a user runs it, in its own process: default workers and AWS budgets.
    const port = await freePort();
    const metricsUrl = `http://127.0.0.1:${port}/metrics`;
    child = spawn(
      process.execPath,
      [join(ROOT, 'src', 'main.ts'), '--cluster-name', uniqueClusterName(), '--namespace', ns, '--resync-period', '1h', '--metrics-bind-address', `127.0.0.1:${port}`, '--health-probe-bind-address', '0', '--log-level', 'warn'],
      { env: process.env, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const exited = new Promise<never>((_, reject) => child!.once('exit', (c) => reject(new Error(`bench: controller exited (${c})`))));
    exited.catch(() => undefined);

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
    last = await scrape(metricsUrl);
    const started = Date.now();
    const spec = (readManifests(EXAMPLE)[0] as LoadBalancedService).spec;
    const names = Array.from({ length: count }, (_, i) => `chat-${i}`);
    await inChunks(names, 25, (n) => applyLbs(ns, n, structuredClone(spec)));

    const record = async (phase: string, since: number): Promise<void> => {
      const now = await scrape(metricsUrl);
      const calls: Record<string, number> = {};
      const errors: Record<string, number> = {};
      let mutating = 0;
      for (const [series, d] of delta(last, now, 'albatross_aws_api_calls_total', (s) => label(s, 'service') !== 'iam')) {
        const op = `${label(series, 'service')}.${label(series, 'operation')}`;
        calls[op] = (calls[op] ?? 0) + d;
        if (!/^(Describe|List|Get)/.test(label(series, 'operation') ?? '')) mutating += d;
        if (label(series, 'outcome') !== 'success') errors[`${op}:${label(series, 'outcome')}`] = d;
      }
      phases.push({
        phase,
        seconds: (Date.now() - since) / 1000,
        reconciles: reconciles(now) - reconciles(last),
        calls,
        mutatingCalls: mutating,
        errors,
        rssMb: Math.round((now.get('process_resident_memory_bytes') ?? 0) / 2 ** 20),
      });
      last = now;
    };

    // 1. Cold convergence: every object from nothing to Ready (timed from the first kubectl apply).
    await Promise.race([waitUntil(`all ${count} Ready`, allReady, 3_600_000), exited]);
    await record('cold', started);

    // 2. No-op re-check: touch every object (an annotation: no spec change) -> one reconcile each.
    const before = reconciles(await scrape(metricsUrl));
    const recheck = Date.now();
    await inChunks(names, 25, (name) =>
      custom.patchNamespacedCustomObject(
        { ...RESOURCES.loadBalancedService, namespace: ns, name, body: { metadata: { annotations: { 'bench.albatross.dev/recheck': String(recheck) } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    await Promise.race([waitUntil('one re-check per object', async () => reconciles(await scrape(metricsUrl)) - before >= count, 3_600_000), exited]);
    await record('recheck', recheck);

    // 3. Deletion: everything owned removed, finalizers released.
    const deleting = Date.now();
    await inChunks(names, 25, (name) => custom.deleteNamespacedCustomObject({ ...RESOURCES.loadBalancedService, namespace: ns, name }));
    await Promise.race([waitUntil('all deleted', async () => (await list()).length === 0, 3_600_000), exited]);
    await record('delete', deleting);

    await namespace.delete();
    return { name: 'load-balanced-service', count, phases };
  } finally {
    child?.kill('SIGTERM');
    await release(lease);
  }
}

function print(r: BenchResult): void {
  console.log(`\nLoadBalancedService bench: ${r.count} LoadBalancedServices like examples/loadbalancedservice.yaml (3 target groups, 2 listeners, 2 rules)`);
  console.log('controller: the CLI in its own process, default workers (4) and AWS budgets (elbv2 read 20/s, write 10/s)\n');
  for (const p of r.phases) {
    const per = (n: number): string => (n / r.count).toFixed(2);
    const total = Object.values(p.calls).reduce((a, b) => a + b, 0);
    console.log(
      `${p.phase.padEnd(8)} ${p.seconds.toFixed(1).padStart(7)} s  reconciles ${p.reconciles}  AWS calls ${total} (${per(total)}/object)  mutating ${p.mutatingCalls} (${per(p.mutatingCalls)}/object)  controller RSS ${p.rssMb} MB`,
    );
    for (const [op, n] of Object.entries(p.calls).sort()) console.log(`           ${op.padEnd(42)} ${String(n).padStart(6)}  ${per(n).padStart(7)}/object`);
    if (Object.keys(p.errors).length) console.log(`           errors: ${JSON.stringify(p.errors)}`);
  }
  const recheck = r.phases.find((p) => p.phase === 'recheck');
  if (recheck && recheck.mutatingCalls !== 0) console.log(`\nFAIL: the no-op re-check made ${recheck.mutatingCalls} mutating calls`);
}

if (import.meta.filename === process.argv[1]) {
  run().then(
    (r) => {
      print(r);
      console.log(JSON.stringify(r));
      const recheck = r.phases.find((p) => p.phase === 'recheck');
      process.exit(recheck && recheck.mutatingCalls === 0 ? 0 : 1);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
