// What the informer caches keep of the built-in kinds that only the LoadBalancedService reconciler
// reads: a Service's port names and numbers, an EndpointSlice's address type, ports and endpoint
// addresses with readiness (src/reconcilers/load-balanced-service/endpoints.ts), plus the metadata
// that keys, indexes and watch mappings use. A cluster's Services and EndpointSlices are many and
// mostly unrelated to us; everything else in them (annotations such as last-applied-configuration,
// clusterIPs, topology, hints, status) would sit in the heap for nothing.
import type { KubeObject, ResourceType } from './types.ts';
import { CORE } from './resources.ts';

type Metadata = NonNullable<KubeObject['metadata']>;

/** The object without its undefined fields (each would still take a slot in every cached copy). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Identity, change detection, the service-name label, deletion. */
function trimMetadata(meta: Metadata | undefined): Metadata | undefined {
  if (!meta) return meta;
  const { name, namespace, uid, resourceVersion, labels, deletionTimestamp } = meta as Metadata & { deletionTimestamp?: string };
  return defined({ name, namespace, uid, resourceVersion, labels, deletionTimestamp }) as Metadata;
}

interface PortLike {
  name?: string | null;
  port?: number | null;
}
interface EndpointLike {
  addresses?: string[];
  conditions?: { ready?: boolean | null } | null;
}

function trimPorts(ports: PortLike[] | null | undefined): PortLike[] | undefined {
  return ports?.map((p) => defined({ name: p.name, port: p.port }));
}

function trimService(obj: KubeObject & { spec?: { ports?: PortLike[] } }): KubeObject {
  const { apiVersion, kind, metadata, spec } = obj;
  return defined({ apiVersion, kind, metadata: trimMetadata(metadata), spec: defined({ ports: trimPorts(spec?.ports) }) }) as KubeObject;
}

function trimEndpointSlice(obj: KubeObject & { addressType?: string; ports?: PortLike[] | null; endpoints?: EndpointLike[] }): KubeObject {
  const { apiVersion, kind, metadata, addressType, ports, endpoints } = obj;
  return defined({
    apiVersion,
    kind,
    metadata: trimMetadata(metadata),
    addressType,
    ports: trimPorts(ports),
    endpoints: endpoints?.map((e) => defined({ addresses: e.addresses, conditions: e.conditions?.ready != null ? { ready: e.conditions.ready } : undefined })),
  }) as KubeObject;
}

const same = (a: ResourceType, b: ResourceType): boolean => a.group === b.group && a.plural === b.plural;

/**
 * Kinds listed and watched as metadata only (PartialObjectMetadata): Secrets. The ServerCertificate
 * reconciler reads a referenced Secret's data on demand (a GET); the cache only maps Secret events to
 * the ServerCertificates that name them. So a cluster's Secrets never cross the wire with their data.
 */
export function metadataOnly(resource: ResourceType): boolean {
  return same(resource, CORE.secret);
}

/** A Secret is kept as its identity and type: no data, and no annotations (kubectl's last-applied-configuration holds the data). */
function trimSecret(obj: KubeObject & { type?: string }): KubeObject {
  const { apiVersion, kind, metadata, type } = obj;
  return defined({ apiVersion, kind, metadata: trimMetadata(metadata), type }) as KubeObject;
}

/** obj reduced to what the reconcilers read, for the kinds trimmed here; other kinds unchanged. */
export function trimForCache(resource: ResourceType, obj: KubeObject): KubeObject {
  if (same(resource, CORE.service)) return trimService(obj);
  if (same(resource, CORE.endpointSlice)) return trimEndpointSlice(obj);
  if (same(resource, CORE.secret)) return trimSecret(obj);
  return obj;
}
