import { describe, expect, it } from '@jest/globals';
import { requestTarget } from '../../../src/runtime/kube/rest.ts';

describe('requestTarget (labels of rest_client_requests_total)', () => {
  it('names the resource and subresource of core, group, namespaced and cluster-wide paths', () => {
    expect(requestTarget('/apis/albatross.dev/v1alpha1/namespaces/ns/dnsaliases/a/status')).toEqual({ resource: 'dnsaliases', subresource: 'status' });
    expect(requestTarget('/apis/albatross.dev/v1alpha1/namespaces/ns/dnsaliases/a')).toEqual({ resource: 'dnsaliases', subresource: '' });
    expect(requestTarget('/apis/albatross.dev/v1alpha1/namespaces/ns/dnsaliases?watch=true')).toEqual({ resource: 'dnsaliases', subresource: '' });
    expect(requestTarget('/api/v1/namespaces/ns/events')).toEqual({ resource: 'events', subresource: '' });
    expect(requestTarget('/api/v1/namespaces')).toEqual({ resource: 'namespaces', subresource: '' });
    expect(requestTarget('/api/v1/namespaces/ns')).toEqual({ resource: 'namespaces', subresource: '' });
    expect(requestTarget('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x')).toEqual({ resource: 'customresourcedefinitions', subresource: '' });
    expect(requestTarget('/version')).toEqual({ resource: '', subresource: '' });
  });
});
