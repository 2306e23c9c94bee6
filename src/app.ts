// Starts the whole controller in-process: what main.ts runs, and what integration tests run.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { ControllerRegistration } from './runtime/index.ts';

export interface StartOptions {
  /** Default: loaded from config.kubeconfig / KUBECONFIG / in-cluster. */
  kubeConfig?: KubeConfig;
  /** Default: the registrations in src/reconcilers/index.ts. */
  controllers?: ControllerRegistration[];
  /** Default: a pino JSON logger on stdout at config.logLevel. */
  logger?: Logger;
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
}

export async function startAlbatross(_config: Config, _options: StartOptions = {}): Promise<Albatross> {
  throw new Error('startAlbatross: not implemented yet (issue 3 in progress)');
}
