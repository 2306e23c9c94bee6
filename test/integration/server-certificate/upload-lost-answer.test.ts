// An upload IAM did whose answer was lost (a 5xx after the work, as the chaos campaign injects):
// the controller retries it, IAM refuses the name it already holds (EntityAlreadyExists, which the
// environment's limits proxy answers as IAM does; bare moto would store a second copy) and the
// controller takes the certificate it finds under its path. IAM ends with exactly one certificate.
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { IAMClient, UploadServerCertificateCommand } from '@aws-sdk/client-iam';
import { limitsProxy, limitsProxyUrl } from '../../env/aws-limits/client.ts';
import { createPki, pemBundle, type TestPki } from '../../support/pki.ts';
import { uniqueName } from '../support/index.ts';
import { applyServerCertificate, controllerPerFile, iamCertificates, putSecret, waitForCondition } from './harness.ts';

const env = controllerPerFile('scert-lost-answer');
let pki: TestPki;
/** The access key the in-process controller (this jest worker) calls AWS with. */
const workerKey = (): string => process.env['AWS_ACCESS_KEY_ID'] ?? '';

beforeAll(async () => {
  pki = await createPki({ algorithm: 'rsa' });
});

afterEach(async () => {
  await limitsProxy.clearFaults();
});

describe('an IAM upload whose answer was lost', () => {
  it('through the environment, IAM refuses a second upload of a name it holds, as AWS does', async () => {
    const iam = new IAMClient({ endpoint: limitsProxyUrl(), region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: uniqueName('iam-names'), secretAccessKey: 'testing' } });
    const name = uniqueName('twice');
    const path = `/albatross/${uniqueName('names')}/`;
    const upload = () => iam.send(new UploadServerCertificateCommand({ ServerCertificateName: name, Path: path, CertificateBody: pki.leaf.certPem, PrivateKey: pki.leaf.keyPem }));
    await upload();
    const second = await upload().then(() => undefined, (e: unknown) => e as { name?: string; $metadata?: { httpStatusCode?: number } });
    expect({ code: second?.name, status: second?.$metadata?.httpStatusCode }).toEqual({ code: 'EntityAlreadyExistsException', status: 409 });
    // Two uploads of one new name at once: one goes through, the other is refused.
    const other = uniqueName('race');
    const both = await Promise.allSettled([0, 1].map(() => iam.send(new UploadServerCertificateCommand({ ServerCertificateName: other, Path: path, CertificateBody: pki.leaf.certPem, PrivateKey: pki.leaf.keyPem }))));
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('every upload answered 500 after IAM did it: Ready with exactly the one certificate it uploaded', async () => {
    await putSecret(env.ns.name, 'lost', { 'tls.crt': pemBundle(pki.leaf, ...pki.chain), 'tls.key': pki.leaf.keyPem });
    const before = await limitsProxy.counts(workerKey());
    await limitsProxy.setFaults({ serverErrorPercent: 100, serverErrorMode: 'after', operations: '^UploadServerCertificate$', accounts: [workerKey()], seed: 3 });
    await applyServerCertificate(env.ns.name, 'lost', { secretRef: { name: 'lost' } });

    const sc = await waitForCondition(env.ns.name, 'lost', 'Ready', 'True');
    const after = await limitsProxy.counts(workerKey());
    const uploads = (after.calls['iam.UploadServerCertificate'] ?? 0) - (before.calls['iam.UploadServerCertificate'] ?? 0);
    const lost = (after.injected['iam.UploadServerCertificate'] ?? 0) - (before.injected['iam.UploadServerCertificate'] ?? 0);
    // The first upload was done and answered 500; at least one retry was refused as a duplicate.
    expect(lost).toBeGreaterThanOrEqual(1);
    expect(uploads).toBeGreaterThan(lost);
    // iamCertificates fails on two certificates of one name (an upload done twice).
    const iam = await iamCertificates(env.controller.clusterName);
    expect(iam.map((c) => c.name)).toEqual([`lost-${pki.leaf.sha256.slice(0, 8)}`]);
    expect(sc.status?.arn).toBe(iam[0]!.arn);
  });
});
