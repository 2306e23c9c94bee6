// The worker-thread side of WorkerPool (./worker-pool.ts), in its own file so a worker loads
// nothing but this and the function it serves.
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';

export type Reply<O> = { ok: true; value: O } | { ok: false; message: string };

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

/** In the worker's module: answer each posted input with fn(input). */
export function serveInWorker<I, O>(fn: (input: I) => O): void {
  if (!parentPort) throw new Error('serveInWorker() must run in a worker thread');
  const port = parentPort;
  lowerThisThreadsPriority();
  port.on('message', (input: I) => {
    let reply: Reply<O>;
    try {
      reply = { ok: true, value: fn(input) };
    } catch (err) {
      reply = { ok: false, message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
    port.postMessage(reply);
  });
}

