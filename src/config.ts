// One typed Config from command-line flags and ALBATROSS_* environment variables (flags win).
// Durations are written the way Kubernetes tools write them: 30s, 5m, 1h, 1h30m, 500ms.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { AwsBudgetError, BUDGETS_SYNTAX, DEFAULT_BUDGETS, formatAwsBudgets, parseAwsBudgets, type AwsBudgets } from './aws/budgets.ts';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

export interface LeaderElectionConfig {
  enabled: boolean;
  /** Namespace of the coordination.k8s.io/v1 Lease. */
  namespace: string;
  /** Name of the Lease. */
  id: string;
  /** This process's holderIdentity (default: POD_NAME or hostname, plus a random suffix). */
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export interface Config {
  /** Required. Written into AWS ownership tags and IAM paths. */
  clusterName: string;
  /** Namespaces to watch; empty = all namespaces. */
  namespaces: string[];
  /** Every object is reconciled again about this often (jittered): how drift is found. */
  resyncPeriodMs: number;
  /** Workers per controller. */
  maxConcurrentReconciles: number;
  leaderElection: LeaderElectionConfig;
  /** host:port or :port; '0' disables. */
  metricsBindAddress: string;
  /** host:port or :port; '0' disables. */
  healthProbeBindAddress: string;
  logLevel: LogLevel;
  /** SIGTERM waits this long for in-flight reconciles before aborting them. */
  gracefulShutdownTimeoutMs: number;
  /** Path of a kubeconfig; undefined = KUBECONFIG / ~/.kube/config / in-cluster. */
  kubeconfig: string | undefined;
  /** AWS request budgets that override the defaults (src/aws/budgets.ts); {} = all defaults. */
  awsBudgets: AwsBudgets;
  /**
   * Namespaces whose resources may take over an unowned AWS object with `spec.adopt: true`
   * (the operator's consent); ['*'] = every namespace, [] (default) = none.
   */
  adoptNamespaces: string[];
}

/** The flag and chart value that give consent to adoption, as messages name them. */
export const ADOPT_CONSENT_HINT = '--adopt-namespaces (chart value controller.adoptNamespaces, env ALBATROSS_ADOPT_NAMESPACES)';

/** Whether the operator consented to adoption in this namespace (--adopt-namespaces). */
export function adoptionAllowed(config: Pick<Config, 'adoptNamespaces'>, namespace: string): boolean {
  return config.adoptNamespaces.includes('*') || config.adoptNamespaces.includes(namespace);
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The environment variable that --adopt-namespaces falls back to (the controller and `albatross plan`). */
export const ADOPT_NAMESPACES_ENV = 'ALBATROSS_ADOPT_NAMESPACES';

/**
 * The value of --adopt-namespaces (flags joined with commas): namespaces, or ['*'] for all,
 * empty for none. Shared by the controller and `albatross plan`, so both read consent alike.
 * Throws ConfigError naming `source` for anything that is not a DNS label or '*'.
 */
export function parseAdoptNamespaces(text: string | undefined, source: string): string[] {
  const namespaces = [...new Set((text ?? '').split(',').map((s) => s.trim()).filter(Boolean))];
  for (const ns of namespaces) {
    if (ns !== '*' && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(ns)) {
      throw new ConfigError(`invalid namespace "${ns}" for ${source}: must be a DNS label (lower-case a-z, 0-9, '-') or '*' for all namespaces`);
    }
  }
  return namespaces.includes('*') ? ['*'] : namespaces;
}

interface FlagSpec {
  type: 'string' | 'boolean';
  env: string;
  value: string;
  help: string;
  default?: string;
  multiple?: boolean;
}

/** The flags, in --help order. */
const FLAGS: Record<string, FlagSpec> = {
  'cluster-name': { type: 'string', env: 'ALBATROSS_CLUSTER_NAME', value: 'name', help: 'Required. Name of this cluster, written into the albatross.dev/cluster tag of every AWS object and into IAM paths ([A-Za-z0-9._-], 1-63 chars). Two clusters sharing an AWS account need different names.' },
  namespace: { type: 'string', env: 'ALBATROSS_NAMESPACE', value: 'ns', multiple: true, help: 'Namespace to watch; repeat the flag or separate with commas for several. Default: all namespaces.' },
  'resync-period': { type: 'string', env: 'ALBATROSS_RESYNC_PERIOD', value: 'duration', default: '5m', help: 'How often every object is reconciled again (±10% jitter) to find and correct drift in AWS.' },
  'max-concurrent-reconciles': { type: 'string', env: 'ALBATROSS_MAX_CONCURRENT_RECONCILES', value: 'n', default: '4', help: 'Workers per controller (1-100). One object is never reconciled twice at once.' },
  'leader-elect': { type: 'boolean', env: 'ALBATROSS_LEADER_ELECT', value: '', default: 'false', help: 'Elect a leader through a coordination.k8s.io/v1 Lease so only one replica reconciles. --no-leader-elect turns it off.' },
  'leader-election-namespace': { type: 'string', env: 'ALBATROSS_LEADER_ELECTION_NAMESPACE', value: 'ns', help: "Namespace of the Lease. Default: POD_NAMESPACE, else the service account's namespace, else 'default'." },
  'leader-election-id': { type: 'string', env: 'ALBATROSS_LEADER_ELECTION_ID', value: 'name', default: 'albatross-leader', help: 'Name of the Lease.' },
  'leader-election-identity': { type: 'string', env: 'ALBATROSS_LEADER_ELECTION_IDENTITY', value: 'id', help: 'Holder identity written into the Lease. Default: POD_NAME (or the hostname) plus a random suffix.' },
  'lease-duration': { type: 'string', env: 'ALBATROSS_LEASE_DURATION', value: 'duration', default: '15s', help: 'How long a standby waits after the last renewal it saw before taking the lease over.' },
  'renew-deadline': { type: 'string', env: 'ALBATROSS_RENEW_DEADLINE', value: 'duration', default: '10s', help: 'The leader gives up (stops work, exits 1) when it could not renew for this long. Must be less than --lease-duration.' },
  'retry-period': { type: 'string', env: 'ALBATROSS_RETRY_PERIOD', value: 'duration', default: '2s', help: 'How often the leader renews and a standby tries to acquire. Must be less than --renew-deadline.' },
  'metrics-bind-address': { type: 'string', env: 'ALBATROSS_METRICS_BIND_ADDRESS', value: 'addr', default: ':8080', help: "Address of the Prometheus /metrics endpoint ([host]:port); '0' disables it." },
  'health-probe-bind-address': { type: 'string', env: 'ALBATROSS_HEALTH_PROBE_BIND_ADDRESS', value: 'addr', default: ':8081', help: "Address of /healthz and /readyz ([host]:port); '0' disables it." },
  'log-level': { type: 'string', env: 'ALBATROSS_LOG_LEVEL', value: 'level', default: 'info', help: `Log level: ${LOG_LEVELS.join(', ')}. Logs are JSON lines on stdout.` },
  'graceful-shutdown-timeout': { type: 'string', env: 'ALBATROSS_GRACEFUL_SHUTDOWN_TIMEOUT', value: 'duration', default: '30s', help: 'On SIGTERM, the whole stop takes at most this long: in-flight reconciles get it less a reserve (a quarter, at most 5s), then their AWS calls are aborted, the lease is released and the process exits.' },
  'aws-budgets': { type: 'string', env: 'ALBATROSS_AWS_BUDGETS', value: 'budgets', help: `AWS request budgets shared by all controllers (token buckets at or below AWS's documented rates; they slow down when AWS throttles): ${BUDGETS_SYNTAX}. Lower them when other tools share the account's API limits. Classes not listed keep their defaults: ${formatAwsBudgets(DEFAULT_BUDGETS)}.` },
  'adopt-namespaces': { type: 'string', env: ADOPT_NAMESPACES_ENV, value: 'ns', multiple: true, help: "Namespaces whose resources may take over an unowned AWS object (one without albatross.dev ownership tags or TXT) with spec.adopt: true; repeat the flag or separate with commas; '*' allows every namespace. Default: none (spec.adopt: true is then refused with reason AdoptionNotAllowed and nothing in AWS is changed)." },
  kubeconfig: { type: 'string', env: 'KUBECONFIG', value: 'path', help: 'Path of a kubeconfig file. Default: $KUBECONFIG, ~/.kube/config, or the in-cluster service account.' },
};

export function helpText(): string {
  const lines = [
    'Usage: albatross-controller [flags]',
    '',
    'Reconciles LoadBalancedService, ServerCertificate and DnsAlias (albatross.dev/v1alpha1) into AWS.',
    'Every flag can also be set by the environment variable shown; a flag wins over its variable.',
    'Durations: a number with a unit, e.g. 500ms, 30s, 5m, 1h, 1h30m. AWS region, endpoint and',
    'credentials come from the AWS SDK environment (AWS_REGION, AWS_ENDPOINT_URL, ...).',
    '',
    'Flags:',
  ];
  for (const [name, f] of Object.entries(FLAGS)) {
    lines.push(`  --${name}${f.value ? ` <${f.value}>` : ''}   [${f.env}]${f.default !== undefined ? ` (default ${f.default})` : ''}`);
    lines.push(`        ${f.help}`);
  }
  lines.push('  -h, --help        Show this help.', '  --version         Print the version.', '', 'Exit codes: 0 stopped cleanly, 1 failed or lost leadership, 2 invalid flags.');
  return lines.join('\n');
}

export type ParseResult = { kind: 'config'; config: Config } | { kind: 'help' } | { kind: 'version' };

/** Parses argv (without node and script) and env. Throws ConfigError with one line naming the flag. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ParseResult {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean' },
  };
  for (const [name, f] of Object.entries(FLAGS)) options[name] = { type: f.type, ...(f.multiple ? { multiple: true } : {}) };
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false, allowNegative: true }));
  } catch (err) {
    // parseArgs' own messages go on with advice about positionals; the first sentence is the point.
    const message = typeof (err as { message?: unknown })?.message === 'string' ? (err as { message: string }).message : String(err);
    throw new ConfigError(message.split(/\.\s|\n/)[0]!);
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };

  /** The raw text of a flag: flag, else env, else default; with the source for messages. */
  const raw = (name: string): { text: string | undefined; source: string } => {
    const f = FLAGS[name]!;
    const v = values[name];
    if (Array.isArray(v)) return { text: v.join(','), source: `--${name}` };
    if (typeof v === 'string') return { text: v, source: `--${name}` };
    if (typeof v === 'boolean') return { text: String(v), source: `--${name}` };
    const e = env[f.env];
    if (e !== undefined && e !== '') return { text: e, source: f.env };
    return { text: f.default, source: `--${name}` };
  };
  const str = (name: string): string | undefined => raw(name).text;
  const duration = (name: string, min = 1): number => {
    const { text, source } = raw(name);
    const ms = parseDuration(text ?? '');
    if (ms === undefined) throw new ConfigError(`invalid duration "${text}" for ${source}: use a number with a unit, e.g. 30s, 5m, 1h`);
    if (ms < min) throw new ConfigError(`${source} must be at least ${min} ms, got "${text}"`);
    return ms;
  };
  const bool = (name: string): boolean => {
    const { text, source } = raw(name);
    if (text === 'true' || text === '1') return true;
    if (text === 'false' || text === '0' || text === undefined) return false;
    throw new ConfigError(`invalid boolean "${text}" for ${source}: use true or false`);
  };
  const address = (name: string): string => {
    const { text, source } = raw(name);
    if (text === '0') return '0';
    if (!text || parseBindAddress(text) === undefined) throw new ConfigError(`invalid address "${text}" for ${source}: use [host]:port (e.g. :8080, 127.0.0.1:8080) or 0 to disable`);
    return text;
  };

  const cluster = raw('cluster-name');
  if (!cluster.text) throw new ConfigError('--cluster-name is required (or set ALBATROSS_CLUSTER_NAME)');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(cluster.text)) {
    throw new ConfigError(`invalid cluster name "${cluster.text}" for ${cluster.source}: 1-63 characters of A-Z a-z 0-9 . _ - starting with a letter or digit`);
  }

  const nsRaw = raw('namespace');
  const namespaces = [...new Set((nsRaw.text ?? '').split(',').map((s) => s.trim()).filter(Boolean))];
  for (const ns of namespaces) {
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(ns)) throw new ConfigError(`invalid namespace "${ns}" for ${nsRaw.source}: must be a DNS label (lower-case a-z, 0-9, '-')`);
  }

  const adoptRaw = raw('adopt-namespaces');
  const adoptNamespaces = parseAdoptNamespaces(adoptRaw.text, adoptRaw.source);

  const workersRaw = raw('max-concurrent-reconciles');
  const workers = Number(workersRaw.text);
  if (!/^\d+$/.test(workersRaw.text ?? '') || workers < 1 || workers > 100) {
    throw new ConfigError(`invalid value "${workersRaw.text}" for ${workersRaw.source}: an integer from 1 to 100`);
  }

  const logLevel = raw('log-level');
  if (!LOG_LEVELS.includes(logLevel.text as LogLevel)) throw new ConfigError(`invalid log level "${logLevel.text}" for ${logLevel.source}: one of ${LOG_LEVELS.join(', ')}`);

  const leaseDurationMs = duration('lease-duration', 1000);
  const renewDeadlineMs = duration('renew-deadline', 1);
  const retryPeriodMs = duration('retry-period', 1);
  if (renewDeadlineMs >= leaseDurationMs) throw new ConfigError(`--renew-deadline (${str('renew-deadline')}) must be less than --lease-duration (${str('lease-duration')})`);
  if (retryPeriodMs * 1.2 >= renewDeadlineMs) throw new ConfigError(`--retry-period (${str('retry-period')}) must be less than --renew-deadline (${str('renew-deadline')}) / 1.2`);

  const budgets = raw('aws-budgets');
  let awsBudgets: AwsBudgets;
  try {
    awsBudgets = parseAwsBudgets(budgets.text ?? '');
  } catch (err) {
    if (!(err instanceof AwsBudgetError)) throw err;
    throw new ConfigError(`invalid AWS budget "${err.entry}" for ${budgets.source}: ${err.problem}`);
  }

  const leNamespace = str('leader-election-namespace') || env.POD_NAMESPACE || serviceAccountNamespace() || 'default';
  const leaseName = str('leader-election-id') ?? 'albatross-leader';
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(leaseName)) throw new ConfigError(`invalid lease name "${leaseName}" for --leader-election-id: must be a DNS subdomain`);

  return {
    kind: 'config',
    config: {
      clusterName: cluster.text,
      namespaces,
      resyncPeriodMs: duration('resync-period', 1000),
      maxConcurrentReconciles: workers,
      leaderElection: {
        enabled: bool('leader-elect'),
        namespace: leNamespace,
        id: leaseName,
        identity: str('leader-election-identity') || `${env.POD_NAME || hostname()}_${randomBytes(4).toString('hex')}`,
        leaseDurationMs,
        renewDeadlineMs,
        retryPeriodMs,
      },
      metricsBindAddress: address('metrics-bind-address'),
      healthProbeBindAddress: address('health-probe-bind-address'),
      logLevel: logLevel.text as LogLevel,
      gracefulShutdownTimeoutMs: duration('graceful-shutdown-timeout', 0),
      kubeconfig: str('kubeconfig') || undefined,
      awsBudgets,
      adoptNamespaces,
    },
  };
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** '1h30m' -> 5400000; undefined when not a duration. A bare '0' is zero. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(m[1]) * UNITS[m[2]!]!;
  return Math.round(total);
}

/** ':8080' -> {host: undefined, port: 8080}; '127.0.0.1:0' -> {host, port: 0}; '[::1]:8080'. */
export function parseBindAddress(text: string): { host: string | undefined; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]*)):(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  const host = m[1] ?? (m[2] || undefined);
  return { host, port };
}

function serviceAccountNamespace(): string | undefined {
  try {
    return readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
