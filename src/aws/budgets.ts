// The AWS request budgets (a token bucket per service and API class) and their text form, as
// --aws-budgets / ALBATROSS_AWS_BUDGETS take it. Pure: config.ts parses with it before anything starts.
import type { ApiClass, AwsService } from './call.ts';
import type { BucketSpec } from './token-bucket.ts';

export type BudgetKey = `${AwsService}:${ApiClass}`;
export type AwsBudgets = Partial<Record<BudgetKey, BucketSpec>>;

/** Defaults near AWS's published per-account limits (ELBv2 describe ~ 20/s, Route 53 5/s, IAM low). */
export const DEFAULT_BUDGETS: Record<BudgetKey, BucketSpec> = {
  'elbv2:read': { ratePerSecond: 20, burst: 40 },
  'elbv2:write': { ratePerSecond: 10, burst: 20 },
  'iam:read': { ratePerSecond: 10, burst: 20 },
  'iam:write': { ratePerSecond: 5, burst: 10 },
  'route53:read': { ratePerSecond: 5, burst: 10 },
  'route53:write': { ratePerSecond: 5, burst: 5 },
  'ec2:read': { ratePerSecond: 20, burst: 40 },
  'ec2:write': { ratePerSecond: 5, burst: 10 },
};

export const BUDGETS_SYNTAX = '<service>:<read|write>=<rate per second>/<burst>, comma-separated; service one of elbv2, iam, route53, ec2';

/** The text form again: { 'elbv2:read': {20, 40} } -> 'elbv2:read=20/40'. */
export function formatAwsBudgets(budgets: AwsBudgets): string {
  return Object.entries(budgets).map(([k, b]) => `${k}=${b.ratePerSecond}/${b.burst}`).join(',');
}

/** One bad entry of a budgets text; the message says which and why. */
export class AwsBudgetError extends Error {
  override name = 'AwsBudgetError';
  readonly entry: string;
  readonly problem: string;
  constructor(entry: string, problem: string) {
    super(`invalid AWS budget "${entry}": ${problem}`);
    this.entry = entry;
    this.problem = problem;
  }
}

/**
 * 'elbv2:read=20/40,route53:write=2/2' -> overrides of those classes (the others keep their
 * defaults); '' -> none. Throws AwsBudgetError for the first bad entry.
 */
export function parseAwsBudgets(text: string): AwsBudgets {
  const out: AwsBudgets = {};
  for (const entry of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(elbv2|iam|route53|ec2):(read|write)=(\d+(?:\.\d+)?)\/(\d+)$/.exec(entry);
    if (!m) throw new AwsBudgetError(entry, `expected ${BUDGETS_SYNTAX}`);
    const key = `${m[1]}:${m[2]}` as BudgetKey;
    const spec = { ratePerSecond: Number(m[3]), burst: Number(m[4]) };
    // A zero rate or burst would make every call of that class wait forever.
    if (spec.ratePerSecond <= 0 || spec.burst < 1) throw new AwsBudgetError(entry, 'the rate must be above 0 and the burst at least 1');
    if (out[key]) throw new AwsBudgetError(entry, `${key} is given twice`);
    out[key] = spec;
  }
  return out;
}
