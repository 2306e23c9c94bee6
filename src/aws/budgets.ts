// The AWS request budgets (a token bucket per service and API class) and their text form, as
// --aws-budgets / ALBATROSS_AWS_BUDGETS take it. Pure: config.ts parses with it before anything starts.
import type { BucketSpec } from './token-bucket.ts';

export type AwsService = 'elbv2' | 'iam' | 'route53' | 'ec2' | 'wafv2';
/**
 * read: Describe*, List*, Get*; write: other mutating calls. ELBv2 throttles two kinds of mutating
 * calls in buckets of their own: register (RegisterTargets, DeregisterTargets) and modify (Modify*).
 */
export type ApiClass = 'read' | 'write' | 'register' | 'modify';

export type BudgetKey = 'elbv2:read' | 'elbv2:write' | 'elbv2:register' | 'elbv2:modify' | `${Exclude<AwsService, 'elbv2'>}:${'read' | 'write'}`;
export type AwsBudgets = Partial<Record<BudgetKey, BucketSpec>>;

/**
 * Defaults at (never above) AWS's documented per-account refill rates, bursts three quarters of
 * the documented bucket sizes (AWS's bucket may not be full when ours is), so a lone controller is
 * not throttled by AWS (docs/operations.md):
 * ELBv2 Describe* 10/s (bucket 40), registration 4/s (20), Modify* 3/s (20), other mutating 3/s;
 * Route 53 5 requests/s per account in all, split 3 reads + 2 changes; IAM (AWS publishes no
 * figure) 8/s in all; EC2 Describe* 20/s (bucket 100); WAFv2 1/s per call class (AWS WAF allows one
 * request per second per account and Region for each Create, Put or Update action and publishes no
 * other figure, so reads get no more). When AWS throttles anyway (other tools share
 * the account) every bucket of that service slows down (call.ts, AIMD).
 */
export const DEFAULT_BUDGETS: Record<BudgetKey, BucketSpec> = {
  'elbv2:read': { ratePerSecond: 10, burst: 30 },
  'elbv2:write': { ratePerSecond: 3, burst: 15 },
  'elbv2:register': { ratePerSecond: 4, burst: 15 },
  'elbv2:modify': { ratePerSecond: 3, burst: 15 },
  'iam:read': { ratePerSecond: 5, burst: 10 },
  'iam:write': { ratePerSecond: 3, burst: 5 },
  'route53:read': { ratePerSecond: 3, burst: 3 },
  'route53:write': { ratePerSecond: 2, burst: 2 },
  'ec2:read': { ratePerSecond: 20, burst: 40 },
  'ec2:write': { ratePerSecond: 5, burst: 10 },
  'wafv2:read': { ratePerSecond: 1, burst: 1 },
  'wafv2:write': { ratePerSecond: 1, burst: 1 },
};

export const BUDGETS_SYNTAX =
  '<service>:<class>=<rate per second>/<burst>, comma-separated; service one of elbv2, iam, route53, ec2, wafv2; class read or write (elbv2 also register, modify)';

/** Which budget an operation draws from: Describe*, List*, Get* read; ELBv2's registration and Modify* calls their own. */
export function apiClassOf(service: AwsService, operation: string): ApiClass {
  if (/^(Describe|List|Get)/.test(operation)) return 'read';
  if (service === 'elbv2' && /^(RegisterTargets|DeregisterTargets)$/.test(operation)) return 'register';
  if (service === 'elbv2' && operation.startsWith('Modify')) return 'modify';
  return 'write';
}

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
    const m = /^(elbv2|iam|route53|ec2|wafv2):(read|write|register|modify)=(\d+(?:\.\d+)?)\/(\d+)$/.exec(entry);
    if (!m || !(`${m[1]}:${m[2]}` in DEFAULT_BUDGETS)) throw new AwsBudgetError(entry, `expected ${BUDGETS_SYNTAX}`);
    const key = `${m[1]}:${m[2]}` as BudgetKey;
    const spec = { ratePerSecond: Number(m[3]), burst: Number(m[4]) };
    // A zero rate or burst would make every call of that class wait forever.
    if (spec.ratePerSecond <= 0 || spec.burst < 1) throw new AwsBudgetError(entry, 'the rate must be above 0 and the burst at least 1');
    if (out[key]) throw new AwsBudgetError(entry, `${key} is given twice`);
    out[key] = spec;
  }
  return out;
}
