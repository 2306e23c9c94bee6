// The command-line tools a platform engineer uses to install Albatross: helm (built from the Go
// module proxy by scripts/build-helm.sh, cached) and kubectl, pointed at the test environment.
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { V1EnvVar } from '@kubernetes/client-node';
import { KUBE_VERSION } from '../../env/config.ts';

export const REPO = fileURLToPath(new URL('../../..', import.meta.url));
export const CHART = `${REPO}helm/albatross`;
export const CI_VALUES = `${CHART}/ci/default-values.yaml`;

let helmPath: string | undefined;
export function helmBinary(): string {
  helmPath ??= process.env['HELM'] ?? execFileSync('bash', [`${REPO}scripts/build-helm.sh`], { encoding: 'utf8' }).trim();
  return helmPath;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; never rejects on a non-zero exit (the test asserts the code). */
export function run(file: string, args: readonly string[], input?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { cwd: REPO, maxBuffer: 64 * 1024 * 1024, env: process.env }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** `helm template` renders for the test environment's Kubernetes (helm's own default, 1.20, is below the chart's kubeVersion). */
export const helm = (...args: string[]): Promise<RunResult> =>
  run(helmBinary(), args[0] === 'template' && !args.includes('--kube-version') ? [...args, '--kube-version', KUBE_VERSION] : args);
export const kubectl = (args: readonly string[], input?: string): Promise<RunResult> => run('kubectl', args, input);

/** `helm template` that must succeed; returns the YAML. */
export async function helmTemplate(release: string, namespace: string, ...args: string[]): Promise<string> {
  const r = await helm('template', release, CHART, '--namespace', namespace, ...args);
  if (r.code !== 0) throw new Error(`helm template failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/**
 * What the container process sees: env with downward-API fields filled in, and `$(VAR)` in args
 * expanded from that env, as the kubelet does.
 */
export function kubeletView(args: readonly string[], env: readonly V1EnvVar[], fields: Record<string, string>): { argv: string[]; env: Record<string, string> } {
  const vars: Record<string, string> = {};
  for (const e of env) {
    const field = e.valueFrom?.fieldRef?.fieldPath;
    vars[e.name] = e.value ?? (field ? (fields[field] ?? '') : '');
  }
  const argv = args.map((a) => a.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => vars[name] ?? whole));
  return { argv, env: vars };
}
