// Test PKI generated at test time: a root, two intermediates and a leaf (RSA or ECDSA), plus
// keystores made by the openssl CLI exactly as users have them (legacy RC2-40/3DES and OpenSSL 3's
// AES-256/PBES2 PKCS#12, and the `openssl pkcs12 -nodes` text with Bag Attributes).
// Certificates are built with pkijs so validity windows, names and extensions are under test control.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;

export type KeyAlgorithm = 'rsa' | 'ecdsa';

export interface TestCert {
  /** Common name, e.g. "Albatross Test Intermediate 1 (k3j9)". */
  commonName: string;
  /** RFC 4514 form, most specific first: "CN=…, O=Albatross Test, C=US". */
  subject: string;
  certPem: string;
  /** PKCS#8 PEM of this certificate's private key. */
  keyPem: string;
  der: Buffer;
  /** lowercase hex SHA-256 of the DER. */
  sha256: string;
  /** "91 c6 d6 ee …": SHA-1 of the DER, spaced lowercase. */
  sha1Thumbprint: string;
  notBefore: Date;
  notAfter: Date;
  keys: CryptoKeyPair;
  algorithm: KeyAlgorithm;
}

export interface TestPki {
  algorithm: KeyAlgorithm;
  /** Random tag in every common name, so concurrent tests never share a subject. */
  label: string;
  root: TestCert;
  /** Issued by root. */
  intermediate1: TestCert;
  /** Issued by intermediate1. */
  intermediate2: TestCert;
  /** Issued by intermediate2; CN and first DNS name are `leafDnsNames[0]`. */
  leaf: TestCert;
  /** The chain IAM should hold, leaf's issuer first: [intermediate2, intermediate1]. */
  chain: TestCert[];
}

const DAY = 86_400_000;
const ORG = 'Albatross Test';

function algorithmParams(algorithm: KeyAlgorithm): webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams {
  return algorithm === 'rsa'
    ? { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
    : { name: 'ECDSA', namedCurve: 'P-256' };
}

export async function generateKeys(algorithm: KeyAlgorithm): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(algorithmParams(algorithm), true, ['sign', 'verify'])) as CryptoKeyPair;
}

function pem(label: string, der: ArrayBuffer | Buffer): string {
  const b64 = Buffer.from(der as ArrayBuffer).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

/** C=US, O=Albatross Test, CN=<commonName>, one attribute per RDN (pkijs would put them all in one SET). */
function nameOf(commonName: string): pkijs.RelativeDistinguishedNames {
  const rdn = (type: string, value: asn1js.BaseStringBlock) =>
    new asn1js.Set({ value: [new pkijs.AttributeTypeAndValue({ type, value }).toSchema()] });
  const name = new asn1js.Sequence({
    value: [
      rdn('2.5.4.6', new asn1js.PrintableString({ value: 'US' })),
      rdn('2.5.4.10', new asn1js.Utf8String({ value: ORG })),
      rdn('2.5.4.3', new asn1js.Utf8String({ value: commonName })),
    ],
  });
  return pkijs.RelativeDistinguishedNames.fromBER(name.toBER(false));
}

function ext(extnID: string, critical: boolean, value: { toSchema(): asn1js.AsnType } | asn1js.AsnType): pkijs.Extension {
  const schema = 'toSchema' in value ? value.toSchema() : value;
  return new pkijs.Extension({ extnID, critical, extnValue: schema.toBER(false) });
}

async function keyIdentifier(publicKey: CryptoKey): Promise<ArrayBuffer> {
  const spki = await webcrypto.subtle.exportKey('spki', publicKey);
  const info = pkijs.PublicKeyInfo.fromBER(spki);
  return webcrypto.subtle.digest('SHA-1', info.subjectPublicKey.valueBlock.valueHexView);
}

export interface IssueOptions {
  commonName: string;
  /** The issuing certificate; omit for a self-signed root. */
  issuer?: TestCert;
  algorithm?: KeyAlgorithm;
  ca?: boolean;
  dnsNames?: string[];
  notBefore?: Date;
  notAfter?: Date;
  /** Reuse an existing key pair (e.g. a renewed leaf with the same key). */
  keys?: CryptoKeyPair;
  /** Leave out the subject/authority key identifier extensions (old-style certificates). */
  omitKeyIdentifiers?: boolean;
}

/** Issues one certificate signed by `issuer` (or self-signed). */
export async function issueCertificate(opts: IssueOptions): Promise<TestCert> {
  const algorithm = opts.algorithm ?? opts.issuer?.algorithm ?? 'rsa';
  const keys = opts.keys ?? (await generateKeys(algorithm));
  const signer = opts.issuer ?? null;
  const notBefore = opts.notBefore ?? new Date(Date.now() - DAY);
  const notAfter = opts.notAfter ?? new Date(Date.now() + 365 * DAY);

  const cert = new pkijs.Certificate();
  cert.version = 2;
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f | 0x10;
  cert.serialNumber = new asn1js.Integer({ valueHex: serial });
  cert.subject = nameOf(opts.commonName);
  cert.issuer = signer ? pkijs.Certificate.fromBER(signer.der).subject : nameOf(opts.commonName);
  cert.notBefore.value = notBefore;
  cert.notAfter.value = notAfter;
  await cert.subjectPublicKeyInfo.importKey(keys.publicKey);

  const extensions: pkijs.Extension[] = [];
  const ca = opts.ca ?? !signer;
  extensions.push(ext('2.5.29.19', true, new pkijs.BasicConstraints({ cA: ca })));
  // keyUsage: CA: keyCertSign|cRLSign; leaf: digitalSignature (+ keyEncipherment for RSA)
  const ku = ca ? 0x06 : algorithm === 'rsa' ? 0xa0 : 0x80;
  extensions.push(ext('2.5.29.15', true, new asn1js.BitString({ valueHex: new Uint8Array([ku]).buffer, unusedBits: ca ? 1 : 5 })));
  if (!opts.omitKeyIdentifiers) {
    extensions.push(ext('2.5.29.14', false, new asn1js.OctetString({ valueHex: await keyIdentifier(keys.publicKey) })));
    const authorityKey = signer ? signer.keys.publicKey : keys.publicKey;
    extensions.push(ext('2.5.29.35', false, new pkijs.AuthorityKeyIdentifier({
      keyIdentifier: new asn1js.OctetString({ valueHex: await keyIdentifier(authorityKey) }),
    })));
  }
  if (!ca) {
    extensions.push(ext('2.5.29.37', false, new pkijs.ExtKeyUsage({ keyPurposes: ['1.3.6.1.5.5.7.3.1'] })));
  }
  if (opts.dnsNames && opts.dnsNames.length > 0) {
    extensions.push(ext('2.5.29.17', false, new pkijs.AltName({
      altNames: opts.dnsNames.map((value) => new pkijs.GeneralName({ type: 2, value })),
    })));
  }
  cert.extensions = extensions;
  await cert.sign((signer ?? { keys }).keys.privateKey, 'SHA-256');

  const der = Buffer.from(cert.toSchema(true).toBER(false));
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const sha1 = createHash('sha1').update(der).digest('hex');
  return {
    commonName: opts.commonName,
    subject: `CN=${opts.commonName}, O=${ORG}, C=US`,
    certPem: pem('CERTIFICATE', der),
    keyPem: pem('PRIVATE KEY', pkcs8),
    der,
    sha256: createHash('sha256').update(der).digest('hex'),
    sha1Thumbprint: sha1.match(/../g)?.join(' ') ?? sha1,
    notBefore,
    notAfter,
    keys,
    algorithm,
  };
}

export interface PkiOptions {
  algorithm?: KeyAlgorithm;
  /** DNS names of the leaf; the first is also its common name. Default: service.<label>.example.com. */
  leafDnsNames?: string[];
  leafNotBefore?: Date;
  leafNotAfter?: Date;
}

/** A fresh root → intermediate1 → intermediate2 → leaf hierarchy. */
export async function createPki(opts: PkiOptions = {}): Promise<TestPki> {
  const algorithm = opts.algorithm ?? 'rsa';
  const label = randomBytes(3).toString('hex');
  const root = await issueCertificate({ commonName: `Albatross Test Root ${label}`, algorithm, ca: true, notAfter: new Date(Date.now() + 3650 * DAY) });
  const intermediate1 = await issueCertificate({ commonName: `Albatross Test Intermediate 1 ${label}`, issuer: root, algorithm, ca: true });
  const intermediate2 = await issueCertificate({ commonName: `Albatross Test Intermediate 2 ${label}`, issuer: intermediate1, algorithm, ca: true });
  const dnsNames = opts.leafDnsNames ?? [`service.${label}.example.com`, `www.service.${label}.example.com`];
  const leaf = await issueCertificate({
    commonName: dnsNames[0] ?? `service.${label}.example.com`,
    issuer: intermediate2,
    algorithm,
    dnsNames,
    ...(opts.leafNotBefore ? { notBefore: opts.leafNotBefore } : {}),
    ...(opts.leafNotAfter ? { notAfter: opts.leafNotAfter } : {}),
  });
  return { algorithm, label, root, intermediate1, intermediate2, leaf, chain: [intermediate2, intermediate1] };
}

/** Concatenated PEM of the given certificates, in the order given. */
export function pemBundle(...certs: TestCert[]): string {
  return certs.map((c) => c.certPem).join('');
}

/**
 * PKCS#12 encodings as openssl writes them:
 * - `rc2-40`: OpenSSL 1.x default (`-legacy`): certificates RC2-40, key 3DES, SHA-1 MAC.
 * - `3des`: certificates and key pbeWithSHAAnd3-KeyTripleDES-CBC, SHA-1 MAC (Windows' classic export).
 * - `aes-256`: OpenSSL 3 default: PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC, HMAC-SHA256 MAC.
 */
export type Pkcs12Encoding = 'rc2-40' | '3des' | 'aes-256';

const ENCODING_FLAGS: Record<Pkcs12Encoding, string[]> = {
  'rc2-40': ['-legacy'],
  '3des': ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1'],
  'aes-256': ['-keypbe', 'AES-256-CBC', '-certpbe', 'AES-256-CBC', '-macalg', 'sha256'],
};

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'albatross-pki-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Pkcs12Options {
  /** The certificate whose key goes in the keystore (the leaf). */
  leaf: TestCert;
  /** Further certificates, in the order they should appear (e.g. pki.chain, or shuffled, or with root). */
  chain?: TestCert[];
  password: string;
  encoding: Pkcs12Encoding;
  friendlyName?: string;
  /** Put this key in the keystore instead of the leaf's (for KeyMismatch tests). */
  keyPem?: string;
  /** Further `openssl pkcs12 -export` flags, e.g. ['-noiter', '-nomaciter'] for fast fuzz inputs. */
  extraArgs?: string[];
}

/** A .pfx made by `openssl pkcs12 -export`. */
export function toPkcs12(opts: Pkcs12Options): Buffer {
  return withTempDir((dir) => {
    writeFileSync(join(dir, 'key.pem'), opts.keyPem ?? opts.leaf.keyPem, { mode: 0o600 });
    writeFileSync(join(dir, 'leaf.pem'), opts.leaf.certPem);
    const args = ['pkcs12', '-export', '-inkey', join(dir, 'key.pem'), '-in', join(dir, 'leaf.pem'),
      '-out', join(dir, 'out.pfx'), '-passout', 'env:ALBATROSS_TEST_P12_PASS', ...ENCODING_FLAGS[opts.encoding]];
    if (opts.chain && opts.chain.length > 0) {
      writeFileSync(join(dir, 'chain.pem'), pemBundle(...opts.chain));
      args.push('-certfile', join(dir, 'chain.pem'));
    }
    if (opts.friendlyName) args.push('-name', opts.friendlyName);
    args.push(...(opts.extraArgs ?? []));
    execFileSync('openssl', args, { env: { ...process.env, ALBATROSS_TEST_P12_PASS: opts.password }, stdio: ['ignore', 'ignore', 'pipe'] });
    return readFileSync(join(dir, 'out.pfx'));
  });
}

/**
 * What `openssl pkcs12 -in keystore.pfx -nodes` prints: every certificate and the key with
 * `Bag Attributes`, `subject=` and `issuer=` lines, as users paste into tls.crt.
 */
export function opensslPkcs12Text(pfx: Buffer, password: string, opts: { nocerts?: boolean; nokeys?: boolean } = {}): string {
  return withTempDir((dir) => {
    writeFileSync(join(dir, 'in.pfx'), pfx);
    const args = ['pkcs12', '-legacy', '-in', join(dir, 'in.pfx'), '-nodes', '-passin', 'env:ALBATROSS_TEST_P12_PASS'];
    if (opts.nocerts) args.push('-nocerts');
    if (opts.nokeys) args.push('-nokeys');
    return execFileSync('openssl', args, {
      env: { ...process.env, ALBATROSS_TEST_P12_PASS: password },
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString('utf8');
  });
}

/** The private key in a legacy format: PKCS#1 "RSA PRIVATE KEY" or SEC1 "EC PRIVATE KEY", as openssl writes them. */
export function traditionalKeyPem(cert: TestCert): string {
  return withTempDir((dir) => {
    writeFileSync(join(dir, 'key.pem'), cert.keyPem, { mode: 0o600 });
    const args = cert.algorithm === 'rsa'
      ? ['rsa', '-in', join(dir, 'key.pem'), '-traditional']
      : ['ec', '-in', join(dir, 'key.pem')];
    return execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString('utf8');
  });
}

/** Converts LF to CRLF, as a file saved on Windows has it. */
export function crlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}
