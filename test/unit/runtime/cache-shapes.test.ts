import { describe, expect, it } from '@jest/globals';
import { transform } from '../../../src/runtime/informer.ts';
import { CORE } from '../../../src/runtime/resources.ts';
import { serviceTargets, type EndpointSliceLike, type ServiceLike } from '../../../src/reconcilers/load-balanced-service/endpoints.ts';

// As the apiserver returns them (kubectl apply'd, with the fields kube-controller-manager sets).
const service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name: 'web',
    namespace: 'shop',
    uid: 'u-1',
    resourceVersion: '41',
    creationTimestamp: '2026-01-01T00:00:00Z',
    labels: { app: 'web' },
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"v1","kind":"Service"}'.repeat(20) },
    managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
  },
  spec: {
    clusterIP: '10.96.0.10',
    clusterIPs: ['10.96.0.10'],
    ipFamilies: ['IPv4'],
    ports: [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 },
      { name: 'metrics', port: 9090, protocol: 'TCP', targetPort: 'metrics' },
    ],
    selector: { app: 'web' },
    sessionAffinity: 'None',
    type: 'ClusterIP',
  },
  status: { loadBalancer: {} },
};

const slice = {
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: {
    name: 'web-abc12',
    namespace: 'shop',
    uid: 'u-2',
    resourceVersion: '42',
    generateName: 'web-',
    generation: 3,
    labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
    annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': '2026-01-01T00:00:00Z' },
    ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'u-1', controller: true }],
  },
  addressType: 'IPv4',
  ports: [
    { name: 'http', port: 8080, protocol: 'TCP' },
    { name: 'metrics', port: 9100, protocol: 'TCP' },
  ],
  endpoints: [
    { addresses: ['10.0.0.1'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'n1', zone: 'a', targetRef: { kind: 'Pod', name: 'web-1', namespace: 'shop', uid: 'p1' } },
    { addresses: ['10.0.0.2'], conditions: { ready: false, serving: true, terminating: true }, nodeName: 'n2', zone: 'b' },
    { addresses: ['10.0.0.3'], conditions: {}, nodeName: 'n3' },
  ],
};

describe('cached shapes of Services and EndpointSlices', () => {
  it('keep only the fields the reconcilers read', () => {
    expect(transform(CORE.service, service)).toStrictEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'shop', uid: 'u-1', resourceVersion: '41', labels: { app: 'web' } },
      spec: { ports: [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }] },
    });
    expect(transform(CORE.endpointSlice, slice)).toStrictEqual({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-abc12', namespace: 'shop', uid: 'u-2', resourceVersion: '42', labels: slice.metadata.labels },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9100 }],
      endpoints: [
        { addresses: ['10.0.0.1'], conditions: { ready: true } },
        { addresses: ['10.0.0.2'], conditions: { ready: false } },
        { addresses: ['10.0.0.3'] },
      ],
    });
  });

  it('give the load balancer the same targets as the full objects', () => {
    const trimmedService = transform(CORE.service, service) as ServiceLike;
    const trimmedSlice = transform(CORE.endpointSlice, slice) as EndpointSliceLike;
    for (const port of [80, 9090]) {
      const full = serviceTargets(service, [slice], port);
      expect(full.length).toBe(2);
      expect(serviceTargets(trimmedService, [trimmedSlice], port)).toEqual(full);
      // Without the Service in the cache (a slice with one port is taken as it is), too.
      const onePort = { ...slice, ports: [slice.ports[0]!] };
      expect(serviceTargets(undefined, [transform(CORE.endpointSlice, onePort) as EndpointSliceLike], port)).toEqual(serviceTargets(undefined, [onePort], port));
    }
  });

  it('a deletion in progress stays visible; other kinds are not trimmed', () => {
    const deleting = { ...slice, metadata: { ...slice.metadata, deletionTimestamp: '2026-01-02T00:00:00Z' } };
    expect(transform(CORE.endpointSlice, deleting).metadata).toHaveProperty('deletionTimestamp', '2026-01-02T00:00:00Z');
    const config = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', annotations: { a: 'b' } }, data: { k: 'v' } };
    expect(transform(CORE.configMap, config)).toStrictEqual(config);
  });

  it("drop kubectl's last-applied-configuration from any kind (custom resources included), other annotations kept", () => {
    const lbs = {
      apiVersion: 'albatross.dev/v1alpha1', kind: 'LoadBalancedService',
      metadata: { name: 'web', namespace: 'shop', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"spec":{}}', team: 'edge' } },
      spec: { loadBalancer: {} },
    };
    const resource = { group: 'albatross.dev', version: 'v1alpha1', plural: 'loadbalancedservices', kind: 'LoadBalancedService' };
    expect(transform(resource, lbs).metadata).toStrictEqual({ name: 'web', namespace: 'shop', annotations: { team: 'edge' } });
    const only = { ...lbs, metadata: { name: 'web', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } } };
    expect(transform(resource, only).metadata).toStrictEqual({ name: 'web' });
  });

  it('keep a Secret as its identity: no data, no annotations (last-applied-configuration holds the data)', () => {
    const secret = {
      apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls',
      metadata: { name: 's', namespace: 'ns', uid: 'u', resourceVersion: '7', labels: { app: 'web' }, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"tls.key":"a2V5"}}' } },
      data: { 'tls.key': 'a2V5' },
    };
    expect(transform(CORE.secret, secret)).toStrictEqual({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: 's', namespace: 'ns', uid: 'u', resourceVersion: '7', labels: { app: 'web' } } });
  });
});
