// Integration tests' global setup: reuse the running environment or start one (same code as
// `npm run env -- up`), and hand its variables to the test workers (they inherit process.env).
// The jest process's pid is the lease; the teardown releases it, and an environment this run
// started goes away with the last run that uses it.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathWithKubectl, up } from './env.ts';
import { ensureGoTools } from './go-tools.ts';

export default async function setup(): Promise<void> {
  const t0 = Date.now();
  // Tests that spawn the controller or the CLI run the bundle (test/support/dist.ts). A process of
  // its own: jest's module hooks are no place for esbuild.
  execFileSync(process.execPath, [join(import.meta.dirname, '..', '..', 'scripts', 'build.ts'), '--if-stale'], { stdio: 'inherit' });
  const { started, env } = await up({ lease: process.pid });
  Object.assign(process.env, env);
  // Tests run `kubectl` by name: the project's build (the apiserver's release), not the machine's.
  process.env['PATH'] = pathWithKubectl(process.env['PATH']);
  // A developer's own AWS session must never reach the tests (the endpoint is moto anyway).
  for (const k of ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION']) delete process.env[k];
  // The conformance tools (kstatus, gopher-lua, promtool, ...): cached after the first build; CI builds
  // each in its own phase first, so no test waits for a build.
  await ensureGoTools();
  const took = ((Date.now() - t0) / 1000).toFixed(1);
  process.stderr.write(`\n[albatross env] ${started.length ? `started ${started.join(', ')} in ${took} s` : 'reusing the running environment'} (apiserver via ${env.KUBECONFIG}, moto at ${env.AWS_ENDPOINT_URL})\n`);
}
