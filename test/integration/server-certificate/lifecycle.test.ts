// Rotation without downtime and drift correction, against the real apiserver and moto. A listener
// created straight in moto stands for a load balancer using the certificate: moto would let the
// certificate be deleted anyway, so only the controller's own check keeps it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeleteServerCertificateCommand } from '@aws-sdk/client-iam';
import { createPki, issueCertificate, pemBundle, type TestPki } from '../../support/pki.ts';
import { awsClients, conditionOf, waitFor } from '../support/index.ts';
import {
  applyServerCertificate,
  controllerPerFile,
  createHttpsListener,
  deleteLoadBalancer,
  expectNoSecretsIn,
  getServerCertificate,
  iamCertificates,
  moveListener,
  putSecret,
  waitForCondition,
} from './harness.ts';

// A short resync: drift is found by the periodic re-check.
const env = controllerPerFile('scert-life', { resyncPeriod: '3s' });
let pki: TestPki;
const loadBalancers: Array<{ loadBalancerArn: string; listenerArn: string }> = [];

beforeAll(async () => {
  pki = await createPki({ algorithm: 'ecdsa' });
});

afterAll(async () => {
  for (const lb of loadBalancers) await deleteLoadBalancer(lb);
});

describe('rotation', () => {
  it('uploads the renewed leaf under a new name, and deletes the old one only once no listener uses it', async () => {
    await putSecret(env.ns.name, 'rotating', { 'tls.crt': pemBundle(pki.leaf, ...pki.chain), 'tls.key': pki.leaf.keyPem });
    await applyServerCertificate(env.ns.name, 'rotating', { secretRef: { name: 'rotating' } });
    const first = await waitForCondition(env.ns.name, 'rotating', 'Ready', 'True');
    const oldArn = first.status!.arn!;
    const oldName = first.status!.serverCertificateName!;
    const lb = await createHttpsListener(oldArn);
    loadBalancers.push(lb);

    // Renewal: same names, new key and validity.
    const renewed = await issueCertificate({ commonName: pki.leaf.commonName, issuer: pki.intermediate2, dnsNames: [pki.leaf.commonName] });
    await putSecret(env.ns.name, 'rotating', { 'tls.crt': pemBundle(renewed, ...pki.chain), 'tls.key': renewed.keyPem });
    const rotated = await waitForCondition(env.ns.name, 'rotating', 'Ready', 'True', undefined, (sc) => sc.status?.arn !== oldArn, 20_000);
    expect(rotated.status?.serverCertificateName).toBe(`rotating-${renewed.sha256.slice(0, 8)}`);
    expect(rotated.status?.certificate?.sha1Thumbprint).toBe(renewed.sha1Thumbprint);
    expect(rotated.status?.pendingDeletion).toEqual([{ name: oldName, arn: oldArn, reason: expect.any(String), since: expect.any(String) }]);

    // Once a listener scan has run (moto is shared: the whole account's load balancers are walked),
    // status says who still uses the old certificate, and it stays.
    const inUse = await waitForCondition(env.ns.name, 'rotating', 'Ready', 'True', undefined,
      (sc) => sc.status?.pendingDeletion?.[0]?.reason === `in use by 1 listener: ${lb.listenerArn}`, 90_000);
    expect(inUse.status?.pendingDeletion?.[0]?.since).toBe(rotated.status?.pendingDeletion?.[0]?.since);
    await new Promise((r) => setTimeout(r, 3000));
    const both = await iamCertificates(env.controller.clusterName);
    expect(both.filter((c) => c.name.startsWith('rotating-')).map((c) => c.name).sort()).toEqual([oldName, rotated.status!.serverCertificateName!].sort());
    expect(conditionOf(await getServerCertificate(env.ns.name, 'rotating'), 'Ready')?.message).toContain(`kept until unused: ${oldName}`);

    // The listener moves (the LoadBalancedService controller's job): the old certificate goes.
    await moveListener(lb.listenerArn, rotated.status!.arn!);
    await waitFor(async () => !(await iamCertificates(env.controller.clusterName)).some((c) => c.name === oldName), { description: `old certificate ${oldName} deleted`, timeoutMs: 90_000 });
    const settled = await waitForCondition(env.ns.name, 'rotating', 'Ready', 'True', undefined, (sc) => (sc.status?.pendingDeletion ?? []).length === 0, 30_000);
    expect(settled.status?.arn).toBe(rotated.status?.arn);
    expect((await iamCertificates(env.controller.clusterName)).filter((c) => c.name.startsWith('rotating-')).map((c) => c.arn)).toEqual([rotated.status?.arn]);
    expectNoSecretsIn(env.controller.logs, { keys: [pki.leaf, renewed] });
  }, 240_000);
});

describe('drift', () => {
  it('a certificate deleted from IAM behind our back is re-uploaded on the next re-check (Drifted=False, Corrected)', async () => {
    await putSecret(env.ns.name, 'drifting', { 'tls.crt': pemBundle(pki.leaf, ...pki.chain), 'tls.key': pki.leaf.keyPem });
    await applyServerCertificate(env.ns.name, 'drifting', { secretRef: { name: 'drifting' }, iam: { name: 'drift-site' } });
    const ready = await waitForCondition(env.ns.name, 'drifting', 'Ready', 'True');
    const name = ready.status!.serverCertificateName!;

    await awsClients().iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: name }));
    expect((await iamCertificates(env.controller.clusterName)).some((c) => c.name === name)).toBe(false);

    const corrected = await waitForCondition(env.ns.name, 'drifting', 'Drifted', 'False', 'Corrected', () => true, 30_000);
    expect(conditionOf(corrected, 'Drifted')?.message).toBe(`changed back: iam:${name}: absent (deleted outside Albatross) -> present`);
    expect(conditionOf(corrected, 'Ready')?.status).toBe('True');
    const again = (await iamCertificates(env.controller.clusterName)).filter((c) => c.name === name);
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ leafSha256: pki.leaf.sha256, chainSha256: [pki.intermediate2.sha256, pki.intermediate1.sha256] });
  });
});
