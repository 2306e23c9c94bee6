// The campaign's two sizes and its fault schedule, drawn from one seed: the same seed gives the
// same schedule (which replica is SIGKILLed when, when the apiserver restarts, which spec changes).
import { between, seededRandom, type Rand } from '../support/rng.ts';
import type { FaultConfig } from '../env/aws-limits/faults.ts';
import type { NetworkFaultConfig } from '../env/aws-limits/network-faults.ts';

export interface Profile {
  name: 'full' | 'short';
  services: number;
  hostileKeystores: number;
  /** How long the faults last. */
  faultMs: number;
  kills: number;
  leaderKills: number;
  apiserverRestarts: number;
  edits: number;
  /** After the faults stop: how long everything may take to converge, and to be deleted. */
  convergeMs: number;
  deleteMs: number;
  /** What the AWS limits proxy injects into the campaign's calls while the faults last. */
  rates: { aws: Pick<FaultConfig, 'throttlePercent' | 'serverErrorPercent' | 'serverErrorMode'>; network: Pick<NetworkFaultConfig, 'resetPercent' | 'slowPercent' | 'slowMs'> };
}

// 5xx after forwarding: AWS did the work and the controller never heard (the harder case to get right).
const RATES: Profile['rates'] = { aws: { throttlePercent: 30, serverErrorPercent: 10, serverErrorMode: 'after' }, network: { resetPercent: 3, slowPercent: 2, slowMs: [5000, 20_000] } };

export const PROFILES: Record<Profile['name'], Profile> = {
  full: { name: 'full', services: 10, hostileKeystores: 10, faultMs: 8 * 60_000, kills: 20, leaderKills: 5, apiserverRestarts: 3, edits: 10, convergeMs: 5 * 60_000, deleteMs: 3 * 60_000, rates: RATES },
  short: { name: 'short', services: 3, hostileKeystores: 2, faultMs: 100_000, kills: 4, leaderKills: 2, apiserverRestarts: 1, edits: 3, convergeMs: 3 * 60_000, deleteMs: 2 * 60_000, rates: RATES },
};

export type FaultEvent =
  | { atMs: number; kind: 'kill'; slot: number }
  | { atMs: number; kind: 'kill-leader' }
  | { atMs: number; kind: 'restart-apiserver'; downMs: number }
  | { atMs: number; kind: 'edit'; service: number; idleTimeoutSeconds: number }
  /** SIGTERM of the leader while AWS answers slowly: it must exit 0 within the graceful timeout. */
  | { atMs: number; kind: 'term-leader' };

/** The schedule, sorted by time. Faults begin after a short warm-up and end before `faultMs`. */
export function planFaults(profile: Profile, seed: number): FaultEvent[] {
  const r: Rand = seededRandom(seed);
  const start = Math.min(15_000, profile.faultMs / 10);
  const end = profile.faultMs - 5_000;
  const at = (): number => between(r, start, end);
  const events: FaultEvent[] = [];
  for (let i = 0; i < profile.kills; i++) events.push({ atMs: at(), kind: 'kill', slot: between(r, 0, 1) });
  for (let i = 0; i < profile.leaderKills; i++) events.push({ atMs: at(), kind: 'kill-leader' });
  // Restarts spread over the window so one restart is over before the next.
  for (let i = 0; i < profile.apiserverRestarts; i++) {
    const slice = (end - start) / profile.apiserverRestarts;
    events.push({ atMs: Math.round(start + slice * i + r() * slice * 0.5), kind: 'restart-apiserver', downMs: between(r, 2000, 8000) });
  }
  for (let i = 0; i < profile.edits; i++) events.push({ atMs: at(), kind: 'edit', service: between(r, 0, profile.services - 1), idleTimeoutSeconds: between(r, 61, 4000) });
  events.push({ atMs: Math.round(start + (end - start) * 0.6), kind: 'term-leader' });
  return events.sort((a, b) => a.atMs - b.atMs);
}

/** A seed for a run that was not given one (printed, so the run can be repeated). */
export function freshSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
