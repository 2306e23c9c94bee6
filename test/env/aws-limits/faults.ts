// Fault injection for the limits proxy: a share of calls answered with the service's throttling
// error or a 5xx, set at run time (PUT /__aws-limits/faults), drawn from a seeded generator so a
// run can be repeated.
import type { AwsCall } from './classify.ts';
import type { ErrorKind } from './answers.ts';
import { seededRandom as generator } from '../../support/rng.ts';

export interface FaultConfig {
  /** share of matching calls answered with the throttling error, 0-100 */
  throttlePercent: number;
  /** share of matching calls answered with a 5xx, 0-100 */
  serverErrorPercent: number;
  /**
   * 'before': the 5xx is answered without forwarding (AWS did nothing); 'after': the call is
   * forwarded and its answer replaced by the 5xx (AWS did the work, the caller never heard).
   */
  serverErrorMode: 'before' | 'after';
  /** services the faults apply to; empty: all */
  services: string[];
  /** access keys (accounts) the faults apply to; empty: all (a test confines faults to its own key) */
  accounts: string[];
  /** a regular expression over the operation; empty: all */
  operations: string;
  /** at most this many faults are injected from the time the config is set, then none; 0: no cap */
  maxInjected: number;
  seed: number;
}

export const NO_FAULTS: FaultConfig = { throttlePercent: 0, serverErrorPercent: 0, serverErrorMode: 'before', services: [], accounts: [], operations: '', maxInjected: 0, seed: 1 };

/** Merges a partial config from the admin endpoint into `base`; throws naming the bad field. */
export function parseFaults(value: unknown, base: FaultConfig = NO_FAULTS): FaultConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('faults: expected a JSON object');
  const o = value as Record<string, unknown>;
  const known = new Set(Object.keys(NO_FAULTS));
  for (const k of Object.keys(o)) if (!known.has(k)) throw new Error(`faults: unknown field "${k}" (known: ${[...known].join(', ')})`);
  const out = { ...base, ...o } as FaultConfig;
  for (const k of ['throttlePercent', 'serverErrorPercent'] as const) {
    if (typeof out[k] !== 'number' || out[k] < 0 || out[k] > 100) throw new Error(`faults: ${k} must be a number from 0 to 100`);
  }
  if (out.throttlePercent + out.serverErrorPercent > 100) throw new Error('faults: throttlePercent + serverErrorPercent must not exceed 100');
  if (out.serverErrorMode !== 'before' && out.serverErrorMode !== 'after') throw new Error('faults: serverErrorMode must be "before" or "after"');
  if (!Array.isArray(out.services) || out.services.some((s) => typeof s !== 'string')) throw new Error('faults: services must be an array of service names');
  if (!Array.isArray(out.accounts) || out.accounts.some((s) => typeof s !== 'string')) throw new Error('faults: accounts must be an array of access key ids');
  if (typeof out.operations !== 'string') throw new Error('faults: operations must be a regular expression (string)');
  try {
    new RegExp(out.operations);
  } catch (e) {
    throw new Error(`faults: operations is not a regular expression: ${(e as Error).message}`);
  }
  if (!Number.isInteger(out.maxInjected) || out.maxInjected < 0) throw new Error('faults: maxInjected must be an integer >= 0');
  if (!Number.isInteger(out.seed)) throw new Error('faults: seed must be an integer');
  return out;
}

export interface FaultDecision {
  kind: ErrorKind;
  /** forward first and replace the answer (a 5xx after the work was done) */
  afterForward: boolean;
}

export class Faults {
  private cfg: FaultConfig = NO_FAULTS;
  private re: RegExp | undefined;
  private random = generator(NO_FAULTS.seed);
  private injected = 0;

  get config(): FaultConfig {
    return this.cfg;
  }

  set(cfg: FaultConfig): void {
    this.cfg = cfg;
    this.re = cfg.operations ? new RegExp(cfg.operations) : undefined;
    this.random = generator(cfg.seed);
    this.injected = 0;
  }

  decide(call: AwsCall): FaultDecision | undefined {
    const c = this.cfg;
    if (c.throttlePercent === 0 && c.serverErrorPercent === 0) return undefined;
    if (c.services.length > 0 && !c.services.includes(call.service)) return undefined;
    if (c.accounts.length > 0 && !c.accounts.includes(call.account)) return undefined;
    if (this.re && !this.re.test(call.operation)) return undefined;
    if (c.maxInjected > 0 && this.injected >= c.maxInjected) return undefined;
    const r = this.random() * 100;
    let out: FaultDecision | undefined;
    if (r < c.throttlePercent) out = { kind: 'throttling', afterForward: false };
    else if (r < c.throttlePercent + c.serverErrorPercent) out = { kind: 'server-error', afterForward: c.serverErrorMode === 'after' };
    if (out) this.injected++;
    return out;
  }
}
