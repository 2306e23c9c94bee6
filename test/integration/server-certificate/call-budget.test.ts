// IAM calls of many ServerCertificates in one namespace, counted by the environment's limits proxy
// (in front of moto): they share one listing of their path prefix (shared-listing.ts) instead of
// listing it once per check, which read every certificate of the namespace N times per resync.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { limitsProxy } from '../../env/aws-limits/client.ts';
import { createPki, pemBundle, type TestPki } from '../../support/pki.ts';
import { waitFor } from '../support/wait.ts';
import { applyServerCertificate, controllerPerFile, iamCertificates, putSecret, waitForCondition } from './harness.ts';

const COUNT = 10;
const env = controllerPerFile('scert-budget', { resyncPeriod: '8s' });
let pki: TestPki;
/** The access key the in-process controller (this jest worker) calls AWS with. */
const workerKey = (): string => process.env['AWS_ACCESS_KEY_ID'] ?? '';
const calls = async (): Promise<Record<string, number>> => (await limitsProxy.counts(workerKey())).calls;
const delta = (after: Record<string, number>, before: Record<string, number>, op: string): number => (after[op] ?? 0) - (before[op] ?? 0);

beforeAll(async () => {
  pki = await createPki({ algorithm: 'ecdsa' });
});

describe('IAM calls of ServerCertificates in one namespace', () => {
  it(`${COUNT} applied together list their path once, not once each; their re-checks share listings too`, async () => {
    const names = Array.from({ length: COUNT }, (_, i) => `site-${i}`);
    for (const n of names) await putSecret(env.ns.name, n, { 'tls.crt': pemBundle(pki.leaf, ...pki.chain), 'tls.key': pki.leaf.keyPem });
    const before = await calls();
    await Promise.all(names.map((n) => applyServerCertificate(env.ns.name, n, { secretRef: { name: n }, iam: { name: n } })));
    for (const n of names) await waitForCondition(env.ns.name, n, 'Ready', 'True');
    const created = await calls();
    expect(delta(created, before, 'iam.UploadServerCertificate')).toBe(COUNT);
    // One listing when the first check starts; a second at most if the first reconciles straddle its age.
    expect(delta(created, before, 'iam.ListServerCertificates')).toBeLessThanOrEqual(2);
    expect((await iamCertificates(env.controller.clusterName)).length).toBe(COUNT);

    // The periodic re-checks: each reads its own certificate (GetServerCertificate), the listing is shared.
    await waitFor(async () => delta(await calls(), created, 'iam.GetServerCertificate') >= 2 * COUNT, { description: `every ServerCertificate re-checked twice`, timeoutMs: 120_000 });
    const rechecked = await calls();
    const gets = delta(rechecked, created, 'iam.GetServerCertificate');
    const lists = delta(rechecked, created, 'iam.ListServerCertificates');
    expect(lists).toBeGreaterThanOrEqual(1);
    // Once per check would be `gets` listings (20 or more); shared, about one per period (8 s) the checks span.
    expect(lists).toBeLessThanOrEqual(gets / 4);
    expect(delta(rechecked, created, 'iam.UploadServerCertificate')).toBe(0);
  }, 240_000);
});
