// PKCS#12 (.pfx) reading: node-forge for the ASN.1, the PKCS#12 key derivation (MAC) and the legacy
// RC2-40/3DES ciphers (OpenSSL 1.x and Windows exports, which Node's OpenSSL 3 no longer offers);
// Node's crypto for PBES2/PBKDF2/AES (OpenSSL 3's default). SHA-1 and SHA-2 MACs.
//
// We walk the structure ourselves instead of calling forge.pkcs12.pkcs12FromAsn1 because we need
// (1) the certificates' exact DER bytes (forge re-encodes parsed RSA certificates), (2) a bound on
// iteration counts before deriving keys (a mangled count must not hang the controller), and (3) a
// precise distinction between a wrong password and a damaged file.
import { createDecipheriv, createPrivateKey, pbkdf2Sync, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { PkiFailure } from './reasons.ts';

export interface Pkcs12Certificate {
  der: Buffer;
  /** Position among the certificate bags, 0-based. */
  index: number;
  /** localKeyID attribute as hex: links the leaf to its key. */
  localKeyId?: string;
  friendlyName?: string;
}

export interface Pkcs12Key {
  key: KeyObject;
  index: number;
  localKeyId?: string;
}

export interface Pkcs12Contents {
  certificates: Pkcs12Certificate[];
  keys: Pkcs12Key[];
  repairs: string[];
}

export interface Pkcs12Names {
  /** Secret key holding the keystore, e.g. "keystore.pfx". */
  keystore: string;
  /** Secret key holding the password, e.g. "password". */
  password: string;
}

/**
 * Key derivation above this many iterations is refused, so a damaged count cannot stall the
 * controller (OpenSSL uses 2048, Windows 2000, Java's keytool 10000).
 */
export const MAX_ITERATIONS = 100_000;
/**
 * All key derivations of one keystore together (MAC and every encrypted part, for each password
 * candidate tried) may spend at most this many hash iterations (a derived block of n iterations
 * counts n): ten blocks at MAX_ITERATIONS. A keystore with many encrypted bags cannot multiply the
 * cost past it; one at the cap (legacy: MAC 1 block, RC2-40 key + IV 2, 3DES key + IV 3) needs 600,000.
 */
export const MAX_TOTAL_ITERATIONS = 1_000_000;
const MAX_NESTING = 4;

/** Iterations spent by key derivations in this thread since it started (tests bound work with it). */
let iterationsSpent = 0;
export function keyDerivationIterations(): number {
  return iterationsSpent;
}

/** What one keystore may still spend on key derivation. */
class IterationBudget {
  private left: number;
  private readonly total: number;
  constructor(total: number) {
    this.total = total;
    this.left = total;
  }
  spend(n: number): void {
    if (n > this.left) throw new TooCostly(`its key derivations need more than ${this.total} iterations in total`);
    this.left -= n;
    iterationsSpent += n;
  }
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  envelopedData: '1.2.840.113549.1.7.3',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  pbeSha3Des: '1.2.840.113549.1.12.1.3',
  pbeSha40Rc2: '1.2.840.113549.1.12.1.6',
} as const;

const PBE_NAMES: Record<string, string> = {
  '1.2.840.113549.1.12.1.1': 'pbeWithSHAAnd128BitRC4',
  '1.2.840.113549.1.12.1.2': 'pbeWithSHAAnd40BitRC4',
  '1.2.840.113549.1.12.1.4': 'pbeWithSHAAnd2-KeyTripleDES-CBC',
  '1.2.840.113549.1.12.1.5': 'pbeWithSHAAnd128BitRC2-CBC',
};

const MAC_DIGESTS: Record<string, { create: () => forge.md.MessageDigest; bytes: number }> = {
  '1.3.14.3.2.26': { create: () => forge.md.sha1.create(), bytes: 20 },
  '2.16.840.1.101.3.4.2.1': { create: () => forge.md.sha256.create(), bytes: 32 },
  '2.16.840.1.101.3.4.2.2': { create: () => forge.md.sha384.create(), bytes: 48 },
  '2.16.840.1.101.3.4.2.3': { create: () => forge.md.sha512.create(), bytes: 64 },
};

type Asn1 = forge.asn1.Asn1;
interface ForgeCipher {
  update(data: forge.util.ByteBuffer): void;
  finish(): boolean;
  output: forge.util.ByteBuffer;
}
interface ForgePbe {
  getCipher(oid: string, params: Asn1, password: string): ForgeCipher;
  generatePkcs12Key(password: string | null, salt: forge.util.ByteBuffer, id: number, iter: number, n: number, md: forge.md.MessageDigest): forge.util.ByteBuffer;
}
const pbe = (forge.pki as unknown as { pbe: ForgePbe }).pbe;

const T = forge.asn1.Type;
const C = forge.asn1.Class;

/** Internal: the file is damaged or not PKCS#12 at all. */
class Malformed extends Error {}

/** Internal: decryption failed (bad padding / garbage): a wrong password when there is no MAC. */
class DecryptFailed extends Error {}

/** Internal: the iteration budget ran out; never taken for a wrong password. */
class TooCostly extends Error {}

/**
 * Reads a PKCS#12 keystore. Throws PkiFailure: WrongPassword when the password does not open it,
 * Unparseable (naming what is wrong) when it is damaged, not PKCS#12, or uses an unsupported mode.
 */
export function readPkcs12(data: Uint8Array, password: string | undefined, names: Pkcs12Names, maxTotalIterations = MAX_TOTAL_ITERATIONS): Pkcs12Contents {
  const repairs: string[] = [];
  let bytes = Buffer.from(data);
  if (isBase64Text(bytes)) {
    bytes = Buffer.from(bytes.toString('latin1').replace(/\s+/g, ''), 'base64');
    repairs.push(`decoded ${names.keystore}, which was base64 text rather than the binary keystore`);
  }
  let pfx: Asn1;
  try {
    pfx = forge.asn1.fromDer(forge.util.createBuffer(bytes.toString('binary')), { strict: false, decodeBitStrings: false } as unknown as boolean);
  } catch {
    throw new PkiFailure('Unparseable', `${names.keystore} is not a PKCS#12 keystore: it is not valid DER`);
  }
  try {
    return { ...readPfx(pfx, password, names, repairs, new IterationBudget(maxTotalIterations)), repairs };
  } catch (err) {
    if (err instanceof PkiFailure) throw err;
    const detail = err instanceof Malformed || err instanceof TooCostly ? err.message : 'its structure is damaged';
    throw new PkiFailure('Unparseable', `${names.keystore} is not a readable PKCS#12 keystore: ${detail}`);
  }
}

interface PasswordCandidate {
  /** null: no password bytes at all (some tools' "empty password"). */
  value: string | null;
  repair?: string;
}

/** True when reading succeeds and the password decrypted something; false otherwise. */
function decrypts(read: () => ReadState): boolean {
  try {
    return read().decrypted > 0;
  } catch (err) {
    if (err instanceof DecryptFailed || err instanceof Malformed || err instanceof PkiFailure) return false;
    throw err;
  }
}

function passwordCandidates(password: string | undefined, names: Pkcs12Names): PasswordCandidate[] {
  if (password === undefined || password === '') return [{ value: '' }, { value: null }];
  const trimmed = password.replace(/\r?\n$/, '');
  if (trimmed === password) return [{ value: password }];
  return [{ value: password }, { value: trimmed, repair: `ignored the trailing newline in ${names.password}` }];
}

function readPfx(pfx: Asn1, password: string | undefined, names: Pkcs12Names, repairs: string[], budget: IterationBudget): Omit<Pkcs12Contents, 'repairs'> {
  const [version, authSafe, macData] = children(pfx, 'PFX', T.SEQUENCE);
  if (integer(version, 'PFX version') !== 3) throw new Malformed('PFX version is not 3');
  const [contentType, explicitContent] = children(need(authSafe, 'authSafe'), 'authSafe', T.SEQUENCE);
  const type = oid(contentType, 'authSafe contentType');
  if (type === OID.signedData) throw new Malformed('it uses public-key integrity mode (signed), which is not supported');
  if (type !== OID.data) throw new Malformed(`authSafe content type ${type} is not data`);
  const authSafeBytes = octets(first(explicitContent, 'authSafe content'), 'authSafe content');

  const candidates = passwordCandidates(password, names);
  const read = (c: PasswordCandidate) => readAuthenticatedSafe(authSafeBytes, c.value ?? '', names, budget);
  const open = (c: PasswordCandidate): Omit<Pkcs12Contents, 'repairs'> => {
    const { certificates, keys } = read(c);
    if (c.repair) repairs.push(c.repair);
    return { certificates, keys };
  };
  if (macData) {
    const chosen = candidates.find((c) => macMatches(macData, authSafeBytes, c.value, budget));
    if (!chosen) {
      // A MAC mismatch means a wrong password or a modified file; decryption tells them apart.
      if (candidates.some((c) => decrypts(() => read(c)))) {
        throw new Malformed('its integrity check (MAC) fails although the password decrypts it; the file is damaged or was modified');
      }
      throw new PkiFailure('WrongPassword', password === undefined
        ? `${names.keystore} is protected by a password, but the Secret has no '${names.password}' key`
        : `the password in '${names.password}' does not open ${names.keystore} (integrity check failed)`);
    }
    try {
      return open(chosen);
    } catch (err) {
      if (err instanceof DecryptFailed) throw new Malformed('its encrypted contents do not decrypt although the password matches; the file is damaged');
      throw err;
    }
  }
  // No MAC: only decryption tells whether the password is right.
  for (const c of candidates) {
    try {
      return open(c);
    } catch (err) {
      if (!(err instanceof DecryptFailed)) throw err;
    }
  }
  throw new PkiFailure('WrongPassword', `the password in '${names.password}' does not decrypt ${names.keystore}`);
}

function macMatches(macData: Asn1, content: string, password: string | null, budget: IterationBudget): boolean {
  const [digestInfo, saltNode, iterNode] = children(macData, 'MacData', T.SEQUENCE);
  const [algId, digestNode] = children(need(digestInfo, 'MAC digestInfo'), 'MAC digestInfo', T.SEQUENCE);
  const [algOid] = children(need(algId, 'MAC algorithm'), 'MAC algorithm', T.SEQUENCE);
  const algorithm = oid(algOid, 'MAC algorithm');
  const digest = MAC_DIGESTS[algorithm];
  if (!digest) throw new Malformed(`its MAC algorithm ${algorithm} is not supported`);
  const iterations = iterNode ? integer(iterNode, 'MAC iterations') : 1;
  checkIterations(iterations, 'MAC');
  budget.spend(iterations);
  const salt = forge.util.createBuffer(octets(need(saltNode, 'MAC salt'), 'MAC salt'));
  const key = pbe.generatePkcs12Key(password, salt, 3, iterations, digest.bytes, digest.create());
  const hmac = forge.hmac.create();
  hmac.start(digest.create(), key.getBytes());
  hmac.update(content);
  return hmac.digest().getBytes() === octets(need(digestNode, 'MAC digest'), 'MAC digest');
}

/** What reading found; `decrypted` counts parts the password decrypted (0: the password was never tested). */
interface ReadState {
  certificates: Pkcs12Certificate[];
  keys: Pkcs12Key[];
  decrypted: number;
}

function readAuthenticatedSafe(content: string, password: string, names: Pkcs12Names, budget: IterationBudget): ReadState {
  const out: ReadState = { certificates: [], keys: [], decrypted: 0 };
  const safe = parse(content, 'AuthenticatedSafe');
  for (const info of children(safe, 'AuthenticatedSafe', T.SEQUENCE)) {
    const [typeNode, explicit] = children(info, 'ContentInfo', T.SEQUENCE);
    const type = oid(typeNode, 'ContentInfo type');
    if (type === OID.data) {
      readSafeContents(octets(first(explicit, 'data'), 'data'), password, names, out, 0, budget);
    } else if (type === OID.encryptedData) {
      const [, encryptedContentInfo] = children(first(explicit, 'encryptedData'), 'EncryptedData', T.SEQUENCE);
      const [, algId, encrypted] = children(need(encryptedContentInfo, 'EncryptedContentInfo'), 'EncryptedContentInfo', T.SEQUENCE);
      const plain = decrypt(need(algId, 'encryption algorithm'), octets(need(encrypted, 'encrypted content'), 'encrypted content', true), password, budget);
      out.decrypted++;
      try {
        readSafeContents(plain, password, names, out, 0, budget);
      } catch (err) {
        // Garbage that happened to have valid padding: a wrong key, as far as we can tell.
        if (err instanceof Malformed) throw new DecryptFailed('decrypted content is not DER');
        throw err;
      }
    } else if (type === OID.envelopedData) {
      throw new Malformed('it uses public-key privacy mode (enveloped), which is not supported');
    } else {
      throw new Malformed(`it holds content of unknown type ${type}`);
    }
  }
  return out;
}

function readSafeContents(content: string, password: string, names: Pkcs12Names, out: ReadState, depth: number, budget: IterationBudget): void {
  if (depth > MAX_NESTING) throw new Malformed('its bags are nested too deeply');
  for (const bag of children(parse(content, 'SafeContents'), 'SafeContents', T.SEQUENCE)) {
    const [idNode, explicit, attributes] = children(bag, 'SafeBag', T.SEQUENCE);
    const bagId = oid(idNode, 'SafeBag type');
    const value = first(explicit, 'SafeBag value');
    const attrs = bagAttributes(attributes);
    if (bagId === OID.certBag) {
      const [certId, certValue] = children(value, 'CertBag', T.SEQUENCE);
      if (oid(certId, 'CertBag type') !== OID.x509Certificate) continue; // SDSI certificates: not ours
      const der = Buffer.from(octets(first(certValue, 'certificate'), 'certificate'), 'binary');
      out.certificates.push({ der, index: out.certificates.length, ...attrs });
    } else if (bagId === OID.keyBag || bagId === OID.shroudedKeyBag) {
      let info = toBytes(value);
      if (bagId === OID.shroudedKeyBag) {
        const [algId, encrypted] = children(value, 'EncryptedPrivateKeyInfo', T.SEQUENCE);
        info = decrypt(need(algId, 'key encryption algorithm'), octets(need(encrypted, 'encrypted key'), 'encrypted key'), password, budget);
      }
      let key: KeyObject;
      try {
        key = createPrivateKey({ key: Buffer.from(info, 'binary'), format: 'der', type: 'pkcs8' });
      } catch {
        if (bagId === OID.shroudedKeyBag) throw new DecryptFailed('key does not decode');
        throw new PkiFailure('Unparseable', `${names.keystore}: private key ${out.keys.length} is not a valid PKCS#8 key`);
      }
      if (bagId === OID.shroudedKeyBag) out.decrypted++;
      out.keys.push({ key, index: out.keys.length, ...(attrs.localKeyId ? { localKeyId: attrs.localKeyId } : {}) });
    } else if (bagId === OID.safeContentsBag) {
      readSafeContents(toBytes(value), password, names, out, depth + 1, budget);
    }
    // CRL and secret bags carry nothing we upload.
  }
}

/** Decrypts with a PKCS#12 PBE (forge: RC2-40, 3DES) or PBES2 (Node: PBKDF2 + AES/3DES) scheme. */
function decrypt(algId: Asn1, encrypted: string, password: string, budget: IterationBudget): string {
  const [algOid, params] = children(algId, 'encryption algorithm', T.SEQUENCE);
  const algorithm = oid(algOid, 'encryption algorithm');
  if (encrypted.length === 0 || encrypted.length % 8 !== 0) throw new Malformed('its encrypted content has an impossible length');
  if (algorithm === OID.pbes2) return decryptPbes2(need(params, 'PBES2 parameters'), encrypted, password, budget);
  if (algorithm !== OID.pbeSha3Des && algorithm !== OID.pbeSha40Rc2) {
    throw new Malformed(`it is encrypted with ${PBE_NAMES[algorithm] ?? algorithm}, which is not supported`);
  }
  const [, iterations] = children(need(params, 'PBE parameters'), 'PBE parameters', T.SEQUENCE);
  const count = integer(need(iterations, 'PBE iterations'), 'PBE iterations');
  checkIterations(count, 'PBE');
  // Key and IV are derived separately, in 20-byte SHA-1 blocks: RC2-40 1 + 1, 3DES 2 + 1.
  budget.spend(count * (algorithm === OID.pbeSha3Des ? 3 : 2));
  let cipher: ForgeCipher;
  try {
    cipher = pbe.getCipher(algorithm, need(params, 'encryption parameters'), password);
  } catch {
    throw new Malformed('its encryption parameters are damaged');
  }
  cipher.update(forge.util.createBuffer(encrypted));
  if (!cipher.finish()) throw new DecryptFailed('bad padding');
  return cipher.output.getBytes();
}

const PBES2_PRF: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};
const PBES2_CIPHERS: Record<string, { name: string; keyLength: number }> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyLength: 24 },
  '2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', keyLength: 32 },
  '1.2.840.113549.3.7': { name: 'des-ede3-cbc', keyLength: 24 },
};

/** PBES2 (RFC 8018) with Node's native PBKDF2 and ciphers; the password is taken as UTF-8. */
function decryptPbes2(params: Asn1, encrypted: string, password: string, budget: IterationBudget): string {
  const [kdf, scheme] = children(params, 'PBES2 parameters', T.SEQUENCE);
  const [kdfOid, kdfParams] = children(need(kdf, 'PBES2 key derivation'), 'PBES2 key derivation', T.SEQUENCE);
  if (oid(kdfOid, 'PBES2 key derivation') !== OID.pbkdf2) throw new Malformed('its key derivation function is not PBKDF2');
  const pbkdf2Params = children(need(kdfParams, 'PBKDF2 parameters'), 'PBKDF2 parameters', T.SEQUENCE);
  const salt = octets(pbkdf2Params[0], 'PBKDF2 salt');
  const iterations = integer(pbkdf2Params[1], 'PBKDF2 iterations');
  checkIterations(iterations, 'PBKDF2');
  // Optional keyLength INTEGER, then optional prf AlgorithmIdentifier (default hmacWithSHA1).
  const prfNode = pbkdf2Params.slice(2).find((n) => n.type === T.SEQUENCE);
  const prfOid = prfNode ? oid(children(prfNode, 'PBKDF2 prf', T.SEQUENCE)[0], 'PBKDF2 prf') : '1.2.840.113549.2.7';
  const digest = PBES2_PRF[prfOid];
  if (!digest) throw new Malformed(`its PBKDF2 pseudo-random function ${prfOid} is not supported`);
  const [cipherOid, ivNode] = children(need(scheme, 'PBES2 encryption scheme'), 'PBES2 encryption scheme', T.SEQUENCE);
  const cipherName = oid(cipherOid, 'PBES2 cipher');
  const cipher = PBES2_CIPHERS[cipherName];
  if (!cipher) throw new Malformed(`its PBES2 cipher ${cipherName} is not supported`);
  const iv = Buffer.from(octets(ivNode, 'PBES2 IV'), 'binary');
  if (iv.length !== (cipher.name.startsWith('aes') ? 16 : 8)) throw new Malformed('its PBES2 IV has the wrong length');
  budget.spend(iterations);
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), Buffer.from(salt, 'binary'), iterations, cipher.keyLength, digest);
  try {
    const decipher = createDecipheriv(cipher.name, key, iv);
    return Buffer.concat([decipher.update(Buffer.from(encrypted, 'binary')), decipher.final()]).toString('binary');
  } catch {
    throw new DecryptFailed('bad padding');
  }
}

function checkIterations(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 1) throw new Malformed(`its ${what} iteration count is invalid`);
  if (n > MAX_ITERATIONS) throw new Malformed(`its ${what} iteration count ${n} is above the supported ${MAX_ITERATIONS}`);
}

function bagAttributes(set: Asn1 | undefined): { localKeyId?: string; friendlyName?: string } {
  const out: { localKeyId?: string; friendlyName?: string } = {};
  if (!set || !Array.isArray(set.value)) return out;
  for (const attr of set.value) {
    if (!Array.isArray(attr.value)) continue;
    const [typeNode, values] = attr.value;
    if (!typeNode || !values || !Array.isArray(values.value) || typeof typeNode.value !== 'string') continue;
    const value = values.value[0];
    if (!value || typeof value.value !== 'string') continue;
    const type = forge.asn1.derToOid(typeNode.value);
    if (type === OID.localKeyId) out.localKeyId = forge.util.bytesToHex(value.value);
    // forge decodes BMPString contents to a JS string already
    if (type === OID.friendlyName && value.type === T.BMPSTRING) out.friendlyName = value.value;
  }
  return out;
}

// ---- small ASN.1 navigation helpers: every failure is a Malformed naming the structure ----

function parse(bytes: string, what: string): Asn1 {
  try {
    return forge.asn1.fromDer(forge.util.createBuffer(bytes), { strict: false, decodeBitStrings: false } as unknown as boolean);
  } catch {
    throw new Malformed(`its ${what} is not valid DER`);
  }
}

function need(node: Asn1 | undefined, what: string): Asn1 {
  if (!node) throw new Malformed(`its ${what} is missing`);
  return node;
}

function children(node: Asn1 | undefined, what: string, type: number): Asn1[] {
  if (!node || node.tagClass !== C.UNIVERSAL || node.type !== type || !Array.isArray(node.value)) {
    throw new Malformed(`its ${what} is not a ${type === T.SET ? 'SET' : 'SEQUENCE'}`);
  }
  return node.value;
}

/** The single child of an [n] EXPLICIT wrapper. */
function first(node: Asn1 | undefined, what: string): Asn1 {
  if (!node || node.tagClass !== C.CONTEXT_SPECIFIC || !Array.isArray(node.value) || !node.value[0]) {
    throw new Malformed(`its ${what} is missing`);
  }
  return node.value[0];
}

function oid(node: Asn1 | undefined, what: string): string {
  if (!node || node.type !== T.OID || typeof node.value !== 'string' || node.value.length === 0) throw new Malformed(`its ${what} is not an OID`);
  return forge.asn1.derToOid(node.value);
}

function integer(node: Asn1 | undefined, what: string): number {
  if (!node || node.type !== T.INTEGER || typeof node.value !== 'string' || node.value.length === 0) throw new Malformed(`its ${what} is not an INTEGER`);
  if (node.value.length > 6 || node.value.charCodeAt(0) & 0x80) return -1;
  let n = 0;
  for (let i = 0; i < node.value.length; i++) n = n * 256 + node.value.charCodeAt(i);
  return n;
}

/** OCTET STRING contents, joining BER constructed chunks; `implicit` accepts a [0] IMPLICIT tag. */
function octets(node: Asn1 | undefined, what: string, implicit = false): string {
  if (!node) throw new Malformed(`its ${what} is missing`);
  const ok = node.type === T.OCTETSTRING || (implicit && node.tagClass === C.CONTEXT_SPECIFIC);
  if (!ok) throw new Malformed(`its ${what} is not an OCTET STRING`);
  if (typeof node.value === 'string') return node.value;
  return node.value.map((chunk) => octets(chunk, what, false)).join('');
}

function toBytes(node: Asn1): string {
  return forge.asn1.toDer(node).getBytes();
}

function isBase64Text(bytes: Buffer): boolean {
  if (bytes.length < 16) return false;
  const text = bytes.toString('latin1').replace(/\s+/g, '');
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(text) && text.startsWith('MI');
}

/**
 * Why decrypting this PKCS#8 EncryptedPrivateKeyInfo (PEM "ENCRYPTED PRIVATE KEY") would cost more
 * than a keystore may, or undefined. OpenSSL derives the key with whatever count the file names, so
 * the count is checked before the key is handed to it. Unreadable structures are left to OpenSSL.
 */
export function encryptedKeyCostProblem(der: Uint8Array): string | undefined {
  let algId: Asn1 | undefined;
  try {
    [algId] = children(parse(Buffer.from(der).toString('binary'), 'EncryptedPrivateKeyInfo'), 'EncryptedPrivateKeyInfo', T.SEQUENCE);
    const [algOid, params] = children(algId, 'encryption algorithm', T.SEQUENCE);
    let kdfParams = params;
    if (oid(algOid, 'encryption algorithm') === OID.pbes2) {
      const [kdf] = children(params, 'PBES2 parameters', T.SEQUENCE);
      const [kdfOid, p] = children(kdf, 'PBES2 key derivation', T.SEQUENCE);
      if (oid(kdfOid, 'PBES2 key derivation') !== OID.pbkdf2) return 'its key derivation function is not PBKDF2';
      kdfParams = p;
    }
    const iterations = integer(children(kdfParams, 'key derivation parameters', T.SEQUENCE)[1], 'iterations');
    checkIterations(iterations, 'key derivation');
    return undefined;
  } catch (err) {
    if (err instanceof Malformed && /iteration count/.test(err.message)) return err.message;
    return undefined;
  }
}
