// Process plumbing for the environment: start daemons detached with their output in a log file,
// recognise them later by pid *and* command line (pids get reused), stop them and wait.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface Proc {
  pid: number;
  /** A string the process's command line must contain, so a reused pid is never mistaken for ours. */
  match: string;
  log: string;
}

export function spawnDaemon(cmd: string, args: string[], log: string, env: NodeJS.ProcessEnv = process.env): Proc {
  const fd = openSync(log, 'a');
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env });
    if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
    child.unref();
    return { pid: child.pid, match: cmd, log };
  } finally {
    closeSync(fd);
  }
}

function cmdline(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state letter follows the parenthesised command name; a zombie has already exited.
    if (/\)\s+Z\s/.test(stat)) return undefined;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
}

export function isAlive(p: Pick<Proc, 'pid' | 'match'> | undefined): boolean {
  if (!p) return false;
  return cmdline(p.pid)?.includes(p.match) ?? false;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(p: Pick<Proc, 'pid' | 'match'> | undefined, graceMs = 10_000): Promise<void> {
  if (!isAlive(p) || !p) return;
  const signal = (s: NodeJS.Signals): void => {
    try {
      process.kill(p.pid, s);
    } catch {
      /* already gone */
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(p) && Date.now() < deadline) await sleep(50);
  if (!isAlive(p)) return;
  signal('SIGKILL');
  while (isAlive(p)) await sleep(50);
}

/** A port the kernel says is free on loopback right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

/** True if nothing listens on the port (so a restarted component can take its old one back). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => res(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
  });
}

/** Polls `check` until it returns true; on timeout throws with the log's tail so the cause is visible. */
export async function waitUntil(what: string, check: () => Promise<boolean>, opts: { timeoutMs: number; proc?: Proc }): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (opts.proc && !isAlive(opts.proc)) throw new Error(`${what}: process ${opts.proc.pid} exited.\n${logTail(opts.proc.log)}`);
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${opts.timeoutMs} ms.\n${opts.proc ? logTail(opts.proc.log) : ''}`);
    await sleep(200);
  }
}

export function logTail(log: string, lines = 15): string {
  try {
    const all = readFileSync(log, 'utf8').trimEnd().split('\n');
    return `last lines of ${log}:\n  ${all.slice(-lines).join('\n  ')}`;
  } catch {
    return `(no log at ${log})`;
  }
}
