// `npm run env -- up|down|status|build`: the local Kubernetes + AWS environment.
//   up      build/install what is missing, start what is not running, print the shell exports
//           (also in .albatross/env.sh: `source .albatross/env.sh`; it puts the project's kubectl and Node 24
//           first on PATH)
//   down    stop exactly the processes `up` recorded, and wait for them to exit
//           (--when-unused: only once no test run is using it; the reaper waits for the last one)
//   status  what runs, on which ports
//   build   only build kube-apiserver/etcd/kubectl and install moto (CI does this as its own phase)
import { paths } from './config.ts';
import { down, downWhenUnused, shellExports, status, up } from './env.ts';
import { ensureToolchain, MissingToolError } from './toolchain.ts';

const USAGE = 'usage: npm run env -- up | down [--when-unused] | status | build';

async function main(cmd: string | undefined): Promise<void> {
  switch (cmd) {
    case 'up': {
      const t0 = Date.now();
      const { started, env } = await up();
      const took = ((Date.now() - t0) / 1000).toFixed(1);
      process.stderr.write(started.length ? `started ${started.join(', ')} in ${took} s\n` : `already running and healthy; started nothing (${took} s)\n`);
      process.stderr.write(`# these exports are in ${paths.envSh}: source it, or eval "$(npm run -s env -- up)"\n`);
      process.stdout.write(shellExports(env));
      return;
    }
    case 'down': {
      if (process.argv[3] === '--when-unused') {
        const { stopped, waitingFor } = await downWhenUnused();
        process.stdout.write(
          waitingFor.length ? `in use by test runs ${waitingFor.join(', ')}: it goes down when the last one ends\n` : stopped.length ? `stopped ${stopped.join(', ')}\n` : 'nothing was running\n',
        );
        return;
      }
      const stopped = await down();
      process.stdout.write(stopped.length ? `stopped ${stopped.join(', ')}\n` : 'nothing was running\n');
      return;
    }
    case 'status': {
      const { state, components } = await status();
      if (!state) {
        process.stdout.write('not up (no .albatross/state.json)\n');
        process.exitCode = 3;
        return;
      }
      for (const c of components) {
        const what = c.healthy ? 'healthy' : c.running ? 'RUNNING BUT NOT HEALTHY' : 'NOT RUNNING';
        process.stdout.write(`${c.name.padEnd(40)} ${what.padEnd(24)} pid ${String(c.pid ?? '-').padEnd(8)} ${c.port ? `port ${c.port}` : ''}\n`);
      }
      process.stdout.write(`${state.ephemeral ? `started by a test run (leases: ${state.leases.join(', ') || 'none'})` : 'started by `npm run env -- up`'}; kubeconfig ${paths.kubeconfig}\n`);
      if (components.some((c) => !c.healthy)) process.exitCode = 1;
      return;
    }
    case 'build':
      await ensureToolchain();
      process.stderr.write('kube-apiserver, etcd, kubectl and moto are installed\n');
      return;
    default:
      process.stderr.write(`${USAGE}\n`);
      process.exitCode = 2;
  }
}

main(process.argv[2]).catch((e: unknown) => {
  process.stderr.write(e instanceof MissingToolError ? `${e.message}\n` : `${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
