// Work-queue keys and index values are `namespace/name`.
import type { KubeObject } from './types.ts';

export function keyOf(obj: KubeObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

/** The index value for a same-namespace reference: indexKey(obj.metadata.namespace, spec.secretRef.name). */
export function indexKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function parseKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  if (slash < 0) return { namespace: '', name: key };
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
