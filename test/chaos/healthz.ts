// Samples each replica's /healthz throughout the campaign. An answer slower than the limit, or none
// within it from a process that is listening, counts against the replica; a refused connection
// (the process is dead or still starting) is not a slow answer and is skipped. So is a slow answer
// during which the sampler's own event loop stalled (a loaded machine starving the campaign): it
// says nothing about the controller, and is counted apart.
import type { Replica } from './replicas.ts';

export const HEALTHZ_LIMIT_MS = 1000;
const INTERVAL_MS = 500;
/** Long enough to measure how slow a slow answer was. */
const GIVE_UP_MS = 15_000;

export interface HealthzStats {
  slot: string;
  samples: number;
  slow: number;
  /** Slow answers not counted: the sampler itself was stalled meanwhile. */
  samplerStalled: number;
  maxMs: number;
  /** When the slowest answers came, for the log. */
  worst: Array<{ at: string; ms: number }>;
}

/** Stalls of this process's event loop (gaps between ticks of a short timer). */
class StallWatch {
  private readonly gaps: Array<[number, number]> = [];
  private last = performance.now();
  private readonly timer = setInterval(() => {
    const now = performance.now();
    if (now - this.last > TICK_MS + STALL_MS) this.gaps.push([this.last, now]);
    this.last = now;
  }, TICK_MS);

  stalledBetween(t0: number, t1: number): boolean {
    return this.gaps.some(([a, b]) => a < t1 && b > t0);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
const TICK_MS = 50;
const STALL_MS = 250;

async function sample(replica: Replica, stats: HealthzStats, watch: StallWatch): Promise<void> {
  if (!replica.alive) return;
  const t0 = performance.now();
  try {
    const res = await fetch(replica.healthUrl, { signal: AbortSignal.timeout(GIVE_UP_MS) });
    await res.text();
  } catch (e) {
    const code = (e as { cause?: { code?: string } }).cause?.code;
    // Not listening (dead, starting, stopping): nothing to measure.
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || !replica.alive) return;
  }
  const t1 = performance.now();
  const ms = Math.round(t1 - t0);
  if (ms > HEALTHZ_LIMIT_MS && watch.stalledBetween(t0, t1)) {
    stats.samplerStalled++;
    return;
  }
  stats.samples++;
  stats.maxMs = Math.max(stats.maxMs, ms);
  if (ms > HEALTHZ_LIMIT_MS) {
    stats.slow++;
    stats.worst = [...stats.worst, { at: new Date().toISOString(), ms }].sort((a, b) => b.ms - a.ms).slice(0, 3);
  }
}

/** Starts sampling; the returned function stops it and resolves with the figures per replica. */
export function sampleHealthz(replicas: readonly Replica[]): () => Promise<HealthzStats[]> {
  const stats = replicas.map((r) => ({ slot: r.slot, samples: 0, slow: 0, samplerStalled: 0, maxMs: 0, worst: [] as HealthzStats['worst'] }));
  const watch = new StallWatch();
  let running = true;
  const loops = replicas.map(async (r, i) => {
    while (running) {
      const next = new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
      await sample(r, stats[i]!, watch);
      await next;
    }
  });
  return async () => {
    running = false;
    await Promise.all(loops);
    watch.stop();
    return stats;
  };
}
