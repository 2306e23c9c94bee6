// How each component of the environment is started and how its health is checked.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_USER, AWS_ENV, MOTO_VENV_DIR, paths } from './config.ts';
import { get } from './http.ts';
import { pkiFiles } from './pki.ts';
import { spawnDaemon, waitUntil, type Proc } from './proc.ts';
import { ETCD_BIN, KUBE_APISERVER_BIN, MOTO_SERVER_BIN } from './toolchain.ts';

const START_TIMEOUT_MS = 120_000;

function logFile(name: string): string {
  mkdirSync(paths.logs, { recursive: true });
  return join(paths.logs, `${name}.log`);
}

// ---- etcd -------------------------------------------------------------------------------------

export async function etcdHealthy(clientPort: number): Promise<boolean> {
  const r = await get(`http://127.0.0.1:${clientPort}/health`);
  return r.status === 200 && (JSON.parse(r.body) as { health?: string }).health === 'true';
}

/**
 * Each start function calls `onSpawn` as soon as the process exists, before waiting for it to be
 * ready, so the caller records its pid first: a caller killed while waiting leaves nothing unrecorded.
 */
export type OnSpawn = (p: Proc) => void;

export async function startEtcd(clientPort: number, peerPort: number, onSpawn: OnSpawn): Promise<Proc> {
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const proc = spawnDaemon(
    ETCD_BIN,
    [
      '--name=albatross',
      `--data-dir=${paths.etcdData}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=albatross=${peer}`,
      // A throwaway test store: durability is not worth the fsync cost on a shared 2-core machine.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ],
    logFile('etcd'),
  );
  onSpawn(proc);
  await waitUntil('etcd', () => etcdHealthy(clientPort), { timeoutMs: START_TIMEOUT_MS, proc });
  return proc;
}

// ---- kube-apiserver ---------------------------------------------------------------------------

function adminTls(): { ca: string; cert: string; key: string } {
  return {
    ca: readFileSync(pkiFiles.caCert, 'utf8'),
    cert: readFileSync(join(paths.pki, 'admin.crt'), 'utf8'),
    key: readFileSync(join(paths.pki, 'admin.key'), 'utf8'),
  };
}

export async function apiserverReady(port: number): Promise<boolean> {
  const tls = adminTls();
  const ready = await get(`https://127.0.0.1:${port}/readyz`, tls);
  if (ready.status !== 200) return false;
  // The default namespace is created by a post-start hook shortly after /readyz first passes.
  const ns = await get(`https://127.0.0.1:${port}/api/v1/namespaces/default`, tls);
  return ns.status === 200;
}

/** How an apiserver other than the environment's main one differs from it. */
export interface ApiserverOptions {
  /** Another kube-apiserver build, e.g. the oldest release Albatross supports; default the environment's. */
  binary?: string;
  /** A key space of its own in etcd (default /registry, the main apiserver's), so it shares no objects. */
  etcdPrefix?: string;
}

export function apiserverArgs(port: number, etcdClientPort: number, opts: ApiserverOptions = {}): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${etcdClientPort}`,
    ...(opts.etcdPrefix ? [`--etcd-prefix=${opts.etcdPrefix}`] : []),
    `--secure-port=${port}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--tls-cert-file=${pkiFiles.servingCert}`,
    `--tls-private-key-file=${pkiFiles.servingKey}`,
    `--client-ca-file=${pkiFiles.caCert}`,
    '--authorization-mode=RBAC',
    '--service-cluster-ip-range=10.0.0.0/24',
    '--allow-privileged=true',
    // No kube-controller-manager runs, so nothing would mint the tokens this plugin waits for.
    '--disable-admission-plugins=ServiceAccount',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pkiFiles.saPub}`,
    `--service-account-signing-key-file=${pkiFiles.saKey}`,
    `--cert-dir=${join(paths.pki, 'apiserver-generated')}`,
    '--profiling=false',
    '--v=1',
  ];
}

export function spawnApiserver(port: number, etcdClientPort: number, name = 'kube-apiserver', opts: ApiserverOptions = {}): Proc {
  const binary = opts.binary ?? KUBE_APISERVER_BIN;
  const args = apiserverArgs(port, etcdClientPort, opts);
  const proc = spawnDaemon(binary, args, logFile(name));
  // The port distinguishes several apiservers sharing one binary.
  proc.match = [binary, ...args.slice(0, args.indexOf(`--secure-port=${port}`) + 1)].join(' ');
  return proc;
}

export function waitApiserverReady(proc: Proc, port: number): Promise<void> {
  return waitUntil(`kube-apiserver on port ${port}`, () => apiserverReady(port), { timeoutMs: START_TIMEOUT_MS, proc });
}

export async function startApiserverProcess(port: number, etcdClientPort: number, onSpawn: OnSpawn, name = 'kube-apiserver'): Promise<Proc> {
  const proc = spawnApiserver(port, etcdClientPort, name);
  onSpawn(proc);
  await waitApiserverReady(proc, port);
  return proc;
}

export const ADMIN_CERT_FILES = { cert: join(paths.pki, 'admin.crt'), key: join(paths.pki, 'admin.key'), user: ADMIN_USER } as const;

// ---- moto -------------------------------------------------------------------------------------

export async function motoHealthy(port: number): Promise<boolean> {
  // moto's own dashboard page: cheap, and answered only by moto.
  const r = await get(`http://127.0.0.1:${port}/moto-api/`);
  return r.status === 200;
}

export async function startMoto(port: number, onSpawn: OnSpawn): Promise<Proc> {
  const proc = spawnDaemon(MOTO_SERVER_BIN, ['-H', '127.0.0.1', '-p', String(port)], logFile('moto'), {
    ...process.env,
    ...AWS_ENV,
    PATH: `${join(MOTO_VENV_DIR, 'bin')}:${process.env['PATH'] ?? ''}`,
  });
  proc.match = `${MOTO_SERVER_BIN} -H 127.0.0.1 -p ${port}`;
  onSpawn(proc);
  await waitUntil('moto_server', () => motoHealthy(port), { timeoutMs: START_TIMEOUT_MS, proc });
  return proc;
}

// ---- AWS limits proxy (in front of moto) -------------------------------------------------------

const AWS_LIMITS_SCRIPT = fileURLToPath(new URL('./aws-limits/main.ts', import.meta.url));

/** Healthy means: it answers its own health route and forwards to the moto on `motoPort`. */
export async function awsProxyHealthy(port: number, motoPort: number): Promise<boolean> {
  const r = await get(`http://127.0.0.1:${port}/__aws-limits/health`);
  return r.status === 200 && (JSON.parse(r.body) as { upstream?: string }).upstream === `http://127.0.0.1:${motoPort}`;
}

export async function startAwsProxy(port: number, motoPort: number, onSpawn: OnSpawn): Promise<Proc> {
  const proc = spawnDaemon(process.execPath, [AWS_LIMITS_SCRIPT, '--port', String(port), '--upstream', `http://127.0.0.1:${motoPort}`], logFile('aws-limits-proxy'));
  proc.match = `${AWS_LIMITS_SCRIPT} --port ${port}`;
  onSpawn(proc);
  await waitUntil('aws limits proxy', () => awsProxyHealthy(port, motoPort), { timeoutMs: START_TIMEOUT_MS, proc });
  return proc;
}
