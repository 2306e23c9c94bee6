// Started (detached) with an environment that a test run brought up. It takes the environment down
// once every test run holding a lease has exited, even one that was killed before its global
// teardown ran, so no stray etcd/apiserver/moto survives a Ctrl-C. It also stops extra apiservers
// whose owning test process died. Exits when the environment is gone or no longer ephemeral.
import { paths } from './config.ts';
import { release } from './env.ts';
import { withLock } from './lock.ts';
import { sleep, stopProcess } from './proc.ts';
import { pidAlive, readState, writeState } from './state.ts';

for (;;) {
  await sleep(2000);
  const s = readState();
  if (!s || !s.ephemeral || s.reaper?.pid !== process.pid) process.exit(0);
  if (s.extras.some((e) => !pidAlive(e.owner))) {
    await withLock(paths.lock, 'reaper: orphaned extra apiservers', async () => {
      const cur = readState();
      if (!cur) return;
      const orphans = cur.extras.filter((e) => !pidAlive(e.owner));
      await Promise.all(orphans.map((e) => stopProcess(e)));
      cur.extras = cur.extras.filter((e) => pidAlive(e.owner));
      writeState(cur);
    });
  }
  if (s.leases.every((pid) => !pidAlive(pid))) {
    const { stopped } = await release(-1);
    if (stopped.length > 0) process.stdout.write(`${new Date().toISOString()} no test run left; stopped ${stopped.join(', ')}\n`);
  }
}
