// Prometheus conformance with promtool's own code (promcheck, test/env/prom): the real controller's
// /metrics (a process as a user runs it, with a Ready and a Stalled ServerCertificate) is promlint
// clean, runtime metrics included (`promtool check metrics`); the alerts the chart ships as a
// PrometheusRule parse and validate (`promtool check rules`); and AlbatrossResourcesStalled fires
// after 15 minutes on the series that /metrics exposed (`promtool test rules`).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CustomObjectsApi, type KubernetesObject } from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { goTool } from '../../env/go-tools.ts';
import { exampleKeystoreSecret } from '../../../scripts/generate-example-keystore.ts';
import { applyManifests, conditionOf, createTestNamespace, kubeConfig, readManifests, uniqueClusterName, waitFor, type TestNamespace } from '../support/index.ts';
import { controllerArgv } from '../../support/dist.ts';
import { installCrds } from './example.ts';
import { CI_VALUES, REPO, helmBinary, helmTemplate, run, type RunResult } from './tools.ts';

const promcheck = (args: string[], input?: string): Promise<RunResult> => run(goTool('promcheck'), args, input);
const ALERTS = `${REPO}helm/albatross/files/alerts.yaml`;

beforeAll(() => {
  helmBinary();
}, 600_000);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'albatross-prometheus-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the alerts (promtool check rules)', () => {
  it('the PrometheusRule the chart renders holds valid rules, the same as deploy/prometheus/alerts.yaml', async () => {
    const rendered = await helmTemplate('albatross', 'albatross-system', '-f', CI_VALUES, '--set', 'metrics.prometheusRule.enabled=true', '--api-versions', 'monitoring.coreos.com/v1/PrometheusRule');
    const rule = parseAllDocuments(rendered).map((d) => d.toJS() as KubernetesObject & { spec?: unknown }).find((o) => o?.kind === 'PrometheusRule');
    expect(rule).toBeDefined();
    const file = join(dir, 'prometheusrule-spec.yaml');
    writeFileSync(file, stringify(rule!.spec));
    const r = await promcheck(['check', 'rules', file, `${REPO}deploy/prometheus/alerts.yaml`]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const count = (parse(readFileSync(ALERTS, 'utf8')) as { groups: Array<{ rules: unknown[] }> }).groups.flatMap((g) => g.rules).length;
    expect(r.stdout.match(new RegExp(`SUCCESS: ${count} rules found`, 'g'))).toHaveLength(2);
  });

  it('refuses a rule whose PromQL does not parse, naming it (so the check above can fail)', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, readFileSync(ALERTS, 'utf8').replace('> 0\n        for: 15m', '> > 0\n        for: 15m'));
    const r = await promcheck(['check', 'rules', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FAILED');
    expect(r.stderr).toMatch(/group "albatross", rule \d+, "AlbatrossResourcesStalled": could not parse expression/);
  });
});

describe('the controller’s /metrics', () => {
  let ns: TestNamespace;
  let child: ChildProcess | undefined;
  let text = '';

  beforeAll(async () => {
    await installCrds();
    ns = await createTestNamespace('prometheus');
    // One certificate that works (IAM calls, a keystore decoded on a worker thread) and one whose Secret is missing (Stalled).
    const example = readManifests(`${REPO}examples/servercertificate.yaml`).find((o) => o.kind === 'ServerCertificate')!;
    const missing = { ...example, metadata: { name: 'missing-secret' }, spec: { ...(example as { spec: object }).spec, secretRef: { name: 'no-such-secret' }, iam: { name: 'missing-secret' } } };
    await applyManifests([exampleKeystoreSecret() as KubernetesObject, example, missing as KubernetesObject], { namespace: ns.name });
    // The controller as a user runs it (the bundle); its start log line names the metrics address.
    child = spawn(process.execPath, controllerArgv(['--cluster-name', uniqueClusterName(), '--namespace', ns.name, '--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '0', '--leader-elect', '--leader-election-namespace', ns.name]), {
      cwd: REPO,
      env: process.env,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
    const started = await waitFor(() => out.split('\n').map((l) => { try { return JSON.parse(l) as { msg?: string; metrics?: string }; } catch { return undefined; } }).find((l) => l?.msg === 'starting albatross'), { description: 'the start log line' });
    const metricsUrl = String(started.metrics);
    const api = kubeConfig().makeApiClient(CustomObjectsApi);
    const condition = async (name: string, type: string): Promise<string> => {
      const c = conditionOf(await api.getNamespacedCustomObject({ group: 'albatross.dev', version: 'v1alpha1', namespace: ns.name, plural: 'servercertificates', name }), type);
      return `${name} ${type}=${c?.status ?? '?'} ${c?.reason ?? ''}`;
    };
    let seen: string[] = [];
    await waitFor(async () => {
      seen = [await condition('service-example-com', 'Ready'), await condition('missing-secret', 'Stalled')];
      return seen[0]!.startsWith('service-example-com Ready=True') && seen[1]!.startsWith('missing-secret Stalled=True');
    }, { description: `service-example-com Ready and missing-secret Stalled (${seen.join(', ')})`, timeoutMs: 90_000 }).catch((e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)}: ${seen.join(', ')}\n${out.slice(-3000)}`);
    });
    // The gauge follows the conditions once the informer has seen the status writes.
    text = await waitFor(async () => {
      const t = await (await fetch(`${metricsUrl}/metrics`)).text();
      return t.includes(`albatross_resource_condition{kind="ServerCertificate",namespace="${ns.name}",name="missing-secret",type="Stalled",status="True"} 1`) ? t : undefined;
    }, { description: 'the Stalled certificate in albatross_resource_condition' });
  }, 150_000);

  afterAll(async () => {
    child?.kill('SIGTERM');
    await ns?.delete();
  });

  it('exposes the runtime, controller-runtime and Albatross families', () => {
    for (const family of [
      'process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_active_handles',
      'controller_runtime_reconcile_total', 'controller_runtime_reconcile_time_seconds', 'workqueue_depth', 'workqueue_queue_duration_seconds',
      'leader_election_master_status', 'albatross_resource_condition', 'albatross_aws_api_calls_total', 'albatross_worker_jobs_total', 'albatross_certificate_expiry_timestamp_seconds',
    ]) {
      expect(text).toContain(`# TYPE ${family} `);
    }
  });

  it('is promlint clean (promtool check metrics), runtime metrics included', async () => {
    const r = await promcheck(['check', 'metrics'], text);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('the lint does find problems (so the check above can fail)', async () => {
    const bad = `${text}# HELP albatross_bad_count A counter without _total.\n# TYPE albatross_bad_count counter\nalbatross_bad_count 1\n`;
    const r = await promcheck(['check', 'metrics'], bad);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('albatross_bad_count counter metrics should have "_total" suffix');
  });

  it('AlbatrossResourcesStalled fires after 15 minutes on these series, not before (promtool test rules)', async () => {
    // Every sample /metrics exposed, held constant for 20 minutes.
    const series = text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => /^(\S+?(?:\{.*\})?) (\S+)$/.exec(l))
      .filter((m): m is RegExpExecArray => !!m && Number.isFinite(Number(m[2])))
      .map((m) => ({ series: m[1]!.includes('{') ? m[1]! : `${m[1]!}{}`, values: `${Number(m[2])}x20` }));
    expect(series.length).toBeGreaterThan(100);
    const stalled = { kind: 'ServerCertificate', namespace: ns.name };
    const testFile = join(dir, 'alerts.test.yaml');
    writeFileSync(testFile, stringify({
      rule_files: [ALERTS],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: series,
        alert_rule_test: [
          { eval_time: '14m', alertname: 'AlbatrossResourcesStalled', exp_alerts: [] },
          {
            eval_time: '16m',
            alertname: 'AlbatrossResourcesStalled',
            exp_alerts: [{
              exp_labels: { severity: 'warning', ...stalled },
              exp_annotations: {
                summary: `1 ServerCertificate in ${ns.name} Stalled for 15 minutes.`,
                description: `kubectl -n ${ns.name} get ServerCertificate -o wide shows the reason; the Stalled condition says what to fix.`,
              },
            }],
          },
          // The one replica leads (leader_election_master_status 1): no AlbatrossNoLeader.
          { eval_time: '16m', alertname: 'AlbatrossNoLeader', exp_alerts: [] },
        ],
      }],
    }));
    const r = await promcheck(['test', 'rules', testFile]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toContain('SUCCESS');
  });
});
