// The one door every AWS call goes through: a shared token bucket per API class, a count in
// albatross_aws_api_calls_total, and errors turned into AwsError with a kind.
import { Counter, register } from 'prom-client';
import { AwsError, awsErrorCode, classifyAwsError } from './errors.ts';
import { DEFAULT_BUDGETS, parseAwsBudgets, type AwsBudgets } from './budgets.ts';
import { TokenBucket } from './token-bucket.ts';

export { DEFAULT_BUDGETS } from './budgets.ts';

export type AwsService = 'elbv2' | 'iam' | 'route53' | 'ec2';
export type ApiClass = 'read' | 'write';

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
let overrides: AwsBudgets = {};

/**
 * Sets the process's budgets: the given classes override DEFAULT_BUDGETS, the others keep them.
 * Takes --aws-budgets' text (e.g. "elbv2:read=20/40,route53:write=5/5": rate per second / burst;
 * invalid entries throw with the entry named) or parsed budgets. Buckets start full again.
 */
export function configureAwsBudgets(spec: string | AwsBudgets): void {
  overrides = typeof spec === 'string' ? parseAwsBudgets(spec) : spec;
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
