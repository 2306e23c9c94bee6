// The ecosystem's own tools the conformance tests run, each built once per machine from the Go module
// proxy at a pinned version and cached under ~/.cache/albatross/go-tools/<name>-<version>/ (rebuilt
// when its recipe changes: Go version, pinned version, wrapper module files):
//   kstatus             sigs.k8s.io/cli-utils' status.Compute (Flux `wait`, kpt)    test/env/tools
//   argo-health         Argo CD's Lua health-script runtime on gopher-lua            test/env/tools
//   kubeconform         github.com/yannh/kubeconform/cmd/kubeconform               go install
//   kube-apiserver-min  the oldest kube-apiserver Albatross supports (docs)          test/env/kube-min
//   promcheck           promtool's check metrics / check rules / test rules code     test/env/prom
// Usage: node test/env/go-tools.ts [NAME...]   (all when none; prints `NAME PATH` per tool)
// .ci/run builds each in its own phase; the integration tests' global setup only finds them cached.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, copyFileSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CACHE_DIR, REPO_ROOT } from './config.ts';
import { withLock } from './lock.ts';
import { logTail } from './proc.ts';
import { kubeVersionLdflags } from './toolchain.ts';

interface WrapperModuleTool {
  /** A module in this repository (its go.mod/go.sum pin every dependency); `pkg` is built in it. */
  module: string;
  pkg: string;
  /** The dependency whose version names the build, read from the module's go.mod. */
  versionOf: string;
  ldflags?: (version: string) => string;
  /**
   * Files of a dependency put into `pkg` at build time, from that dependency's module source at the
   * version the wrapper's go.mod pins (the Go module proxy, like every other dependency): upstream
   * code the build needs but that cannot be imported (it is in a package main), never committed here.
   */
  upstreamFiles?: ReadonlyArray<{ module: string; path: string }>;
}
interface InstallTool {
  /** `go install <install>@<version>`: the tool's own go.mod pins its dependencies. */
  install: string;
  version: string;
}
type ToolSpec = (WrapperModuleTool | InstallTool) & { binary: string };

export const GO_TOOLS = {
  kstatus: { module: 'test/env/tools', pkg: './cmd/kstatus', versionOf: 'sigs.k8s.io/cli-utils', binary: 'kstatus' },
  'argo-health': { module: 'test/env/tools', pkg: './cmd/argo-health', versionOf: 'github.com/yuin/gopher-lua', binary: 'argo-health' },
  kubeconform: { install: 'github.com/yannh/kubeconform/cmd/kubeconform', version: 'v0.8.0', binary: 'kubeconform' },
  promcheck: {
    module: 'test/env/prom',
    pkg: './cmd/promcheck',
    versionOf: 'github.com/prometheus/prometheus',
    // `promtool test rules` itself: promtool is package main, and building all of it (every service
    // discovery's cloud SDK) takes most of an hour on 2 cores.
    upstreamFiles: [{ module: 'github.com/prometheus/prometheus', path: 'cmd/promtool/unittest.go' }],
    binary: 'promcheck',
  },
  'kube-apiserver-min': {
    module: 'test/env/kube-min',
    pkg: './cmd/kube-apiserver',
    versionOf: 'k8s.io/kubernetes',
    binary: 'kube-apiserver',
    ldflags: (version: string) => kubeVersionLdflags(version.replace(/^v/, '')),
  },
} as const satisfies Record<string, ToolSpec>;
export type GoToolName = keyof typeof GO_TOOLS;

const spec = (name: GoToolName): ToolSpec => GO_TOOLS[name];

function goModVersion(moduleDir: string, dependency: string): string {
  const goMod = readFileSync(join(REPO_ROOT, moduleDir, 'go.mod'), 'utf8');
  const m = new RegExp(`^\\s*(?:require\\s+)?${dependency.replaceAll('.', '\\.')} (v\\S+)`, 'm').exec(goMod);
  if (!m?.[1]) throw new Error(`${dependency} not found in ${moduleDir}/go.mod`);
  return m[1];
}

/** The pinned version a tool is built at (e.g. promcheck v0.316.0, kube-apiserver-min v1.30.14). */
export function goToolVersion(name: GoToolName): string {
  const s = spec(name);
  return 'install' in s ? s.version : goModVersion(s.module, s.versionOf);
}

function toolDir(name: GoToolName): string {
  return join(CACHE_DIR, 'go-tools', `${name}-${goToolVersion(name)}`);
}

/** Where the tool's binary is cached (it may not be built yet; see goTool()). */
export function goToolPath(name: GoToolName): string {
  return join(toolDir(name), spec(name).binary);
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Hash of everything that determines the binary, so a changed recipe rebuilds. */
function recipeHash(name: GoToolName, goVersion: string): string {
  const s = spec(name);
  const h = createHash('sha256').update(goVersion).update(JSON.stringify(s)).update(goToolVersion(name));
  if ('module' in s) {
    const dir = join(REPO_ROOT, s.module);
    for (const f of ['go.mod', 'go.sum', ...files(join(dir, s.pkg)).map((p) => p.slice(dir.length + 1))]) {
      h.update(f).update(readFileSync(join(dir, f)));
    }
    h.update(s.ldflags?.(goToolVersion(name)) ?? '');
  }
  return h.digest('hex');
}

function run(args: string[], opts: { cwd?: string; log: string; env: NodeJS.ProcessEnv }): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const fd = openSync(opts.log, 'a');
    const child = spawn('go', args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolveRun();
      else reject(new Error(`go ${args.join(' ')} failed (${signal ?? `exit ${code}`}).\n${logTail(opts.log, 25)}`));
    });
  });
}

function goVersion(): string {
  try {
    return execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('go not found: install Go >= 1.26 (https://go.dev/dl) to build the conformance tools (test/env/go-tools.ts)');
  }
}

/** A copy of the wrapper module in `dir` with the tool's upstream files added to its package; returns `dir`. */
async function withUpstreamFiles(s: WrapperModuleTool, dir: string, opts: { log: string; env: NodeJS.ProcessEnv }): Promise<string> {
  cpSync(join(REPO_ROOT, s.module), dir, { recursive: true });
  for (const f of s.upstreamFiles ?? []) {
    const version = goModVersion(s.module, f.module);
    // Already in the module cache when the build resolved the module graph; downloaded if not.
    const answer = execFileSync('go', ['mod', 'download', '-json', `${f.module}@${version}`], { cwd: dir, env: opts.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const source = (JSON.parse(answer) as { Dir?: string }).Dir;
    if (!source) throw new Error(`go mod download gave no directory for ${f.module}@${version} (log: ${opts.log})`);
    const target = join(dir, s.pkg, basename(f.path));
    copyFileSync(join(source, f.path), target);
    chmodSync(target, 0o644); // the module cache is read-only
  }
  return dir;
}

/** Builds the tool unless the cache holds it for this recipe; returns its path. */
export async function ensureGoTool(name: GoToolName): Promise<string> {
  const bin = goToolPath(name);
  const stamp = join(toolDir(name), 'build-stamp');
  const go = goVersion();
  const want = recipeHash(name, go);
  const fresh = (): boolean => existsSync(bin) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === want;
  if (fresh()) return bin;
  mkdirSync(join(CACHE_DIR, 'go-tools'), { recursive: true });
  await withLock(`${toolDir(name)}.lock`, `building ${name}`, async () => {
    if (fresh()) return;
    const s = spec(name);
    const version = goToolVersion(name);
    const log = join(CACHE_DIR, 'go-tools', `build-${name}-${version}.log`);
    const out = `${toolDir(name)}.tmp-${process.pid}`;
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    writeFileSync(log, `# ${new Date().toISOString()} ${go}\n`);
    const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' };
    const started = Date.now();
    process.stderr.write(`building ${name} ${version} with ${go} (log: ${log})\n`);
    if ('install' in s) {
      await run(['install', '-trimpath', `${s.install}@${s.version}`], { log, env: { ...env, GOBIN: out } });
    } else {
      const ldflags = s.ldflags ? ['-ldflags', s.ldflags(version)] : [];
      const cwd = s.upstreamFiles ? await withUpstreamFiles(s, join(out, 'module'), { log, env }) : join(REPO_ROOT, s.module);
      await run(['build', '-trimpath', ...ldflags, '-o', join(out, s.binary), s.pkg], { cwd, log, env });
    }
    mkdirSync(toolDir(name), { recursive: true });
    renameSync(join(out, s.binary), bin); // atomic, even over a binary that is running
    rmSync(out, { recursive: true, force: true });
    writeFileSync(stamp, `${want}\n`);
    process.stderr.write(`built ${name} ${version} in ${Math.round((Date.now() - started) / 1000)} s -> ${bin}\n`);
  });
  return bin;
}

/** Every tool, one after another (on 2 cores parallel Go builds only thrash). */
export async function ensureGoTools(names: readonly GoToolName[] = Object.keys(GO_TOOLS) as GoToolName[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of names) out[name] = await ensureGoTool(name);
  return out;
}

/** For tests: the cached binary, or an error saying how to build it (tests never build inside their clock). */
export function goTool(name: GoToolName): string {
  const bin = goToolPath(name);
  if (!existsSync(bin)) throw new Error(`${name} is not built: run \`node test/env/go-tools.ts ${name}\` (the integration tests' global setup does it too)`);
  return bin;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2);
  const unknown = names.filter((n) => !(n in GO_TOOLS));
  if (unknown.length > 0) {
    process.stderr.write(`unknown tool ${unknown.join(', ')}; known: ${Object.keys(GO_TOOLS).join(', ')}\n`);
    process.exit(2);
  }
  ensureGoTools(names.length > 0 ? (names as GoToolName[]) : undefined)
    .then((paths) => {
      for (const [name, p] of Object.entries(paths)) process.stdout.write(`${name} ${p}\n`);
    })
    .catch((e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    });
}
