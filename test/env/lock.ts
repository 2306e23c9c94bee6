// A cross-process lock made of an atomic mkdir, with the holder's pid inside so a lock left by a
// process that died is taken over instead of blocking everyone forever.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './proc.ts';

function holderAlive(dir: string): boolean {
  try {
    const pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM means it exists but isn't ours to signal; treat as alive. A lock dir without a pid
    // file is one being created right now.
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'EPERM' || code === 'ENOENT';
  }
}

export async function withLock<T>(dir: string, what: string, fn: () => Promise<T>, timeoutMs = 30 * 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let waited = false;
  let sawWithoutPid = 0;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let hasPid = true;
      try {
        readFileSync(join(dir, 'pid'));
      } catch {
        hasPid = false;
      }
      sawWithoutPid = hasPid ? 0 : sawWithoutPid + 1;
      if ((hasPid && !holderAlive(dir)) || sawWithoutPid > 25) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (!waited) {
        process.stderr.write(`waiting for another process to finish: ${what} (lock ${dir})\n`);
        waited = true;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${dir} (${what})`);
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
