// A small JSON REST client for the apiserver over node:http(s). Objects stay plain JSON (no
// client-node model classes, so cached and watched objects look the same); auth and TLS come from
// the KubeConfig (client certs, tokens, exec plugins) through applyToHTTPSOptions.
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeApiError } from '../errors.ts';
import { apiVersionOf } from '../resources.ts';
import type { KubeClient, KubeList, KubeObject, ListOptions, PatchType, ResourceType } from '../types.ts';
import { VERSION } from '../../version.ts';
import { kubeRequestSeconds, kubeRequests } from '../metrics.ts';

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export const FIELD_MANAGER = 'albatross';

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** Accept header; default application/json. */
  accept?: string;
  signal?: AbortSignal | undefined;
  /** Per-request timeout for non-streaming calls. */
  timeoutMs?: number;
}

/** The resource and subresource a request path names (`/apis/g/v/namespaces/ns/plural/name/sub`), for metrics. */
export function requestTarget(path: string): { resource: string; subresource: string } {
  const parts = path.split('?')[0]!.split('/').filter(Boolean);
  let rest = parts[0] === 'api' ? parts.slice(2) : parts[0] === 'apis' ? parts.slice(3) : [];
  if (rest[0] === 'namespaces' && rest.length > 2) rest = rest.slice(2);
  return { resource: rest[0] ?? '', subresource: rest[2] ?? '' };
}

/** `/apis/group/version/namespaces/ns/plural/name/sub` (core: `/api/v1/...`). */
export function resourcePath(r: ResourceType, namespace?: string, name?: string, subresource?: string): string {
  let p = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  if (namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${r.plural}`;
  if (name) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

function buildUrl(server: string, path: string, query?: RequestSpec['query']): URL {
  const url = new URL(server.replace(/\/$/, '') + path);
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
  return url;
}

export class RestClient implements KubeClient {
  readonly kubeConfig: KubeConfig;
  readonly defaultTimeoutMs: number;

  constructor(kubeConfig: KubeConfig, opts: { timeoutMs?: number } = {}) {
    this.kubeConfig = kubeConfig;
    this.defaultTimeoutMs = opts.timeoutMs ?? 30_000;
  }

  /** Opens a request; resolves with the response once headers arrive. The caller owns the stream. */
  async open(spec: RequestSpec): Promise<http.IncomingMessage> {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    const url = buildUrl(cluster.server, spec.path, spec.query);
    const opts: https.RequestOptions = { method: spec.method, headers: {} };
    await this.kubeConfig.applyToHTTPSOptions(opts);
    const headers: Record<string, string> = {
      ...(opts.headers as Record<string, string>),
      accept: spec.accept ?? 'application/json',
      'user-agent': `albatross/${VERSION}`,
    };
    let payload: string | undefined;
    if (spec.body !== undefined) {
      payload = JSON.stringify(spec.body);
      headers['content-type'] = spec.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const mod = url.protocol === 'http:' ? http : https;
    let counted = false;
    const started = performance.now();
    const count = (code: string): void => {
      if (counted) return;
      counted = true;
      kubeRequests.inc({ code, method: spec.method, ...requestTarget(spec.path) });
      kubeRequestSeconds.observe({ method: spec.method }, (performance.now() - started) / 1000);
    };
    return new Promise((resolve, reject) => {
      if (spec.signal?.aborted) {
        reject(spec.signal.reason ?? new Error('aborted'));
        return;
      }
      const req = mod.request(url, { ...opts, headers, ...(spec.signal ? { signal: spec.signal } : {}) }, (res) => {
        count(String(res.statusCode ?? '<error>'));
        resolve(res);
      });
      req.on('error', (err) => {
        count('<error>');
        reject(err);
      });
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** A request whose JSON answer is returned; non-2xx throws KubeApiError. */
  async request<T>(spec: RequestSpec): Promise<T> {
    const timeout = AbortSignal.timeout(spec.timeoutMs ?? this.defaultTimeoutMs);
    const signal = spec.signal ? AbortSignal.any([spec.signal, timeout]) : timeout;
    const res = await this.open({ ...spec, signal });
    const text = await readAll(res);
    const status = res.statusCode ?? 0;
    const parsed = parseJson(text);
    if (status < 200 || status >= 300) throw apiError(status, parsed, text, spec);
    return parsed as T;
  }

  async get<T extends KubeObject>(r: ResourceType, namespace: string, name: string, signal?: AbortSignal): Promise<T | undefined> {
    try {
      return withType(r, await this.request<T>({ method: 'GET', path: resourcePath(r, namespace, name), signal }));
    } catch (err) {
      if (err instanceof KubeApiError && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  async list<T extends KubeObject>(r: ResourceType, namespace: string | undefined, opts: ListOptions = {}, signal?: AbortSignal): Promise<KubeList<T>> {
    const { metadataOnly, ...query } = opts;
    const list = await this.request<KubeList<T>>({
      method: 'GET',
      path: resourcePath(r, namespace),
      query,
      ...(metadataOnly ? { accept: METADATA_LIST_ACCEPT } : {}),
      signal,
    });
    list.items = (list.items ?? []).map((o) => (metadataOnly ? asKind(r, o) : withType(r, o)));
    return list;
  }

  async create<T extends KubeObject>(r: ResourceType, obj: T, signal?: AbortSignal): Promise<T> {
    const ns = obj.metadata?.namespace;
    return withType(r, await this.request<T>({ method: 'POST', path: resourcePath(r, ns), body: withType(r, obj), query: { fieldManager: FIELD_MANAGER }, signal }));
  }

  async replace<T extends KubeObject>(r: ResourceType, obj: T, opts: { subresource?: 'status' } = {}, signal?: AbortSignal): Promise<T> {
    const path = resourcePath(r, obj.metadata?.namespace, obj.metadata?.name, opts.subresource);
    return withType(r, await this.request<T>({ method: 'PUT', path, body: withType(r, obj), query: { fieldManager: FIELD_MANAGER }, signal }));
  }

  async patch<T extends KubeObject>(
    r: ResourceType,
    namespace: string,
    name: string,
    type: PatchType,
    body: unknown,
    opts: { subresource?: 'status'; fieldManager?: string; force?: boolean } = {},
    signal?: AbortSignal,
  ): Promise<T> {
    return withType(
      r,
      await this.request<T>({
        method: 'PATCH',
        path: resourcePath(r, namespace, name, opts.subresource),
        body,
        contentType: PATCH_CONTENT_TYPES[type],
        query: { fieldManager: opts.fieldManager ?? FIELD_MANAGER, force: type === 'apply' ? (opts.force ?? undefined) : undefined },
        signal,
      }),
    );
  }

  async delete(r: ResourceType, namespace: string, name: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.request({ method: 'DELETE', path: resourcePath(r, namespace, name), signal });
    } catch (err) {
      if (err instanceof KubeApiError && err.statusCode === 404) return;
      throw err;
    }
  }
}

/** Built-in list items come without apiVersion/kind; fill them in so every object is self-describing. */
/** Accept headers for metadata-only lists and watches (meta.k8s.io/v1 PartialObjectMetadata). */
export const METADATA_LIST_ACCEPT = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
export const METADATA_WATCH_ACCEPT = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

/** A PartialObjectMetadata as the object of its resource (caches and handlers key on apiVersion/kind). */
export function asKind<T extends KubeObject>(r: ResourceType, obj: T): T {
  return obj && typeof obj === 'object' ? { ...obj, apiVersion: apiVersionOf(r), kind: r.kind } : obj;
}

export function withType<T extends KubeObject>(r: ResourceType, obj: T): T {
  if (obj && typeof obj === 'object' && (!obj.apiVersion || !obj.kind)) {
    return { ...obj, apiVersion: apiVersionOf(r), kind: r.kind };
  }
  return obj;
}

export function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('response aborted')));
  });
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function apiError(status: number, parsed: unknown, text: string, spec: Pick<RequestSpec, 'method' | 'path'>): KubeApiError {
  const st = parsed && typeof parsed === 'object' ? (parsed as { message?: unknown; reason?: unknown }) : {};
  const message = typeof st.message === 'string' ? st.message : text.slice(0, 300) || http.STATUS_CODES[status] || 'error';
  const reason = typeof st.reason === 'string' ? st.reason : undefined;
  return new KubeApiError(status, `${spec.method} ${spec.path}: ${status} ${message}`, reason, parsed);
}
