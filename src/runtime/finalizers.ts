// Finalizer add/remove as JSON patches guarded by a `test` op: another controller's finalizer
// added meanwhile makes the test fail (422/409), we re-read and try again. Never a blind replace.
import { KubeApiError } from './errors.ts';
import { hasFinalizer } from './objects.ts';
import type { Finalizers, KubeClient, KubeObject, ResourceType } from './types.ts';

const MAX_ATTEMPTS = 5;

export class FinalizerPatcher implements Finalizers {
  private readonly kube: KubeClient;

  constructor(kube: KubeClient) {
    this.kube = kube;
  }

  async add<T extends KubeObject>(resource: ResourceType, obj: T, finalizer: string, signal?: AbortSignal): Promise<T> {
    const out = await this.retry(resource, obj, signal, (current) => {
      if (hasFinalizer(current, finalizer)) return undefined;
      const list = current.metadata?.finalizers ?? [];
      return list.length > 0
        ? [
            { op: 'test', path: '/metadata/finalizers', value: list },
            { op: 'add', path: '/metadata/finalizers/-', value: finalizer },
          ]
        : [
            { op: 'test', path: '/metadata/resourceVersion', value: current.metadata?.resourceVersion },
            { op: 'add', path: '/metadata/finalizers', value: [finalizer] },
          ];
    });
    if (!out) throw new KubeApiError(404, `cannot add finalizer ${finalizer}: ${obj.metadata?.namespace}/${obj.metadata?.name} is gone`, 'NotFound');
    return out;
  }

  remove<T extends KubeObject>(resource: ResourceType, obj: T, finalizer: string, signal?: AbortSignal): Promise<T | undefined> {
    return this.retry(resource, obj, signal, (current) => {
      const index = current.metadata?.finalizers?.indexOf(finalizer) ?? -1;
      if (index < 0) return undefined;
      return [
        { op: 'test', path: `/metadata/finalizers/${index}`, value: finalizer },
        { op: 'remove', path: `/metadata/finalizers/${index}` },
      ];
    });
  }

  /** Applies ops(current) until it returns undefined (nothing to do) or the patch lands. */
  private async retry<T extends KubeObject>(
    resource: ResourceType,
    obj: T,
    signal: AbortSignal | undefined,
    ops: (current: T) => object[] | undefined,
  ): Promise<T | undefined> {
    const { namespace = '', name = '' } = obj.metadata ?? {};
    let current: T | undefined = obj;
    for (let attempt = 1; current; attempt++) {
      const patch = ops(current);
      if (!patch) return current;
      try {
        return await this.kube.patch<T>(resource, namespace, name, 'json', patch, {}, signal);
      } catch (err) {
        if (!(err instanceof KubeApiError)) throw err;
        if (err.statusCode === 404) return undefined;
        const preconditionFailed = err.statusCode === 422 || err.statusCode === 409;
        if (!preconditionFailed || attempt >= MAX_ATTEMPTS) throw err;
        current = await this.kube.get<T>(resource, namespace, name, signal);
      }
    }
    return undefined;
  }
}
