// The worker-thread side of WorkerPool (./worker-pool.ts), in its own file so a worker loads
// nothing but this and the function it serves.
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';

/** What the caller needs of an error to classify it (AWS SDK errors: name/Code, HTTP status). */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  Code?: string;
  httpStatusCode?: number;
}

export type Reply<O> = { ok: true; value: O } | { ok: false; message: string; error?: WireError };

/**
 * The nice value of a pool thread. Its work (key derivation) must never delay the event loop, and
 * offloading it is not enough where CPU is short (a pod's CPU limit, a busy node): the threads then
 * compete with the main thread for it. At nice 19 they get CPU the main thread does not want.
 */
export const WORKER_NICE = 19;

/**
 * Lowers the calling thread's priority. Linux only: there the nice value is per thread and
 * setpriority(PRIO_PROCESS, 0) means this thread; elsewhere it would slow the whole process.
 */
function lowerThisThreadsPriority(): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(WORKER_NICE);
  } catch {
    // Not permitted (a seccomp profile): the thread keeps the process's priority.
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** An error as plain data (structured clone keeps only name and message of an Error). */
export function toWireError(err: unknown): WireError {
  const e = (err ?? {}) as { name?: unknown; message?: unknown; code?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const status = e.$metadata?.httpStatusCode;
  return {
    name: str(e.name) ?? 'Error',
    message: str(e.message) ?? String(err),
    ...(str(e.code) ? { code: str(e.code) } : {}),
    ...(str(e.Code) ? { Code: str(e.Code) } : {}),
    ...(typeof status === 'number' ? { httpStatusCode: status } : {}),
  };
}

/** In the worker's module: answer each posted input with fn(input), awaited when it is a promise. */
export function serveInWorker<I, O>(fn: (input: I) => O | Promise<O>): void {
  if (!parentPort) throw new Error('serveInWorker() must run in a worker thread');
  const port = parentPort;
  lowerThisThreadsPriority();
  port.on('message', (input: I) => {
    let pending: O | Promise<O>;
    try {
      pending = fn(input);
    } catch (err) {
      pending = Promise.reject(err);
    }
    Promise.resolve(pending).then(
      (value) => port.postMessage({ ok: true, value } satisfies Reply<O>),
      (err: unknown) => {
        const error = toWireError(err);
        port.postMessage({ ok: false, message: `${error.name}: ${error.message}`, error } satisfies Reply<O>);
      },
    );
  });
}
