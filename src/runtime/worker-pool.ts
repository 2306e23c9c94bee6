// A small bounded pool of worker threads for CPU-heavy pure functions (PKCS#12 key derivation):
// the event loop only posts messages, so /healthz, lease renewals and other reconciles keep running.
// Jobs queue per group (a namespace) and are handed out round-robin across groups, so one tenant's
// many costly jobs cannot starve another's. Workers start on demand, do not keep the process alive
// while idle, and stop after idleTimeoutMs without work: a thread is a V8 isolate of its own (tens of
// MB with its modules), and decoding happens only when a Secret changes.
import { Counter, Gauge, register } from 'prom-client';
import { Worker } from 'node:worker_threads';
import type { Reply } from './worker-serve.ts';

/**
 * The worker's error as the caller sees it: its message, and the name, code and HTTP status an AWS
 * SDK error is classified by (src/aws/errors.ts), as if it had been thrown here.
 */
function fromWireError(reply: Reply<unknown> & { ok: false }): Error {
  const e = reply.error;
  const err = new Error(e ? e.message : reply.message) as Error & { code?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  if (!e) return err;
  err.name = e.name;
  if (e.code !== undefined) err.code = e.code;
  if (e.Code !== undefined) err.Code = e.Code;
  if (e.httpStatusCode !== undefined) err.$metadata = { httpStatusCode: e.httpStatusCode };
  return err;
}

export interface WorkerPoolOptions {
  /** The worker's module; it calls serveInWorker() (./worker-serve.ts). */
  file: URL;
  /** At most this many threads. */
  size: number;
  /** The `pool` label of the metrics. */
  name: string;
  /** Idle threads stop after this long without a job (default 30 s); the next job starts one again. */
  idleTimeoutMs?: number;
}

interface Job<I, O> {
  input: I;
  group: string;
  resolve: (value: O) => void;
  reject: (err: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export class WorkerPool<I, O> {
  private readonly o: WorkerPoolOptions;
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, Job<I, O>>();
  /** Insertion order is the round-robin order; a group is moved to the back after each job. */
  private readonly queues = new Map<string, Job<I, O>[]>();
  private threads = 0;
  private closed = false;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(opts: WorkerPoolOptions) {
    this.o = { ...opts, size: Math.max(1, Math.floor(opts.size)) };
    poolDepth().set({ pool: opts.name }, 0);
  }

  /** Runs `input` on a worker thread. Rejects when `signal` aborts before the job started. */
  run(input: I, opts: { group?: string; signal?: AbortSignal } = {}): Promise<O> {
    if (this.closed) return Promise.reject(new Error(`worker pool ${this.o.name} is closed`));
    if (opts.signal?.aborted) return Promise.reject(opts.signal.reason);
    return new Promise<O>((resolve, reject) => {
      const group = opts.group ?? '';
      const job: Job<I, O> = { input, group, resolve, reject, signal: opts.signal, onAbort: () => this.dropQueued(job) };
      opts.signal?.addEventListener('abort', job.onAbort, { once: true });
      const queue = this.queues.get(group) ?? [];
      queue.push(job);
      this.queues.set(group, queue);
      this.updateDepth();
      this.pump();
    });
  }

  /** Threads alive (running or idle). */
  get threadCount(): number {
    return this.threads;
  }

  /** Jobs queued or running. */
  depth(): number {
    let queued = 0;
    for (const q of this.queues.values()) queued += q.length;
    return queued + this.running.size;
  }

  /** Stops every thread; queued and running jobs reject. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    const err = new Error(`worker pool ${this.o.name} closed`);
    for (const q of this.queues.values()) for (const job of q) this.settle(job, () => job.reject(err));
    this.queues.clear();
    const workers = [...this.idle, ...this.running.keys()];
    for (const [, job] of this.running) this.settle(job, () => job.reject(err));
    this.running.clear();
    this.idle.length = 0;
    await Promise.all(workers.map((w) => w.terminate()));
    this.updateDepth();
  }

  private pump(): void {
    while (!this.closed && this.queues.size > 0) {
      const worker = this.idle.pop() ?? (this.threads < this.o.size ? this.spawn() : undefined);
      if (!worker) return;
      const job = this.next();
      if (!job) {
        this.idle.push(worker);
        return;
      }
      job.signal?.removeEventListener('abort', job.onAbort);
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
      this.running.set(worker, job);
      worker.ref();
      worker.postMessage(job.input);
    }
  }

  private next(): Job<I, O> | undefined {
    const [group, queue] = this.queues.entries().next().value ?? [];
    if (group === undefined || !queue) return undefined;
    const job = queue.shift();
    this.queues.delete(group);
    if (queue.length > 0) this.queues.set(group, queue);
    return job;
  }

  private spawn(): Worker {
    this.threads++;
    // The environment this code sees (AWS_* settings for a thread that calls AWS), as of the start.
    const worker = new Worker(this.o.file, { env: process.env });
    worker.unref();
    worker.on('message', (reply: Reply<O>) => {
      const job = this.running.get(worker);
      this.running.delete(worker);
      worker.unref();
      this.idle.push(worker);
      if (job) {
        jobsTotal().inc({ pool: this.o.name, result: reply.ok ? 'ok' : 'error' });
        this.settle(job, () => (reply.ok ? job.resolve(reply.value) : job.reject(fromWireError(reply))));
      }
      this.updateDepth();
      this.pump();
      this.armIdleStop();
    });
    const lost = (why: string): void => {
      if (!this.running.has(worker) && !this.idle.includes(worker)) return; // already handled
      this.threads--;
      const job = this.running.get(worker);
      this.running.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      if (job) {
        jobsTotal().inc({ pool: this.o.name, result: 'error' });
        this.settle(job, () => job.reject(new Error(`worker thread of pool ${this.o.name} failed: ${why}`)));
      }
      this.updateDepth();
      this.pump();
    };
    worker.on('error', (err) => lost(err.message));
    worker.on('exit', (code) => lost(`exited with code ${code}`));
    return worker;
  }

  /** With nothing running or queued, stops the idle threads after idleTimeoutMs. */
  private armIdleStop(): void {
    if (this.closed || this.running.size > 0 || this.queues.size > 0 || this.idle.length === 0) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.running.size > 0 || this.queues.size > 0) return;
      // Out of the pool first, so their exit is not taken for a lost thread.
      const stopping = this.idle.splice(0);
      this.threads -= stopping.length;
      for (const w of stopping) void w.terminate();
    }, this.o.idleTimeoutMs ?? 30_000);
    this.idleTimer.unref(); // idle threads are no pending work: nothing awaits them
  }

  private dropQueued(job: Job<I, O>): void {
    const queue = this.queues.get(job.group);
    const at = queue?.indexOf(job) ?? -1;
    if (!queue || at < 0) return;
    queue.splice(at, 1);
    if (queue.length === 0) this.queues.delete(job.group);
    this.updateDepth();
    job.reject(job.signal?.reason ?? new Error('aborted'));
  }

  private settle(job: Job<I, O>, fn: () => void): void {
    job.signal?.removeEventListener('abort', job.onAbort);
    fn();
  }

  private updateDepth(): void {
    poolDepth().set({ pool: this.o.name }, this.depth());
  }
}

const JOBS = 'albatross_worker_jobs_total';
const DEPTH = 'albatross_worker_queue_depth';

function jobsTotal(): Counter<'pool' | 'result'> {
  return (register.getSingleMetric(JOBS) as Counter<'pool' | 'result'> | undefined) ??
    new Counter({ name: 'albatross_worker_jobs_total', help: 'Jobs a worker-thread pool finished, by pool and result (ok, error)', labelNames: ['pool', 'result'] });
}

function poolDepth(): Gauge<'pool'> {
  return (register.getSingleMetric(DEPTH) as Gauge<'pool'> | undefined) ??
    new Gauge({ name: 'albatross_worker_queue_depth', help: 'Jobs queued or running in a worker-thread pool', labelNames: ['pool'] });
}
