import { describe, expect, it } from '@jest/globals';
import { ConfigError, adoptionAllowed, helpText, parseBindAddress, parseConfig, parseDuration, type Config } from '../../../src/config.ts';

function config(argv: string[], env: NodeJS.ProcessEnv = {}): Config {
  const r = parseConfig(argv, env);
  if (r.kind !== 'config') throw new Error(`expected a config, got ${r.kind}`);
  return r.config;
}

function errorOf(argv: string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    parseConfig(argv, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('has the documented defaults', () => {
    const c = config(['--cluster-name', 'prod']);
    expect(c).toMatchObject({
      clusterName: 'prod',
      namespaces: [],
      resyncPeriodMs: 300_000,
      maxConcurrentReconciles: 4,
      metricsBindAddress: ':8080',
      healthProbeBindAddress: ':8081',
      logLevel: 'info',
      gracefulShutdownTimeoutMs: 30_000,
      awsBudgets: {},
      adoptNamespaces: [],
    });
    expect(c.leaderElection).toMatchObject({ enabled: false, id: 'albatross-leader', leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });
  });

  it('reads ALBATROSS_* variables, and a flag wins over its variable', () => {
    const env = { ALBATROSS_CLUSTER_NAME: 'from-env', ALBATROSS_RESYNC_PERIOD: '1h', ALBATROSS_LEADER_ELECT: 'true', ALBATROSS_NAMESPACE: 'a,b' };
    expect(config([], env)).toMatchObject({ clusterName: 'from-env', resyncPeriodMs: 3_600_000, namespaces: ['a', 'b'], leaderElection: { enabled: true } });
    expect(config(['--cluster-name', 'flag', '--resync-period=30s', '--no-leader-elect'], env)).toMatchObject({
      clusterName: 'flag', resyncPeriodMs: 30_000, leaderElection: { enabled: false },
    });
  });

  it('reads AWS budgets from --aws-budgets or ALBATROSS_AWS_BUDGETS', () => {
    expect(config(['--cluster-name', 'c', '--aws-budgets', 'elbv2:read=5/10,route53:write=1/2']).awsBudgets).toEqual({
      'elbv2:read': { ratePerSecond: 5, burst: 10 },
      'route53:write': { ratePerSecond: 1, burst: 2 },
    });
    expect(config(['--cluster-name', 'c'], { ALBATROSS_AWS_BUDGETS: 'iam:write=1/1' }).awsBudgets).toEqual({ 'iam:write': { ratePerSecond: 1, burst: 1 } });
    expect(errorOf(['--cluster-name', 'c'], { ALBATROSS_AWS_BUDGETS: 'ec2:write=1/1,ec2:write=2/2' })).toBe(
      'invalid AWS budget "ec2:write=2/2" for ALBATROSS_AWS_BUDGETS: ec2:write is given twice',
    );
  });

  it('reads the namespaces that may adopt: none by default, a list, or * for all', () => {
    expect(config(['--cluster-name', 'c']).adoptNamespaces).toEqual([]);
    expect(config(['--cluster-name', 'c', '--adopt-namespaces', 'a,b', '--adopt-namespaces', 'b']).adoptNamespaces).toEqual(['a', 'b']);
    expect(config(['--cluster-name', 'c'], { ALBATROSS_ADOPT_NAMESPACES: 'legacy' }).adoptNamespaces).toEqual(['legacy']);
    expect(config(['--cluster-name', 'c', '--adopt-namespaces', 'a,*']).adoptNamespaces).toEqual(['*']);
    const c = (list: string[]) => ({ adoptNamespaces: list });
    expect(adoptionAllowed(c([]), 'a')).toBe(false);
    expect(adoptionAllowed(c(['a']), 'a')).toBe(true);
    expect(adoptionAllowed(c(['a']), 'b')).toBe(false);
    expect(adoptionAllowed(c(['*']), 'b')).toBe(true);
    expect(errorOf(['--cluster-name', 'c', '--adopt-namespaces', 'Prod'])).toBe(
      `invalid namespace "Prod" for --adopt-namespaces: must be a DNS label (lower-case a-z, 0-9, '-') or '*' for all namespaces`,
    );
  });

  it('accepts repeated and comma-separated namespaces', () => {
    expect(config(['--cluster-name', 'c', '--namespace', 'a', '--namespace', 'b,c']).namespaces).toEqual(['a', 'b', 'c']);
  });

  it.each([
    [[], '--cluster-name is required (or set ALBATROSS_CLUSTER_NAME)'],
    [['--cluster-name', 'c', '--resync-period', '5'], 'invalid duration "5" for --resync-period: use a number with a unit, e.g. 30s, 5m, 1h'],
    [['--cluster-name', 'c', '--max-concurrent-reconciles', '0'], 'invalid value "0" for --max-concurrent-reconciles: an integer from 1 to 100'],
    [['--cluster-name', 'c', '--log-level', 'loud'], 'invalid log level "loud" for --log-level: one of trace, debug, info, warn, error, fatal'],
    [['--cluster-name', 'c', '--metrics-bind-address', 'localhost'], 'invalid address "localhost" for --metrics-bind-address: use [host]:port (e.g. :8080, 127.0.0.1:8080) or 0 to disable'],
    [['--cluster-name', 'c', '--namespace', 'Bad_NS'], `invalid namespace "Bad_NS" for --namespace: must be a DNS label (lower-case a-z, 0-9, '-')`],
    [['--cluster-name', 'c', '--renew-deadline', '20s'], '--renew-deadline (20s) must be less than --lease-duration (15s)'],
    [['--cluster-name', 'bad name'], 'invalid cluster name "bad name" for --cluster-name: 1-63 characters of A-Z a-z 0-9 . _ - starting with a letter or digit'],
    [['--cluster-name', 'c', '--aws-budgets', 'elbv2:read=fast'], 'invalid AWS budget "elbv2:read=fast" for --aws-budgets: expected <service>:<class>=<rate per second>/<burst>, comma-separated; service one of elbv2, iam, route53, ec2, wafv2; class read or write (elbv2 also register, modify)'],
    [['--cluster-name', 'c', '--aws-budgets', 'iam:write=5/0'], 'invalid AWS budget "iam:write=5/0" for --aws-budgets: the rate must be above 0 and the burst at least 1'],
    [['--cluster-name', 'c', '--bogus'], "Unknown option '--bogus'"],
    [['--cluster-name'], "Option '--cluster-name <value>' argument missing"],
  ])('refuses %j with one line naming the flag', (argv, message) => {
    expect(errorOf(argv)).toBe(message);
  });

  it('names the environment variable when the bad value came from it', () => {
    expect(errorOf(['--cluster-name', 'c'], { ALBATROSS_RESYNC_PERIOD: 'soon' })).toBe(
      'invalid duration "soon" for ALBATROSS_RESYNC_PERIOD: use a number with a unit, e.g. 30s, 5m, 1h',
    );
  });

  it('documents every flag and its variable in --help', () => {
    expect(parseConfig(['--help'])).toEqual({ kind: 'help' });
    const help = helpText();
    for (const flag of ['--cluster-name', '--namespace', '--resync-period', '--max-concurrent-reconciles', '--leader-elect', '--leader-election-namespace', '--leader-election-id', '--lease-duration', '--renew-deadline', '--retry-period', '--metrics-bind-address', '--health-probe-bind-address', '--log-level', '--aws-budgets']) {
      expect(help).toContain(flag);
    }
    expect(help).toContain('ALBATROSS_CLUSTER_NAME');
    expect(help).toContain('--aws-budgets <budgets>   [ALBATROSS_AWS_BUDGETS]');
    expect(help).toContain('keep their defaults: elbv2:read=10/30,');
  });
});

describe('parseDuration / parseBindAddress', () => {
  it.each([
    ['500ms', 500], ['30s', 30_000], ['5m', 300_000], ['1h', 3_600_000], ['1h30m', 5_400_000], ['1.5s', 1500], ['0', 0],
  ])('%s = %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '5', 's', '5d', '-1s', '1 s'])('refuses %j', (text) => expect(parseDuration(text)).toBeUndefined());

  it('parses [host]:port', () => {
    expect(parseBindAddress(':8080')).toEqual({ host: undefined, port: 8080 });
    expect(parseBindAddress('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseBindAddress('[::1]:9')).toEqual({ host: '::1', port: 9 });
    expect(parseBindAddress('x:70000')).toBeUndefined();
  });
});
