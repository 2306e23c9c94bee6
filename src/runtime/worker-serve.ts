// The worker-thread side of WorkerPool (./worker-pool.ts), in its own file so a worker loads
// nothing but this and the function it serves.
import { parentPort } from 'node:worker_threads';

export type Reply<O> = { ok: true; value: O } | { ok: false; message: string };

/** In the worker's module: answer each posted input with fn(input). */
export function serveInWorker<I, O>(fn: (input: I) => O): void {
  if (!parentPort) throw new Error('serveInWorker() must run in a worker thread');
  const port = parentPort;
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

