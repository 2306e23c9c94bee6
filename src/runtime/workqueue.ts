// Keys-only work queue (client-go's workqueue semantics): a key is queued at most once, is never
// handed to two workers at once (a key added while processing is queued again on done()), gets
// per-key exponential backoff on failure, and can be scheduled later. Two priorities: 'change'
// (events, retries, requeueAfter) is always served before 'resync' (the periodic re-check).
import { queueAdds, queueDepth, queueDuration, queueRetries, workDuration } from './metrics.ts';

export type Priority = 'change' | 'resync';

export interface WorkQueueOptions {
  /** The `name` label of workqueue_* metrics (the controller name). */
  name: string;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  now?: () => number;
}

interface Waiting {
  key: string;
  readyAt: number;
  priority: Priority;
}

const rank = (p: Priority): number => (p === 'change' ? 1 : 0);
const higher = (a: Priority, b: Priority): Priority => (rank(a) >= rank(b) ? a : b);

export class WorkQueue {
  readonly name: string;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly now: () => number;
  /** Insertion-ordered sets = FIFO per priority. */
  private readonly ready: Record<Priority, Set<string>> = { change: new Set(), resync: new Set() };
  private readonly addedAt = new Map<string, number>();
  private readonly processing = new Map<string, number>();
  /** Keys added while processing, with the highest priority asked for. */
  private readonly dirtyWhileProcessing = new Map<string, Priority>();
  private readonly waiting = new Map<string, Waiting>();
  private heap: Waiting[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly failures = new Map<string, number>();
  private getters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;

  constructor(opts: WorkQueueOptions) {
    this.name = opts.name;
    this.backoffBaseMs = opts.backoffBaseMs ?? 100;
    // At most a minute: a failing object is tried (and its status rewritten with the reason) at least once a minute.
    this.backoffMaxMs = opts.backoffMaxMs ?? 60_000;
    this.now = opts.now ?? Date.now;
    queueDepth.set({ name: this.name }, 0);
  }

  /** Queue key now. A key already queued keeps its place (its priority may rise). */
  add(key: string, priority: Priority = 'change'): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      const prev = this.dirtyWhileProcessing.get(key);
      this.dirtyWhileProcessing.set(key, prev ? higher(prev, priority) : priority);
      return;
    }
    if (this.ready.change.has(key)) return;
    if (this.ready.resync.has(key)) {
      if (priority === 'resync') return;
      this.ready.resync.delete(key); // a change overtakes its pending re-check
    } else {
      queueAdds.inc({ name: this.name });
      this.addedAt.set(key, this.now());
    }
    this.ready[priority].add(key);
    this.updateDepth();
    this.wake();
  }

  /** Queue key after delayMs. If it is already scheduled, the earlier time wins. */
  addAfter(key: string, delayMs: number, priority: Priority = 'change'): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key, priority);
      return;
    }
    const readyAt = this.now() + delayMs;
    const existing = this.waiting.get(key);
    if (existing && existing.readyAt <= readyAt) {
      existing.priority = higher(existing.priority, priority);
      return;
    }
    const entry: Waiting = { key, readyAt, priority: existing ? higher(existing.priority, priority) : priority };
    this.waiting.set(key, entry);
    this.heapPush(entry);
    this.armTimer();
  }

  /** Retry after the key's next backoff delay (base * 2^failures, bounded). Returns the delay. */
  addRateLimited(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const delay = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** n);
    queueRetries.inc({ name: this.name });
    this.addAfter(key, delay, 'change');
    return delay;
  }

  /** Resets the key's backoff (after a success). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Drops a pending scheduled add (e.g. a resync of a key whose object is gone). */
  cancelScheduled(key: string): void {
    this.waiting.delete(key);
  }

  /** Next key to process; undefined once the queue shuts down. Pair every key with done(key). */
  get(): Promise<string | undefined> {
    const key = this.take();
    if (key !== undefined || this.shuttingDown) return Promise.resolve(key);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  done(key: string): void {
    const started = this.processing.get(key);
    if (started === undefined) return;
    this.processing.delete(key);
    workDuration.observe({ name: this.name }, (this.now() - started) / 1000);
    const again = this.dirtyWhileProcessing.get(key);
    if (again) {
      this.dirtyWhileProcessing.delete(key);
      this.add(key, again);
    }
  }

  /** Stop handing out keys; waiting get() calls resolve undefined. Keys in processing may still call done(). */
  shutDown(): void {
    this.shuttingDown = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const getters = this.getters;
    this.getters = [];
    for (const g of getters) g(undefined);
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Keys ready to be handed out. */
  len(): number {
    return this.ready.change.size + this.ready.resync.size;
  }

  processingCount(): number {
    return this.processing.size;
  }

  scheduledCount(): number {
    return this.waiting.size;
  }

  private take(): string | undefined {
    if (this.shuttingDown) return undefined;
    for (const p of ['change', 'resync'] as const) {
      const first = this.ready[p].values().next();
      if (first.done) continue;
      const key = first.value;
      this.ready[p].delete(key);
      const added = this.addedAt.get(key);
      this.addedAt.delete(key);
      if (added !== undefined) queueDuration.observe({ name: this.name }, (this.now() - added) / 1000);
      this.processing.set(key, this.now());
      // This run covers a pending periodic re-check; the controller schedules the next one.
      const w = this.waiting.get(key);
      if (w && w.priority === 'resync') this.waiting.delete(key);
      this.updateDepth();
      return key;
    }
    return undefined;
  }

  private wake(): void {
    while (this.getters.length > 0) {
      const key = this.take();
      if (key === undefined) return;
      const g = this.getters.shift();
      g?.(key);
    }
  }

  private updateDepth(): void {
    queueDepth.set({ name: this.name }, this.len());
  }

  private armTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.heap.length > 0 && this.waiting.get(this.heap[0]!.key) !== this.heap[0]) this.heapPop();
    const top = this.heap[0];
    if (!top || this.shuttingDown) return;
    this.timer = setTimeout(() => this.fire(), Math.max(0, top.readyAt - this.now()));
    this.timer.unref?.();
  }

  private fire(): void {
    const now = this.now();
    while (this.heap.length > 0 && this.heap[0]!.readyAt <= now) {
      const entry = this.heapPop()!;
      if (this.waiting.get(entry.key) !== entry) continue; // superseded or cancelled
      this.waiting.delete(entry.key);
      this.add(entry.key, entry.priority);
    }
    this.armTimer();
  }

  // A binary min-heap on readyAt; superseded entries are skipped lazily.
  private heapPush(e: Waiting): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.readyAt <= h[i]!.readyAt) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  private heapPop(): Waiting | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]!.readyAt < h[m]!.readyAt) m = l;
        if (r < h.length && h[r]!.readyAt < h[m]!.readyAt) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
}
