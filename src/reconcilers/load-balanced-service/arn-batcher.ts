// Coalesces by-ARN reads of concurrent reconciles (DescribeTags, DescribeLoadBalancers by ARN take
// up to 20 ARNs a call): ARNs asked for within a short window go out together, so N objects
// observed at once cost about N/3 calls instead of N.

export class ArnBatcher<T> {
  private pending = new Set<string>();
  private waiters: Array<{ arns: string[]; resolve: (m: Map<string, T>) => void; reject: (e: unknown) => void }> = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly fetch: (arns: string[]) => Promise<Map<string, T>>;
  private readonly windowMs: number;
  private readonly flushAt: number;

  /** `fetch` gets every pending ARN (it splits them into AWS's batches itself). */
  constructor(fetch: (arns: string[]) => Promise<Map<string, T>>, opts: { windowMs?: number; flushAt?: number } = {}) {
    this.fetch = fetch;
    this.windowMs = opts.windowMs ?? 15;
    this.flushAt = opts.flushAt ?? 20;
  }

  /** The entries AWS has for these ARNs (missing ones are absent from the map). */
  get(arns: string[]): Promise<Map<string, T>> {
    if (arns.length === 0) return Promise.resolve(new Map());
    return new Promise((resolve, reject) => {
      for (const a of arns) this.pending.add(a);
      this.waiters.push({ arns, resolve, reject });
      if (this.pending.size >= this.flushAt) this.flush();
      else if (!this.timer) {
        // Not unref'd: a caller awaits this batch, so the process must live until it goes out
        // (`albatross plan` has nothing else keeping it alive and exited silently, code 0).
        this.timer = setTimeout(() => this.flush(), this.windowMs);
      }
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const arns = [...this.pending];
    const waiters = this.waiters;
    this.pending = new Set();
    this.waiters = [];
    this.fetch(arns).then(
      (all) => {
        for (const w of waiters) w.resolve(new Map(w.arns.flatMap((a) => (all.has(a) ? [[a, all.get(a) as T] as const] : []))));
      },
      (err: unknown) => {
        for (const w of waiters) w.reject(err);
      },
    );
  }
}
