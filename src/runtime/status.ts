// Status writes through the /status subresource: optimistic concurrency on resourceVersion, the
// status recomputed from a fresh read after a conflict, no request when nothing changed, and
// every string and list of strings bounded (./bounded.ts).
import type { Logger } from 'pino';
import { boundStatus } from './bounded.ts';
import { KubeApiError } from './errors.ts';
import { jsonEqual } from './json-equal.ts';
import type { KubeClient, KubeObject, ResourceType, StatusUpdateResult, StatusWriter } from './types.ts';

const MAX_ATTEMPTS = 5;

export class StatusUpdater implements StatusWriter {
  private readonly kube: KubeClient;
  private readonly log: Logger;

  constructor(kube: KubeClient, log: Logger) {
    this.kube = kube;
    this.log = log;
  }

  async update<T extends KubeObject & { status?: object }>(
    resource: ResourceType,
    obj: T,
    compute: (current: T) => NonNullable<T['status']>,
    signal?: AbortSignal,
  ): Promise<StatusUpdateResult<T>> {
    let current: T | undefined = obj;
    for (let attempt = 1; current; attempt++) {
      // Bounded, so a long message or list cannot get every write refused (422) for its size.
      const next = boundStatus({ ...compute(current), observedGeneration: current.metadata?.generation });
      if (jsonEqual(current.status, next)) return { written: false, object: current };
      try {
        const written = await this.kube.replace<T>(resource, { ...current, status: next }, { subresource: 'status' }, signal);
        return { written: true, object: written, ...(current.metadata?.resourceVersion ? { basedOn: current.metadata.resourceVersion } : {}) };
      } catch (err) {
        if (!(err instanceof KubeApiError)) throw err;
        if (err.statusCode === 404) return { written: false, object: undefined };
        if (err.statusCode !== 409 || attempt >= MAX_ATTEMPTS) throw err;
        this.log.debug({ attempt, resource: resource.plural, name: current.metadata?.name }, 'status conflict: re-reading');
        const namespace: string = current.metadata?.namespace ?? '';
        const name: string = current.metadata?.name ?? '';
        current = await this.kube.get<T>(resource, namespace, name, signal);
      }
    }
    return { written: false, object: undefined };
  }
}
