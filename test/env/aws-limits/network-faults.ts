// Network faults for the limits proxy, as a ProxyLayer: connection resets and slow answers, the
// failures that answer no AWS error at all. Set at run time (PUT /__aws-limits/network), drawn from
// a seeded generator so a run can be repeated, and confined to some access keys (accounts) so a
// campaign's faults never reach another test's calls.
//   reset before: the socket is destroyed before the call reaches moto (nothing happened);
//   reset after:  the call reaches moto and is done, but the socket is destroyed instead of
//                 answering (the caller never learns it succeeded);
//   slow:         the call waits `slowMs` before it goes on (a client timeout may fire meanwhile).
import type { ServerResponse } from 'node:http';
import { between, seededRandom, type Rand } from '../../support/rng.ts';
import type { LayerContext, ProxyLayer } from './proxy.ts';

export interface NetworkFaultConfig {
  /** share of calls whose connection is reset, 0-100 (half before, half after moto did the work) */
  resetPercent: number;
  /** share of calls answered slowly, 0-100 */
  slowPercent: number;
  /** the delay of a slow answer, drawn uniformly from [min, max] milliseconds */
  slowMs: [number, number];
  /** access keys the faults apply to; empty: all */
  accounts: string[];
  seed: number;
}

export const NO_NETWORK_FAULTS: NetworkFaultConfig = { resetPercent: 0, slowPercent: 0, slowMs: [0, 0], accounts: [], seed: 1 };

export type NetworkFault = { kind: 'none' } | { kind: 'reset'; when: 'before' | 'after' } | { kind: 'slow'; ms: number };

export interface NetworkFaultCounts {
  resetBefore: number;
  resetAfter: number;
  slow: number;
}

/** Draws the fault for one call. Pure: the same generator gives the same faults. */
export function pickNetworkFault(c: Pick<NetworkFaultConfig, 'resetPercent' | 'slowPercent' | 'slowMs'>, rand: Rand): NetworkFault {
  const r = rand() * 100;
  if (r < c.resetPercent) return { kind: 'reset', when: rand() < 0.5 ? 'before' : 'after' };
  if (r < c.resetPercent + c.slowPercent) return { kind: 'slow', ms: between(rand, c.slowMs[0], c.slowMs[1]) };
  return { kind: 'none' };
}

/** Merges a partial config from the admin endpoint into `base`; throws naming the bad field. */
export function parseNetworkFaults(value: unknown, base: NetworkFaultConfig = NO_NETWORK_FAULTS): NetworkFaultConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('network: expected a JSON object');
  const known = Object.keys(NO_NETWORK_FAULTS);
  for (const k of Object.keys(value)) if (!known.includes(k)) throw new Error(`network: unknown field "${k}" (known: ${known.join(', ')})`);
  const out = { ...base, ...(value as Partial<NetworkFaultConfig>) };
  for (const k of ['resetPercent', 'slowPercent'] as const) {
    if (typeof out[k] !== 'number' || out[k] < 0 || out[k] > 100) throw new Error(`network: ${k} must be a number from 0 to 100`);
  }
  if (out.resetPercent + out.slowPercent > 100) throw new Error('network: resetPercent + slowPercent must not exceed 100');
  const [min, max] = Array.isArray(out.slowMs) ? out.slowMs : [];
  if (!Number.isInteger(min) || !Number.isInteger(max) || min! < 0 || max! < min! || max! > 600_000) throw new Error('network: slowMs must be [min, max] milliseconds, 0 <= min <= max <= 600000');
  if (!Array.isArray(out.accounts) || out.accounts.some((a) => typeof a !== 'string')) throw new Error('network: accounts must be an array of access key ids');
  if (!Number.isInteger(out.seed)) throw new Error('network: seed must be an integer');
  return out;
}

/**
 * Lets the answer flow as usual (so the proxy's own bookkeeping completes) but sends none of it:
 * the socket is destroyed when the answer ends.
 */
function dropAnswer(res: ServerResponse): void {
  res.writeHead = (() => res) as typeof res.writeHead;
  res.write = (() => true) as typeof res.write;
  res.end = (() => (res.socket?.destroy(), res)) as typeof res.end;
}

export class NetworkFaultsLayer implements ProxyLayer {
  readonly name = 'network';
  private cfg: NetworkFaultConfig = NO_NETWORK_FAULTS;
  private random: Rand = seededRandom(NO_NETWORK_FAULTS.seed);
  counts: NetworkFaultCounts = { resetBefore: 0, resetAfter: 0, slow: 0 };

  get config(): NetworkFaultConfig {
    return this.cfg;
  }

  set(cfg: NetworkFaultConfig): void {
    this.cfg = cfg;
    this.random = seededRandom(cfg.seed);
  }

  async handle({ call, res }: LayerContext): Promise<boolean> {
    const c = this.cfg;
    if (!call || (c.resetPercent === 0 && c.slowPercent === 0)) return false;
    if (c.accounts.length > 0 && !c.accounts.includes(call.account)) return false;
    const fault = pickNetworkFault(c, this.random);
    switch (fault.kind) {
      case 'none':
        return false;
      case 'reset':
        if (fault.when === 'before') {
          this.counts.resetBefore++;
          res.socket?.destroy();
          return true;
        }
        this.counts.resetAfter++;
        dropAnswer(res);
        return false;
      case 'slow':
        this.counts.slow++;
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        return false;
    }
  }

  //   GET    /__aws-limits/network   {config, counts}
  //   PUT    /__aws-limits/network   merge a partial config: {"resetPercent":3,"slowPercent":2,"slowMs":[5000,20000]}
  //   DELETE /__aws-limits/network   no network faults (counts kept)
  admin(method: string, subpath: string, body: unknown): Promise<unknown> {
    if (subpath !== '/') return Promise.resolve(undefined);
    if (method === 'PUT') this.set(parseNetworkFaults(body, this.cfg));
    else if (method === 'DELETE') this.set(NO_NETWORK_FAULTS);
    else if (method !== 'GET') return Promise.resolve(undefined);
    return Promise.resolve({ config: this.cfg, counts: this.counts });
  }
}
