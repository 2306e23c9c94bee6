// Secrets are listed and watched as metadata only (PartialObjectMetadata): a cluster's Secrets never
// reach the controller with their data, and the cache does not keep annotations either (kubectl's
// last-applied-configuration holds the data, and metadata carries it); the cache still sees every
// change, so a rotated Secret is reconciled. Real apiserver.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { RestClient } from '../../../src/runtime/kube/rest.ts';
import { Informer } from '../../../src/runtime/informer.ts';
import { DEFAULT_REFLECTOR_TUNING } from '../../../src/runtime/reflector.ts';
import { CORE } from '../../../src/runtime/resources.ts';
import type { KubeObject } from '../../../src/runtime/types.ts';
import { createTestNamespace, kubeConfig, waitFor, type TestNamespace } from '../support/index.ts';

const SECRET_VALUE = 'c3VwM3Itc2VjcmV0LXZhbHVl'; // base64 of "sup3r-secret-value"
let ns: TestNamespace;
let informer: Informer | undefined;

beforeAll(async () => {
  ns = await createTestNamespace('rt-secret-meta');
  const body = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'keystore', labels: { app: 'web' } }, data: { 'tls.key': SECRET_VALUE } };
  // As `kubectl apply` leaves it: the whole manifest, data included, in an annotation.
  const annotated = { ...body, metadata: { ...body.metadata, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(body) } } };
  await kubeConfig().makeApiClient(CoreV1Api).createNamespacedSecret({ namespace: ns.name, body: annotated });
});

afterAll(async () => {
  await informer?.stop();
  await ns?.delete();
});

describe('the Secret cache', () => {
  it('lists Secrets without their data: the apiserver answers the metadata-only list with none', async () => {
    const list = await new RestClient(kubeConfig()).list(CORE.secret, ns.name, { metadataOnly: true });
    expect(list.items.map((s) => [s.kind, s.apiVersion, s.metadata?.name])).toEqual([['Secret', 'v1', 'keystore']]);
    expect((list.items[0] as KubeObject & { data?: unknown }).data).toBeUndefined();
    // A full list carries it, so the difference is the request's, not the Secret's.
    const full = await new RestClient(kubeConfig()).list(CORE.secret, ns.name);
    expect((full.items[0] as KubeObject & { data?: unknown }).data).toEqual({ 'tls.key': SECRET_VALUE });
  });

  it('holds each Secret as identity only, and sees a change of its data as a new version', async () => {
    informer = new Informer({ client: new RestClient(kubeConfig()), resource: CORE.secret, namespaces: [ns.name], log: pino({ level: 'silent' }), tuning: DEFAULT_REFLECTOR_TUNING });
    const events: string[] = [];
    informer.onEvent((e) => events.push(`${e.type} ${e.obj.metadata?.name ?? ''}`));
    informer.start();
    await informer.waitForSync();
    const cached = informer.store.get(ns.name, 'keystore');
    expect(cached).toMatchObject({ kind: 'Secret', apiVersion: 'v1', metadata: { name: 'keystore', namespace: ns.name, labels: { app: 'web' } } });
    expect(JSON.stringify(cached)).not.toContain(SECRET_VALUE.slice(0, 12));
    expect(cached?.metadata?.annotations).toBeUndefined();
    const before = cached?.metadata?.resourceVersion;

    // Rotation: new data under the same name reaches the cache as a new resourceVersion (over the watch).
    await kubeConfig().makeApiClient(CoreV1Api).patchNamespacedSecret({ namespace: ns.name, name: 'keystore', body: [{ op: 'replace', path: '/data/tls.key', value: 'cm90YXRlZA==' }] });
    await waitFor(() => informer?.store.get(ns.name, 'keystore')?.metadata?.resourceVersion !== before, { description: 'the rotated Secret in the cache' });
    const rotated = informer.store.get(ns.name, 'keystore');
    expect(rotated?.kind).toBe('Secret');
    expect(JSON.stringify(rotated)).not.toContain('cm90YXRlZA');
    expect(events).toEqual(['add keystore', 'update keystore']);
  });
});
