// .albatross/state.json: what the environment runs (pids, ports). Read and written under the lock.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { paths } from './config.ts';
import type { Proc } from './proc.ts';

export interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  moto: number;
  /** the AWS limits proxy in front of moto (absent in a state written before it existed) */
  awsProxy?: number;
}

export interface EnvState {
  ports: Ports;
  etcd?: Proc;
  apiserver?: Proc;
  moto?: Proc;
  awsProxy?: Proc;
  /** The controller `npm run demo` left running against this environment. */
  controller?: Proc;
  /** Watches an environment that test runs started and takes it down when no run is left. */
  reaper?: Proc;
  /**
   * True when a test run started the environment (not `npm run env -- up`): it is taken down when
   * the last run using it ends.
   */
  ephemeral: boolean;
  /** Pids of the test runs using an ephemeral environment. */
  leases: number[];
  /** Additional apiservers tests started on the same etcd, with the pid of the test process owning each. */
  extras: Array<Proc & { owner: number; port: number }>;
}

export function readState(): EnvState | undefined {
  if (!existsSync(paths.state)) return undefined;
  return JSON.parse(readFileSync(paths.state, 'utf8')) as EnvState;
}

export function writeState(s: EnvState): void {
  mkdirSync(dirname(paths.state), { recursive: true });
  const tmp = `${paths.state}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(s, null, 2) + '\n');
  renameSync(tmp, paths.state);
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
