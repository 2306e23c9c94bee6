// Backoff per resource and zone for writes that failed, kept by the coordinator (not the work
// queue): writes are asynchronous, so a reconcile that hands changes over succeeds and would reset
// the queue's backoff every time. A change that failed is held back until its backoff expires,
// whatever other DnsAliases write to the zone meanwhile; the same change failing again doubles the
// wait (bounded). A different change (the spec was fixed, the zone changed) is not held.

export interface Hold {
  /** the changes that failed (see fingerprint()) */
  fingerprint: string;
  /** failures of this same change in a row */
  attempts: number;
  /** not sent again before this time */
  until: number;
  error: unknown;
  /** Route 53 refused the change itself (InvalidChangeBatch): when retried it goes in a batch of its own */
  rejected: boolean;
}

export interface HoldOptions {
  baseMs: number;
  maxMs: number;
  now: () => number;
}

/** A stable text for "the same changes": action, name, type and value(s) of each. */
export function fingerprint(changes: ReadonlyArray<{ action: string; record: unknown }>): string {
  return JSON.stringify(changes.map((c) => [c.action, c.record]));
}

export class WriteHolds {
  private readonly holds = new Map<string, Hold>();
  private readonly o: HoldOptions;

  constructor(o: HoldOptions) {
    this.o = o;
  }

  /** Records a failure of `fp` by `key`; returns the hold, with the wait doubled for a repeat. */
  failed(key: string, fp: string, error: unknown, rejected: boolean): Hold {
    const prev = this.holds.get(key);
    const attempts = prev && prev.fingerprint === fp ? prev.attempts + 1 : 1;
    const wait = Math.min(this.o.maxMs, this.o.baseMs * 2 ** (attempts - 1));
    const hold: Hold = { fingerprint: fp, attempts, until: this.o.now() + wait, error, rejected };
    this.holds.set(key, hold);
    return hold;
  }

  /** The hold that still keeps `fp` back, if any. */
  active(key: string, fp: string): Hold | undefined {
    const h = this.holds.get(key);
    return h && h.fingerprint === fp && this.o.now() < h.until ? h : undefined;
  }

  /** Whether `fp` was refused by Route 53 last time (its retry must not take others' changes down with it). */
  suspect(key: string, fp: string): boolean {
    const h = this.holds.get(key);
    return !!h && h.rejected && h.fingerprint === fp;
  }

  succeeded(key: string): void {
    this.holds.delete(key);
  }

  /** Drops every hold whose key starts with `prefix` (a deleted resource). */
  forget(prefix: string): void {
    for (const k of this.holds.keys()) if (k.startsWith(prefix)) this.holds.delete(k);
  }

  get size(): number {
    return this.holds.size;
  }
}
