// Builds kube-apiserver, etcd and kubectl from the Go module proxy and installs moto from PyPI, once per
// machine: results are cached under ~/.cache/albatross/ by version and by a hash of the recipe.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, KUBE_BIN_DIR, KUBE_MODULE_DIR, KUBE_VERSION, MOTO_VENV_DIR, MOTO_VERSION } from './config.ts';
import { withLock } from './lock.ts';
import { logTail } from './proc.ts';

export const KUBE_APISERVER_BIN = join(KUBE_BIN_DIR, 'kube-apiserver');
export const ETCD_BIN = join(KUBE_BIN_DIR, 'etcd');
/** The kubectl tests and `source .albatross/env.sh` use: the same release as the apiserver. */
export const KUBECTL_BIN = join(KUBE_BIN_DIR, 'kubectl');
/** Every binary `go build ./cmd/...` makes from the wrapper module; all must be there to count as built. */
const KUBE_BINARIES = ['kube-apiserver', 'etcd', 'kubectl'] as const;
const kubeBinariesPresent = (): boolean => KUBE_BINARIES.every((b) => existsSync(join(KUBE_BIN_DIR, b)));
export const MOTO_SERVER_BIN = join(MOTO_VENV_DIR, 'bin', 'moto_server');
const MOTO_REQUIREMENT = `moto[server]==${MOTO_VERSION}`;

/** Thrown when a required tool is missing; its message is the one line a user needs. */
export class MissingToolError extends Error {}

function which(cmd: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    const p = join(dir || '.', cmd);
    if (existsSync(p)) return p;
  }
  return undefined;
}

const TOOL_MESSAGES = {
  go: 'go not found: install Go >= 1.26 (https://go.dev/dl) to build kube-apiserver, etcd and kubectl for the local environment',
  python3: 'python3 not found: install Python >= 3.9 with venv (https://www.python.org/downloads, or apt-get install python3 python3-venv) to run the moto AWS emulator',
} as const;

function requireTool(cmd: keyof typeof TOOL_MESSAGES): string {
  const p = which(cmd);
  if (!p) throw new MissingToolError(TOOL_MESSAGES[cmd]);
  return p;
}

/** -X flags that make /version report the real release (`1.36.3`) instead of v0.0.0-master. */
export function kubeVersionLdflags(release: string): string {
  const [major, minor] = release.split('.');
  const v = 'k8s.io/component-base/version';
  return [`-X ${v}.gitVersion=v${release}`, `-X ${v}.gitMajor=${major}`, `-X ${v}.gitMinor=${minor}`, `-X ${v}.gitTreeState=clean`].join(' ');
}
const versionLdflags = (): string => kubeVersionLdflags(KUBE_VERSION);

/** Hash of everything that determines the binaries, so a changed recipe rebuilds. */
function kubeRecipeHash(goVersion: string): string {
  const h = createHash('sha256');
  h.update(goVersion).update(versionLdflags());
  const files = ['go.mod', 'go.sum'];
  for (const cmd of readdirSync(join(KUBE_MODULE_DIR, 'cmd')).sort()) {
    for (const f of readdirSync(join(KUBE_MODULE_DIR, 'cmd', cmd)).sort()) files.push(join('cmd', cmd, f));
  }
  for (const f of files) h.update(f).update(readFileSync(join(KUBE_MODULE_DIR, f)));
  return h.digest('hex');
}

function run(cmd: string, args: string[], opts: { cwd?: string; log: string; env?: NodeJS.ProcessEnv }): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const fd = openSync(opts.log, 'a');
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolveRun();
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}).\n${logTail(opts.log, 25)}`));
    });
  });
}

const say = (msg: string): void => void process.stderr.write(`${msg}\n`);

/**
 * Ensures kube-apiserver, etcd and kubectl for KUBE_VERSION are built; returns quickly when cached.
 * A cache dir missing any of them (e.g. one built before kubectl was added) is rebuilt.
 */
export async function ensureKubeBinaries(): Promise<void> {
  const stamp = join(KUBE_BIN_DIR, 'build-stamp');
  // Without Go the recipe cannot be checked; binaries built earlier are used as they are.
  if (!which('go') && kubeBinariesPresent()) return;
  const go = requireTool('go');
  const goVersion = execFileSync(go, ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
  const want = kubeRecipeHash(goVersion);
  const fresh = (): boolean => kubeBinariesPresent() && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === want;
  if (fresh()) return;
  mkdirSync(CACHE_DIR, { recursive: true });
  await withLock(join(CACHE_DIR, `kube-${KUBE_VERSION}.lock`), 'building kube-apiserver, etcd and kubectl', async () => {
    if (fresh()) return;
    const log = join(CACHE_DIR, `build-kube-${KUBE_VERSION}.log`);
    const out = `${KUBE_BIN_DIR}.tmp-${process.pid}`;
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    writeFileSync(log, `# ${new Date().toISOString()} ${goVersion}\n`);
    const started = Date.now();
    say(`building kube-apiserver, etcd and kubectl v${KUBE_VERSION} with ${goVersion} (cold: ~5-20 min on 2 cores; log: ${log})`);
    await run(go, ['build', '-trimpath', '-ldflags', versionLdflags(), '-o', out + '/', './cmd/...'], { cwd: KUBE_MODULE_DIR, log });
    mkdirSync(KUBE_BIN_DIR, { recursive: true });
    // rename() replaces a binary atomically, even one that is running.
    for (const bin of KUBE_BINARIES) renameSync(join(out, bin), join(KUBE_BIN_DIR, bin));
    rmSync(out, { recursive: true, force: true });
    writeFileSync(stamp, want + '\n');
    say(`built kube-apiserver, etcd and kubectl in ${Math.round((Date.now() - started) / 1000)} s -> ${KUBE_BIN_DIR}`);
  });
}

function installedMotoVersion(): string | undefined {
  try {
    const py = join(MOTO_VENV_DIR, 'bin', 'python');
    return execFileSync(py, ['-c', 'import importlib.metadata as m; print(m.version("moto"))'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/** Ensures the moto venv exists with the pinned moto; returns quickly when cached. */
export async function ensureMotoVenv(): Promise<void> {
  const stamp = join(MOTO_VENV_DIR, 'albatross-stamp');
  const fresh = (): boolean => existsSync(MOTO_SERVER_BIN) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === MOTO_REQUIREMENT;
  if (fresh()) return;
  if (existsSync(MOTO_SERVER_BIN) && installedMotoVersion() === MOTO_VERSION) {
    writeFileSync(stamp, MOTO_REQUIREMENT + '\n'); // a venv made before stamps existed
    return;
  }
  const python = requireTool('python3');
  mkdirSync(CACHE_DIR, { recursive: true });
  await withLock(join(CACHE_DIR, `moto-${MOTO_VERSION}.lock`), 'installing moto', async () => {
    if (fresh()) return;
    const log = join(CACHE_DIR, `install-moto-${MOTO_VERSION}.log`);
    writeFileSync(log, `# ${new Date().toISOString()}\n`);
    const started = Date.now();
    say(`installing ${MOTO_REQUIREMENT} into ${MOTO_VENV_DIR} (log: ${log})`);
    // A venv cannot be moved after creation (scripts embed its path), so it is built in place and
    // the stamp, written last, marks it complete.
    rmSync(MOTO_VENV_DIR, { recursive: true, force: true });
    await run(python, ['-m', 'venv', MOTO_VENV_DIR], { log });
    const pip = join(MOTO_VENV_DIR, 'bin', 'pip');
    await run(pip, ['install', '--disable-pip-version-check', '--no-input', MOTO_REQUIREMENT], { log });
    writeFileSync(stamp, MOTO_REQUIREMENT + '\n');
    say(`installed moto in ${Math.round((Date.now() - started) / 1000)} s`);
  });
}

export async function ensureToolchain(): Promise<void> {
  // Every missing tool is named at once (one line each), before anything is installed.
  // A tool is needed only if what it makes is not in the cache yet.
  const needs = { go: !kubeBinariesPresent(), python3: !existsSync(MOTO_SERVER_BIN) };
  const missing = (Object.keys(TOOL_MESSAGES) as Array<keyof typeof TOOL_MESSAGES>).filter((t) => needs[t] && !which(t));
  if (missing.length > 0) throw new MissingToolError(missing.map((t) => TOOL_MESSAGES[t]).join('\n'));
  // Sequential: on 2 cores the Go build is CPU-bound and pip mostly waits on the network.
  await ensureMotoVenv();
  await ensureKubeBinaries();
}
