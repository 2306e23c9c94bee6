// AWS's per-account request limits as token buckets, the way AWS documents them. A call takes one
// token from the bucket of the first rule matching its service and operation; an empty bucket
// means AWS's throttling answer. Buckets are per account (access key) and, for regional services,
// per region.
//
// Sources (see docs/performance.md, "The AWS limits proxy"):
// - ELBv2: "Request throttling for the Elastic Load Balancing API" (elb-api-throttling): Describe*
//   bucket 40 refilling 10/s; RegisterTargets/DeregisterTargets 20 refilling 4/s and Modify* 20
//   refilling 3/s (the rows AWS Load Balancer Controller's defaults follow, PR #4641). Other mutating
//   calls (Create*, Delete*, Set*, AddTags, RemoveTags) get 20 refilling 3/s, as Modify*.
// - Route 53: "five requests per second, per account" (re:Post, route-53-avoid-throttling-errors);
//   PriorRequestNotComplete while a change to the same hosted zone is still being processed.
// - EC2: "Request throttling for the Amazon EC2 API": non-mutating (Describe*) 100 refilling 20/s;
//   mutating (CreateSecurityGroup, AuthorizeSecurityGroupIngress, CreateTags ...) 200 refilling 5/s.
// - IAM: AWS publishes no figure ("Throttling: Rate exceeded"); 20 refilling 10/s per account here.
// - WAFv2: "one request per second, per account, per AWS Region for API calls to any individual
//   Create, Put, or Update action" (AWS WAF quotas); no figure for the others (Get*, List*,
//   AssociateWebACL, DisassociateWebACL), which pass unthrottled. The JSON protocol's
//   X-Amz-Target names the operation (AWSWAF_20190729.<Operation>), so every wafv2 call is counted
//   as wafv2.<Operation> and forwarded to moto like any other.
import { TokenBucket } from '../../../src/aws/token-bucket.ts';
import type { AwsCall } from './classify.ts';

export interface LimitRule {
  /** shown in counts and errors: e.g. "elbv2 describe" */
  name: string;
  service: string;
  /** a regular expression over the operation name */
  operations: string;
  capacity: number;
  refillPerSecond: number;
  /** global services (IAM, Route 53) have one bucket per account, regional ones one per account and region */
  scope: 'account' | 'region';
}

export const AWS_DOCUMENTED_LIMITS: readonly LimitRule[] = [
  { name: 'elbv2 registration', service: 'elbv2', operations: '^(RegisterTargets|DeregisterTargets)$', capacity: 20, refillPerSecond: 4, scope: 'region' },
  { name: 'elbv2 describe', service: 'elbv2', operations: '^Describe', capacity: 40, refillPerSecond: 10, scope: 'region' },
  { name: 'elbv2 modify', service: 'elbv2', operations: '^Modify', capacity: 20, refillPerSecond: 3, scope: 'region' },
  { name: 'elbv2 mutating', service: 'elbv2', operations: '.', capacity: 20, refillPerSecond: 3, scope: 'region' },
  { name: 'route53 account', service: 'route53', operations: '.', capacity: 5, refillPerSecond: 5, scope: 'account' },
  { name: 'iam account', service: 'iam', operations: '.', capacity: 20, refillPerSecond: 10, scope: 'account' },
  { name: 'ec2 describe', service: 'ec2', operations: '^Describe', capacity: 100, refillPerSecond: 20, scope: 'region' },
  { name: 'ec2 mutating', service: 'ec2', operations: '.', capacity: 200, refillPerSecond: 5, scope: 'region' },
  { name: 'wafv2 create/put/update', service: 'wafv2', operations: '^(Create|Put|Update)', capacity: 1, refillPerSecond: 1, scope: 'region' },
];

/** Checks a rule list given at run time (admin endpoint, --limits file); throws naming the bad field. */
export function validateRules(value: unknown): LimitRule[] {
  if (!Array.isArray(value)) throw new Error('limits: "rules" must be an array');
  return value.map((r: unknown, i) => {
    const o = (r ?? {}) as Record<string, unknown>;
    const where = `limits: rules[${i}]`;
    for (const k of ['name', 'service', 'operations'] as const) if (typeof o[k] !== 'string' || !o[k]) throw new Error(`${where}.${k} must be a non-empty string`);
    for (const k of ['capacity', 'refillPerSecond'] as const) if (typeof o[k] !== 'number' || !(o[k] > 0)) throw new Error(`${where}.${k} must be a number above 0`);
    if (o['scope'] !== 'account' && o['scope'] !== 'region') throw new Error(`${where}.scope must be "account" or "region"`);
    try {
      new RegExp(o['operations'] as string);
    } catch (e) {
      throw new Error(`${where}.operations is not a regular expression: ${(e as Error).message}`);
    }
    return o as unknown as LimitRule;
  });
}

export class AccountLimits {
  private rules: Array<LimitRule & { re: RegExp }> = [];
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(rules: readonly LimitRule[] = AWS_DOCUMENTED_LIMITS) {
    this.setRules(rules);
  }

  /** Replaces the rules; every bucket starts full again. */
  setRules(rules: readonly LimitRule[]): void {
    this.rules = rules.map((r) => ({ ...r, re: new RegExp(r.operations) }));
    this.buckets.clear();
  }

  getRules(): LimitRule[] {
    return this.rules.map(({ re: _re, ...r }) => r);
  }

  ruleFor(call: AwsCall): LimitRule | undefined {
    return this.rules.find((r) => r.service === call.service && r.re.test(call.operation));
  }

  /** Takes a token for the call; returns the rule whose bucket was empty, or undefined when allowed. */
  take(call: AwsCall): LimitRule | undefined {
    const rule = this.ruleFor(call);
    if (!rule) return undefined;
    const key = `${rule.name}|${call.account}|${rule.scope === 'region' ? call.region : '*'}`;
    let b = this.buckets.get(key);
    if (!b) {
      b = new TokenBucket({ ratePerSecond: rule.refillPerSecond, burst: rule.capacity });
      this.buckets.set(key, b);
    }
    return b.tryTake() ? undefined : rule;
  }
}
