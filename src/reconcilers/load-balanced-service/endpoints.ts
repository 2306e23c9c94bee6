// A Service's ready endpoints -> IP targets. Pure: takes the Service and its EndpointSlices.
import type { Target } from './model.ts';

interface ServicePort {
  name?: string;
  port?: number;
}
export interface ServiceLike {
  spec?: { ports?: ServicePort[] };
}
export interface EndpointSliceLike {
  addressType?: string;
  ports?: Array<{ name?: string | null; port?: number | null }> | null;
  endpoints?: Array<{ addresses?: string[]; conditions?: { ready?: boolean | null; terminating?: boolean | null } | null }>;
}

/**
 * Targets for `serviceRef {name, port}`: the addresses of ready endpoints, on the target port that
 * the slice publishes for that Service port (matched by port name, as kube-proxy does). Without the
 * Service in the cache, a slice with exactly one port is taken as it is.
 */
export function serviceTargets(service: ServiceLike | undefined, slices: EndpointSliceLike[], servicePort: number): Target[] {
  const portName = service?.spec?.ports?.find((p) => p.port === servicePort)?.name ?? '';
  const out = new Map<string, Target>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
    const ports = slice.ports ?? [];
    const match = service ? ports.find((p) => (p.name ?? '') === portName) : ports.length === 1 ? ports[0] : undefined;
    const port = match?.port;
    if (!port) continue;
    for (const ep of slice.endpoints ?? []) {
      // EndpointSlice API: a nil ready condition means ready.
      if (ep.conditions?.ready === false) continue;
      for (const address of ep.addresses ?? []) out.set(`${address}:${port}`, { id: address, port });
    }
  }
  return [...out.values()].sort((a, b) => (a.id === b.id ? a.port - b.port : a.id < b.id ? -1 : 1));
}
