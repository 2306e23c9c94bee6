// List then watch one resource in one scope (a namespace, or all), forever: watch from the list's
// resourceVersion (opaque, never parsed), ask for bookmarks, relist on 410 Gone, and restart with
// backoff after any other error or when the stream goes silent for stallTimeoutMs.
import type { Logger } from 'pino';
import { METADATA_WATCH_ACCEPT, asKind, readAll, resourcePath, apiError, type RestClient } from './kube/rest.ts';
import { metadataOnly } from './cache-shapes.ts';
import { KubeApiError, errorMessage } from './errors.ts';
import type { KubeObject, KubeList, ResourceType } from './types.ts';
import { watchRestarts } from './metrics.ts';
import { resourceId } from './resources.ts';

export interface ReflectorTuning {
  /** No byte (event or bookmark) for this long: the watch is presumed dead and restarted. */
  stallTimeoutMs: number;
  /** Server-side watch timeout is picked in [min, 2*min) so connections rotate. */
  watchTimeoutSeconds: number;
  pageSize: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
}

export const DEFAULT_REFLECTOR_TUNING: ReflectorTuning = {
  stallTimeoutMs: 120_000,
  watchTimeoutSeconds: 300,
  pageSize: 500,
  backoffInitialMs: 500,
  backoffMaxMs: 30_000,
};

export interface ReflectorSink {
  /** A complete, consistent list of the scope. */
  replace(objects: KubeObject[], namespace: string | undefined): void;
  upsert(obj: KubeObject): void;
  remove(obj: KubeObject): void;
}

class GoneError extends Error {}

export class Reflector {
  private readonly client: RestClient;
  private readonly resource: ResourceType;
  private readonly namespace: string | undefined;
  private readonly sink: ReflectorSink;
  private readonly log: Logger;
  private readonly tuning: ReflectorTuning;
  private synced = false;
  /** The newest resourceVersion seen (list, event or bookmark): a restarted watch resumes here. */
  private resourceVersion: string | undefined;

  constructor(opts: {
    client: RestClient;
    resource: ResourceType;
    namespace: string | undefined;
    sink: ReflectorSink;
    log: Logger;
    tuning: ReflectorTuning;
  }) {
    this.client = opts.client;
    this.resource = opts.resource;
    this.namespace = opts.namespace;
    this.sink = opts.sink;
    this.log = opts.log;
    this.tuning = opts.tuning;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Runs until signal aborts. Never throws. */
  async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (this.resourceVersion === undefined) {
          this.resourceVersion = await this.list(signal);
          this.synced = true;
        }
        const started = Date.now();
        const result = await this.watch(this.resourceVersion, signal);
        // A watch that ended at once with nothing in it counts as a failure (no hot loop).
        if (result.received > 0 || Date.now() - started > 1000) failures = 0;
        else await sleep(this.backoff(failures++), signal);
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof GoneError) {
          watchRestarts.inc({ resource: resourceId(this.resource), reason: 'gone' });
          this.log.info({ resourceVersion: this.resourceVersion }, 'watch resourceVersion too old (410 Gone): relisting');
          this.resourceVersion = undefined;
          if (failures > 0) await sleep(this.backoff(failures), signal);
          failures++;
          continue;
        }
        const reason = err instanceof StallError ? 'stalled' : 'error';
        watchRestarts.inc({ resource: resourceId(this.resource), reason });
        const delay = this.backoff(failures++);
        this.log.warn({ err: errorMessage(err), retryInMs: delay }, `list/watch failed (${reason}); retrying`);
        await sleep(delay, signal);
      }
    }
  }

  private backoff(failures: number): number {
    const base = Math.min(this.tuning.backoffMaxMs, this.tuning.backoffInitialMs * 2 ** failures);
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  /** Pages through a consistent list, hands it to the sink, returns its resourceVersion. */
  private async list(signal: AbortSignal): Promise<string> {
    const items: KubeObject[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page: KubeList<KubeObject> = await this.client.list(
        this.resource,
        this.namespace,
        { limit: this.tuning.pageSize, ...(cont ? { continue: cont } : {}), ...(metadataOnly(this.resource) ? { metadataOnly: true } : {}) },
        signal,
      ).catch((err: unknown) => {
        // The continue token expired mid-list: start over.
        if (err instanceof KubeApiError && err.statusCode === 410) throw new GoneError('continue token expired');
        throw err;
      });
      items.push(...page.items);
      cont = page.metadata.continue || undefined;
      rv = page.metadata.resourceVersion ?? '';
    } while (cont);
    this.sink.replace(items, this.namespace);
    this.log.debug({ count: items.length, resourceVersion: rv }, 'listed');
    return rv;
  }

  /** One watch request. Resolves with the last resourceVersion seen when the server ends it. */
  private async watch(rv: string, signal: AbortSignal): Promise<{ received: number }> {
    const local = new AbortController();
    const onAbort = (): void => local.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let stallTimer: NodeJS.Timeout | undefined;
    let stalled = false;
    const armStall = (): void => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => {
        stalled = true;
        local.abort(new StallError(`no watch event or bookmark for ${this.tuning.stallTimeoutMs} ms`));
      }, this.tuning.stallTimeoutMs);
    };
    let received = 0;
    try {
      armStall();
      const timeoutSeconds = this.tuning.watchTimeoutSeconds + Math.floor(Math.random() * this.tuning.watchTimeoutSeconds);
      const spec = {
        method: 'GET' as const,
        path: resourcePath(this.resource, this.namespace),
        query: { watch: 1, allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds },
        ...(metadataOnly(this.resource) ? { accept: METADATA_WATCH_ACCEPT } : {}),
        signal: local.signal,
      };
      const res = await this.client.open(spec);
      if (res.statusCode !== 200) {
        const text = await readAll(res);
        if (res.statusCode === 410) throw new GoneError(text);
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        throw apiError(res.statusCode ?? 0, parsed, text, spec);
      }
      await new Promise<void>((resolve, reject) => {
        let buffer = '';
        let ended = false;
        const handleLine = (line: string): void => {
          if (line.trim() === '') return;
          let event: { type?: string; object?: KubeObject & { code?: number; message?: string } };
          try {
            event = JSON.parse(line) as typeof event;
          } catch {
            return;
          }
          const obj = event.object && event.type !== 'ERROR' && metadataOnly(this.resource) ? asKind(this.resource, event.object) : event.object;
          if (!obj) return;
          if (event.type === 'ERROR') {
            if (obj.code === 410) throw new GoneError(obj.message ?? 'gone');
            throw new Error(`watch error: ${obj.code ?? '?'} ${obj.message ?? ''}`);
          }
          const objRv = obj.metadata?.resourceVersion;
          if (objRv) this.resourceVersion = objRv;
          received++;
          if (event.type === 'ADDED' || event.type === 'MODIFIED') this.sink.upsert(obj);
          else if (event.type === 'DELETED') this.sink.remove(obj);
          // BOOKMARK: only the resourceVersion moves.
        };
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          armStall();
          buffer += chunk;
          let nl: number;
          try {
            while ((nl = buffer.indexOf('\n')) >= 0) {
              const line = buffer.slice(0, nl);
              buffer = buffer.slice(nl + 1);
              handleLine(line);
            }
          } catch (err) {
            res.destroy();
            reject(err);
          }
        });
        res.on('end', () => {
          ended = true;
          resolve();
        });
        res.on('error', (err) => reject(stalled ? new StallError(errorMessage(err)) : err));
        res.on('close', () => {
          if (!ended) reject(stalled ? new StallError('stalled') : new Error('watch connection closed unexpectedly'));
        });
      });
      return { received };
    } catch (err) {
      if (stalled && !(err instanceof StallError)) throw new StallError(errorMessage(err));
      throw err;
    } finally {
      clearTimeout(stallTimer);
      signal.removeEventListener('abort', onAbort);
      local.abort();
    }
  }
}

class StallError extends Error {}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
