// A private key IAM would refuse (RSA above 4096 bits) is Unparseable before any IAM call, naming the
// Secret key and the size; moto would have taken it.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { webcrypto } from 'node:crypto';
import { evaluateSecret } from '../../../src/reconcilers/server-certificate/pki.ts';
import { createPki, issueCertificate, pemBundle, toPkcs12, type TestCert, type TestPki } from '../../support/pki.ts';

let pki: TestPki;
let big: TestCert;

beforeAll(async () => {
  pki = await createPki({ algorithm: 'rsa' });
  // 4160 bits: just above IAM's 4096 (an 8192-bit key takes far longer to generate, for the same answer).
  const keys = (await webcrypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 4160, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  big = await issueCertificate({ commonName: `big.${pki.label}.example.com`, issuer: pki.intermediate2, dnsNames: [`big.${pki.label}.example.com`], keys });
}, 120_000);

describe('RSA key size', () => {
  it('a 2048-bit key is accepted', () => {
    expect(evaluateSecret({ data: { 'tls.crt': Buffer.from(pemBundle(pki.leaf, ...pki.chain)), 'tls.key': Buffer.from(pki.leaf.keyPem) } })).toMatchObject({ ok: true });
  });

  it('a PEM key above 4096 bits is Unparseable, naming tls.key and the size', () => {
    const r = evaluateSecret({ data: { 'tls.crt': Buffer.from(pemBundle(big, ...pki.chain)), 'tls.key': Buffer.from(big.keyPem) } });
    expect(r).toMatchObject({ ok: false, reason: 'Unparseable' });
    expect(r.message).toBe('tls.key holds an RSA key of 4160 bits, above the 4096 bits IAM accepts for a server certificate: issue the certificate with an RSA key of 2048 (or up to 4096) bits');
  });

  it('the same in a PKCS#12 keystore names the keystore', () => {
    const r = evaluateSecret({ data: { 'keystore.pfx': toPkcs12({ leaf: big, chain: pki.chain, password: 'pw', encoding: 'aes-256' }), password: Buffer.from('pw') } });
    expect(r).toMatchObject({ ok: false, reason: 'Unparseable' });
    expect(r.message).toContain('the private key in keystore.pfx holds an RSA key of 4160 bits');
  });
});
