// Prometheus metrics with controller-runtime / client-go names, on prom-client's default registry
// (which also holds albatross_aws_api_calls_total from src/aws/call.ts).
import { Counter, Gauge, Histogram, collectDefaultMetrics, register, type Metric } from 'prom-client';

/** The registered metric of this name, or a new one (modules may load twice in tests). */
export function once<M extends Metric>(name: string, make: () => M): M {
  return (register.getSingleMetric(name) as M | undefined) ?? make();
}

const reconcileBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const queueBuckets = [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 60, 300];

export const reconcileTotal = once('controller_runtime_reconcile_total', () => new Counter({
  name: 'controller_runtime_reconcile_total',
  // The help texts, label values and counting are controller-runtime's (pkg/internal/controller):
  // a reconcile that throws, TerminalError included, is result="error" and counts in
  // reconcile_errors_total; a TerminalError also counts in terminal_reconcile_errors_total.
  help: 'Total number of reconciliations per controller',
  labelNames: ['controller', 'result'],
}));
export const reconcileErrors = once('controller_runtime_reconcile_errors_total', () => new Counter({
  name: 'controller_runtime_reconcile_errors_total',
  help: 'Total number of reconciliation errors per controller',
  labelNames: ['controller'],
}));
export const terminalReconcileErrors = once('controller_runtime_terminal_reconcile_errors_total', () => new Counter({
  name: 'controller_runtime_terminal_reconcile_errors_total',
  help: 'Total number of terminal reconciliation errors per controller',
  labelNames: ['controller'],
}));
export const reconcileTime = once('controller_runtime_reconcile_time_seconds', () => new Histogram({
  name: 'controller_runtime_reconcile_time_seconds',
  help: 'Length of time per reconciliation per controller',
  labelNames: ['controller'],
  buckets: reconcileBuckets,
}));
/** The result label values controller-runtime uses; each starts at 0 for every controller. */
export const RECONCILE_RESULTS = ['success', 'error', 'requeue', 'requeue_after'] as const;

/** Zero series for a new controller, as controller-runtime does, so rate() and absent() work from the start. */
export function initControllerMetrics(controller: string): void {
  for (const result of RECONCILE_RESULTS) reconcileTotal.inc({ controller, result }, 0);
  reconcileErrors.inc({ controller }, 0);
  terminalReconcileErrors.inc({ controller }, 0);
}

export const maxConcurrentReconciles = once('controller_runtime_max_concurrent_reconciles', () => new Gauge({
  name: 'controller_runtime_max_concurrent_reconciles',
  help: 'Maximum number of concurrent reconciles per controller',
  labelNames: ['controller'],
}));
export const activeWorkers = once('controller_runtime_active_workers', () => new Gauge({
  name: 'controller_runtime_active_workers',
  help: 'Number of currently used workers per controller',
  labelNames: ['controller'],
}));

export const queueDepth = once('workqueue_depth', () => new Gauge({
  name: 'workqueue_depth',
  help: 'Current depth of workqueue (keys ready to be processed)',
  labelNames: ['name'],
}));
export const queueAdds = once('workqueue_adds_total', () => new Counter({
  name: 'workqueue_adds_total',
  help: 'Total number of adds handled by workqueue',
  labelNames: ['name'],
}));
export const queueRetries = once('workqueue_retries_total', () => new Counter({
  name: 'workqueue_retries_total',
  help: 'Total number of retries (rate-limited re-adds) handled by workqueue',
  labelNames: ['name'],
}));
export const queueDuration = once('workqueue_queue_duration_seconds', () => new Histogram({
  name: 'workqueue_queue_duration_seconds',
  help: 'How long in seconds an item stays in workqueue before being requested',
  labelNames: ['name'],
  buckets: queueBuckets,
}));
export const workDuration = once('workqueue_work_duration_seconds', () => new Histogram({
  name: 'workqueue_work_duration_seconds',
  help: 'How long in seconds processing an item from workqueue takes',
  labelNames: ['name'],
  buckets: queueBuckets,
}));

export const watchRestarts = once('albatross_watch_restarts_total', () => new Counter({
  name: 'albatross_watch_restarts_total',
  help: 'List/watch restarts per resource, by reason (gone = relist after 410, error, stalled)',
  labelNames: ['resource', 'reason'],
}));
/** client-go's rest_client_requests_total, with what was asked for (resource, subresource) beside the method and code. */
export const kubeRequests = once('rest_client_requests_total', () => new Counter({
  name: 'rest_client_requests_total',
  help: 'Number of HTTP requests to the apiserver, partitioned by status code, method, resource and subresource (watches counted when opened)',
  labelNames: ['code', 'method', 'resource', 'subresource'],
}));
/** Time to the answer's headers (a watch: until it opened). */
export const kubeRequestSeconds = once('rest_client_request_duration_seconds', () => new Histogram({
  name: 'rest_client_request_duration_seconds',
  help: 'Seconds from sending a request to the apiserver until its answer began, by method',
  labelNames: ['method'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
}));
export const leaderStatus = once('leader_election_master_status', () => new Gauge({
  name: 'leader_election_master_status',
  help: '1 when this process holds the leader election lease, else 0',
  labelNames: ['name'],
}));

/**
 * prom-client's gauges that end in _total, which promlint (`promtool check metrics`) refuses for a
 * non-counter. Each is the sum over `type` of its unsuffixed twin (nodejs_active_handles{type}, ...),
 * which stays.
 */
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'] as const;

let defaultsCollected = false;
/** process_* and nodejs_* metrics; once per process. */
export function collectProcessMetrics(): void {
  if (defaultsCollected || register.getSingleMetric('process_cpu_user_seconds_total')) return;
  defaultsCollected = true;
  collectDefaultMetrics();
  for (const name of MISNAMED_DEFAULTS) register.removeSingleMetric(name);
}

export { register };
