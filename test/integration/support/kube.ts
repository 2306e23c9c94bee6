// Kubernetes access for integration tests: the admin kubeconfig of the environment, kubeconfigs for
// other users (RBAC tests), server-side apply of manifests, and per-test namespaces.
import { CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, loadAllYaml, type KubernetesObject } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { userKubeconfig } from '../../env/env.ts';
import { uniqueName } from './names.ts';

/** The environment's admin (system:masters) kubeconfig, from $KUBECONFIG set by the global setup. */
export function kubeConfig(): KubeConfig {
  const path = process.env['KUBECONFIG'];
  if (!path) throw new Error('KUBECONFIG is not set: integration tests run through the jest integration project (its global setup brings the environment up)');
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/**
 * A kubeconfig for `user` in `groups`, authenticated by a client certificate from the environment's
 * CA. Such a user can do nothing until RBAC grants it something, e.g. bind the chart's ClusterRole
 * to it and run the controller with it.
 */
export async function kubeConfigFor(user: string, groups: readonly string[] = [], server?: string): Promise<KubeConfig> {
  const kc = new KubeConfig();
  kc.loadFromString(await userKubeconfig(user, groups, server));
  return kc;
}

/** The same credentials with another default namespace (used for objects that don't name one). */
function withNamespace(kc: KubeConfig, namespace: string): KubeConfig {
  const ctx = kc.getContextObject(kc.getCurrentContext());
  if (!ctx) throw new Error('kubeconfig has no current context');
  const out = new KubeConfig();
  out.loadFromOptions({ clusters: kc.clusters, users: kc.users, contexts: [{ ...ctx, namespace }], currentContext: ctx.name });
  return out;
}

/** Parses YAML (one or more documents) into objects, skipping empty documents. */
export function parseManifests(yamlText: string): KubernetesObject[] {
  return (loadAllYaml(yamlText) as Array<KubernetesObject | null>).filter((o): o is KubernetesObject => o !== null && typeof o === 'object');
}

export function readManifests(file: string): KubernetesObject[] {
  return parseManifests(readFileSync(file, 'utf8'));
}

export interface ApplyOptions {
  /** Namespace for namespaced objects that don't name one. */
  namespace?: string;
  kubeConfig?: KubeConfig;
  fieldManager?: string;
}

/**
 * Server-side applies objects (or YAML text) in order, as `kubectl apply --server-side
 * --force-conflicts` would, and returns what the apiserver stored. A refused object rejects with
 * the apiserver's message (which names the field).
 */
export async function applyManifests(manifests: KubernetesObject | KubernetesObject[] | string, opts: ApplyOptions = {}): Promise<KubernetesObject[]> {
  const objects = typeof manifests === 'string' ? parseManifests(manifests) : Array.isArray(manifests) ? manifests : [manifests];
  let kc = opts.kubeConfig ?? kubeConfig();
  if (opts.namespace) kc = withNamespace(kc, opts.namespace);
  const api = KubernetesObjectApi.makeApiClient(kc);
  const applied: KubernetesObject[] = [];
  for (const obj of objects) {
    applied.push(await api.patch(obj, undefined, undefined, opts.fieldManager ?? 'albatross-test', true, PatchStrategy.ServerSideApply));
  }
  return applied;
}

export interface TestNamespace {
  name: string;
  /** Deletes the namespace, best effort (nothing empties it: no controller-manager runs). */
  delete(): Promise<void>;
}

/** Creates a namespace `<prefix>-<random>` labelled as a test namespace. */
export async function createTestNamespace(prefix: string, kc: KubeConfig = kubeConfig()): Promise<TestNamespace> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = uniqueName(prefix);
  await core.createNamespace({ body: { metadata: { name, labels: { 'albatross.dev/test': 'true' } } } });
  return {
    name,
    delete: async () => {
      await core.deleteNamespace({ name }).catch(() => undefined);
    },
  };
}

/** The condition of `type` in an object's status.conditions, if any. */
export function conditionOf(obj: unknown, type: string): { type: string; status: string; reason?: string; message?: string; observedGeneration?: number } | undefined {
  const conditions = (obj as { status?: { conditions?: Array<{ type: string; status: string }> } } | undefined)?.status?.conditions;
  return conditions?.find((c) => c.type === type);
}

export interface ApiError {
  /** HTTP status (403, 422, 409 ...). */
  code: number;
  /** The apiserver's Status message, e.g. `LoadBalancedService.albatross.dev "x" is invalid: spec.listeners[0]...`. */
  message: string;
  /** Status reason: Forbidden, Invalid, AlreadyExists, Conflict ... */
  reason?: string;
}

/**
 * The apiserver's Status out of a rejected client call (client-node's ApiException keeps it as a
 * JSON string in `body`), or undefined if `e` is not an apiserver error.
 */
export function apiErrorOf(e: unknown): ApiError | undefined {
  const { code, body } = (e ?? {}) as { code?: unknown; body?: unknown };
  if (typeof code !== 'number') return undefined;
  let status: { message?: unknown; reason?: unknown } = {};
  try {
    status = (typeof body === 'string' ? JSON.parse(body) : body ?? {}) as typeof status;
  } catch {
    /* not JSON: keep the raw text below */
  }
  return {
    code,
    message: typeof status.message === 'string' ? status.message : String(body),
    ...(typeof status.reason === 'string' ? { reason: status.reason } : {}),
  };
}

/** Runs `fn`, expecting the apiserver to refuse it; returns the refusal (throws if it succeeded). */
export async function expectRefused(fn: () => Promise<unknown>): Promise<ApiError> {
  let result: unknown;
  try {
    result = await fn();
  } catch (e) {
    const err = apiErrorOf(e);
    if (err) return err;
    throw e;
  }
  throw new Error(`expected the apiserver to refuse, but it accepted: ${JSON.stringify(result).slice(0, 500)}`);
}
