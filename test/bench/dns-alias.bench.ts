// Bench: 500 DnsAliases in one hosted zone, against the real apiserver and moto, with the
// controller's default batching settings and default worker count. Reports ChangeResourceRecordSets
// calls against the lower bound ceil(changes / batch limit), all Route 53 calls per operation, time
// to converge and RSS, for three phases: create, retarget (UPSERT counts twice), delete.
//
//   node test/bench/dns-alias.bench.ts            (brings the environment up if needed)
//   DNSA_BENCH_COUNT=1000 node test/bench/dns-alias.bench.ts
import { CustomObjectsApi } from '@kubernetes/client-node';
import { RESOURCES, type DnsAlias } from '../../src/crds/index.ts';
import { minimumBatches, ROUTE53_LIMITS } from '../../src/reconcilers/dns-alias/batcher.ts';
import { release, up } from '../env/env.ts';
import { createTestNamespace, kubeConfig, uniqueName } from '../integration/support/index.ts';
import { applyDnsAlias, createZone, installCrds, startController, zoneRecords } from '../integration/dns-alias/harness.ts';

export interface PhaseResult {
  phase: string;
  seconds: number;
  changes: number;
  changeCalls: number;
  /** ceil over Route 53's limits (1000 changes, UPSERT counting twice) */
  minimumCalls: number;
  /** every Route 53 call in the phase, by operation (from the proxy in front of moto) */
  callsByOperation: Record<string, number>;
}

export interface BenchResult {
  name: string;
  count: number;
  phases: PhaseResult[];
  rssMb: number;
  heapUsedMb: number;
}

async function waitUntil(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function inChunks<T>(items: T[], size: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

export async function run(): Promise<BenchResult> {
  const count = Number(process.env['DNSA_BENCH_COUNT'] ?? 500);
  const lease = process.pid;
  const { env } = await up({ lease });
  Object.assign(process.env, env);
  try {
    await installCrds();
    const namespace = await createTestNamespace('bench-dnsa');
    const ns = namespace.name;
    const zone = await createZone(`${uniqueName('bench')}.example.com`);
    const names = Array.from({ length: count }, (_, i) => `svc-${i}`);
    const spec = (i: number, target: string) => ({ names: [{ name: `svc-${i}.${zone.name}`, hostedZone: { name: zone.name } }], target: { hostname: target } });
    const custom = kubeConfig().makeApiClient(CustomObjectsApi);
    const list = async (): Promise<DnsAlias[]> => ((await custom.listNamespacedCustomObject({ ...RESOURCES.dnsAlias, namespace: ns })) as { items: DnsAlias[] }).items;
    const allReady = async (target: string): Promise<boolean> => {
      const items = await list();
      return items.length === count && items.every((o) => o.status?.observedGeneration === o.metadata?.generation && o.status?.chain?.at(-1) === target && o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    };

    // The objects exist before the controller starts (an install, or a restart with a backlog).
    await inChunks(names.map((_, i) => i), 25, (i) => applyDnsAlias(ns, names[i]!, spec(i, 'lb-1.us-east-1.elb.amazonaws.com')));

    // Production settings: default workers (4), default batch window / max wait / listing TTL.
    const ctl = await startController('bench-dnsa', { namespace, resyncPeriod: '5m', writeIntervalMs: 5000 });
    const phases: PhaseResult[] = [];
    const phase = async (name: string, changes: number, minimumCalls: number, act: () => Promise<void>, done: () => Promise<boolean>): Promise<void> => {
      const since = Date.now();
      const before = ctl.proxy.calls.length;
      await act();
      await waitUntil(name, done, 300_000);
      const calls = ctl.proxy.calls.slice(before);
      const callsByOperation: Record<string, number> = {};
      for (const c of calls) callsByOperation[c.operation] = (callsByOperation[c.operation] ?? 0) + 1;
      phases.push({ phase: name, seconds: (Date.now() - since) / 1000, changes, changeCalls: callsByOperation['ChangeResourceRecordSets'] ?? 0, minimumCalls, callsByOperation });
    };
    const unit = (action: 'CREATE' | 'UPSERT' | 'DELETE', records: number) => ({ changes: Array.from({ length: records }, () => ({ action, record: { name: 'x', type: 'CNAME', ttl: 1, values: ['v'] } })) });

    try {
      // create: a CNAME and its TXT per name
      await phase('create', 2 * count, minimumBatches(names.map(() => unit('CREATE', 2)), ROUTE53_LIMITS), async () => undefined, () => allReady('lb-1.us-east-1.elb.amazonaws.com'));
      // retarget: one UPSERT per name (counts twice), the TXT is unchanged
      await phase(
        'retarget',
        count,
        minimumBatches(names.map(() => unit('UPSERT', 1)), ROUTE53_LIMITS),
        () => inChunks(names.map((_, i) => i), 25, (i) => applyDnsAlias(ns, names[i]!, spec(i, 'lb-2.us-east-1.elb.amazonaws.com'))),
        () => allReady('lb-2.us-east-1.elb.amazonaws.com'),
      );
      // delete: the CNAME and its TXT per name
      await phase(
        'delete',
        2 * count,
        minimumBatches(names.map(() => unit('DELETE', 2)), ROUTE53_LIMITS),
        () => inChunks(names, 25, (n) => custom.deleteNamespacedCustomObject({ ...RESOURCES.dnsAlias, namespace: ns, name: n })),
        async () => (await list()).length === 0,
      );
      const left = (await zoneRecords(zone.id)).filter((r) => r.Type !== 'NS' && r.Type !== 'SOA');
      if (left.length > 0) throw new Error(`bench: ${left.length} record(s) left in the zone after deleting every DnsAlias`);
    } finally {
      await ctl.stop();
    }
    const mem = process.memoryUsage();
    return { name: 'dns-alias', count, phases, rssMb: Math.round(mem.rss / 2 ** 20), heapUsedMb: Math.round(mem.heapUsed / 2 ** 20) };
  } finally {
    await release(lease);
  }
}

function print(r: BenchResult): void {
  console.log(`\nDnsAlias bench: ${r.count} DnsAliases, one hosted zone (RSS ${r.rssMb} MB, heap ${r.heapUsedMb} MB, whole bench process)`);
  console.log('phase     changes  ChangeResourceRecordSets  minimum  seconds  all Route 53 calls');
  for (const p of r.phases) {
    const ops = Object.entries(p.callsByOperation).map(([k, v]) => `${k}=${v}`).join(' ');
    console.log(`${p.phase.padEnd(9)} ${String(p.changes).padStart(7)}  ${String(p.changeCalls).padStart(24)}  ${String(p.minimumCalls).padStart(7)}  ${p.seconds.toFixed(1).padStart(7)}  ${ops}`);
  }
}

if (import.meta.filename === process.argv[1]) {
  run().then(
    (r) => {
      print(r);
      console.log(JSON.stringify(r));
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
