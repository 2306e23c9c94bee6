// A Secret as people have it → an IAM server certificate holding the leaf and its intermediates in
// order, with status describing it; against the real apiserver and moto.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { createPki, crlf, opensslPkcs12Text, pemBundle, toPkcs12, type TestPki } from '../../support/pki.ts';
import { conditionOf } from '../support/index.ts';
import {
  applyServerCertificate,
  controllerPerFile,
  expectNoSecretsIn,
  iamCertificates,
  putSecret,
  waitForCondition,
} from './harness.ts';

const env = controllerPerFile('scert-upload');
let rsa: TestPki;
let ecdsa: TestPki;

beforeAll(async () => {
  [rsa, ecdsa] = await Promise.all([createPki({ algorithm: 'rsa' }), createPki({ algorithm: 'ecdsa' })]);
});

describe('ServerCertificate upload', () => {
  it('a PFX + password Secret becomes Ready; IAM holds the leaf and the intermediates in order, root left out', async () => {
    const pfx = toPkcs12({ leaf: rsa.leaf, chain: [rsa.root, rsa.intermediate1, rsa.intermediate2], password: 'changeit', encoding: 'rc2-40', friendlyName: 'serviceSSL' });
    await putSecret(env.ns.name, 'service-keystore', { 'keystore.pfx': pfx, password: 'changeit' });
    await applyServerCertificate(env.ns.name, 'service-example-com', { secretRef: { name: 'service-keystore' } });

    const sc = await waitForCondition(env.ns.name, 'service-example-com', 'Ready', 'True');
    const expectedName = `service-example-com-${rsa.leaf.sha256.slice(0, 8)}`;
    const iam = await iamCertificates(env.controller.clusterName);
    expect(iam).toHaveLength(1);
    expect(iam[0]).toMatchObject({
      name: expectedName,
      path: `/albatross/${env.controller.clusterName}/${env.ns.name}/`,
      leafSha256: rsa.leaf.sha256,
      chainSha256: [rsa.intermediate2.sha256, rsa.intermediate1.sha256],
    });

    const status = sc.status!;
    expect(status.arn).toBe(iam[0]!.arn);
    expect(status.serverCertificateName).toBe(expectedName);
    expect(status.serverCertificateId).toBeTruthy();
    expect(status.certificate).toMatchObject({
      subject: rsa.leaf.subject,
      issuer: rsa.intermediate2.subject,
      dnsNames: [`service.${rsa.label}.example.com`, `www.service.${rsa.label}.example.com`],
      sha1Thumbprint: rsa.leaf.sha1Thumbprint,
    });
    expect(status.certificate?.sha1Thumbprint).toMatch(/^([0-9a-f]{2} ){19}[0-9a-f]{2}$/);
    expect(status.chain?.map((c) => c.subject)).toEqual([rsa.intermediate2.subject, rsa.intermediate1.subject]);
    expect(status.repairs).toEqual([`left out root CA 'CN=${rsa.root.commonName}'`]);
    expect(conditionOf(sc, 'ChainValid')).toMatchObject({ status: 'True', reason: 'Repaired' });
    expect(conditionOf(sc, 'ExpiringSoon')).toMatchObject({ status: 'False', reason: 'NotExpiring' });
    expect(conditionOf(sc, 'Stalled')).toMatchObject({ status: 'False' });
    expect(conditionOf(sc, 'Drifted')).toMatchObject({ status: 'False', reason: 'NoDrift' });

    const metrics = await (await fetch(`${env.controller.app.metricsUrl}/metrics`)).text();
    const line = metrics.split('\n').find((l) => l.startsWith('albatross_certificate_expiry_timestamp_seconds{') && l.includes(`namespace="${env.ns.name}"`) && l.includes('name="service-example-com"'));
    expect(Number(line?.split(' ').pop())).toBe(Math.floor(rsa.leaf.notAfter.getTime() / 1000));
    expectNoSecretsIn(env.controller.logs, { keys: [rsa.leaf], passwords: ['changeit'] });
  });

  it('a shuffled PEM chain with Bag Attributes and CRLF becomes Ready with ChainValid=Repaired', async () => {
    const pfx = toPkcs12({ leaf: ecdsa.leaf, chain: [ecdsa.intermediate1, ecdsa.root, ecdsa.intermediate2], password: 'x', encoding: 'aes-256', friendlyName: 'serviceSSL' });
    const certs = crlf(opensslPkcs12Text(pfx, 'x', { nokeys: true }));
    const key = crlf(opensslPkcs12Text(pfx, 'x', { nocerts: true }));
    expect(certs).toMatch(/Bag Attributes[\s\S]*subject=/);
    await putSecret(env.ns.name, 'pasted', { 'tls.crt': certs, 'tls.key': key });
    await applyServerCertificate(env.ns.name, 'pasted', { secretRef: { name: 'pasted' }, iam: { name: 'pasted-site' } });

    const sc = await waitForCondition(env.ns.name, 'pasted', 'Ready', 'True');
    expect(conditionOf(sc, 'ChainValid')).toMatchObject({ status: 'True', reason: 'Repaired' });
    expect(sc.status?.repairs).toEqual(expect.arrayContaining([
      'converted CRLF line endings in tls.crt',
      'removed Bag Attributes and subject=/issuer= lines from tls.crt',
      `left out root CA 'CN=${ecdsa.root.commonName}'`,
    ]));
    expect(sc.status?.repairs?.some((r) => r.startsWith('reordered the chain'))).toBe(true);
    const iam = (await iamCertificates(env.controller.clusterName)).find((c) => c.name === `pasted-site-${ecdsa.leaf.sha256.slice(0, 8)}`);
    expect(iam).toMatchObject({ leafSha256: ecdsa.leaf.sha256, chainSha256: [ecdsa.intermediate2.sha256, ecdsa.intermediate1.sha256] });
    expectNoSecretsIn(env.controller.logs, { keys: [ecdsa.leaf] });
  });

  it('includeRoot uploads the root at the end of the chain; the Secret keys can be renamed', async () => {
    await putSecret(env.ns.name, 'renamed', { 'cert.pem': pemBundle(rsa.leaf, rsa.intermediate1), 'key.pem': rsa.leaf.keyPem, 'bundle.pem': pemBundle(rsa.root, rsa.intermediate2) });
    await applyServerCertificate(env.ns.name, 'with-root', {
      secretRef: { name: 'renamed' },
      keys: { certificate: 'cert.pem', privateKey: 'key.pem', chain: 'bundle.pem' },
      includeRoot: true,
    });
    const sc = await waitForCondition(env.ns.name, 'with-root', 'Ready', 'True');
    const iam = (await iamCertificates(env.controller.clusterName)).find((c) => c.name === sc.status?.serverCertificateName);
    expect(iam?.chainSha256).toEqual([rsa.intermediate2.sha256, rsa.intermediate1.sha256, rsa.root.sha256]);
  });

  it('is idempotent: reconciling again uploads nothing more', async () => {
    const before = await iamCertificates(env.controller.clusterName);
    // Touch the Secret (a new resourceVersion, same content): the watch reconciles at once.
    await putSecret(env.ns.name, 'service-keystore', {
      'keystore.pfx': toPkcs12({ leaf: rsa.leaf, chain: rsa.chain, password: 'changeit', encoding: '3des' }),
      password: 'changeit',
    });
    await new Promise((r) => setTimeout(r, 2000));
    await waitForCondition(env.ns.name, 'service-example-com', 'Ready', 'True');
    const after = await iamCertificates(env.controller.clusterName);
    expect(after.map((c) => c.arn).sort()).toEqual(before.map((c) => c.arn).sort());
  });
});
