// One fault campaign against the local environment (see docs/testing.md): seed foreign objects,
// start two replicas of the real CLI behind a fault proxy and an apiserver that restarts, apply the
// resources and the bad manifests, run the seeded fault schedule, then let it converge, check, delete
// everything, check again. Returns one row per check.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { paths, REPO_ROOT } from '../env/config.ts';
import { release, up } from '../env/env.ts';
import { freePort, sleep } from '../env/proc.ts';
import { apiErrorOf, applyManifests, createTestNamespace, extraApiserver, kubeConfig } from '../integration/support/index.ts';
import { installCrds } from '../integration/support/controller.ts';
import { createZone } from '../integration/dns-alias/harness.ts';
import { limitsProxy, sumCounts } from '../env/aws-limits/client.ts';
import { clusterCertificates, deleteResource, elbv2Problems, iamProblems, readResource, route53Problems, statusAndEvents, type AwsScope, type Findings } from './checks.ts';
import { judgeResources, leaks, problemsRow, type Observed, type Row } from './judge.ts';
import { buildFixtures, type CampaignResource } from './fixtures.ts';
import { seedForeign } from './foreign.ts';
import { HEALTHZ_LIMIT_MS, sampleHealthz } from './healthz.ts';
import { startReference } from './reference.ts';
import { planFaults, type FaultEvent, type Profile } from './plan.ts';
import { GRACEFUL_SHUTDOWN_S, LEASE_NAME, leaderOf, RENEW_DEADLINE_S, Replica } from './replicas.ts';
import { recordLease } from './lease-watch.ts';
import { judgeTerm, type TermObservation } from './term.ts';
import { awsView } from '../integration/load-balanced-service/harness.ts';

const POLL_MS = 5000;
const LEADER_WAIT_MS = 20_000;
const say = (msg: string): void => void process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

async function applyAll(resources: readonly CampaignResource[], namespace: string): Promise<Map<string, Observed>> {
  const observed = new Map<string, Observed>();
  for (const r of resources) {
    try {
      await applyManifests(r.manifest, { namespace, fieldManager: 'chaos' });
      observed.set(`${r.kind}/${r.name}`, { resource: r });
    } catch (e) {
      const refusal = apiErrorOf(e);
      if (!refusal) throw e;
      observed.set(`${r.kind}/${r.name}`, { resource: r, refusal });
    }
  }
  return observed;
}

async function observeAll(kc: KubeConfig, namespace: string, observed: Map<string, Observed>): Promise<Observed[]> {
  return Promise.all([...observed.values()].map(async (o) => (o.refusal ? o : { ...o, obj: await readResource(kc, namespace, o.resource.kind, o.resource.name) })));
}

/** How long the watch may take to deliver the Lease's last versions after the exit. */
const LEASE_WATCH_SETTLE_MS = 1500;

/** The 'stopped' line of the incarnation that wrote `text` (its log from the signal on). */
function stoppedLine(text: string): TermObservation['stopped'] {
  for (const line of text.split('\n').reverse()) {
    if (!line.includes('"msg":"stopped"')) continue;
    try {
      const o = JSON.parse(line) as { exitCode?: number; reason?: string };
      return { ...(o.exitCode !== undefined ? { exitCode: o.exitCode } : {}), ...(o.reason !== undefined ? { reason: o.reason } : {}) };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export async function runCampaign(profile: Profile, seed: number): Promise<Row[]> {
  const t0 = Date.now();
  const { env } = await up({ lease: process.pid });
  Object.assign(process.env, env);
  for (const k of ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION']) delete process.env[k];
  const cleanups: Array<() => Promise<unknown>> = [() => release(process.pid)];
  try {
    return await campaign(profile, seed, t0, cleanups);
  } finally {
    for (const c of cleanups.reverse()) await c().catch((e: unknown) => say(`cleanup: ${e instanceof Error ? e.message : String(e)}`));
  }
}

async function campaign(profile: Profile, seed: number, t0: number, cleanups: Array<() => Promise<unknown>>): Promise<Row[]> {
  const rows: Row[] = [];
  const kc = kubeConfig();
  // The replicas run the bundle, as the image does: built first when src/ is newer.
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.ts'), '--if-stale'], { stdio: ['ignore', 'inherit', 'inherit'] });
  await installCrds();
  const ns = await createTestNamespace('chaos');
  cleanups.push(() => ns.delete());
  const suffix = ns.name.slice('chaos-'.length);
  const clusterName = `chaos-${suffix}`;
  const zone = await createZone(`chaos-${suffix}.example.com`);
  const foreignAlbName = `chaos-foreign-${suffix}`;
  say(`namespace ${ns.name}, cluster ${clusterName}, zone ${zone.name} (${zone.id})`);

  const foreign = await seedForeign({ suffix, unownedAlbName: foreignAlbName, zone, namespace: ns.name });
  cleanups.push(() => Promise.all(foreign.objects.map((f) => f.remove())));
  const baseline = await Promise.all(foreign.objects.map((f) => f.fingerprint()));
  const fixtures = await buildFixtures({ namespace: ns.name, clusterName, zoneName: zone.name, foreignAlbName, services: profile.services, hostileKeystores: profile.hostileKeystores });
  await applyManifests(fixtures.secrets, { namespace: ns.name, fieldManager: 'chaos' });
  say(`seeded ${foreign.objects.length} foreign objects; built ${fixtures.resources.length} resources and ${fixtures.secrets.length} Secrets (${secs(Date.now() - t0)})`);

  // The controller's side: an apiserver of its own that the campaign restarts, AWS through the proxy.
  const apiserver = await extraApiserver();
  cleanups.push(() => apiserver.remove());
  const dir = join(paths.logs, `chaos-${suffix}`);
  mkdirSync(dir, { recursive: true });
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, apiserver.kubeConfig.exportConfig(), { mode: 0o600 });
  // The controller's AWS calls go through the environment's AWS limits proxy under an access key of
  // their own: AWS's per-account limits apply to them, and the faults are confined to them.
  const account = `chaos-${suffix}`;
  await Promise.all([limitsProxy.networkFaults(), limitsProxy.iamNames()]).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}\nthe environment's AWS limits proxy predates its network faults or IAM names layer: restart it (npm run env -- down; npm run env -- up)`);
  });
  cleanups.push(() => limitsProxy.clearFaults(), () => limitsProxy.clearNetworkFaults());
  const replicas = await Promise.all(['a', 'b'].map(async (slot) => new Replica(slot, {
    clusterName, namespace: ns.name, kubeconfig, healthPort: await freePort(), logFile: join(dir, `replica-${slot}.log`),
    env: { ...process.env, KUBECONFIG: kubeconfig, AWS_ACCESS_KEY_ID: account },
  })));
  cleanups.push(() => Promise.all(replicas.map((r) => r.stop())));
  await limitsProxy.setFaults({ ...profile.rates.aws, accounts: [account], seed });
  await limitsProxy.setNetworkFaults({ ...profile.rates.network, accounts: [account], seed });
  replicas.forEach((r) => r.start());
  const reference = await startReference();
  cleanups.push(() => reference.stop());
  const stopSampling = sampleHealthz(replicas, reference.url);
  say(`replicas started (logs in ${dir}); faults on for access key ${account}: ${JSON.stringify(profile.rates)}`);

  const observed = await applyAll(fixtures.resources, ns.name);
  const refused = [...observed.values()].filter((o) => o.refusal).map((o) => o.resource.name);
  say(`applied; refused at apply: ${refused.join(', ') || 'none'}`);

  // ---- the fault schedule ----
  const events = planFaults(profile, seed);
  const faultsStart = Date.now();
  const terms: Array<TermObservation & { leaseError?: string }> = [];
  // A leader may be between terms (killed, lease lost): wait a little for the next one.
  const awaitLeader = async (): Promise<Replica | undefined> => {
    for (const until = Date.now() + LEADER_WAIT_MS; Date.now() < until; await sleep(500)) {
      const leader = await leaderOf(kc, ns.name, replicas);
      if (leader) return leader;
    }
    return undefined;
  };
  const run = async (e: FaultEvent): Promise<string> => {
    switch (e.kind) {
      case 'kill':
        return `SIGKILL replica ${replicas[e.slot]!.slot}: ${replicas[e.slot]!.alive ? (await replicas[e.slot]!.kill('SIGKILL'), 'killed') : 'was down'}`;
      case 'kill-leader': {
        const leader = await awaitLeader();
        return leader ? (await leader.kill('SIGKILL'), `SIGKILL leader ${leader.identity}`) : 'SIGKILL leader: no leader within 20 s';
      }
      case 'restart-apiserver':
        await apiserver.stop();
        await sleep(e.downMs);
        await apiserver.start();
        return `apiserver restarted (down ${secs(e.downMs)} + start)`;
      case 'edit': {
        const r = fixtures.resources.find((x) => x.kind === 'LoadBalancedService' && x.name === `app-${e.service}`)!;
        (r.manifest as unknown as { spec: { loadBalancer: { idleTimeoutSeconds: number } } }).spec.loadBalancer.idleTimeoutSeconds = e.idleTimeoutSeconds;
        await applyManifests(r.manifest, { namespace: ns.name, fieldManager: 'chaos' });
        return `edit app-${e.service}: idleTimeoutSeconds ${e.idleTimeoutSeconds}`;
      }
      case 'term-leader': {
        const leader = await awaitLeader();
        if (!leader) return 'SIGTERM leader: no leader within 20 s';
        // The Lease's every version from now on, and the dying incarnation's log from now on.
        const identity = leader.identity;
        const lease = await recordLease(kc, ns.name, LEASE_NAME);
        const logFrom = statSync(leader.logFile).size;
        const signalAt = Date.now();
        const ms = await leader.kill('SIGTERM');
        const exit = leader.exits.at(-1)!;
        await sleep(LEASE_WATCH_SETTLE_MS);
        lease.stop();
        const log = readFileSync(leader.logFile).subarray(logFrom).toString('utf8');
        // renewTime is the writer's clock (this machine): versions written after the exit are not the leader's story.
        const versions = lease.versions.filter((v, i) => i === 0 || v.renewMs <= exit.at);
        const stopped = stoppedLine(log);
        terms.push({ identity, signalAt, exitAt: exit.at, code: exit.code, signal: exit.signal, lease: versions, ...(stopped ? { stopped } : {}), ...(lease.error ? { leaseError: lease.error } : {}) });
        return `SIGTERM leader ${identity}: exit ${exit.code ?? exit.signal} after ${secs(ms)} (${versions.length} lease versions${stopped?.reason ? `, "${stopped.reason}"` : ''})`;
      }
    }
  };
  for (const e of events) {
    const wait = faultsStart + e.atMs - Date.now();
    if (wait > 0) await sleep(wait);
    say(await run(e));
  }
  const rest = faultsStart + profile.faultMs - Date.now();
  if (rest > 0) await sleep(rest);
  await limitsProxy.clearFaults();
  const network = await limitsProxy.clearNetworkFaults();
  await apiserver.start();
  replicas.forEach((r) => r.resume());
  const faultsEnd = Date.now();
  const counts = await limitsProxy.counts(account);
  const n = network.counts;
  say(`faults off after ${secs(faultsEnd - faultsStart)}: ${sumCounts(counts.calls)} AWS calls, ${sumCounts(counts.injected)} injected errors, ${sumCounts(counts.throttled)} over AWS's limits; ${n.resetBefore + n.resetAfter} resets, ${n.slow} slow answers (all accounts)`);

  // ---- convergence ----
  const scope: AwsScope = { clusterName, namespace: ns.name, zone, foreignRecordNames: foreign.recordNames };
  const lbsDns = (objs: readonly Observed[]) => (name: string): string | undefined =>
    (objs.find((o) => o.resource.kind === 'LoadBalancedService' && o.resource.name === name)?.obj?.status?.['loadBalancer'] as { dnsName?: string } | undefined)?.dnsName;
  const row = (section: string, name: string, f: Findings): Row => problemsRow(section, name, f.problems, f.found);
  const awsRows = async (objs: readonly Observed[]): Promise<Row[]> => [
    row('AWS', 'ELBv2: exactly the desired load balancers, listeners, target groups per owner', await elbv2Problems(scope, objs)),
    row('AWS', 'IAM: exactly one certificate per ServerCertificate, none for the refused', await iamProblems(scope, objs)),
    row('AWS', 'Route 53: each DnsAlias CNAME -> its load balancer + ownership TXT, nothing else', await route53Problems(scope, objs, lbsDns(objs))),
  ];
  let objs: Observed[] = [];
  let resourceRows: Row[] = [];
  let aws: Row[] = [];
  const convergeDeadline = faultsEnd + profile.convergeMs;
  for (;;) {
    objs = await observeAll(kc, ns.name, observed);
    resourceRows = judgeResources(objs);
    if (resourceRows.every((r) => r.ok)) {
      aws = await awsRows(objs);
      if (aws.every((r) => r.ok)) break;
    }
    if (Date.now() > convergeDeadline) break;
    await sleep(POLL_MS);
  }
  if (aws.length === 0) aws = await awsRows(objs);
  const converged = [...resourceRows, ...aws].every((r) => r.ok);
  say(converged ? `converged ${secs(Date.now() - faultsEnd)} after the faults stopped` : `not converged ${secs(profile.convergeMs)} after the faults stopped`);
  rows.push(...resourceRows, ...aws);
  const foreignMid = await Promise.all(foreign.objects.map((f) => f.fingerprint()));
  const exposed = await statusAndEvents(kc, ns.name, objs);

  // ---- deletion ----
  await Promise.all(fixtures.resources.map((r) => deleteResource(kc, ns.name, r.kind, r.name)));
  const deleteDeadline = Date.now() + profile.deleteMs;
  let remaining: string[] = [];
  const deleteStart = Date.now();
  for (;;) {
    const left = await Promise.all(fixtures.resources.map(async (r) => ((await readResource(kc, ns.name, r.kind, r.name)) ? `${r.kind} ${r.name}` : undefined)));
    remaining = left.filter((x): x is string => x !== undefined);
    if (remaining.length === 0 || Date.now() > deleteDeadline) break;
    await sleep(POLL_MS / 2);
  }
  say(remaining.length ? `${remaining.length} resources still there ${secs(profile.deleteMs)} after deletion` : `all resources deleted in ${secs(Date.now() - deleteStart)}`);
  rows.push(problemsRow('deletion', 'every resource gone (finalizers released)', remaining.map((r) => `${r} remains`)));
  const view = await awsView(clusterName);
  rows.push(problemsRow('deletion', 'ELBv2: no load balancer or target group of the cluster left', [...view.loadBalancers.map((l) => `load balancer ${l.lb.LoadBalancerName}`), ...view.targetGroups.map((t) => `target group ${t.tg.TargetGroupName}`)]));
  rows.push(problemsRow('deletion', 'IAM: no certificate under the cluster path left', (await clusterCertificates(clusterName)).map((x) => `${x.path}${x.name}`)));
  rows.push(row('deletion', 'Route 53: only the foreign records left in the zone', await route53Problems(scope, [], () => undefined)));

  const foreignEnd = await Promise.all(foreign.objects.map((f) => f.fingerprint()));
  foreign.objects.forEach((f, i) => {
    const before = baseline[i];
    const changed = [foreignMid[i] !== before ? `after convergence: ${foreignMid[i] ? 'changed' : 'gone'}` : '', foreignEnd[i] !== before ? `after deletion: ${foreignEnd[i] ? 'changed' : 'gone'}` : ''].filter(Boolean);
    rows.push({ section: 'foreign', name: `${f.label} unchanged`, ok: changed.length === 0, detail: changed.length ? changed.join('; ') : `sha256 ${before?.slice(0, 12)}… before, after convergence and after deletion` });
  });

  // ---- the processes ----
  const health = await stopSampling();
  await Promise.all(replicas.map((r) => r.stop()));
  for (const h of health) {
    rows.push({ section: 'healthz', name: `replica ${h.slot}: /healthz never slower than ${HEALTHZ_LIMIT_MS} ms`, ok: h.slow === 0 && h.samples > 0, detail: `${h.samples} samples, ${h.slow} slower, max ${h.maxMs} ms${h.samplerStalled ? `, ${h.samplerStalled} slow while the sampler itself stalled (not counted)` : ''}${h.machineSlow ? `, ${h.machineSlow} slow but at most ${HEALTHZ_LIMIT_MS} ms more than an idle reference process took meanwhile (not counted: ${h.machineWorst.map((w) => `${w.at.slice(11, 19)} ${w.ms} vs ${w.referenceMs} ms`).join(', ')})` : ''}${h.worst.length ? ` (worst at ${h.worst.map((w) => `${w.at.slice(11, 19)} ${w.ms} ms`).join(', ')})` : ''}` });
  }
  const term = terms[0];
  const verdict = term
    ? term.leaseError
      ? { ok: false, detail: `the Lease watch failed (${term.leaseError}): cannot tell whether the lease was lost` }
      : judgeTerm(term, { gracefulMs: GRACEFUL_SHUTDOWN_S * 1000, renewDeadlineMs: RENEW_DEADLINE_S * 1000, slackMs: 2000, toleranceMs: 1000 })
    : { ok: false, detail: 'no leader to stop at the time' };
  rows.push({
    section: 'process',
    name: `SIGTERM of the leader under faults: within ${GRACEFUL_SHUTDOWN_S} s + 2 s, exit 0, or 1 when the lease was lost while draining`,
    ...verdict,
  });
  const selfExits = replicas.flatMap((r) => r.exits.filter((x) => !x.killed));
  rows.push({
    section: 'process',
    name: 'a replica that ended by itself (lost lease, failure) exited non-zero',
    ok: selfExits.every((x) => x.code !== 0),
    detail: `${replicas.reduce((n, r) => n + r.incarnations, 0)} starts; ${selfExits.length} ended by themselves${selfExits.length ? ` (exit ${selfExits.map((x) => x.code ?? x.signal).join(', ')})` : ''}`,
  });

  // ---- secrets ----
  const logs = replicas.map((r) => ({ where: `replica ${r.slot} log`, text: readFileSync(join(dir, `replica-${r.slot}.log`), 'utf8') }));
  const logBytes = logs.reduce((n, l) => n + l.text.length, 0);
  rows.push(problemsRow('secrets', `no key material in the controller logs (${(logBytes / 1e6).toFixed(1)} MB)`, logBytes === 0 ? ['the logs are empty: the check would prove nothing'] : leaks(logs, fixtures.keyMaterial)));
  rows.push(problemsRow('secrets', 'no key material in status or events', leaks(exposed, fixtures.keyMaterial)));
  say(`campaign took ${secs(Date.now() - t0)}`);
  return rows;
}
