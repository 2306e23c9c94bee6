// The example's keystore is a throwaway chain like the field report's: a PKCS#12 with a password,
// holding the leaf for service.example.com, two intermediates and a root, each signed by the next.
import { describe, expect, it } from '@jest/globals';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import forge from 'node-forge';
import { createExampleKeystore, exampleKeystoreSecret } from '../../../scripts/generate-example-keystore.ts';

const CERT_BAG = forge.pki.oids['certBag'] as string;
const KEY_BAG = forge.pki.oids['pkcs8ShroudedKeyBag'] as string;

function certificatesIn(pfx: Buffer, password: string): X509Certificate[] {
  const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(pfx.toString('binary')), password);
  const bags = p12.getBags({ bagType: CERT_BAG })[CERT_BAG] ?? [];
  return bags.map((b) => new X509Certificate(Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(b.cert!)).getBytes(), 'binary')));
}

describe('example keystore', () => {
  const ks = createExampleKeystore({ password: 'pw-1' });

  it('holds leaf -> intermediate 2 -> intermediate 1 -> root, each signed by the next', () => {
    const [leaf, int2, int1, root] = certificatesIn(ks.pfx, 'pw-1');
    expect([leaf, int2, int1, root].every(Boolean)).toBe(true);
    expect(leaf!.subject).toContain('CN=service.example.com');
    expect(leaf!.subjectAltName).toBe('DNS:service.example.com');
    expect(leaf!.ca).toBe(false);
    expect(leaf!.verify(int2!.publicKey)).toBe(true);
    expect(int2!.verify(int1!.publicKey)).toBe(true);
    expect(int1!.verify(root!.publicKey)).toBe(true);
    expect(root!.verify(root!.publicKey)).toBe(true);
    expect([int2!.ca, int1!.ca, root!.ca]).toEqual([true, true, true]);
    expect(root!.subject).toContain('TEST ONLY');
    expect(new Date(leaf!.validTo).getTime()).toBeGreaterThan(Date.now() + 300 * 86_400_000);
  });

  it('holds the leaf key, and refuses a wrong password', () => {
    const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(ks.pfx.toString('binary')), 'pw-1');
    const keys = p12.getBags({ bagType: KEY_BAG })[KEY_BAG] ?? [];
    expect(keys).toHaveLength(1);
    const leaf = new X509Certificate(ks.pem.leaf);
    const key = forge.pki.privateKeyToPem(keys[0]!.key!);
    expect(leaf.checkPrivateKey(createPrivateKey(key))).toBe(true);
    expect(() => certificatesIn(ks.pfx, 'wrong')).toThrow();
  });

  it('is new on every run (never a committed key) and packed as the Secret the example reads', () => {
    const secret = exampleKeystoreSecret({ password: 'pw-2', namespace: 'demo' }) as {
      metadata: { name: string; namespace: string };
      data: Record<string, string>;
    };
    expect(secret.metadata).toMatchObject({ name: 'service-keystore', namespace: 'demo' });
    expect(Object.keys(secret.data).sort()).toEqual(['keystore.pfx', 'password']);
    expect(Buffer.from(secret.data['password']!, 'base64').toString()).toBe('pw-2');
    const certs = certificatesIn(Buffer.from(secret.data['keystore.pfx']!, 'base64'), 'pw-2');
    expect(certs).toHaveLength(4);
    expect(certs[0]!.fingerprint256).not.toBe(new X509Certificate(ks.pem.leaf).fingerprint256);
  });
});
