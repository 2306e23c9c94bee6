// One typed Config from flags and environment (parsing: parseConfig, added with the CLI).

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface LeaderElectionConfig {
  enabled: boolean;
  /** Namespace of the coordination.k8s.io/v1 Lease. */
  namespace: string;
  /** Name of the Lease. */
  id: string;
  /** This process's holderIdentity (default: hostname + random suffix). */
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
}
