// Samples each replica's /healthz throughout the campaign. An answer slower than the limit, or none
// within it from a process that is listening, counts against the replica; a refused connection
// (the process is dead or still starting) is not a slow answer and is skipped. So is a slow answer
// during which the sampler's own event loop stalled (a loaded machine starving the campaign): it
// says nothing about the controller, and is counted apart. A reference process (reference.ts: the
// same node doing nothing but answer) is sampled alongside: what it took meanwhile is what the
// machine alone cost, and a slow answer counts when the replica took more than the limit beyond
// that (its own delay), otherwise it is counted apart as the machine's.
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
  /** Slow answers not counted: the reference process was nearly as slow meanwhile (at most the limit less). */
  machineSlow: number;
  /** The slowest of those, with what the reference took meanwhile, for the report. */
  machineWorst: Array<{ at: string; ms: number; referenceMs: number }>;
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

/** One request to the reference process: when it started and, once answered, when it ended. */
export interface ReferenceSample {
  t0: number;
  t1?: number;
}

/**
 * The longest the reference process took (so far, when still unanswered at `now`) on a request that
 * overlapped [t0, t1]: the machine's share of an answer that took t1 - t0. Pure.
 */
export function machineDelay(t0: number, t1: number, reference: readonly ReferenceSample[], now: number): number {
  let worst = 0;
  for (const r of reference) {
    const end = r.t1 ?? now;
    if (r.t0 < t1 && end > t0) worst = Math.max(worst, end - r.t0);
  }
  return worst;
}

/** Reference samples kept: enough to cover the longest replica answer (GIVE_UP_MS) at INTERVAL_MS. */
const REFERENCE_KEPT = Math.ceil(GIVE_UP_MS / INTERVAL_MS) * 2;

async function sample(replica: Replica, stats: HealthzStats, watch: StallWatch, reference: readonly ReferenceSample[] | undefined): Promise<void> {
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
  if (ms > HEALTHZ_LIMIT_MS && reference) {
    const machine = machineDelay(t0, t1, reference, performance.now());
    if (ms - machine <= HEALTHZ_LIMIT_MS) {
      stats.machineSlow++;
      stats.machineWorst = [...stats.machineWorst, { at: new Date().toISOString(), ms, referenceMs: Math.round(machine) }].sort((a, b) => b.ms - a.ms).slice(0, 3);
      return;
    }
  }
  stats.samples++;
  stats.maxMs = Math.max(stats.maxMs, ms);
  if (ms > HEALTHZ_LIMIT_MS) {
    stats.slow++;
    stats.worst = [...stats.worst, { at: new Date().toISOString(), ms }].sort((a, b) => b.ms - a.ms).slice(0, 3);
  }
}

/**
 * Starts sampling (and, given a reference process's URL, sampling it alongside); the returned
 * function stops it and resolves with the figures per replica.
 */
export function sampleHealthz(replicas: readonly Replica[], referenceUrl?: string): () => Promise<HealthzStats[]> {
  const stats = replicas.map((r) => ({ slot: r.slot, samples: 0, slow: 0, samplerStalled: 0, machineSlow: 0, machineWorst: [] as HealthzStats['machineWorst'], maxMs: 0, worst: [] as HealthzStats['worst'] }));
  const watch = new StallWatch();
  const reference: ReferenceSample[] | undefined = referenceUrl ? [] : undefined;
  let running = true;
  const every = async (fn: () => Promise<void>): Promise<void> => {
    while (running) {
      const next = new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
      await fn();
      await next;
    }
  };
  const loops = replicas.map((r, i) => every(() => sample(r, stats[i]!, watch, reference)));
  if (referenceUrl && reference) {
    loops.push(every(async () => {
      const s: ReferenceSample = { t0: performance.now() };
      reference.push(s);
      if (reference.length > REFERENCE_KEPT) reference.splice(0, reference.length - REFERENCE_KEPT);
      await fetch(referenceUrl, { signal: AbortSignal.timeout(GIVE_UP_MS) }).then((res) => res.text()).catch(() => undefined);
      s.t1 = performance.now();
    }));
  }
  return async () => {
    running = false;
    await Promise.all(loops);
    watch.stop();
    return stats;
  };
}
