// What Flux's `wait` sees, version by version: every state of a ServerCertificate the apiserver
// stored, from its creation to the controller's verdict, run through the real kstatus
// (sigs.k8s.io/cli-utils v0.37.2 status.Compute). Only the object as created is `Current` (nothing
// has seen it yet; no controller can help that); from the controller's first write on it is
// InProgress until it is done: Current when Ready, Failed when Stalled.
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { CustomObjectsApi, Watch } from '@kubernetes/client-node';
import { FINALIZER, RESOURCES, type ServerCertificate } from '../../../src/crds/index.ts';
import { createPki, pemBundle, type TestPki } from '../../support/pki.ts';
import { conditionOf, kstatusOf, kubeConfig, waitFor } from '../support/index.ts';
import { applyServerCertificate, controllerPerFile, putSecret } from './harness.ts';

const env = controllerPerFile('scert-kstatus');
const SC = RESOURCES.serverCertificate;
let pki: TestPki;
const stops: Array<() => void> = [];

beforeAll(async () => {
  pki = await createPki({ algorithm: 'ecdsa' });
});
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

/** Every version of `name` the apiserver stores from now on, in order (a watch from the current resourceVersion). */
async function recordVersions(name: string): Promise<ServerCertificate[]> {
  const kc = kubeConfig();
  const list = (await kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ ...SC, namespace: env.ns.name })) as { metadata: { resourceVersion: string } };
  const versions: ServerCertificate[] = [];
  const req = await new Watch(kc).watch(
    `/apis/${SC.group}/${SC.version}/namespaces/${env.ns.name}/${SC.plural}`,
    { resourceVersion: list.metadata.resourceVersion, fieldSelector: `metadata.name=${name}` },
    (type: string, obj: ServerCertificate) => {
      if (type === 'ADDED' || type === 'MODIFIED') versions.push(obj);
    },
    () => undefined,
  );
  stops.push(() => req.abort());
  return versions;
}

const done = (sc: ServerCertificate | undefined, type: 'Ready' | 'Stalled'): boolean =>
  sc?.status?.observedGeneration === sc?.metadata?.generation && conditionOf(sc, type)?.status === 'True';

describe('kstatus of a ServerCertificate, from creation to verdict', () => {
  it('is InProgress from the first write (Reconciling=True, before the finalizer) until Ready, then Current', async () => {
    await putSecret(env.ns.name, 'site', { 'tls.crt': pemBundle(pki.leaf, ...pki.chain), 'tls.key': pki.leaf.keyPem });
    const versions = await recordVersions('site');
    await applyServerCertificate(env.ns.name, 'site', { secretRef: { name: 'site' }, iam: { name: 'kstatus-site' } });
    await waitFor(() => done(versions.at(-1), 'Ready'), { description: 'site Ready', timeoutMs: 60_000 });

    const verdicts = (await kstatusOf(versions)).map((k) => k.status);
    expect(verdicts[0]).toBe('Current'); // as created: no status yet
    expect(verdicts.slice(1, -1).every((s) => s === 'InProgress')).toBe(true);
    expect(verdicts.at(-1)).toBe('Current');
    expect(versions.length).toBeGreaterThanOrEqual(3);

    // The controller's first write is the status, not the finalizer.
    const first = versions[1]!;
    expect(first.status?.observedGeneration).toBe(1);
    expect(conditionOf(first, 'Reconciling')).toMatchObject({ status: 'True', reason: 'Progressing' });
    expect(first.metadata?.finalizers ?? []).not.toContain(FINALIZER);
    expect(versions.filter((v) => v.metadata?.finalizers?.includes(FINALIZER) && v.status?.observedGeneration === undefined)).toEqual([]);
  });

  it('is InProgress until the controller gives up on a missing Secret, then Failed with its message', async () => {
    const versions = await recordVersions('orphan');
    await applyServerCertificate(env.ns.name, 'orphan', { secretRef: { name: 'no-such-secret' } });
    await waitFor(() => done(versions.at(-1), 'Stalled'), { description: 'orphan Stalled', timeoutMs: 60_000 });

    const verdicts = await kstatusOf(versions);
    expect(verdicts.slice(1, -1).every((k) => k.status === 'InProgress')).toBe(true);
    expect(verdicts.at(-1)).toEqual({ status: 'Failed', message: conditionOf(versions.at(-1), 'Stalled')?.message });
    expect(conditionOf(versions.at(-1), 'Stalled')?.reason).toBe('SecretNotFound');
  });
});
