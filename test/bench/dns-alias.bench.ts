// Bench: N DnsAliases (one CNAME each) in one public hosted zone that also holds 10 foreign
// CNAMEs, against the real apiserver and moto behind the AWS limits proxy (Route 53: 5 requests/s
// per account, Route 53's per-request limits), with the controller as a user runs it: the bundled
// CLI in its own process, default workers, default Route 53 settings (write interval 5 s). Route 53
// calls are counted by the proxy (the controller's own access key), per phase:
//   create    apply N -> every record in Route 53 and every DnsAlias Ready
//   steady    every DnsAlias re-checked once by the periodic resync (nothing to change)
//   retarget  every DnsAlias pointed at another host name -> all Ready again
//   delete    delete N -> all gone, the records with them
// After every phase the foreign records must be exactly as they were.
//
//   npm run bench -- --only dns-alias --count N [--json FILE]
//   DNSA_BENCH_PHASES=create,retarget,delete   (a subset; steady takes one resync period)
//   DNSA_BENCH_RESYNC=5m                       (the controller's --resync-period, default 5m)
//   DNSA_BENCH_TIMELINE=1                      (create and delete: the controller's progress each second)
//   DNSA_BENCH_CONTROLLER_LOG=FILE             (its log appended to FILE; DNSA_BENCH_LOG_LEVEL, default debug)
import { CustomObjectsApi } from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIfStale } from '../../scripts/build.ts';
import { RESOURCES, type DnsAlias } from '../../src/crds/index.ts';
import { minimumBatches } from '../../src/reconcilers/dns-alias/batcher.ts';
import { ownerTxtName, ownerTxtValue } from '../../src/reconcilers/dns-alias/ownership.ts';
import type { RecordChange } from '../../src/aws/route53.ts';
import { countsDelta, limitsProxy, sumCounts } from '../env/aws-limits/client.ts';
import type { CallCounts } from '../env/aws-limits/proxy.ts';
import { release, up } from '../env/env.ts';
import { applyDnsAlias, changeRecords, cname, createZone, installCrds, zoneRecords } from '../integration/dns-alias/harness.ts';
import { createTestNamespace, kubeConfig, uniqueClusterName, uniqueName } from '../integration/support/index.ts';
import { CONTROLLER_ENTRY, NODE_FLAGS } from '../support/dist.ts';
import { controllerLog, freePort, inChunks, reconciles, scrape, waitUntil, type Samples } from './support.ts';

/** One phase as the issue's JSON format has it, plus the floor and the machine's load. */
export interface PhaseResult {
  phase: string;
  seconds: number;
  /** AWS calls of the phase by <service>.<Operation>, every attempt (throttled ones included) */
  calls: Record<string, number>;
  mutatingCalls: number;
  /** the fewest Route 53 calls the phase can take (see floors()) */
  floor: number;
  /** create: seconds from the first apply until every record was in Route 53 */
  presentSeconds?: number;
  /** create, retarget, delete: seconds from the first request until the bench's last apply or delete returned (the applier's own share: it is slow on a loaded machine too) */
  appliedSeconds?: number;
  /** delete: seconds from the first delete until the last of our records was gone from Route 53 (ExternalDNS, with no finalizer to release, is done then) */
  absentSeconds?: number;
  rssMb: number;
  /** the controller's apiserver requests of the phase by "<METHOD> <resource>[/<subresource>] <code>" (rest_client_requests_total) */
  kubeRequests?: Record<string, number>;
  /** the controller's reconciles of the phase (controller_runtime_reconcile_total, dnsalias) */
  reconciles?: number;
  /** create: the controller's progress once a second (DNSA_BENCH_TIMELINE=1) */
  timeline?: TimelinePoint[];
  /** the machine's 1-, 5- and 15-minute load average at the end of the phase */
  loadAverage: number[];
}

export interface TimelinePoint {
  /** seconds since the first apply */
  t: number;
  reconciles: number;
  /** apiserver requests by method, since the phase began */
  requests: Record<string, number>;
  /** ChangeResourceRecordSets batches sent since the phase began */
  batches: number;
  queueDepth: number;
  activeWorkers: number;
  /** the controller's CPU time (user + system) since the phase began */
  cpuSeconds: number;
}

export interface BenchResult {
  name: string;
  count: number;
  phases: PhaseResult[];
}

const PHASES = ['create', 'steady', 'retarget', 'delete'] as const;
type Phase = (typeof PHASES)[number];
const FOREIGN = 10;
const PAGE = 300; // ListResourceRecordSets page size the controller asks for (Route 53's maximum)
const LB1 = 'lb-1.us-east-1.elb.amazonaws.com';
const LB2 = 'lb-2.us-east-1.elb.amazonaws.com';

const route53Calls = (c: CallCounts): number => sumCounts(c, (k) => k.startsWith('route53.'));

export async function run(): Promise<BenchResult> {
  const count = Number(process.env['DNSA_BENCH_COUNT'] ?? process.env['BENCH_COUNT'] ?? 500);
  if (!Number.isInteger(count) || count < 1 || count > 10_000) throw new Error(`bench: count must be 1-10000 (got ${count})`);
  const phases = new Set((process.env['DNSA_BENCH_PHASES'] ?? PHASES.join(',')).split(',').map((p) => p.trim()));
  for (const p of phases) if (!(PHASES as readonly string[]).includes(p)) throw new Error(`bench: unknown phase ${p} (phases: ${PHASES.join(', ')})`);
  const resync = process.env['DNSA_BENCH_RESYNC'] ?? '5m';

  await buildIfStale();
  const dist = mkdtempSync(join(tmpdir(), 'albatross-bench-dist-'));
  cpSync(join(CONTROLLER_ENTRY, '..'), dist, { recursive: true });
  const entry = join(dist, 'main.js');
  const lease = process.pid;
  const { env } = await up({ lease });
  Object.assign(process.env, env);
  const accessKey = `bench-dnsa-${process.pid}`;
  let child: ChildProcess | undefined;
  try {
    await installCrds();
    const namespace = await createTestNamespace('bench-dnsa');
    const ns = namespace.name;
    const custom = kubeConfig().makeApiClient(CustomObjectsApi);
    const zone = await createZone(`${uniqueName('bench')}.example.com`);
    // Foreign records beside ours, written straight to moto (uncounted); never to be touched.
    await changeRecords(zone.id, Array.from({ length: FOREIGN }, (_, i) => ({ Action: 'CREATE' as const, ResourceRecordSet: cname(`foreign-${i}.${zone.name}`, `legacy-${i}.example.net`) })));
    const foreign = async (): Promise<string> => JSON.stringify((await zoneRecords(zone.id)).filter((r) => r.Name?.startsWith('foreign-')));
    const foreignBefore = await foreign();
    const names = Array.from({ length: count }, (_, i) => `svc-${i}`);
    const fqdn = (i: number): string => `svc-${i}.${zone.name}`;
    const spec = (i: number, target: string): DnsAlias['spec'] => ({ names: [{ name: fqdn(i), hostedZone: { name: zone.name } }], target: { hostname: target } });

    const list = async (): Promise<DnsAlias[]> => ((await custom.listNamespacedCustomObject({ ...RESOURCES.dnsAlias, namespace: ns })) as { items: DnsAlias[] }).items;
    const allReady = async (target: string): Promise<boolean> => {
      const items = await list();
      return (
        items.length === count &&
        items.every((o) => o.status?.observedGeneration === o.metadata?.generation && o.status?.chain?.at(-1) === target && (o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false))
      );
    };
    const present = async (target: string): Promise<boolean> => {
      const records = await zoneRecords(zone.id);
      return records.filter((r) => r.Type === 'CNAME' && r.Name?.startsWith('svc-') && r.ResourceRecords?.[0]?.Value === target).length === count;
    };

    // The floors: what each phase cannot do without.
    const cluster = uniqueClusterName();
    const owner = (i: number) => ({ cluster, kind: 'DnsAlias', namespace: ns, name: names[i]! });
    const unit = (i: number, action: RecordChange['action'], withTxt: boolean, target: string) => ({
      changes: [
        { action, record: { name: fqdn(i), type: 'CNAME', ttl: 300, values: [target] } },
        ...(withTxt ? [{ action, record: { name: ownerTxtName(fqdn(i)), type: 'TXT', ttl: 300, values: [ownerTxtValue(owner(i))] } }] : []),
      ] satisfies RecordChange[],
    });
    const indexes = names.map((_, i) => i);
    const pages = (records: number): number => Math.max(1, Math.ceil(records / PAGE));
    const floors: Record<Phase, number> = {
      // one zone lookup, the zone listed once as it is before (NS, SOA, foreign), the changes
      create: 1 + pages(2 + FOREIGN) + minimumBatches(indexes.map((i) => unit(i, 'CREATE', true, LB1))),
      // the zone listed once as it is now, one zone lookup
      steady: pages(2 + FOREIGN + 2 * count) + 1,
      // one UPSERT per name (the TXT stays), counting twice
      retarget: minimumBatches(indexes.map((i) => unit(i, 'UPSERT', false, LB2))),
      // the CNAME and its TXT per name
      delete: minimumBatches(indexes.map((i) => unit(i, 'DELETE', true, LB2))),
    };

    const port = await freePort();
    const metricsUrl = `http://127.0.0.1:${port}/metrics`;
    const log = controllerLog('DNSA_BENCH');
        const args = ['--cluster-name', cluster, '--namespace', ns, '--resync-period', resync, '--metrics-bind-address', `127.0.0.1:${port}`, '--health-probe-bind-address', '0', '--log-level', log.level];
    const c = spawn(process.execPath, [...NODE_FLAGS, entry, ...args], { env: { ...process.env, AWS_ACCESS_KEY_ID: accessKey }, stdio: ['ignore', log.stdout, 'inherit'] });
    log.started();
    child = c;
    const exited = new Promise<never>((_, reject) => c.once('exit', (code) => reject(new Error(`bench: controller exited (${code})`))));
    exited.catch(() => undefined);
    await Promise.race([waitUntil('controller metrics', async () => (await fetch(metricsUrl)).ok, 120_000, 200), exited]);
    // Start-up calls (other controllers' look-ups) settle before the first phase is counted.
    await new Promise((r) => setTimeout(r, 3000));

    // Listing N objects (and the zone) is not free: poll less often for large N.
    const pollMs = Math.max(1000, count * 2);
    const results: PhaseResult[] = [];
    const callsNow = async (): Promise<CallCounts> => (await limitsProxy.counts(accessKey)).calls;
    let kubeBefore = kubeRequestCounts(await scrape(metricsUrl));
    let reconcilesBefore = reconciles(await scrape(metricsUrl), 'dnsalias');
    const record = async (phase: Phase, since: number, before: CallCounts, extra: Partial<PhaseResult> = {}): Promise<void> => {
      const calls = countsDelta(before, await callsNow());
      const samples = await scrape(metricsUrl);
      const rss = samples.get('process_resident_memory_bytes') ?? 0;
      const kubeNow = kubeRequestCounts(samples);
      const kubeRequests = Object.fromEntries([...kubeNow].map(([k, v]) => [k, v - (kubeBefore.get(k) ?? 0)] as const).filter(([, v]) => v > 0));
      const reconcilesNow = reconciles(samples, 'dnsalias');
      const reconcilesOfPhase = reconcilesNow - reconcilesBefore;
      kubeBefore = kubeNow;
      reconcilesBefore = reconcilesNow;
      const changed = (await foreign()) !== foreignBefore;
      if (changed) throw new Error(`bench: the foreign records changed during ${phase}`);
      results.push({
        phase,
        seconds: (Date.now() - since) / 1000,
        calls,
        mutatingCalls: calls['route53.ChangeResourceRecordSets'] ?? 0,
        floor: floors[phase],
        ...extra,
        rssMb: Math.round(rss / 2 ** 20),
        kubeRequests,
        reconciles: reconcilesOfPhase,
        loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
      });
      process.stderr.write(`bench: ${phase} done in ${((Date.now() - since) / 1000).toFixed(1)} s, ${route53Calls(calls)} Route 53 calls (floor ${floors[phase]})\n`);
      const file = process.env['BENCH_RESULT_FILE'];
      if (file) writeFileSync(file, JSON.stringify({ name: 'dns-alias', count, phases: results }, null, 2) + '\n');
    };

    // The phase's counts start here (start-up requests are not a phase's).
    kubeBefore = kubeRequestCounts(await scrape(metricsUrl));
    reconcilesBefore = reconciles(await scrape(metricsUrl), 'dnsalias');

    // DNSA_BENCH_TIMELINE=1: the controller's progress every second of a phase (create, delete), from
    // its metrics: what it is doing while the applier and Route 53 are, on a quiet or a busy machine.
    const startTimeline = (t0: number): { stop: () => Promise<TimelinePoint[]> } => {
      const points: TimelinePoint[] = [];
      let sampling = process.env['DNSA_BENCH_TIMELINE'] === '1';
      const sum = (s: Samples, prefix: string, filter: (series: string) => boolean = () => true): number =>
        [...s].filter(([k]) => k.startsWith(prefix) && filter(k)).reduce((n, [, v]) => n + v, 0);
      const byMethod = (s: Samples): Record<string, number> => {
        const out: Record<string, number> = {};
        for (const [k, v] of s) {
          if (!k.startsWith('rest_client_requests_total{')) continue;
          const m = /method="([A-Z]+)"/.exec(k)?.[1] ?? '?';
          out[m] = (out[m] ?? 0) + v;
        }
        return out;
      };
      const sampler = (async () => {
        if (!sampling) return;
        const first = await scrape(metricsUrl);
        const base = byMethod(first);
        const batches0 = sum(first, 'albatross_route53_change_batches_total{');
        const reconciles0 = reconciles(first, 'dnsalias');
        const cpu0 = first.get('process_cpu_seconds_total') ?? 0;
        while (sampling) {
          const s = await scrape(metricsUrl).catch(() => undefined);
          if (s) {
            const now = byMethod(s);
            points.push({
              t: Math.round((Date.now() - t0) / 100) / 10,
              reconciles: reconciles(s, 'dnsalias') - reconciles0,
              requests: Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - (base[k] ?? 0)])),
              batches: sum(s, 'albatross_route53_change_batches_total{') - batches0,
              queueDepth: sum(s, 'workqueue_depth{', (k) => k.includes('name="dnsalias"')),
              activeWorkers: sum(s, 'controller_runtime_active_workers{', (k) => k.includes('controller="dnsalias"')),
              cpuSeconds: Math.round(((s.get('process_cpu_seconds_total') ?? 0) - cpu0) * 100) / 100,
            });
          }
          await new Promise((r) => setTimeout(r, 1000));
        }
      })();
      return {
        stop: async () => {
          sampling = false;
          await sampler;
          return points;
        },
      };
    };

    // 1. create: from the first apply until every record is in Route 53 and every DnsAlias Ready.
    {
      const before = await callsNow();
      const t0 = Date.now();
      let presentAt = 0;
      const timeline = startTimeline(t0);
      await inChunks(indexes, 25, (i) => applyDnsAlias(ns, names[i]!, spec(i, LB1)));
      const appliedAt = Date.now();
      await Promise.race([
        waitUntil(
          `all ${count} present and Ready`,
          async () => {
            if (!presentAt && (await present(LB1))) presentAt = Date.now();
            return presentAt > 0 && (await allReady(LB1));
          },
          3_600_000,
          pollMs,
        ),
        exited,
      ]);
      const points = await timeline.stop();
      if (phases.has('create')) await record('create', t0, before, { presentSeconds: (presentAt - t0) / 1000, appliedSeconds: (appliedAt - t0) / 1000, ...(points.length ? { timeline: points } : {}) });
    }

    // 2. steady: every DnsAlias re-checked once by the resync (spread over ±10% of the period).
    if (phases.has('steady')) {
      const before = await callsNow();
      const base = reconciles(await scrape(metricsUrl), 'dnsalias');
      const t0 = Date.now();
      await Promise.race([waitUntil(`every DnsAlias re-checked by the resync (${resync})`, async () => reconciles(await scrape(metricsUrl), 'dnsalias') - base >= count, 3_600_000, 2000), exited]);
      await record('steady', t0, before);
    }

    // 3. retarget: every DnsAlias to another host name (only the CNAME changes; the TXT stays).
    if (phases.has('retarget')) {
      const before = await callsNow();
      const t0 = Date.now();
      await inChunks(indexes, 25, (i) => applyDnsAlias(ns, names[i]!, spec(i, LB2)));
      const appliedAt = Date.now();
      await Promise.race([waitUntil(`all ${count} retargeted`, async () => (await present(LB2)) && (await allReady(LB2)), 3_600_000, pollMs), exited]);
      await record('retarget', t0, before, { appliedSeconds: (appliedAt - t0) / 1000 });
    }

    // 4. delete: everything of ours removed, finalizers released.
    if (phases.has('delete')) {
      const before = await callsNow();
      const t0 = Date.now();
      const timeline = startTimeline(t0);
      await inChunks(names, 25, (name) => custom.deleteNamespacedCustomObject({ ...RESOURCES.dnsAlias, namespace: ns, name }));
      const appliedAt = Date.now();
      let absentAt = 0;
      // Our CNAMEs (svc-<i>.<zone>) and their ownership TXTs (<prefix>svc-<i>.<zone>).
      const ours = async (): Promise<number> => (await zoneRecords(zone.id)).filter((r) => r.Name?.startsWith('svc-') || r.Name?.startsWith(ownerTxtName('svc-'))).length;
      await Promise.race([
        waitUntil(
          'all deleted',
          async () => {
            if (!absentAt && (await ours()) === 0) absentAt = Date.now();
            return absentAt > 0 && (await list()).length === 0;
          },
          3_600_000,
          pollMs,
        ),
        exited,
      ]);
      const points = await timeline.stop();
      await record('delete', t0, before, { appliedSeconds: (appliedAt - t0) / 1000, absentSeconds: (absentAt - t0) / 1000, ...(points.length ? { timeline: points } : {}) });
      const left = (await zoneRecords(zone.id)).filter((r) => r.Type !== 'NS' && r.Type !== 'SOA' && !r.Name?.startsWith('foreign-'));
      if (left.length > 0) throw new Error(`bench: ${left.length} record(s) of ours left in the zone after deleting every DnsAlias`);
      await namespace.delete();
    }
    return { name: 'dns-alias', count, phases: results };
  } finally {
    child?.kill('SIGTERM');
    await release(lease);
  }
}

/** rest_client_requests_total as "<METHOD> <resource>[/<subresource>] <code>" -> count. */
function kubeRequestCounts(s: Samples): Map<string, number> {
  const out = new Map<string, number>();
  for (const [series, v] of s) {
    if (!series.startsWith('rest_client_requests_total{')) continue;
    const label = (name: string): string => new RegExp(`${name}="([^"]*)"`).exec(series)?.[1] ?? '';
    const sub = label('subresource');
    const key = `${label('method')} ${label('resource')}${sub ? `/${sub}` : ''} ${label('code')}`;
    out.set(key, (out.get(key) ?? 0) + v);
  }
  return out;
}

function print(r: BenchResult): void {
  console.log(`\nDnsAlias bench: ${r.count} DnsAliases (one CNAME each) in one hosted zone with ${FOREIGN} foreign CNAMEs, behind the AWS limits proxy (Route 53 5 requests/s)`);
  console.log('controller: the bundled CLI, default workers and Route 53 settings\n');
  console.log('phase      seconds  Route 53 calls  floor  ChangeResourceRecordSets  RSS MB  load average  calls by operation');
  for (const p of r.phases) {
    const ops = Object.entries(p.calls)
      .sort()
      .map(([k, v]) => `${k.replace(/^route53\./, '')}=${v}`)
      .join(' ');
    const marks = [...(p.appliedSeconds !== undefined ? [`applied ${p.appliedSeconds.toFixed(1)}`] : []), ...(p.presentSeconds !== undefined ? [`present ${p.presentSeconds.toFixed(1)}`] : []), ...(p.absentSeconds !== undefined ? [`records gone ${p.absentSeconds.toFixed(1)}`] : [])];
    const seconds = `${p.seconds.toFixed(1)}${marks.length ? ` (${marks.join(', ')})` : ''}`;
    console.log(`${p.phase.padEnd(9)} ${seconds.padStart(8)}  ${String(route53Calls(p.calls)).padStart(14)}  ${String(p.floor).padStart(5)}  ${String(p.mutatingCalls).padStart(24)}  ${String(p.rssMb).padStart(6)}  ${p.loadAverage.join(' ').padStart(12)}  ${ops}`);
  }
  for (const p of r.phases) {
    const kube = Object.entries(p.kubeRequests ?? {})
      .sort()
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    console.log(`${p.phase}: ${p.reconciles ?? '?'} reconciles; the controller's apiserver requests: ${kube || 'none'}`);
  }
}

if (import.meta.filename === process.argv[1]) {
  run().then(
    (r) => {
      print(r);
      const file = process.env['BENCH_RESULT_FILE'];
      if (file) writeFileSync(file, JSON.stringify(r, null, 2) + '\n');
      console.log(JSON.stringify(r));
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
