// Registration helpers for the usual relation "object A names object B in its own namespace"
// (ServerCertificate -> Secret, DnsAlias -> LoadBalancedService, LoadBalancedService -> Service and
// ServerCertificate): index the A objects by what they name, and reconcile them when a B changes.
import { indexKey, keyOf } from './keys.ts';
import type { IndexDefinition, KubeObject, ResourceType, WatchDefinition } from './types.ts';

/**
 * An index on `resource` holding `indexKey(namespace, name)` for every name `namesOf` returns
 * (missing or empty names skipped, duplicates dropped).
 */
export function referenceIndex<T extends KubeObject>(
  resource: ResourceType,
  name: string,
  namesOf: (obj: T) => Array<string | undefined>,
): IndexDefinition {
  return {
    resource,
    name,
    indexFn: (obj) => {
      const namespace = obj.metadata?.namespace ?? '';
      return [...new Set(namesOf(obj as T).flatMap((n) => (n ? [indexKey(namespace, n)] : [])))];
    },
  };
}

/** A watch on `resource`: reconcile the `referrer` objects whose index `indexName` holds the changed object's key. */
export function watchReferenced(resource: ResourceType, referrer: ResourceType, indexName: string): WatchDefinition {
  return { resource, mapToKeys: (obj, caches) => caches.get(referrer).byIndex(indexName, keyOf(obj)).map(keyOf) };
}
