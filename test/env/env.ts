// The local environment: etcd + kube-apiserver (built from the Go module proxy) and moto, on
// loopback ports, described by .albatross/state.json. Used by `npm run env`, the jest global
// setup, the demo and tests that need to stop/restart an apiserver.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_USER, AWS_ENV, KUBE_BIN_DIR, REPO_ROOT, paths } from './config.ts';
import { apiserverReady, awsProxyHealthy, type ApiserverOptions, etcdHealthy, motoHealthy, spawnApiserver, startApiserverProcess, startAwsProxy, startEtcd, startMoto, waitApiserverReady } from './components.ts';
import { renderKubeconfig } from './kubeconfig.ts';
import { withLock } from './lock.ts';
import { ensurePki, issueClientCredentials } from './pki.ts';
import { freePort, isAlive, portIsFree, spawnDaemon, stopProcess, type Proc } from './proc.ts';
import { pidAlive, readState, writeState, type EnvState, type Ports } from './state.ts';
import { ensureToolchain } from './toolchain.ts';

export type EnvVars = Record<
  'KUBECONFIG' | 'AWS_ENDPOINT_URL' | 'AWS_LIMITS_PROXY_URL' | 'MOTO_ENDPOINT_URL' | 'AWS_REGION' | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY',
  string
>;

export interface UpResult {
  /** Components started by this call; empty when everything was already running and healthy. */
  started: string[];
  env: EnvVars;
}

const REAPER_SCRIPT = fileURLToPath(new URL('./reaper.ts', import.meta.url));

/**
 * AWS clients (the controller's, the CLI's) reach moto through the limits proxy, which enforces
 * AWS's documented per-account request limits and counts every call; MOTO_ENDPOINT_URL is moto
 * itself, for tests' assertions (neither counted nor throttled).
 */
export function envVars(ports: Pick<Ports, 'moto' | 'awsProxy'>): EnvVars {
  const proxy = `http://127.0.0.1:${ports.awsProxy ?? ports.moto}`;
  return { KUBECONFIG: paths.kubeconfig, AWS_ENDPOINT_URL: proxy, AWS_LIMITS_PROXY_URL: proxy, MOTO_ENDPOINT_URL: `http://127.0.0.1:${ports.moto}`, ...AWS_ENV };
}

/** `path` with the project's kubectl (built beside kube-apiserver and etcd) first, once. */
export function pathWithKubectl(path = process.env['PATH'] ?? ''): string {
  return [KUBE_BIN_DIR, ...(path ? path.split(':').filter((d) => d !== KUBE_BIN_DIR) : [])].join(':');
}

/** The project's Node 24 (devDependency `node`) and tools: the machine's `node` may be older. */
const NODE_BIN_DIR = join(REPO_ROOT, 'node_modules', '.bin');

/**
 * What .albatross/env.sh holds and `npm run env -- up` prints: the variables, and PATH with the
 * project's kubectl and Node 24 first (`$PATH` left for the shell to expand), so `kubectl` is the
 * apiserver's release and `node src/main.ts …` runs on the Node the project needs.
 */
export function shellExports(vars: EnvVars): string {
  return [...Object.entries(vars).map(([k, v]) => `export ${k}=${v}`), `export PATH="${KUBE_BIN_DIR}:${NODE_BIN_DIR}:$PATH"`].join('\n') + '\n';
}

async function healthy<T>(p: Proc | undefined, check: () => Promise<T>): Promise<boolean> {
  return isAlive(p) && (await check().then(Boolean).catch(() => false));
}

async function ensureAdminCredentials(): Promise<void> {
  ensurePki();
  const cert = join(paths.pki, 'admin.crt');
  const key = join(paths.pki, 'admin.key');
  if (existsSync(cert) && existsSync(key)) return;
  const creds = issueClientCredentials(ADMIN_USER.name, ADMIN_USER.groups);
  writeFileSync(cert, creds.certPem);
  writeFileSync(key, creds.keyPem, { mode: 0o600 });
}

function writeClientFiles(s: EnvState): void {
  const creds = {
    caPem: readFileSync(join(paths.pki, 'ca.crt'), 'utf8'),
    certPem: readFileSync(join(paths.pki, 'admin.crt'), 'utf8'),
    keyPem: readFileSync(join(paths.pki, 'admin.key'), 'utf8'),
  };
  writeFileSync(paths.kubeconfig, renderKubeconfig(`https://127.0.0.1:${s.ports.apiserver}`, ADMIN_USER.name, creds), { mode: 0o600 });
  const vars = envVars(s.ports);
  writeFileSync(paths.envSh, shellExports(vars));
}

/** A port for a component restarted on its own: its old one if still free, so clients reconnect. */
async function reusePort(port: number): Promise<number> {
  return (await portIsFree(port)) ? port : freePort();
}

async function stopAll(s: EnvState): Promise<void> {
  const self = (p: Proc | undefined): boolean => p?.pid === process.pid;
  await stopProcess(s.controller);
  // Apiservers before etcd so they don't log a storm of etcd errors on the way down.
  await Promise.all(s.extras.map((e) => stopProcess(e)));
  await stopProcess(s.apiserver);
  await stopProcess(s.awsProxy);
  await Promise.all([stopProcess(s.etcd), stopProcess(s.moto), self(s.reaper) ? Promise.resolve() : stopProcess(s.reaper)]);
}

function pruneExtras(s: EnvState): Promise<void>[] {
  const orphans = s.extras.filter((e) => !pidAlive(e.owner));
  s.extras = s.extras.filter((e) => pidAlive(e.owner));
  return orphans.map((e) => stopProcess(e));
}

/**
 * Brings the environment up, reusing whatever already runs and is healthy. With `lease` (a test
 * run's pid) the environment is marked as used by that run; one started that way is ephemeral and
 * goes away when its last run releases it (or dies: the reaper watches).
 */
export async function up(opts: { lease?: number } = {}): Promise<UpResult> {
  await ensureToolchain();
  mkdirSync(paths.logs, { recursive: true });
  return withLock(paths.lock, 'environment up', async () => {
    await ensureAdminCredentials();
    const started: string[] = [];
    let s = readState();
    const etcdOk = s !== undefined && (await healthy(s.etcd, () => etcdHealthy(s!.ports.etcdClient)));
    if (!s || !etcdOk) {
      if (s) await stopAll(s);
      // A fresh etcd each time: no controller-manager ever cleans up, so old state would only pile up.
      rmSync(paths.etcdData, { recursive: true, force: true });
      const ports: Ports = { etcdClient: await freePort(), etcdPeer: await freePort(), apiserver: await freePort(), moto: await freePort(), awsProxy: await freePort() };
      s = { ports, ephemeral: opts.lease !== undefined, leases: [], extras: [] };
    }
    const cur = s;
    // Recorded before anything starts, so if this process dies half-way the reaper (or the next
    // `up`/`down`) finds and stops whatever was already started.
    const record = (k: 'etcd' | 'apiserver' | 'moto' | 'awsProxy') => (p: Proc): void => {
      cur[k] = p;
      writeState(cur);
    };
    if (opts.lease !== undefined) {
      cur.leases = [...new Set([...cur.leases.filter(pidAlive), opts.lease])];
      if (cur.ephemeral && !isAlive(cur.reaper)) {
        const reaper = spawnDaemon(process.execPath, [REAPER_SCRIPT], join(paths.logs, 'reaper.log'));
        reaper.match = REAPER_SCRIPT;
        cur.reaper = reaper;
      }
    } else {
      cur.ephemeral = false; // someone asked for it explicitly: it stays until `down`
    }
    writeState(cur);
    await Promise.all(pruneExtras(cur));

    const motoUp = (async () => {
      if (await healthy(cur.moto, () => motoHealthy(cur.ports.moto))) return;
      await stopProcess(cur.moto);
      cur.ports.moto = await reusePort(cur.ports.moto);
      await startMoto(cur.ports.moto, record('moto'));
      started.push('moto');
    })().then(async () => {
      if (cur.ports.awsProxy !== undefined && (await healthy(cur.awsProxy, () => awsProxyHealthy(cur.ports.awsProxy!, cur.ports.moto)))) return;
      await stopProcess(cur.awsProxy);
      cur.ports.awsProxy = cur.ports.awsProxy === undefined ? await freePort() : await reusePort(cur.ports.awsProxy);
      await startAwsProxy(cur.ports.awsProxy, cur.ports.moto, record('awsProxy'));
      started.push('aws-limits-proxy');
    });
    const kubeUp = (async () => {
      if (!(await healthy(cur.etcd, () => etcdHealthy(cur.ports.etcdClient)))) {
        await startEtcd(cur.ports.etcdClient, cur.ports.etcdPeer, record('etcd'));
        started.push('etcd');
      }
      if (!(await healthy(cur.apiserver, () => apiserverReady(cur.ports.apiserver)))) {
        await stopProcess(cur.apiserver);
        cur.ports.apiserver = await reusePort(cur.ports.apiserver);
        await startApiserverProcess(cur.ports.apiserver, cur.ports.etcdClient, record('apiserver'));
        started.push('kube-apiserver');
      }
    })();
    await Promise.all([motoUp, kubeUp]);
    writeState(s);
    writeClientFiles(s);
    return { started, env: envVars(s.ports) };
  });
}

async function downLocked(): Promise<string[]> {
  const s = readState();
  if (!s) return [];
  const running = [
    ...(['controller', 'etcd', 'apiserver', 'moto', 'awsProxy', 'reaper'] as const).filter((k) => isAlive(s[k])).map((k) => `${k} (pid ${s[k]?.pid})`),
    ...s.extras.filter((e) => isAlive(e)).map((e) => `extra apiserver (pid ${e.pid})`),
  ];
  await stopAll(s);
  for (const f of [paths.state, paths.kubeconfig, paths.envSh]) rmSync(f, { force: true });
  rmSync(paths.etcdData, { recursive: true, force: true });
  return running;
}

/** Stops exactly the recorded processes and waits until they have exited. Returns what was stopped. */
export async function down(): Promise<string[]> {
  return withLock(paths.lock, 'environment down', downLocked);
}

/**
 * Takes the environment down now if no test run is using it, else hands it to the reaper, which
 * takes it down when the last running test run ends (for a shared machine: nobody's run breaks).
 */
export async function downWhenUnused(): Promise<{ stopped: string[]; waitingFor: number[] }> {
  return withLock(paths.lock, 'environment down when unused', async () => {
    const s = readState();
    if (!s) return { stopped: [], waitingFor: [] };
    s.leases = s.leases.filter(pidAlive);
    if (s.leases.length === 0) return { stopped: await downLocked(), waitingFor: [] };
    s.ephemeral = true;
    if (!isAlive(s.reaper)) {
      s.reaper = spawnDaemon(process.execPath, [REAPER_SCRIPT], join(paths.logs, 'reaper.log'));
      s.reaper.match = REAPER_SCRIPT;
    }
    writeState(s);
    return { stopped: [], waitingFor: s.leases };
  });
}

/**
 * Ends a test run's use of the environment. An ephemeral environment is taken down once no live
 * run holds a lease; one brought up by `npm run env -- up` is left running.
 */
export async function release(lease: number): Promise<{ stopped: string[] }> {
  return withLock(paths.lock, 'environment release', async () => {
    const s = readState();
    if (!s) return { stopped: [] };
    await Promise.all(s.extras.filter((e) => e.owner === lease).map((e) => stopProcess(e)));
    s.extras = s.extras.filter((e) => e.owner !== lease);
    s.leases = s.leases.filter((p) => p !== lease && pidAlive(p));
    if (s.ephemeral && s.leases.length === 0) return { stopped: await downLocked() };
    writeState(s);
    return { stopped: [] };
  });
}

export interface ComponentStatus {
  name: string;
  pid?: number;
  port?: number;
  running: boolean;
  healthy: boolean;
}

export async function status(): Promise<{ state?: EnvState; components: ComponentStatus[] }> {
  const s = readState();
  if (!s) return { components: [] };
  const comp = async (name: string, p: Proc | undefined, port: number | undefined, check: () => Promise<boolean>): Promise<ComponentStatus> => ({
    name,
    pid: p?.pid,
    port,
    running: isAlive(p),
    healthy: await healthy(p, check),
  });
  const components = await Promise.all([
    comp('etcd', s.etcd, s.ports.etcdClient, () => etcdHealthy(s.ports.etcdClient)),
    comp('kube-apiserver', s.apiserver, s.ports.apiserver, () => apiserverReady(s.ports.apiserver)),
    comp('moto', s.moto, s.ports.moto, () => motoHealthy(s.ports.moto)),
    comp('aws limits proxy', s.awsProxy, s.ports.awsProxy, () => (s.ports.awsProxy === undefined ? Promise.resolve(false) : awsProxyHealthy(s.ports.awsProxy, s.ports.moto))),
    ...s.extras.map((e) => comp(`kube-apiserver (extra, test pid ${e.owner})`, e, e.port, () => apiserverReady(e.port))),
    ...(s.controller ? [comp('albatross controller (npm run demo)', s.controller, undefined, () => Promise.resolve(true))] : []),
    ...(s.reaper ? [comp('reaper', s.reaper, undefined, () => Promise.resolve(true))] : []),
  ]);
  return { state: s, components };
}

function requireState(): EnvState {
  const s = readState();
  if (!s?.etcd) throw new Error('the environment is not up: run `npm run env -- up`');
  return s;
}

/** Stops the environment's kube-apiserver (etcd and moto keep running). */
export async function stopApiserver(): Promise<void> {
  await withLock(paths.lock, 'stop apiserver', async () => {
    const s = requireState();
    await stopProcess(s.apiserver);
    delete s.apiserver;
    writeState(s);
  });
}

/** Starts the environment's kube-apiserver again on the same port with the same certificates. */
export async function startApiserver(): Promise<void> {
  await withLock(paths.lock, 'start apiserver', async () => {
    const s = requireState();
    if (await healthy(s.apiserver, () => apiserverReady(s.ports.apiserver))) return;
    await stopProcess(s.apiserver);
    await startApiserverProcess(s.ports.apiserver, s.ports.etcdClient, (p) => {
      s.apiserver = p;
      writeState(s);
    });
  });
}

/**
 * A second kube-apiserver on the same etcd (so it sees the same objects), owned by one test process:
 * stop and restart it without disturbing other tests that use the main one. With `opts` it can be
 * another release, on a key prefix of its own (a cluster of its own that shares only etcd).
 */
export interface ExtraApiserver {
  port: number;
  server: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and forgets it. */
  remove(): Promise<void>;
}

export async function startExtraApiserver(owner = process.pid, opts: ApiserverOptions = {}): Promise<ExtraApiserver> {
  // The lock guards state.json only; the ~5 s wait for readiness happens outside it so tests in
  // parallel workers don't queue behind each other's apiservers.
  const spawn = (port?: number): Promise<Proc & { port: number }> =>
    withLock(paths.lock, 'start extra apiserver', async () => {
      const s = requireState();
      const p = port ?? (await freePort());
      const proc = { ...spawnApiserver(p, s.ports.etcdClient, `kube-apiserver-${p}`, opts), owner, port: p };
      s.extras = [...s.extras.filter((e) => e.port !== p), proc];
      writeState(s);
      return proc;
    });
  const entry = (): (EnvState['extras'][number]) | undefined => readState()?.extras.find((e) => e.port === port);
  const first = await spawn();
  const port = first.port;
  const ready = async (proc: Proc): Promise<void> => {
    try {
      await waitApiserverReady(proc, port);
    } catch (e) {
      await remove();
      throw e;
    }
  };
  const remove = (): Promise<void> =>
    withLock(paths.lock, 'remove extra apiserver', async () => {
      const s = readState();
      if (!s) return;
      await stopProcess(s.extras.find((e) => e.port === port));
      s.extras = s.extras.filter((e) => e.port !== port);
      writeState(s);
    });
  await ready(first);
  return {
    port,
    server: `https://127.0.0.1:${port}`,
    stop: () => stopProcess(entry()),
    start: async () => {
      const e = entry();
      if (!e) throw new Error(`extra apiserver on port ${port} was removed`);
      if (isAlive(e)) return;
      await ready(await spawn(port));
    },
    remove,
  };
}

/** A kubeconfig (YAML) for `user` in `groups`, by client certificate, for the given server. */
export async function userKubeconfig(user: string, groups: readonly string[] = [], server?: string): Promise<string> {
  const s = requireState();
  const creds = issueClientCredentials(user, groups);
  return renderKubeconfig(server ?? `https://127.0.0.1:${s.ports.apiserver}`, user, creds);
}

/**
 * Starts a process (the demo's controller) recorded in the environment's state, so `down` stops it;
 * one recorded earlier is stopped first.
 */
export async function startRecordedController(cmd: string, args: string[], log: string): Promise<Proc> {
  return withLock(paths.lock, 'start controller', async () => {
    const s = requireState();
    await stopProcess(s.controller);
    const proc = spawnDaemon(cmd, args, log);
    proc.match = args.join(' ');
    s.controller = proc;
    writeState(s);
    return proc;
  });
}
