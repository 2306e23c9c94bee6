// Built-in kinds the runtime knows how to cache. The CRD kinds come from src/crds (RESOURCES).
import type { ResourceType } from './types.ts';

export const CORE = {
  /** Cached WITHOUT data/stringData (memory, and keys stay out of the heap): read data with kube.get(). */
  secret: { group: '', version: 'v1', plural: 'secrets', kind: 'Secret' },
  service: { group: '', version: 'v1', plural: 'services', kind: 'Service' },
  endpointSlice: { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice' },
  configMap: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap' },
  event: { group: '', version: 'v1', plural: 'events', kind: 'Event' },
  lease: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease' },
} as const satisfies Record<string, ResourceType>;

/** The label EndpointSlices carry naming their Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export function apiVersionOf(r: ResourceType): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

/** e.g. 'secrets' or 'loadbalancedservices.albatross.dev' — unique name of a resource. */
export function resourceId(r: ResourceType): string {
  return r.group === '' ? r.plural : `${r.plural}.${r.group}`;
}
