// A token bucket per AWS API class, shared by the whole process, so many reconcilers together
// stay under the account's request limits instead of each one discovering throttling on its own.

export interface BucketSpec {
  /** sustained requests per second */
  ratePerSecond: number;
  /** burst size */
  burst: number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly waiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  readonly spec: BucketSpec;
  /** share of spec.ratePerSecond in use (AIMD slows a bucket down after AWS throttled) */
  private factor = 1;
  private readonly now: () => number;

  constructor(spec: BucketSpec, now: () => number = () => performance.now()) {
    this.spec = spec;
    this.now = now;
    this.tokens = spec.burst;
    this.last = this.now();
  }

  /** The refill rate now: the configured rate times the factor. */
  get ratePerSecond(): number {
    return this.spec.ratePerSecond * this.factor;
  }

  /**
   * Runs at `factor` (0, 1] of the configured rate from now on. Slowing down also drops tokens
   * saved beyond the smaller burst, so a throttled service does not fire its whole burst again.
   */
  setRateFactor(factor: number): void {
    this.refill();
    const slower = factor < this.factor;
    this.factor = factor;
    if (slower) this.tokens = Math.min(this.tokens, Math.max(1, this.spec.burst * factor));
  }

  /**
   * Takes a token now if one is there (and nobody waits for one), else refuses: for a server that
   * answers over-limit requests at once instead of queueing them (the test environment's AWS limits proxy).
   */
  tryTake(): boolean {
    this.refill();
    if (this.waiters.length > 0 || this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Resolves when a token is available (FIFO). Rejects if the signal aborts first. */
  take(signal?: AbortSignal): Promise<void> {
    this.refill();
    if (this.waiters.length === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.waiters.indexOf(grant);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(grant);
      this.schedule();
    });
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.spec.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSecond);
    this.last = t;
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(1, ((1 - this.tokens) / this.ratePerSecond) * 1000);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refill();
      while (this.waiters.length > 0 && this.tokens >= 1) {
        this.tokens -= 1;
        this.waiters.shift()?.();
      }
      if (this.waiters.length > 0) this.schedule();
    }, wait);
    // Not unref'd: the timer only runs while calls wait for a token, and they must go out
    // (a short-lived process such as `albatross plan` would otherwise exit silently mid-plan).
  }
}
