// The controller as users run it: the bundled CLI (`node --enable-source-maps dist/main.js`, as the
// image and the process tests run it; test/support/dist.ts) in two replicas with leader election, each restarted like a Deployment's pod when it dies. Every
// incarnation appends its output to the slot's log file; exits are recorded for the report.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { REPO_ROOT } from '../env/config.ts';
import { CONTROLLER_ENV, controllerArgv } from '../support/dist.ts';

export const LEASE_NAME = 'chaos-leader';
/** The campaign's graceful shutdown timeout, short so a SIGTERM under slow AWS answers is measurable. */
export const GRACEFUL_SHUTDOWN_S = 10;
/** The replicas' --lease-duration and --renew-deadline (the process check judges lease loss by them). */
export const LEASE_DURATION_S = 8;
export const RENEW_DEADLINE_S = 6;

export interface Exit {
  slot: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the campaign sent the signal; false when the process ended by itself. */
  killed: boolean;
  at: number;
}

export interface ReplicaOptions {
  clusterName: string;
  namespace: string;
  kubeconfig: string;
  healthPort: number;
  logFile: string;
  env: NodeJS.ProcessEnv;
}

export class Replica {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private expectingExit = false;
  private supervising = true;
  incarnations = 0;
  readonly exits: Exit[] = [];

  readonly slot: string;
  private readonly opts: ReplicaOptions;

  constructor(slot: string, opts: ReplicaOptions) {
    this.slot = slot;
    this.opts = opts;
  }

  /** A new identity per incarnation, as a restarted pod has a new name. */
  get identity(): string {
    return `chaos-${this.slot}-${this.incarnations}`;
  }

  /** The file every incarnation of this slot appends its output to. */
  get logFile(): string {
    return this.opts.logFile;
  }

  get healthUrl(): string {
    return `http://127.0.0.1:${this.opts.healthPort}/healthz`;
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    if (this.alive) return;
    const o = this.opts;
    this.incarnations++;
    const fd = openSync(o.logFile, 'a');
    try {
      this.child = spawn(
        process.execPath,
        controllerArgv([
          '--cluster-name', o.clusterName, '--namespace', o.namespace,
          '--leader-elect', '--leader-election-namespace', o.namespace, '--leader-election-id', LEASE_NAME, '--leader-election-identity', this.identity,
          '--lease-duration', `${LEASE_DURATION_S}s`, '--renew-deadline', `${RENEW_DEADLINE_S}s`, '--retry-period', '1s',
          '--resync-period', '1m', '--graceful-shutdown-timeout', `${GRACEFUL_SHUTDOWN_S}s`,
          '--metrics-bind-address', '0', '--health-probe-bind-address', `127.0.0.1:${o.healthPort}`,
          '--kubeconfig', o.kubeconfig,
        ]),
        { cwd: REPO_ROOT, env: { ...o.env, ...CONTROLLER_ENV }, stdio: ['ignore', fd, fd] },
      );
    } finally {
      closeSync(fd);
    }
    const child = this.child;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exits.push({ slot: this.slot, code, signal, killed: this.expectingExit, at: Date.now() });
        this.expectingExit = false;
        resolve();
        // Like a Deployment: a replica that died comes back (after a short backoff).
        if (this.supervising) setTimeout(() => this.supervising && this.start(), 1000).unref();
      }),
    );
  }

  /** Sends `signal` and waits for the exit; resolves with how long the exit took (ms). */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number> {
    if (!this.alive) return 0;
    const t0 = Date.now();
    this.expectingExit = true;
    this.child!.kill(signal);
    await this.exited;
    return Date.now() - t0;
  }

  /** Stops supervising and ends the process: SIGTERM, then SIGKILL after the graceful timeout + 5 s. */
  async stop(): Promise<void> {
    this.supervising = false;
    if (!this.alive) return;
    const hard = setTimeout(() => this.child?.kill('SIGKILL'), (GRACEFUL_SHUTDOWN_S + 5) * 1000);
    await this.kill('SIGTERM');
    clearTimeout(hard);
  }

  resume(): void {
    this.supervising = true;
    this.start();
  }
}

/** The slot whose identity holds the Lease now, if any. */
export async function leaderOf(kc: KubeConfig, namespace: string, replicas: readonly Replica[]): Promise<Replica | undefined> {
  const lease = await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: LEASE_NAME, namespace }).catch(() => undefined);
  const holder = lease?.spec?.holderIdentity;
  return replicas.find((r) => r.identity === holder && r.alive);
}
