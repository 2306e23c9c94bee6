// The entry point as a user runs it: --help, a bad flag, and /metrics + /readyz of the real
// process with the registered controllers; exact metric figures from an in-process run.
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startAlbatross, type Albatross } from '../../../src/app.ts';
import { createTestNamespace, kubeConfig, uniqueClusterName, waitFor, type TestNamespace } from '../support/index.ts';
import { configMapController } from './fixtures/configmap-registration.ts';
import { controllerArgv } from '../../support/dist.ts';
import { NODE, REPO, configMaps, quietLogger, testConfig } from './helpers.ts';

let ns: TestNamespace;

beforeAll(async () => {
  ns = await createTestNamespace('rt-process');
});

afterAll(async () => {
  await ns?.delete();
});

function run(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(NODE, controllerArgv(args), { cwd: REPO, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('command line', () => {
  it('--help documents every flag and exits 0', () => {
    const r = run(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: albatross-controller \[flags\]/);
    expect(r.stdout).toContain('--cluster-name <name>   [ALBATROSS_CLUSTER_NAME]');
    expect(r.stdout).toContain('--resync-period <duration>   [ALBATROSS_RESYNC_PERIOD] (default 5m)');
    expect(r.stdout).toContain('--metrics-bind-address <addr>   [ALBATROSS_METRICS_BIND_ADDRESS] (default :8080)');
    expect(r.stdout).toContain('--aws-budgets <budgets>   [ALBATROSS_AWS_BUDGETS]');
  });

  it.each([
    [['--cluster-name', 'c', '--resync-period', 'soon'], {}, 'albatross: invalid duration "soon" for --resync-period: use a number with a unit, e.g. 30s, 5m, 1h (see --help)'],
    [['--cluster-name', 'c', '--no-such-flag'], {}, "albatross: Unknown option '--no-such-flag' (see --help)"],
    [[], {}, 'albatross: --cluster-name is required (or set ALBATROSS_CLUSTER_NAME) (see --help)'],
    [[], { ALBATROSS_CLUSTER_NAME: 'c', ALBATROSS_MAX_CONCURRENT_RECONCILES: 'lots' }, 'albatross: invalid value "lots" for ALBATROSS_MAX_CONCURRENT_RECONCILES: an integer from 1 to 100 (see --help)'],
    [['--cluster-name', 'c', '--aws-budgets', 'elbv2:read=0/1'], {}, 'albatross: invalid AWS budget "elbv2:read=0/1" for --aws-budgets: the rate must be above 0 and the burst at least 1 (see --help)'],
  ])('%j %j: one clear error line, exit code 2', (args, env, line) => {
    const r = run(args, env);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${line}\n`);
  });
});

describe('the real process', () => {
  it('serves /healthz, /readyz (synced, leader) and /metrics with the registered controllers, and stops on SIGTERM with 0', async () => {
    const child = spawn(NODE, controllerArgv(['--cluster-name', uniqueClusterName(), '--namespace', ns.name, '--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0', '--aws-budgets', 'route53:read=4/8']), { cwd: REPO, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const started = await waitFor(() => out.split('\n').map((l) => { try { return JSON.parse(l) as Record<string, unknown>; } catch { return undefined; } }).find((l) => l?.msg === 'starting albatross'), { description: 'the start log line' });
      expect(started.awsBudgets).toBe('route53:read=4/8');
      const health = String(started.health);
      const metrics = String(started.metrics);
      expect((await fetch(`${health}/healthz`)).status).toBe(200);
      const ready = await waitFor(async () => { const r = await fetch(`${health}/readyz`); return r.status === 200 && r.text(); }, { description: '/readyz 200' });
      expect(ready).toBe('ok: caches synced, leader\n');
      const text = await (await fetch(`${metrics}/metrics`)).text();
      expect(text).toContain('# TYPE albatross_aws_api_calls_total counter');
      for (const c of started.controllers as string[]) {
        expect(text).toContain(`controller_runtime_max_concurrent_reconciles{controller="${c}"} 4`);
        expect(text).toContain(`workqueue_depth{name="${c}"} 0`);
      }
      expect(text).toContain('process_resident_memory_bytes');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('metric figures', () => {
  let app: Albatross | undefined;
  afterAll(async () => app?.stop());

  it('counts reconciles, queue adds and durations per controller', async () => {
    const cms = configMaps(kubeConfig(), ns.name);
    for (const n of ['m1', 'm2', 'm3']) await cms.create(n, '1');
    let reconciles = 0;
    app = await startAlbatross(testConfig(ns.name, ['--max-concurrent-reconciles', '2']), {
      controllers: [configMapController({ name: 'metrics-test', onReconcile: () => reconciles++ })],
      logger: quietLogger(),
    });
    await waitFor(() => reconciles === 3, { description: 'three reconciles' });
    const text = await (await fetch(`${app.metricsUrl}/metrics`)).text();
    const value = (series: string): number | undefined => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    expect(value('controller_runtime_reconcile_total{controller="metrics-test",result="success"}')).toBe(3);
    expect(value('controller_runtime_reconcile_time_seconds_count{controller="metrics-test"}')).toBe(3);
    expect(value('controller_runtime_max_concurrent_reconciles{controller="metrics-test"}')).toBe(2);
    expect(value('controller_runtime_active_workers{controller="metrics-test"}')).toBe(0);
    expect(value('workqueue_adds_total{name="metrics-test"}')).toBe(3);
    expect(value('workqueue_depth{name="metrics-test"}')).toBe(0);
    expect(value('workqueue_queue_duration_seconds_count{name="metrics-test"}')).toBe(3);
    expect(value('workqueue_work_duration_seconds_count{name="metrics-test"}')).toBe(3);
    expect(value('workqueue_retries_total{name="metrics-test"}') ?? 0).toBe(0);
    expect(text).toContain('# TYPE controller_runtime_reconcile_errors_total counter');
    expect(text).toContain('# TYPE albatross_aws_api_calls_total counter');
    const ready = await fetch(`${app.healthUrl}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([200, 'ok: caches synced, leader\n']);
  });
});
