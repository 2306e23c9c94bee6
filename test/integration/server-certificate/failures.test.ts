// Every way a Secret can be wrong → Stalled with the exact ChainValid reason, nothing uploaded, no key
// material in the controller's log; and a bad Secret never breaks the certificate already in IAM.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { webcrypto } from 'node:crypto';
import { createPki, issueCertificate, pemBundle, toPkcs12, type TestCert, type TestPki } from '../../support/pki.ts';
import { conditionOf } from '../support/index.ts';
import {
  applyServerCertificate,
  controllerPerFile,
  expectNoSecretsIn,
  getServerCertificate,
  iamCertificates,
  putSecret,
  waitForCondition,
} from './harness.ts';

const DAY = 86_400_000;
const env = controllerPerFile('scert-fail');
let pki: TestPki;
let other: TestPki;
let expired: TestCert;
let future: TestCert;
let bigKey: TestCert;

beforeAll(async () => {
  [pki, other] = await Promise.all([createPki({ algorithm: 'rsa' }), createPki({ algorithm: 'ecdsa' })]);
  expired = await issueCertificate({ commonName: `expired.${pki.label}.example.com`, issuer: pki.intermediate2, dnsNames: [`expired.${pki.label}.example.com`], notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY) });
  future = await issueCertificate({ commonName: `future.${pki.label}.example.com`, issuer: pki.intermediate2, dnsNames: [`future.${pki.label}.example.com`], notBefore: new Date(Date.now() + 10 * DAY), notAfter: new Date(Date.now() + 40 * DAY) });
  // Above the 4096 bits IAM accepts (moto takes any size); 4160 rather than 8192 only to be quick to generate.
  const bigKeys = (await webcrypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 4160, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  bigKey = await issueCertificate({ commonName: `big-key.${pki.label}.example.com`, issuer: pki.intermediate2, dnsNames: [`big-key.${pki.label}.example.com`], keys: bigKeys });
}, 120_000);

const PASSWORD = 'correct-horse-battery';

describe('a bad Secret is Stalled with the exact reason and nothing is uploaded', () => {
  const cases: Array<{ name: string; reason: string; data: () => Record<string, string | Buffer>; message: () => string | RegExp }> = [
    {
      name: 'incomplete',
      reason: 'IncompleteChain',
      data: () => ({ 'tls.crt': pemBundle(pki.leaf, pki.intermediate2), 'tls.key': pki.leaf.keyPem, 'ca.crt': pki.root.certPem }),
      message: () => `chain is missing the issuer of 'CN=${pki.intermediate2.commonName}' (index 1), which is 'CN=${pki.intermediate1.commonName}'`,
    },
    {
      name: 'mismatch',
      reason: 'KeyMismatch',
      data: () => ({ 'tls.crt': pemBundle(pki.leaf, ...pki.chain), 'tls.key': other.leaf.keyPem }),
      message: () => `tls.key does not match the certificate 'CN=${pki.leaf.commonName}' (tls.crt index 0)`,
    },
    {
      name: 'expired',
      reason: 'Expired',
      data: () => ({ 'tls.crt': pemBundle(expired, ...pki.chain), 'tls.key': expired.keyPem }),
      message: () => `the certificate 'CN=${expired.commonName}' (index 0) expired on`,
    },
    {
      name: 'not-yet',
      reason: 'NotYetValid',
      data: () => ({ 'tls.crt': pemBundle(future, ...pki.chain), 'tls.key': future.keyPem }),
      message: () => `the certificate 'CN=${future.commonName}' (index 0) is not valid before`,
    },
    {
      name: 'wrong-password',
      reason: 'WrongPassword',
      data: () => ({ 'keystore.pfx': toPkcs12({ leaf: pki.leaf, chain: pki.chain, password: PASSWORD, encoding: 'aes-256' }), password: 'Tr0ub4dor&3' }),
      message: () => "the password in 'password' does not open keystore.pfx (integrity check failed)",
    },
    {
      name: 'rsa-too-big',
      reason: 'Unparseable',
      data: () => ({ 'tls.crt': pemBundle(bigKey, ...pki.chain), 'tls.key': bigKey.keyPem }),
      message: () => 'tls.key holds an RSA key of 4160 bits, above the 4096 bits IAM accepts for a server certificate',
    },
    {
      name: 'key-in-crt',
      reason: 'Unparseable',
      data: () => ({ 'tls.crt': pki.leaf.keyPem, 'tls.key': pki.leaf.keyPem }),
      message: () => 'tls.crt holds a private key, not a certificate',
    },
  ];

  it.each(cases)('$reason ($name)', async ({ name, reason, data, message }) => {
    await putSecret(env.ns.name, `${name}-secret`, data());
    await applyServerCertificate(env.ns.name, name, { secretRef: { name: `${name}-secret` } });
    const sc = await waitForCondition(env.ns.name, name, 'Stalled', 'True', reason);
    expect(conditionOf(sc, 'Ready')).toMatchObject({ status: 'False', reason });
    expect(conditionOf(sc, 'Reconciling')).toMatchObject({ status: 'False' });
    expect(conditionOf(sc, 'ChainValid')).toMatchObject({ status: 'False', reason });
    expect(conditionOf(sc, 'ChainValid')?.message).toContain(message());
    expect(conditionOf(sc, 'Stalled')?.message).toBe(`Secret ${name}-secret: ${conditionOf(sc, 'ChainValid')?.message}; nothing uploaded`);
    expect(sc.status?.arn).toBeUndefined();
    expect((await iamCertificates(env.controller.clusterName)).filter((c) => c.name.startsWith(`${name}-`))).toEqual([]);
    expectNoSecretsIn(env.controller.logs, { keys: [pki.leaf, other.leaf, expired, future, bigKey], passwords: [PASSWORD, 'Tr0ub4dor&3'] });
  });
});

describe('a missing Secret', () => {
  it('is Stalled SecretNotFound, and creating the Secret makes it Ready at once (Secret watch, resync 1h)', async () => {
    await applyServerCertificate(env.ns.name, 'late', { secretRef: { name: 'late-secret' } });
    const stalled = await waitForCondition(env.ns.name, 'late', 'Stalled', 'True', 'SecretNotFound');
    expect(conditionOf(stalled, 'Stalled')?.message).toBe(`Secret late-secret not found in namespace ${env.ns.name}; nothing uploaded`);
    expect(conditionOf(stalled, 'ChainValid')).toMatchObject({ status: 'Unknown', reason: 'SecretNotFound' });

    await putSecret(env.ns.name, 'late-secret', { 'tls.crt': pemBundle(pki.leaf, ...pki.chain), 'tls.key': pki.leaf.keyPem });
    const ready = await waitForCondition(env.ns.name, 'late', 'Ready', 'True', undefined, () => true, 15_000);
    expect(ready.status?.serverCertificateName).toBe(`late-${pki.leaf.sha256.slice(0, 8)}`);
  });
});

describe('a bad Secret after a good upload', () => {
  it('keeps the certificate in IAM and in status: Ready=False, Stalled=True with the reason; fixing it recovers', async () => {
    await putSecret(env.ns.name, 'steady-secret', { 'tls.crt': pemBundle(pki.leaf, ...pki.chain), 'tls.key': pki.leaf.keyPem });
    await applyServerCertificate(env.ns.name, 'steady', { secretRef: { name: 'steady-secret' } });
    const good = await waitForCondition(env.ns.name, 'steady', 'Ready', 'True');
    const arn = good.status?.arn;
    expect(arn).toBeTruthy();

    // Someone pastes the wrong key.
    await putSecret(env.ns.name, 'steady-secret', { 'tls.crt': pemBundle(pki.leaf, ...pki.chain), 'tls.key': other.leaf.keyPem });
    const broken = await waitForCondition(env.ns.name, 'steady', 'Stalled', 'True', 'KeyMismatch', () => true, 15_000);
    expect(conditionOf(broken, 'Ready')).toMatchObject({ status: 'False', reason: 'KeyMismatch' });
    expect(conditionOf(broken, 'Stalled')?.message).toContain(`stays in use`);
    expect(broken.status?.arn).toBe(arn);
    expect(broken.status?.certificate?.sha1Thumbprint).toBe(pki.leaf.sha1Thumbprint);
    const iam = (await iamCertificates(env.controller.clusterName)).filter((c) => c.name.startsWith('steady-'));
    expect(iam.map((c) => c.arn)).toEqual([arn]);

    await putSecret(env.ns.name, 'steady-secret', { 'tls.crt': pemBundle(pki.leaf, ...pki.chain), 'tls.key': pki.leaf.keyPem });
    const fixed = await waitForCondition(env.ns.name, 'steady', 'Ready', 'True', undefined, () => true, 15_000);
    expect(fixed.status?.arn).toBe(arn);
    expect(conditionOf(await getServerCertificate(env.ns.name, 'steady'), 'ChainValid')).toMatchObject({ status: 'True', reason: 'Valid' });
    expectNoSecretsIn(env.controller.logs, { keys: [pki.leaf, other.leaf] });
  });
});
