// The one door every AWS call goes through: a shared token bucket per API class, a count in
// albatross_aws_api_calls_total, and errors turned into AwsError with a kind.
import { Counter, register } from 'prom-client';
import { AwsError, awsErrorCode, classifyAwsError } from './errors.ts';
import { TokenBucket, type BucketSpec } from './token-bucket.ts';

export type AwsService = 'elbv2' | 'iam' | 'route53' | 'ec2';
export type ApiClass = 'read' | 'write';

/** Defaults near AWS's published per-account limits (ELBv2 describe ~ 20/s, Route 53 5/s, IAM low). */
export const DEFAULT_BUDGETS: Record<`${AwsService}:${ApiClass}`, BucketSpec> = {
  'elbv2:read': { ratePerSecond: 20, burst: 40 },
  'elbv2:write': { ratePerSecond: 10, burst: 20 },
  'iam:read': { ratePerSecond: 10, burst: 20 },
  'iam:write': { ratePerSecond: 5, burst: 10 },
  'route53:read': { ratePerSecond: 5, burst: 10 },
  'route53:write': { ratePerSecond: 5, burst: 5 },
  'ec2:read': { ratePerSecond: 20, burst: 40 },
  'ec2:write': { ratePerSecond: 5, burst: 10 },
};

function metric(): Counter<'service' | 'operation' | 'outcome'> {
  const name = 'albatross_aws_api_calls_total';
  const existing = register.getSingleMetric(name);
  if (existing) return existing as Counter<'service' | 'operation' | 'outcome'>;
  return new Counter({
    name,
    help: 'AWS API calls made, by service, operation and outcome (success or error kind)',
    labelNames: ['service', 'operation', 'outcome'],
  });
}
const callsTotal = metric();

const buckets = new Map<string, TokenBucket>();
let overrides: Partial<Record<string, BucketSpec>> = {};

/**
 * Overrides budgets, e.g. from ALBATROSS_AWS_BUDGETS="elbv2:read=20/40,route53:write=5/5"
 * (rate per second / burst). Invalid entries throw with the entry named.
 */
export function configureAwsBudgets(spec: string | Partial<Record<string, BucketSpec>>): void {
  if (typeof spec === 'string') {
    const parsed: Record<string, BucketSpec> = {};
    for (const entry of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
      const m = /^(elbv2|iam|route53|ec2):(read|write)=(\d+(?:\.\d+)?)\/(\d+)$/.exec(entry);
      if (!m) throw new Error(`invalid AWS budget "${entry}": expected <service>:<read|write>=<rate>/<burst>`);
      parsed[`${m[1]}:${m[2]}`] = { ratePerSecond: Number(m[3]), burst: Number(m[4]) };
    }
    overrides = parsed;
  } else {
    overrides = spec;
  }
  buckets.clear();
}

function bucketFor(service: AwsService, cls: ApiClass): TokenBucket {
  const key = `${service}:${cls}` as const;
  let b = buckets.get(key);
  if (!b) {
    b = new TokenBucket(overrides[key] ?? DEFAULT_BUDGETS[key]);
    buckets.set(key, b);
  }
  return b;
}

/** Read operations are those that only look: Describe*, List*, Get*. */
export function apiClassOf(operation: string): ApiClass {
  return /^(Describe|List|Get)/.test(operation) ? 'read' : 'write';
}

export interface CallOptions {
  signal?: AbortSignal;
}

/**
 * Runs one AWS SDK call under the shared budget, counts it, and rethrows failures as AwsError.
 * The SDK's own retry strategy handles throttling; this only paces and classifies.
 */
export async function callAws<T>(
  service: AwsService,
  operation: string,
  fn: (signal?: AbortSignal) => Promise<T>,
  opts: CallOptions = {},
): Promise<T> {
  await bucketFor(service, apiClassOf(operation)).take(opts.signal);
  try {
    const out = await fn(opts.signal);
    callsTotal.inc({ service, operation, outcome: 'success' });
    return out;
  } catch (err) {
    const kind = classifyAwsError(err);
    callsTotal.inc({ service, operation, outcome: kind });
    if (err instanceof AwsError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new AwsError(service, operation, awsErrorCode(err), kind, message, err);
  }
}

/** SDK client options shared by every port: region and endpoint come from the SDK's own env. */
export function sdkClientConfig(): { maxAttempts: number; retryMode: string } {
  return { maxAttempts: Number(process.env.ALBATROSS_AWS_MAX_ATTEMPTS ?? 5), retryMode: 'adaptive' };
}
