// Starts the whole controller in-process: what main.ts runs, and what integration tests run with
// the same Config a user would pass on the command line.
// KubeConfig's own module, not the package index: the index also loads every generated API class,
// the informer cache, exec/attach/cp and their dependencies, none of which the controller uses
// (it talks to the apiserver with src/runtime/kube/rest.ts, which needs only this class's auth).
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import type { Logger } from 'pino';
// Also registers albatross_aws_api_calls_total, so /metrics always shows it (even before any AWS call).
import { configureAwsBudgets } from './aws/call.ts';
import { formatAwsBudgets } from './aws/budgets.ts';
import type { Config } from './config.ts';
import { createLogger } from './logger.ts';
import type { ControllerRegistration } from './runtime/index.ts';
import { startServers } from './runtime/http.ts';
import { RestClient } from './runtime/kube/rest.ts';
import { Manager, type ManagerExit, type ManagerTuning } from './runtime/manager.ts';
import { collectProcessMetrics } from './runtime/metrics.ts';

export interface StartOptions {
  /** Default: loaded from config.kubeconfig / KUBECONFIG / ~/.kube/config / in-cluster. */
  kubeConfig?: KubeConfig;
  /** Default: the registrations in src/reconcilers/index.ts. */
  controllers?: ControllerRegistration[];
  /** Default: a pino JSON logger on stdout at config.logLevel. */
  logger?: Logger;
  /** Internal timings (watch stall timeout, backoff) — for tests. */
  tuning?: ManagerTuning;
}

export interface Albatross {
  /** Graceful stop: stop taking work, drain in-flight (bounded), release the lease, close servers. */
  stop(): Promise<void>;
  /** Resolves once every cache has synced. */
  synced(): Promise<void>;
  isLeader(): boolean;
  /** e.g. 'http://127.0.0.1:41234' — bound addresses (':0' picks a free port); undefined if disabled. */
  metricsUrl: string | undefined;
  healthUrl: string | undefined;
  /** Resolves when the manager stops by itself (lost lease: exitCode 1) or after stop() (0). */
  done: Promise<{ exitCode: number; reason: string }>;
  manager: Manager;
}

export function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc;
}

export async function startAlbatross(config: Config, options: StartOptions = {}): Promise<Albatross> {
  const log = options.logger ?? createLogger(config.logLevel);
  const kubeConfig = options.kubeConfig ?? loadKubeConfig(config.kubeconfig);
  const controllers = options.controllers ?? (await import('./reconcilers/index.ts')).controllers;
  collectProcessMetrics();
  // The budgets are process-wide (every controller shares them): the config started last sets them.
  configureAwsBudgets(config.awsBudgets);
  const manager = new Manager({ config, client: new RestClient(kubeConfig), log, registrations: controllers, tuning: options.tuning });
  await manager.setup();
  const servers = await startServers(config.metricsBindAddress, config.healthProbeBindAddress, {
    ready: () => manager.hasSynced(),
    role: () => (manager.isLeader() ? 'leader' : 'standby'),
  });
  log.info(
    { clusterName: config.clusterName, namespaces: config.namespaces.length ? config.namespaces : 'all', controllers: controllers.map((c) => c.name), metrics: servers.metricsUrl, health: servers.healthUrl, leaderElection: config.leaderElection.enabled ? config.leaderElection.identity : false, awsBudgets: formatAwsBudgets(config.awsBudgets) || 'defaults' },
    'starting albatross',
  );
  await manager.start();
  const done: Promise<ManagerExit> = manager.done.then(async (exit) => {
    await servers.close();
    return exit;
  });
  return {
    stop: async () => {
      await manager.stop();
      await done;
    },
    synced: () => manager.waitForSync(),
    isLeader: () => manager.isLeader(),
    metricsUrl: servers.metricsUrl,
    healthUrl: servers.healthUrl,
    done,
    manager,
  };
}
