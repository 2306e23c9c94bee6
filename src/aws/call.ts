// The one door every AWS call goes through: a shared token bucket per service and API class, a
// count in albatross_aws_api_calls_total, retries of throttled and transient answers inside the
// caller's reconcile, AIMD pacing per service, and errors turned into AwsError with a kind.
import { Counter, Gauge, register } from 'prom-client';
import { Aimd } from './aimd.ts';
import { AwsError, awsErrorCode, classifyAwsError } from './errors.ts';
import { DEFAULT_BUDGETS, apiClassOf, parseAwsBudgets, type ApiClass, type AwsBudgets, type AwsService, type BudgetKey } from './budgets.ts';
import { TokenBucket } from './token-bucket.ts';

export { DEFAULT_BUDGETS, apiClassOf, type ApiClass, type AwsService } from './budgets.ts';

function counter(): Counter<'service' | 'operation' | 'outcome'> {
  const name = 'albatross_aws_api_calls_total';
  const existing = register.getSingleMetric(name);
  if (existing) return existing as Counter<'service' | 'operation' | 'outcome'>;
  return new Counter({
    name,
    help: 'AWS API calls made (every attempt), by service, operation and outcome (success or error kind)',
    labelNames: ['service', 'operation', 'outcome'],
  });
}
const callsTotal = counter();

function gauge(): Gauge<'service'> {
  const name = 'albatross_aws_budget_factor_ratio';
  const existing = register.getSingleMetric(name);
  if (existing) return existing as Gauge<'service'>;
  return new Gauge({ name, help: 'Share of the configured AWS request budget in use per service: below 1 after AWS throttled (AIMD)', labelNames: ['service'] });
}
const budgetFactor = gauge();

const buckets = new Map<BudgetKey, TokenBucket>();
const aimds = new Map<AwsService, Aimd>();
let overrides: AwsBudgets = {};

/**
 * Sets the process's budgets: the given classes override DEFAULT_BUDGETS, the others keep them.
 * Takes --aws-budgets' text (e.g. "elbv2:read=10/40,route53:write=2/2": rate per second / burst;
 * invalid entries throw with the entry named) or parsed budgets. Buckets start full again, at full rate.
 */
export function configureAwsBudgets(spec: string | AwsBudgets): void {
  overrides = typeof spec === 'string' ? parseAwsBudgets(spec) : spec;
  buckets.clear();
  aimds.clear();
}

function aimdFor(service: AwsService): Aimd {
  let a = aimds.get(service);
  if (!a) {
    a = new Aimd();
    aimds.set(service, a);
  }
  return a;
}

function bucketFor(service: AwsService, cls: ApiClass): TokenBucket {
  const key = `${service}:${cls}` as BudgetKey;
  let b = buckets.get(key);
  if (!b) {
    b = new TokenBucket(overrides[key] ?? DEFAULT_BUDGETS[key] ?? DEFAULT_BUDGETS[`${service}:write` as BudgetKey]);
    b.setRateFactor(aimdFor(service).factor);
    buckets.set(key, b);
  }
  return b;
}

/** Applies a service's AIMD factor to all of its buckets (they share the account's limits). */
function setServiceFactor(service: AwsService, factor: number): void {
  for (const [key, b] of buckets) if (key.startsWith(`${service}:`) && b.ratePerSecond !== b.spec.ratePerSecond * factor) b.setRateFactor(factor);
  budgetFactor.set({ service }, factor);
}

/** The AIMD share of a service's budget in use now (1: full rate). */
export function awsBudgetFactor(service: AwsService): number {
  return aimds.get(service)?.factor ?? 1;
}

/** Told of a mutating call sent again after a transient error: its operation and that error's code. */
export type RetriedWrite = (operation: string, code: string) => void;

export interface CallOptions {
  signal?: AbortSignal;
  /**
   * Told when a mutating call is sent again after a transient error (5xx, timeout, reset): AWS may
   * have done the first one, so the answer may not be the only object made (issue 10).
   */
  onRetriedWrite?: RetriedWrite;
}

/** Attempts per call (ALBATROSS_AWS_MAX_ATTEMPTS, default 8): throttled ones are retried up to this. */
export function maxAttempts(): number {
  const n = Number(process.env.ALBATROSS_AWS_MAX_ATTEMPTS ?? 8);
  return Number.isInteger(n) && n >= 1 ? n : 8;
}
/** 5xx / timeouts: a few tries, not the throttling patience (AWS may be down). */
const TRANSIENT_ATTEMPTS = 3;
const BACKOFF_BASE_MS = 200;
const BACKOFF_CAP_MS = 5_000;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Full jitter: a random wait up to min(cap, base * 2^(attempt-1)). */
function backoffMs(attempt: number): number {
  return Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
}

/**
 * Runs one AWS call under the shared budget, counts every attempt, and rethrows failures as
 * AwsError. Throttled answers are retried here (the SDK itself does not retry: maxAttempts 1), after
 * slowing the whole service down, so a reconcile rides out throttling instead of failing on it;
 * 5xx and timeouts get a few tries too. Anything else fails at once.
 */
export async function callAws<T>(
  service: AwsService,
  operation: string,
  fn: (signal?: AbortSignal) => Promise<T>,
  opts: CallOptions = {},
): Promise<T> {
  const bucket = bucketFor(service, apiClassOf(service, operation));
  const aimd = aimdFor(service);
  const attempts = maxAttempts();
  for (let attempt = 1; ; attempt++) {
    // An aborted caller (lost lease, shutdown) sends nothing more, even with tokens to spare.
    if (opts.signal?.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted');
    await bucket.take(opts.signal);
    try {
      const out = await fn(opts.signal);
      callsTotal.inc({ service, operation, outcome: 'success' });
      if (aimd.factor < 1) setServiceFactor(service, aimd.succeeded());
      return out;
    } catch (err) {
      const kind = classifyAwsError(err);
      callsTotal.inc({ service, operation, outcome: kind });
      if (kind === 'throttled') setServiceFactor(service, aimd.throttled());
      const retry = !opts.signal?.aborted && ((kind === 'throttled' && attempt < attempts) || (kind === 'transient' && attempt < Math.min(attempts, TRANSIENT_ATTEMPTS)));
      if (retry) {
        if (kind === 'transient' && apiClassOf(service, operation) !== 'read') opts.onRetriedWrite?.(operation, awsErrorCode(err));
        await sleep(backoffMs(attempt), opts.signal);
        continue;
      }
      if (err instanceof AwsError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      throw new AwsError(service, operation, awsErrorCode(err), kind, message, err);
    }
  }
}

/**
 * SDK client options shared by every port: region and endpoint come from the SDK's own env. The
 * SDK makes one attempt per call; callAws retries, so every throttle is seen and paced here.
 */
export function sdkClientConfig(): { maxAttempts: number } {
  return { maxAttempts: 1 };
}
