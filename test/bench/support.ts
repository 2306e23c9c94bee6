// What the benches share: a free port for the controller's metrics, reading them, waiting, and
// applying many objects a chunk at a time, where the controller's log goes.
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';

export type Samples = Map<string, number>;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (addr && typeof addr !== 'string' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** The controller's /metrics as series -> value. */
export async function scrape(url: string): Promise<Samples> {
  const text = await (await fetch(url)).text();
  const out: Samples = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) ([0-9.eE+-]+|NaN)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/** Reconciles one controller has finished, whatever their result. */
export function reconciles(s: Samples, controller: string): number {
  let n = 0;
  for (const [series, v] of s) if (series.startsWith('controller_runtime_reconcile_total{') && series.includes(`controller="${controller}"`)) n += v;
  return n;
}

export async function waitUntil(what: string, fn: () => Promise<boolean>, timeoutMs: number, everyMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function inChunks<T>(items: T[], size: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

/**
 * Where a bench's controller writes its log: `<PREFIX>_CONTROLLER_LOG=FILE` appends its stdout (JSON
 * lines) to FILE at `<PREFIX>_LOG_LEVEL` (default debug with a file, warn without). Pass `stdout` to
 * spawn, then call `started()`: the child keeps its own copy of the descriptor.
 */
export function controllerLog(prefix: string): { level: string; stdout: number | 'ignore'; started: () => void } {
  const file = process.env[`${prefix}_CONTROLLER_LOG`];
  const level = process.env[`${prefix}_LOG_LEVEL`] ?? (file ? 'debug' : 'warn');
  const stdout = file ? openSync(file, 'a') : 'ignore';
  return { level, stdout, started: () => (typeof stdout === 'number' ? closeSync(stdout) : undefined) };
}
