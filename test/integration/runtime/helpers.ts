// Shared pieces of the runtime integration tests: a Config as a user would pass it (random ports),
// quiet loggers, ConfigMap helpers, and child processes running the fixture controller (or the bundled one).
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { pino, type Logger } from 'pino';
import { parseConfig, type Config } from '../../../src/config.ts';
import { uniqueClusterName } from '../support/index.ts';
import { controllerArgv } from '../../support/dist.ts';

export const REPO = join(import.meta.dirname, '..', '..', '..');
export const NODE = join(REPO, 'node_modules', '.bin', 'node');
export const FIXTURE = join(import.meta.dirname, 'fixtures', 'configmap-controller.ts');

/** A Config from real flags: random local ports, one namespace. */
export function testConfig(namespace: string, extra: string[] = []): Config {
  const r = parseConfig(['--cluster-name', uniqueClusterName(), '--namespace', namespace, '--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0', ...extra], {});
  if (r.kind !== 'config') throw new Error('unexpected');
  return r.config;
}

export function quietLogger(): Logger {
  return pino({ level: process.env.RUNTIME_TEST_LOG ?? 'silent' });
}

export function configMaps(kc: KubeConfig, namespace: string) {
  const core = kc.makeApiClient(CoreV1Api);
  return {
    create: (name: string, value: string) =>
      core.createNamespacedConfigMap({ namespace, body: { metadata: { name, labels: { 'runtime-test': 'true' } }, data: { value } } }),
    set: (name: string, value: string) =>
      core.patchNamespacedConfigMap({ namespace, name, body: [{ op: 'replace', path: '/data/value', value }] }),
    delete: (name: string) => core.deleteNamespacedConfigMap({ namespace, name }),
    read: (name: string) => core.readNamespacedConfigMap({ namespace, name }),
  };
}

export function writeKubeconfig(kc: KubeConfig): string {
  const dir = mkdtempSync(join(tmpdir(), 'albatross-rt-'));
  const file = join(dir, 'kubeconfig');
  writeFileSync(file, kc.exportConfig(), { mode: 0o600 });
  return file;
}

export interface LogLine {
  msg?: string;
  level?: string;
  key?: string;
  value?: string;
  identity?: string;
  [k: string]: unknown;
}

/** A fixture controller process; its JSON log lines are collected. */
export class ControllerProcess {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly identity: string;

  /** `bundled`: the real controller (dist/main.js, every reconciler) instead of the ConfigMap fixture. */
  constructor(args: string[], opts: { identity: string; env?: Record<string, string>; bundled?: boolean }) {
    this.identity = opts.identity;
    const flags = ['--leader-election-identity', opts.identity, ...args];
    this.child = spawn(NODE, opts.bundled ? controllerArgv(flags) : [FIXTURE, ...flags], {
      cwd: REPO,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buf = '';
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          this.stderr.push(line);
        }
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => this.stderr.push(chunk));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  has(msg: string): boolean {
    return this.lines.some((l) => l.msg === msg);
  }

  firstTime(msg: string): number | undefined {
    const l = this.lines.find((x) => x.msg === msg);
    return l && typeof l.time === 'string' ? Date.parse(l.time) : undefined;
  }

  reconciled(key?: string): LogLine[] {
    return this.lines.filter((l) => l.msg === 'reconciled' && (key === undefined || l.key === key));
  }

  /** Kills it if still running and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }
}
