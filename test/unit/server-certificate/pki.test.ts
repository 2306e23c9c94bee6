// Reading, repairing and validating certificate material from a Secret: real PKI generated at test
// time, keystores made by openssl exactly as users have them.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { inspect } from 'node:util';
import { evaluateSecret, type PkiResult } from '../../../src/reconcilers/server-certificate/pki.ts';
import {
  createPki,
  crlf,
  issueCertificate,
  opensslPkcs12Text,
  pemBundle,
  toPkcs12,
  traditionalKeyPem,
  type KeyAlgorithm,
  type Pkcs12Encoding,
  type TestCert,
  type TestPki,
} from '../../support/pki.ts';
import { execFileSync } from 'node:child_process';
import forge from 'node-forge';

type Data = Record<string, string | Buffer>;
const secret = (data: Data) =>
  Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? Buffer.from(v) : v]));

function evaluate(data: Data, opts: { includeRoot?: boolean; now?: Date; keys?: Record<string, string> } = {}): PkiResult {
  return evaluateSecret({ data: secret(data), ...opts });
}

/** The certificates IAM would get, as test certs' SHA-256, leaf first. */
function uploaded(result: PkiResult): string[] {
  if (!result.ok) throw new Error(`expected a bundle, got ${result.reason}: ${result.message}`);
  const pems = (result.bundle.certificateBody + result.bundle.certificateChain).match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  return pems.map((p) => new X509Certificate(p).fingerprint256.replace(/:/g, '').toLowerCase());
}

const ids = (...certs: TestCert[]) => certs.map((c) => c.sha256);

const pkis: Record<KeyAlgorithm, TestPki> = {} as Record<KeyAlgorithm, TestPki>;
let other: TestPki;

beforeAll(async () => {
  pkis.rsa = await createPki({ algorithm: 'rsa' });
  pkis.ecdsa = await createPki({ algorithm: 'ecdsa' });
  other = await createPki({ algorithm: 'ecdsa' });
}, 120_000); // key generation (RSA) on a loaded 2-core machine can take far longer than jest's 5 s default

describe.each(['rsa', 'ecdsa'] as const)('PKCS#12 keystores (%s)', (algorithm) => {
  it.each(['rc2-40', '3des', 'aes-256'] as Pkcs12Encoding[])('reads a %s keystore with its password: leaf + intermediates in order, root left out', (encoding) => {
    const pki = pkis[algorithm];
    const pfx = toPkcs12({ leaf: pki.leaf, chain: [pki.intermediate1, pki.root, pki.intermediate2], password: 'Secr3t!', encoding });
    const result = evaluate({ 'keystore.pfx': pfx, password: 'Secr3t!' });
    expect(result.reason).toBe('Repaired');
    expect(uploaded(result)).toEqual(ids(pki.leaf, pki.intermediate2, pki.intermediate1));
    expect(result.repairs).toEqual([`left out root CA 'CN=${pki.root.commonName}'`]);
  });

  it('is Valid (no repairs) for a keystore without the root', () => {
    const pki = pkis[algorithm];
    const pfx = toPkcs12({ leaf: pki.leaf, chain: pki.chain, password: 'pw', encoding: 'aes-256' });
    const result = evaluate({ 'keystore.pfx': pfx, password: 'pw' });
    expect(result.reason).toBe('Valid');
    expect(result.repairs).toEqual([]);
    expect(uploaded(result)).toEqual(ids(pki.leaf, pki.intermediate2, pki.intermediate1));
  });

  it('returns a private key that belongs to the leaf', () => {
    const pki = pkis[algorithm];
    const result = evaluate({ 'keystore.pfx': toPkcs12({ leaf: pki.leaf, chain: pki.chain, password: 'pw', encoding: 'rc2-40' }), password: 'pw' });
    if (!result.ok) throw new Error(result.message);
    const key = createPrivateKey(result.bundle.privateKey.reveal());
    expect(new X509Certificate(result.bundle.certificateBody).checkPrivateKey(key)).toBe(true);
    expect(result.bundle.privateKey.reveal()).toMatch(algorithm === 'rsa' ? /^-----BEGIN RSA PRIVATE KEY-----/ : /^-----BEGIN EC PRIVATE KEY-----/);
  });
});

describe('PKCS#12 failures', () => {
  it.each(['rc2-40', '3des', 'aes-256'] as Pkcs12Encoding[])('a wrong password on a %s keystore is WrongPassword, naming the keys and not the password', (encoding) => {
    const pki = pkis.rsa;
    const pfx = toPkcs12({ leaf: pki.leaf, chain: pki.chain, password: 'right-one', encoding });
    const result = evaluate({ 'keystore.pfx': pfx, password: 'wrong-one' });
    expect(result.reason).toBe('WrongPassword');
    expect(result.message).toBe("the password in 'password' does not open keystore.pfx (integrity check failed)");
    expect(result.message).not.toContain('wrong-one');
  });

  it('a keystore modified after export (MAC broken, password right) is Unparseable, not WrongPassword', () => {
    const pfx = toPkcs12({ leaf: pkis.rsa.leaf, chain: pkis.rsa.chain, password: 'pw', encoding: 'aes-256' });
    const asn = forge.asn1.fromDer(forge.util.createBuffer(pfx.toString('binary')));
    const macData = (asn.value as forge.asn1.Asn1[])[2] as forge.asn1.Asn1;
    const digestInfo = (macData.value as forge.asn1.Asn1[])[0] as forge.asn1.Asn1;
    const digest = (digestInfo.value as forge.asn1.Asn1[])[1] as forge.asn1.Asn1;
    const bytes = digest.value as string;
    digest.value = String.fromCharCode(bytes.charCodeAt(0) ^ 1) + bytes.slice(1);
    const tampered = Buffer.from(forge.asn1.toDer(asn).getBytes(), 'binary');
    expect(evaluate({ 'keystore.pfx': tampered, password: 'pw' })).toMatchObject({
      reason: 'Unparseable',
      message: 'keystore.pfx is not a readable PKCS#12 keystore: its integrity check (MAC) fails although the password decrypts it; the file is damaged or was modified',
    });
    expect(evaluate({ 'keystore.pfx': tampered, password: 'other' }).reason).toBe('WrongPassword');
  });

  it('a missing password key is WrongPassword naming the key', () => {
    const pfx = toPkcs12({ leaf: pkis.rsa.leaf, password: 'x', encoding: 'aes-256' });
    const result = evaluate({ 'keystore.pfx': pfx });
    expect(result).toMatchObject({ reason: 'WrongPassword', message: "keystore.pfx is protected by a password, but the Secret has no 'password' key" });
  });

  it('tolerates a trailing newline in the password (echo > password.txt) and says so', () => {
    const pfx = toPkcs12({ leaf: pkis.rsa.leaf, chain: pkis.rsa.chain, password: 'pw', encoding: '3des' });
    const result = evaluate({ 'keystore.pfx': pfx, password: 'pw\n' });
    expect(result.reason).toBe('Repaired');
    expect(result.repairs).toContain('ignored the trailing newline in password');
  });

  it('opens a keystore with an empty password', () => {
    const pfx = toPkcs12({ leaf: pkis.ecdsa.leaf, chain: pkis.ecdsa.chain, password: '', encoding: 'aes-256' });
    expect(evaluate({ 'keystore.pfx': pfx }).reason).toBe('Valid');
  });

  it('garbage under keystore.pfx is Unparseable', () => {
    expect(evaluate({ 'keystore.pfx': Buffer.from('this is not a keystore'), password: 'x' })).toMatchObject({
      reason: 'Unparseable',
      message: 'keystore.pfx is not a readable PKCS#12 keystore: its PFX is not a SEQUENCE',
    });
  });

  it('a truncated keystore is Unparseable', () => {
    const pfx = toPkcs12({ leaf: pkis.rsa.leaf, password: 'pw', encoding: 'aes-256' });
    const result = evaluate({ 'keystore.pfx': pfx.subarray(0, pfx.length - 40), password: 'pw' });
    expect(result.reason).toBe('Unparseable');
    expect(result.message).toMatch(/^keystore\.pfx is not/);
  });

  it('a keystore without its private key is Unparseable with a hint', () => {
    const dir = execFileSync('mktemp', ['-d']).toString().trim();
    try {
      execFileSync('sh', ['-c', `cat > ${dir}/c.pem && openssl pkcs12 -export -nokeys -in ${dir}/c.pem -out ${dir}/o.pfx -passout pass:pw`], { input: pkis.rsa.leaf.certPem });
      const pfx = execFileSync('cat', [`${dir}/o.pfx`]);
      expect(evaluate({ 'keystore.pfx': pfx, password: 'pw' })).toMatchObject({
        reason: 'Unparseable',
        message: 'keystore.pfx holds no private key; export the certificate together with its private key',
      });
    } finally {
      execFileSync('rm', ['-rf', dir]);
    }
  });

  it('a base64-encoded keystore (double encoding in a manifest) is decoded and reported', () => {
    const pfx = toPkcs12({ leaf: pkis.rsa.leaf, chain: pkis.rsa.chain, password: 'pw', encoding: 'aes-256' });
    const result = evaluate({ 'keystore.pfx': pfx.toString('base64'), password: 'pw' });
    expect(result.reason).toBe('Repaired');
    expect(result.repairs).toEqual(['decoded keystore.pfx, which was base64 text rather than the binary keystore']);
  });

  it('uses spec.keys to find the keystore and password', () => {
    const pfx = toPkcs12({ leaf: pkis.rsa.leaf, chain: pkis.rsa.chain, password: 'pw', encoding: 'aes-256' });
    const result = evaluate({ 'service.pfx': pfx, 'service.pass': 'pw' }, { keys: { pkcs12: 'service.pfx', password: 'service.pass' } });
    expect(result.reason).toBe('Valid');
  });
});

describe('PEM input', () => {
  it('tls.crt + tls.key + ca.crt in order is Valid with no repairs', () => {
    const pki = pkis.rsa;
    const result = evaluate({ 'tls.crt': pki.leaf.certPem, 'tls.key': pki.leaf.keyPem, 'ca.crt': pemBundle(...pki.chain) });
    expect(result).toMatchObject({ reason: 'Valid', repairs: [] });
    expect(uploaded(result)).toEqual(ids(pki.leaf, pki.intermediate2, pki.intermediate1));
  });

  it('accepts the chain appended to the leaf in tls.crt', () => {
    const pki = pkis.ecdsa;
    const result = evaluate({ 'tls.crt': pemBundle(pki.leaf, ...pki.chain), 'tls.key': pki.leaf.keyPem });
    expect(result.reason).toBe('Valid');
    expect(uploaded(result)).toEqual(ids(pki.leaf, pki.intermediate2, pki.intermediate1));
  });

  it('accepts a leaf issued directly by a root the clients trust (nothing else supplied)', () => {
    const result = evaluate({ 'tls.crt': pkis.rsa.leaf.certPem, 'tls.key': pkis.rsa.leaf.keyPem });
    expect(result.reason).toBe('Valid');
    expect(uploaded(result)).toEqual(ids(pkis.rsa.leaf));
  });

  it('repairs `openssl pkcs12 -nodes` output: Bag Attributes, subject=/issuer= lines, CRLF, shuffled chain with root', () => {
    const pki = pkis.rsa;
    const pfx = toPkcs12({ leaf: pki.leaf, chain: [pki.root, pki.intermediate1, pki.intermediate2], password: 'pw', encoding: 'rc2-40', friendlyName: 'serviceSSL' });
    const certs = crlf(opensslPkcs12Text(pfx, 'pw', { nokeys: true }));
    const key = crlf(opensslPkcs12Text(pfx, 'pw', { nocerts: true }));
    expect(certs).toContain('Bag Attributes');
    expect(certs).toContain('subject=');
    const result = evaluate({ 'tls.crt': certs, 'tls.key': key });
    expect(result.reason).toBe('Repaired');
    expect(uploaded(result)).toEqual(ids(pki.leaf, pki.intermediate2, pki.intermediate1));
    expect(result.repairs).toEqual(expect.arrayContaining([
      'converted CRLF line endings in tls.crt',
      'removed Bag Attributes and subject=/issuer= lines from tls.crt',
      `reordered the chain: 'CN=${pki.leaf.commonName}' → 'CN=${pki.intermediate2.commonName}' → 'CN=${pki.intermediate1.commonName}' → 'CN=${pki.root.commonName}'`,
      `left out root CA 'CN=${pki.root.commonName}'`,
    ]));
    expect(result.message).toContain('repaired: ');
  });

  it('includes the root when includeRoot is set', () => {
    const pki = pkis.rsa;
    const result = evaluate({ 'tls.crt': pemBundle(pki.leaf, ...pki.chain, pki.root), 'tls.key': pki.leaf.keyPem }, { includeRoot: true });
    expect(result.reason).toBe('Valid');
    expect(uploaded(result)).toEqual(ids(pki.leaf, pki.intermediate2, pki.intermediate1, pki.root));
  });

  it('removes duplicates and moves the leaf to the front', () => {
    const pki = pkis.ecdsa;
    const result = evaluate({
      'tls.crt': pemBundle(pki.intermediate2, pki.leaf, pki.intermediate1),
      'tls.key': pki.leaf.keyPem,
      'ca.crt': pemBundle(pki.intermediate1, pki.intermediate2),
    });
    expect(result.reason).toBe('Repaired');
    expect(uploaded(result)).toEqual(ids(pki.leaf, pki.intermediate2, pki.intermediate1));
    expect(result.repairs).toEqual([
      `removed duplicate certificate 'CN=${pki.intermediate1.commonName}' (ca.crt index 0)`,
      `removed duplicate certificate 'CN=${pki.intermediate2.commonName}' (ca.crt index 1)`,
      `moved the leaf 'CN=${pki.leaf.commonName}' to the front (it was tls.crt index 1)`,
    ]);
  });

  it('leaves out a certificate that is not part of the chain', () => {
    const pki = pkis.rsa;
    const result = evaluate({ 'tls.crt': pemBundle(pki.leaf, ...pki.chain, pki.root, other.leaf), 'tls.key': pki.leaf.keyPem });
    expect(result.reason).toBe('Repaired');
    expect(uploaded(result)).toEqual(ids(pki.leaf, pki.intermediate2, pki.intermediate1));
    expect(result.repairs).toContain(`left out 'CN=${other.leaf.commonName}' (tls.crt index 4): it is not part of the leaf's chain`);
  });

  it.each(['rsa', 'ecdsa'] as const)('reads traditional %s key files (RSA PRIVATE KEY / EC PRIVATE KEY)', (algorithm) => {
    const pki = pkis[algorithm];
    const result = evaluate({ 'tls.crt': pemBundle(pki.leaf, ...pki.chain), 'tls.key': traditionalKeyPem(pki.leaf) });
    expect(result.reason).toBe('Valid');
  });

  it('reads an encrypted PKCS#8 key with the password key, and names a wrong or missing password', () => {
    const pki = pkis.rsa;
    const encrypted = createPrivateKey(pki.leaf.keyPem).export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'kp' }) as string;
    const base = { 'tls.crt': pemBundle(pki.leaf, ...pki.chain), 'tls.key': encrypted };
    expect(evaluate({ ...base, password: 'kp' }).reason).toBe('Valid');
    expect(evaluate({ ...base, password: 'nope' })).toMatchObject({ reason: 'WrongPassword', message: "the password in 'password' does not decrypt the private key in tls.key" });
    expect(evaluate(base)).toMatchObject({ reason: 'WrongPassword', message: "tls.key holds an encrypted private key, but the Secret has no 'password' key to decrypt it" });
  });

  it('converts binary DER certificate and key files and says so', () => {
    const pki = pkis.ecdsa;
    const keyDer = createPrivateKey(pki.leaf.keyPem).export({ format: 'der', type: 'pkcs8' });
    const result = evaluate({ 'tls.crt': pki.leaf.der, 'tls.key': keyDer, 'ca.crt': pemBundle(...pki.chain) });
    expect(result.reason).toBe('Repaired');
    expect(result.repairs).toEqual(['converted binary DER in tls.crt to PEM', 'converted binary DER in tls.key to PEM']);
  });

  it('decodes PEM that was base64-encoded twice', () => {
    const pki = pkis.rsa;
    const result = evaluate({ 'tls.crt': Buffer.from(pemBundle(pki.leaf, ...pki.chain)).toString('base64'), 'tls.key': pki.leaf.keyPem });
    expect(result.reason).toBe('Repaired');
    expect(result.repairs).toEqual(['decoded tls.crt, which was base64-encoded twice']);
  });

  it('takes the key from tls.crt when tls.key is absent (combined PEM)', () => {
    const pki = pkis.rsa;
    const result = evaluate({ 'tls.crt': pki.leaf.keyPem + pemBundle(pki.leaf, ...pki.chain) });
    expect(result.reason).toBe('Repaired');
    expect(result.repairs).toEqual(["read the private key from tls.crt (the Secret has no 'tls.key')"]);
  });

  it('uses spec.keys for PEM key names', () => {
    const pki = pkis.rsa;
    const result = evaluate({ 'cert.pem': pki.leaf.certPem, 'key.pem': pki.leaf.keyPem, 'chain.pem': pemBundle(...pki.chain) }, {
      keys: { certificate: 'cert.pem', privateKey: 'key.pem', chain: 'chain.pem' },
    });
    expect(result.reason).toBe('Valid');
    expect(uploaded(result)).toEqual(ids(pki.leaf, pki.intermediate2, pki.intermediate1));
  });
});

describe('PEM failures name the key, subject and index', () => {
  it('tls.crt holding a private key', () => {
    expect(evaluate({ 'tls.crt': pkis.rsa.leaf.keyPem, 'tls.key': pkis.rsa.leaf.keyPem })).toMatchObject({
      reason: 'Unparseable',
      message: 'tls.crt holds a private key, not a certificate',
    });
  });

  it('tls.key holding a certificate (the field report\'s second command)', () => {
    expect(evaluate({ 'tls.crt': pkis.rsa.leaf.certPem, 'tls.key': pkis.rsa.leaf.certPem })).toMatchObject({
      reason: 'Unparseable',
      message: 'tls.key holds a certificate, not a private key',
    });
  });

  it('a missing tls.key, and a Secret with neither format', () => {
    expect(evaluate({ 'tls.crt': pkis.rsa.leaf.certPem })).toMatchObject({ reason: 'Unparseable', message: "the Secret has 'tls.crt' but no 'tls.key'" });
    expect(evaluate({ other: 'x' })).toMatchObject({ reason: 'Unparseable', message: "the Secret has neither 'keystore.pfx' nor 'tls.crt'" });
  });

  it('a PEM block cut off in the middle', () => {
    const pem = pkis.rsa.leaf.certPem.slice(0, 300);
    expect(evaluate({ 'tls.crt': pem, 'tls.key': pkis.rsa.leaf.keyPem })).toMatchObject({
      reason: 'Unparseable',
      message: 'tls.crt: the CERTIFICATE block 0 (line 1) has no END line; the text is cut off or mangled',
    });
  });

  it('a certificate block that is not X.509', () => {
    const bogus = '-----BEGIN CERTIFICATE-----\nTm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
    expect(evaluate({ 'tls.crt': pkis.rsa.leaf.certPem + bogus, 'tls.key': pkis.rsa.leaf.keyPem })).toMatchObject({
      reason: 'Unparseable',
      message: 'tls.crt: certificate 1 is not a valid X.509 certificate',
    });
  });

  it('a key that matches no certificate is KeyMismatch', () => {
    const pki = pkis.rsa;
    expect(evaluate({ 'tls.crt': pemBundle(pki.leaf, ...pki.chain), 'tls.key': other.leaf.keyPem })).toMatchObject({
      reason: 'KeyMismatch',
      message: `tls.key does not match the certificate 'CN=${pki.leaf.commonName}' (tls.crt index 0), nor any of the other 2 certificates supplied`,
    });
  });

  it('a missing intermediate between two supplied ones is IncompleteChain naming the certificate and index', () => {
    const pki = pkis.rsa;
    const result = evaluate({ 'tls.crt': pemBundle(pki.leaf, pki.intermediate2), 'tls.key': pki.leaf.keyPem, 'ca.crt': pki.root.certPem });
    expect(result).toMatchObject({
      reason: 'IncompleteChain',
      message: `chain is missing the issuer of 'CN=${pki.intermediate2.commonName}' (index 1), which is 'CN=${pki.intermediate1.commonName}'; supplied but not linked: 'CN=${pki.root.commonName}' (ca.crt index 0)`,
    });
  });

  it('a missing immediate issuer is IncompleteChain at index 0', () => {
    const pki = pkis.ecdsa;
    const result = evaluate({ 'tls.crt': pemBundle(pki.leaf, pki.intermediate1), 'tls.key': pki.leaf.keyPem });
    expect(result.reason).toBe('IncompleteChain');
    expect(result.message).toMatch(new RegExp(`^chain is missing the issuer of 'CN=${pki.leaf.commonName}' \\(index 0\\), which is 'CN=${pki.intermediate2.commonName}'`));
  });

  it('an intermediate with the right name but another key (wrong version of the CA) is IncompleteChain', async () => {
    const pki = pkis.rsa;
    const impostor = await issueCertificate({ commonName: pki.intermediate2.commonName, issuer: pki.intermediate1, ca: true });
    const result = evaluate({ 'tls.crt': pemBundle(pki.leaf, impostor, pki.intermediate1), 'tls.key': pki.leaf.keyPem });
    expect(result.reason).toBe('IncompleteChain');
    expect(result.message).toContain('did not sign it');
  });

  it('Expired and NotYetValid name the certificate and its index', async () => {
    const pki = pkis.rsa;
    const data = { 'tls.crt': pemBundle(pki.leaf, ...pki.chain), 'tls.key': pki.leaf.keyPem };
    const future = new Date(pki.leaf.notAfter.getTime() + 86_400_000);
    expect(evaluate(data, { now: future })).toMatchObject({ reason: 'Expired', message: expect.stringMatching(new RegExp(`^the certificate 'CN=${pki.leaf.commonName}' \\(index 0\\) expired on \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`)) });
    const past = new Date(pki.leaf.notBefore.getTime() - 86_400_000);
    expect(evaluate(data, { now: past })).toMatchObject({ reason: 'NotYetValid', message: expect.stringContaining(`'CN=${pki.leaf.commonName}' (index 0) is not valid before`) });

    const expiredIntermediate = await issueCertificate({
      commonName: `Expired Intermediate ${pki.label}`, issuer: pki.intermediate1, ca: true,
      notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000),
    });
    const leaf = await issueCertificate({ commonName: `leaf.${pki.label}.example.com`, issuer: expiredIntermediate, dnsNames: [`leaf.${pki.label}.example.com`] });
    expect(evaluate({ 'tls.crt': pemBundle(leaf, expiredIntermediate, pki.intermediate1), 'tls.key': leaf.keyPem })).toMatchObject({
      reason: 'Expired',
      message: expect.stringContaining(`'CN=Expired Intermediate ${pki.label}' (index 1) expired on`),
    });
  });
});

describe('what status shows', () => {
  it('describes the leaf and the uploaded chain', () => {
    const pki = pkis.rsa;
    const result = evaluate({ 'tls.crt': pemBundle(pki.leaf, ...pki.chain), 'tls.key': pki.leaf.keyPem });
    if (!result.ok) throw new Error(result.message);
    const { leaf, chain, leafSha256 } = result.bundle;
    expect(leaf.subject).toBe(pki.leaf.subject);
    expect(leaf.issuer).toBe(pki.intermediate2.subject);
    expect(leaf.dnsNames).toEqual([`service.${pki.label}.example.com`, `www.service.${pki.label}.example.com`]);
    expect(leaf.sha1Thumbprint).toBe(pki.leaf.sha1Thumbprint);
    expect(leaf.sha1Thumbprint).toMatch(/^([0-9a-f]{2} ){19}[0-9a-f]{2}$/);
    expect(leaf.sha256Fingerprint).toMatch(/^([0-9a-f]{2} ){31}[0-9a-f]{2}$/);
    expect(leaf.serialNumber).toMatch(/^[0-9A-F]+$/);
    expect(leaf.notAfter).toBe(pki.leaf.notAfter.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    expect(leafSha256).toBe(pki.leaf.sha256);
    expect(chain.map((c) => c.subject)).toEqual([pki.intermediate2.subject, pki.intermediate1.subject]);
    expect(chain[0]?.sha1Thumbprint).toBe(pki.intermediate2.sha1Thumbprint);
  });

  it('never lets key material or the password out through messages, JSON or inspect', () => {
    const pki = pkis.rsa;
    const pfx = toPkcs12({ leaf: pki.leaf, chain: [pki.root, ...pki.chain], password: 'hunter2-secret', encoding: 'aes-256' });
    const result = evaluate({ 'keystore.pfx': pfx, password: 'hunter2-secret' });
    const keyBody = pki.leaf.keyPem.split('\n')[5] ?? 'unreachable';
    for (const text of [JSON.stringify(result), inspect(result, { depth: 10 }), `${result.message}`]) {
      expect(text).not.toContain('PRIVATE KEY');
      expect(text).not.toContain('hunter2-secret');
      expect(text).not.toContain(keyBody);
    }
  });
});
