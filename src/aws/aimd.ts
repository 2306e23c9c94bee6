// Additive increase / multiplicative decrease of one AWS service's request rate, shared by every
// controller in the process: AWS's Throttling means the account's bucket is empty (other tools may
// share it), so the whole service slows down at once and creeps back up while calls succeed.

export interface AimdOptions {
  /** the factor is multiplied by this on throttling */
  decrease: number;
  /** and grows back by this much per second of calls without throttling */
  increasePerSecond: number;
  /** never below this share of the configured rate */
  min: number;
  /** throttles within this long of a decrease are the same congestion: one decrease, not many */
  holdMs: number;
}

export const DEFAULT_AIMD: AimdOptions = { decrease: 0.5, increasePerSecond: 0.05, min: 0.05, holdMs: 1000 };

export class Aimd {
  /** share of the configured rate in use now, (min, 1] */
  factor = 1;
  private lastDecrease = -Infinity;
  private lastUpdate: number;
  private readonly opts: AimdOptions;
  private readonly now: () => number;

  constructor(opts: AimdOptions = DEFAULT_AIMD, now: () => number = () => performance.now()) {
    this.opts = opts;
    this.now = now;
    this.lastUpdate = now();
  }

  /** AWS throttled a call: returns the new factor. */
  throttled(): number {
    const t = this.now();
    this.lastUpdate = t;
    if (t - this.lastDecrease < this.opts.holdMs) return this.factor;
    this.lastDecrease = t;
    this.factor = Math.max(this.opts.min, this.factor * this.opts.decrease);
    return this.factor;
  }

  /** A call went through: returns the new factor. */
  succeeded(): number {
    const t = this.now();
    if (this.factor < 1) this.factor = Math.min(1, this.factor + (this.opts.increasePerSecond * (t - this.lastUpdate)) / 1000);
    this.lastUpdate = t;
    return this.factor;
  }
}
