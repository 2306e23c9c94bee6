// Small predicates on object metadata.
import type { KubeObject } from './types.ts';

export function isDeleting(obj: KubeObject): boolean {
  return obj.metadata?.deletionTimestamp != null;
}

export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return obj.metadata?.finalizers?.includes(finalizer) ?? false;
}

export function generationOf(obj: KubeObject): number | undefined {
  return obj.metadata?.generation;
}
