// Secret data → certificates and private keys, from a PKCS#12 keystore or PEM keys, tolerating the
// forms people actually have and naming the Secret key in every failure.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { hasPemMarker, scanPem, type PemBlock } from './pem.ts';
import { encryptedKeyCostProblem, readPkcs12 } from './pkcs12.ts';
import { PkiFailure } from './reasons.ts';

export interface SecretKeys {
  pkcs12: string;
  password: string;
  certificate: string;
  privateKey: string;
  chain: string;
}

export const DEFAULT_SECRET_KEYS: SecretKeys = {
  pkcs12: 'keystore.pfx',
  password: 'password',
  certificate: 'tls.crt',
  privateKey: 'tls.key',
  chain: 'ca.crt',
};

export function resolveSecretKeys(keys: Partial<SecretKeys> | undefined): SecretKeys {
  return {
    pkcs12: keys?.pkcs12 || DEFAULT_SECRET_KEYS.pkcs12,
    password: keys?.password || DEFAULT_SECRET_KEYS.password,
    certificate: keys?.certificate || DEFAULT_SECRET_KEYS.certificate,
    privateKey: keys?.privateKey || DEFAULT_SECRET_KEYS.privateKey,
    chain: keys?.chain || DEFAULT_SECRET_KEYS.chain,
  };
}

export interface SourcedCertificate {
  x509: X509Certificate;
  /** Secret key it came from. */
  source: string;
  /** Position within that key (0-based). */
  index: number;
  /** Position in the whole input, for telling whether the chain was supplied in order. */
  order: number;
  /** PKCS#12 localKeyID (hex), linking a certificate to its key. */
  localKeyId?: string;
}

export interface SourcedKey {
  key: KeyObject;
  source: string;
  localKeyId?: string;
}

export interface Material {
  format: 'pkcs12' | 'pem';
  certificates: SourcedCertificate[];
  keys: SourcedKey[];
  repairs: string[];
}

export type SecretData = Readonly<Record<string, Uint8Array>>;

const CERT_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE']);
const KEY_LABELS = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);
const NOT_A_CERTIFICATE: Record<string, string> = {
  'PRIVATE KEY': 'a private key',
  'RSA PRIVATE KEY': 'a private key',
  'EC PRIVATE KEY': 'a private key',
  'ENCRYPTED PRIVATE KEY': 'an encrypted private key',
  'CERTIFICATE REQUEST': 'a certificate request (CSR)',
  'NEW CERTIFICATE REQUEST': 'a certificate request (CSR)',
  'PUBLIC KEY': 'a public key',
  'RSA PUBLIC KEY': 'a public key',
  PKCS7: 'a PKCS#7 bundle (convert it with `openssl pkcs7 -print_certs`)',
  'X509 CRL': 'a certificate revocation list',
};

/** Reads the Secret's certificates and keys. Throws PkiFailure (Unparseable / WrongPassword). */
export function readSecret(data: SecretData, keys: SecretKeys): Material {
  const pfx = present(data, keys.pkcs12);
  if (pfx) {
    const password = present(data, keys.password);
    return fromPkcs12(pfx, password ? Buffer.from(password).toString('utf8') : undefined, keys);
  }
  if (!present(data, keys.certificate)) {
    const hint = data[keys.pkcs12] || data[keys.certificate] ? ' (the value is empty)' : '';
    throw new PkiFailure('Unparseable', `the Secret has neither '${keys.pkcs12}' nor '${keys.certificate}'${hint}`);
  }
  return fromPem(data, keys);
}

function present(data: SecretData, key: string): Uint8Array | undefined {
  const v = data[key];
  return v && v.length > 0 ? v : undefined;
}

function fromPkcs12(pfx: Uint8Array, password: string | undefined, keys: SecretKeys): Material {
  const contents = readPkcs12(pfx, password, { keystore: keys.pkcs12, password: keys.password });
  if (contents.certificates.length === 0) throw new PkiFailure('Unparseable', `${keys.pkcs12} holds no certificate`);
  if (contents.keys.length === 0) {
    throw new PkiFailure('Unparseable', `${keys.pkcs12} holds no private key; export the certificate together with its private key`);
  }
  const certificates = contents.certificates.map((c, order): SourcedCertificate => ({
    x509: parseCertificate(c.der, keys.pkcs12, c.index),
    source: keys.pkcs12,
    index: c.index,
    order,
    ...(c.localKeyId ? { localKeyId: c.localKeyId } : {}),
  }));
  return {
    format: 'pkcs12',
    certificates,
    keys: contents.keys.map((k) => ({ key: k.key, source: keys.pkcs12, ...(k.localKeyId ? { localKeyId: k.localKeyId } : {}) })),
    repairs: contents.repairs,
  };
}

function fromPem(data: SecretData, keys: SecretKeys): Material {
  const repairs: string[] = [];
  const password = present(data, keys.password);
  const passphrase = password ? Buffer.from(password).toString('utf8').replace(/\r?\n$/, '') : undefined;

  const leafFile = readPemOrDer(keys.certificate, data[keys.certificate] ?? new Uint8Array(), repairs, 'certificate');
  const leafCerts = leafFile.blocks.filter((b) => CERT_LABELS.has(b.label));
  if (leafCerts.length === 0) {
    const what = leafFile.blocks.map((b) => NOT_A_CERTIFICATE[b.label]).find((w) => w !== undefined);
    throw new PkiFailure('Unparseable', what
      ? `${keys.certificate} holds ${what}, not a certificate`
      : `${keys.certificate} holds no PEM certificate`);
  }
  const certificates: SourcedCertificate[] = [];
  const addCerts = (blocks: PemBlock[], source: string) => {
    for (const b of blocks) {
      certificates.push({ x509: parseCertificate(b.der, source, b.index, b.label), source, index: b.index, order: certificates.length });
    }
  };
  addCerts(leafCerts, keys.certificate);
  noteIgnored(leafFile.blocks, keys.certificate, repairs, (label) => !CERT_LABELS.has(label) && !KEY_LABELS.has(label));

  const chainData = present(data, keys.chain);
  if (chainData && Buffer.from(chainData).toString('latin1').trim() !== '') {
    const chainFile = readPemOrDer(keys.chain, chainData, repairs, 'certificate');
    const chainCerts = chainFile.blocks.filter((b) => CERT_LABELS.has(b.label));
    if (chainCerts.length === 0) {
      const what = chainFile.blocks.map((b) => NOT_A_CERTIFICATE[b.label]).find((w) => w !== undefined);
      throw new PkiFailure('Unparseable', `${keys.chain} holds ${what ?? 'no PEM certificate'}${what ? ', not certificates' : ''}`);
    }
    addCerts(chainCerts, keys.chain);
    noteIgnored(chainFile.blocks, keys.chain, repairs, (label) => !CERT_LABELS.has(label));
  }

  // The private key: tls.key, or (when tls.key is absent) a key appended to tls.crt.
  const keyInCrt = leafFile.blocks.filter((b) => KEY_LABELS.has(b.label));
  const keyData = present(data, keys.privateKey);
  let keyBlocks: PemBlock[];
  let keySource = keys.privateKey;
  if (keyData) {
    const keyFile = readPemOrDer(keys.privateKey, keyData, repairs, 'key');
    keyBlocks = keyFile.blocks.filter((b) => KEY_LABELS.has(b.label));
    if (keyBlocks.length === 0) {
      const labels = keyFile.blocks.map((b) => b.label);
      throw new PkiFailure('Unparseable', labels.some((l) => CERT_LABELS.has(l))
        ? `${keys.privateKey} holds a certificate, not a private key`
        : `${keys.privateKey} holds no PEM private key`);
    }
    noteIgnored(keyFile.blocks, keys.privateKey, repairs, (label) => !KEY_LABELS.has(label));
    if (keyInCrt.length > 0) repairs.push(`ignored the private key inside ${keys.certificate}`);
  } else if (keyInCrt.length > 0) {
    keyBlocks = keyInCrt;
    keySource = keys.certificate;
    repairs.push(`read the private key from ${keys.certificate} (the Secret has no '${keys.privateKey}')`);
  } else {
    throw new PkiFailure('Unparseable', `the Secret has '${keys.certificate}' but no '${keys.privateKey}'`);
  }
  const privateKeys = keyBlocks.map((b): SourcedKey => ({ key: parseKey(b, keySource, passphrase, keys.password), source: keySource }));
  return { format: 'pem', certificates, keys: privateKeys, repairs };
}

/** PEM text, or a single binary DER object (which we convert and report). */
function readPemOrDer(key: string, data: Uint8Array, repairs: string[], kind: 'certificate' | 'key'): { blocks: PemBlock[] } {
  if (hasPemMarker(data) || !looksBinary(data)) {
    const scan = scanPem(key, data);
    repairs.push(...scan.repairs);
    return scan;
  }
  const der = Buffer.from(data);
  if (looksLikePkcs12(der)) {
    throw new PkiFailure('Unparseable', `${key} holds a PKCS#12 keystore; store it under 'keystore.pfx' (or spec.keys.pkcs12) with its password`);
  }
  repairs.push(`converted binary DER in ${key} to PEM`);
  return { blocks: [{ label: kind === 'certificate' ? 'CERTIFICATE' : 'PRIVATE KEY', der, index: 0, headers: {} }] };
}

function looksBinary(data: Uint8Array): boolean {
  return data.length > 0 && data[0] === 0x30 && Buffer.from(data).subarray(0, 64).some((b) => b < 0x09 || b > 0x7e);
}

/** SEQUENCE { INTEGER 3, SEQUENCE { OID 1.2.840.113549.1.7.x … } } */
function looksLikePkcs12(der: Buffer): boolean {
  const i = der.indexOf(Buffer.from([0x02, 0x01, 0x03, 0x30]));
  return i >= 0 && i < 8 && der.includes(Buffer.from([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07]));
}

function noteIgnored(blocks: PemBlock[], key: string, repairs: string[], ignored: (label: string) => boolean): void {
  const labels = [...new Set(blocks.filter((b) => ignored(b.label)).map((b) => b.label))];
  for (const label of labels) repairs.push(`ignored the ${label} block in ${key}`);
}

function parseCertificate(der: Buffer, source: string, index: number, label = 'CERTIFICATE'): X509Certificate {
  // A TRUSTED CERTIFICATE is the certificate followed by OpenSSL's trust settings.
  const bytes = label === 'TRUSTED CERTIFICATE' ? firstDerElement(der) ?? der : der;
  try {
    return new X509Certificate(bytes);
  } catch {
    throw new PkiFailure('Unparseable', `${source}: certificate ${index} is not a valid X.509 certificate`);
  }
}

function firstDerElement(der: Buffer): Buffer | undefined {
  if (der.length < 2) return undefined;
  const first = der[1] ?? 0;
  if (first < 0x80) return der.subarray(0, 2 + first);
  const n = first & 0x7f;
  if (n === 0 || n > 4 || der.length < 2 + n) return undefined;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + (der[2 + i] ?? 0);
  return der.length >= 2 + n + len ? der.subarray(0, 2 + n + len) : undefined;
}

function parseKey(block: PemBlock, source: string, passphrase: string | undefined, passwordKey: string): KeyObject {
  const encrypted = block.label === 'ENCRYPTED PRIVATE KEY' || /ENCRYPTED/.test(block.headers['Proc-Type'] ?? '');
  if (encrypted && passphrase === undefined) {
    throw new PkiFailure('WrongPassword', `${source} holds an encrypted private key, but the Secret has no '${passwordKey}' key to decrypt it`);
  }
  const tooCostly = block.label === 'ENCRYPTED PRIVATE KEY' ? encryptedKeyCostProblem(block.der) : undefined;
  if (tooCostly) throw new PkiFailure('Unparseable', `${source}: private key ${block.index} cannot be decrypted: ${tooCostly}`);
  try {
    if (block.label === 'ENCRYPTED PRIVATE KEY') {
      return createPrivateKey({ key: block.der, format: 'der', type: 'pkcs8', passphrase: passphrase ?? '' });
    }
    if (encrypted) {
      const headers = Object.entries(block.headers).map(([k, v]) => `${k}: ${v}`).join('\n');
      const b64 = block.der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
      const pem = `-----BEGIN ${block.label}-----\n${headers}\n\n${b64}\n-----END ${block.label}-----\n`;
      return createPrivateKey({ key: pem, format: 'pem', passphrase: passphrase ?? '' });
    }
    if (block.label === 'RSA PRIVATE KEY') return createPrivateKey({ key: block.der, format: 'der', type: 'pkcs1' });
    if (block.label === 'EC PRIVATE KEY') return createPrivateKey({ key: block.der, format: 'der', type: 'sec1' });
    return anyDerKey(block.der);
  } catch {
    if (encrypted) throw new PkiFailure('WrongPassword', `the password in '${passwordKey}' does not decrypt the private key in ${source}`);
    throw new PkiFailure('Unparseable', `${source}: private key ${block.index} is not a valid ${block.label.toLowerCase()}`);
  }
}

/** "PRIVATE KEY" is PKCS#8; binary DER found without a label may also be PKCS#1 or SEC1. */
function anyDerKey(der: Buffer): KeyObject {
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      return createPrivateKey({ key: der, format: 'der', type });
    } catch {
      // try the next encoding
    }
  }
  throw new Error('not a private key');
}
