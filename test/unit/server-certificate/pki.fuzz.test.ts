// Fuzz-style test: ≥ 10,000 mangled PEM and PKCS#12 Secrets through evaluateSecret. Every input must
// come back (no throw) within a bound on work (key-derivation iterations, the only cost that grows with
// a number inside the input; sizes are bounded by the corpus) with a ChainValid reason and a message; anything accepted
// must really be a leaf with its key and a chain where each certificate signs the one before; and no
// message may carry the password or key material. Seeded: FUZZ_SEED=<n> reproduces a run.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { keyDerivationIterations, MAX_TOTAL_ITERATIONS } from '../../../src/reconcilers/server-certificate/pkcs12.ts';
import { evaluateSecret, type PkiResult } from '../../../src/reconcilers/server-certificate/pki.ts';
import { seededRandom as rng, type Rand } from '../../support/rng.ts';
import { createPki, crlf, opensslPkcs12Text, pemBundle, toPkcs12, type Pkcs12Encoding, type TestPki } from '../../support/pki.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20240611);
const PEM_CASES = 6000;
const PKCS12_CASES = 4000;
/**
 * Per input: the reader's documented bound. Mangled counts up to the per-derivation cap are followed
 * (that is allowed); a path that derived keys outside the budget, or an unchecked count, blows past it.
 */
const MAX_ITERATIONS_PER_INPUT = MAX_TOTAL_ITERATIONS;
const PASSWORD = 'fuzz-P4ssw0rd';
const REASONS = ['Valid', 'Repaired', 'IncompleteChain', 'KeyMismatch', 'Expired', 'NotYetValid', 'WrongPassword', 'Unparseable'];

const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)] as T;

const BYTE_MUTATORS: Array<(r: Rand, b: Buffer, donor: Buffer) => Buffer> = [
  (r, b) => { const c = Buffer.from(b); for (let i = 0, n = 1 + int(r, 8); i < n && c.length; i++) { const at = int(r, c.length); c[at] = (c[at] ?? 0) ^ (1 << int(r, 8)); } return c; },
  (r, b) => { const c = Buffer.from(b); for (let i = 0, n = 1 + int(r, 4); i < n && c.length; i++) c[int(r, c.length)] = int(r, 256); return c; },
  (r, b) => { const at = int(r, b.length + 1); return Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + int(r, 16) }, () => int(r, 256))), b.subarray(at)]); },
  (r, b) => { const at = int(r, b.length); return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(r, 64))]); },
  (r, b) => b.subarray(0, int(r, b.length)),
  (r, b) => { const at = int(r, b.length); const len = 1 + int(r, 128); return Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]); },
  (r, b, donor) => { const at = int(r, b.length); const from = int(r, donor.length); return Buffer.concat([b.subarray(0, at), donor.subarray(from, from + 1 + int(r, 256)), b.subarray(at + int(r, 64))]); },
  // DER length fields: make a short length long, or a long length huge.
  (r, b) => {
    const c = Buffer.from(b);
    const spots: number[] = [];
    for (let i = 1; i < c.length - 1; i++) if ((c[i] ?? 0) >= 0x81 && (c[i] ?? 0) <= 0x84) spots.push(i);
    if (spots.length === 0) return c;
    const at = pick(r, spots);
    c[at] = pick(r, [0x80, 0x84, 0x85, 0xff, 0x00, 0x7f]);
    if (r() < 0.5 && at + 1 < c.length) c[at + 1] = 0xff;
    return c;
  },
  // INTEGERs (iteration counts live here): 02 01 xx / 02 02 xx xx → large values.
  (r, b) => {
    const c = Buffer.from(b);
    const spots: number[] = [];
    for (let i = 0; i < c.length - 3; i++) if (c[i] === 0x02 && (c[i + 1] === 0x01 || c[i + 1] === 0x02)) spots.push(i);
    if (spots.length === 0) return c;
    const at = pick(r, spots);
    c[at + 2] = pick(r, [0x7f, 0xff, 0x00, 0x80, 0x01]);
    return c;
  },
];

const TEXT_MUTATORS: Array<(r: Rand, t: string, donor: string) => string> = [
  (r, t) => crlf(t),
  (r, t) => t.replace(/-----END [A-Z ]+-----/, ''),
  (r, t) => t.replace(/-----BEGIN ([A-Z ]+)-----/, (_m, l: string) => `-----BEGIN ${pick(r, ['PRIVATE KEY', 'CERTIFICATE REQUEST', 'PKCS7', 'X509 CRL', l.toLowerCase(), 'CERTIFICATE'])}-----`),
  (r, t) => { const at = int(r, t.length); return t.slice(0, at) + pick(r, ['Bag Attributes\n    localKeyID: 01 00 00 00\n', 'subject=/CN=x\n', '\n\n   ', '-----BEGIN CERTIFICATE-----\n', '-----END CERTIFICATE-----\n', '!@#$', '\u0000', '====']) + t.slice(at); },
  (r, t) => { const blocks = t.match(/-----BEGIN [\s\S]*?-----END [A-Z ]+-----\n?/g) ?? [t]; return blocks.sort(() => r() - 0.5).join(pick(r, ['', '\n', '\r\n', 'junk\n'])); },
  (r, t) => { const chars = [...t]; for (let i = 0, n = 1 + int(r, 6); i < n && chars.length; i++) chars[int(r, chars.length)] = pick(r, ['A', '/', '+', '=', '-', ' ', '\n', 'é']); return chars.join(''); },
  (r, t, donor) => t + donor.slice(0, int(r, donor.length)),
  (r, t) => t.slice(0, int(r, t.length)),
  (r, t) => Buffer.from(t).toString('base64'),
  (r, t) => t.repeat(1 + int(r, 3)),
];

interface Corpus {
  pems: string[];
  keys: string[];
  /** Iteration count 1: cheap, so most inputs use these. */
  pfx: Array<{ bytes: Buffer; password: string }>;
  /** As openssl writes them by default (2048 iterations). */
  pfxRealistic: Array<{ bytes: Buffer; password: string }>;
}

function checkAccepted(result: PkiResult): void {
  if (!result.ok) return;
  const leaf = new X509Certificate(result.bundle.certificateBody);
  expect(leaf.checkPrivateKey(createPrivateKey(result.bundle.privateKey.reveal()))).toBe(true);
  const chain = (result.bundle.certificateChain.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p));
  let child = leaf;
  for (const issuer of chain) {
    expect(child.checkIssued(issuer) && child.verify(issuer.publicKey)).toBe(true);
    child = issuer;
  }
}

describe('fuzzing the Secret reader', () => {
  const corpus: Corpus = { pems: [], keys: [], pfx: [], pfxRealistic: [] };
  const pkis: TestPki[] = [];

  beforeAll(async () => {
    pkis.push(await createPki({ algorithm: 'rsa' }), await createPki({ algorithm: 'ecdsa' }));
    for (const pki of pkis) {
      corpus.pems.push(pemBundle(pki.leaf, ...pki.chain), pemBundle(pki.intermediate1, pki.leaf, pki.root, pki.intermediate2), pemBundle(...pki.chain));
      corpus.keys.push(pki.leaf.keyPem);
      for (const encoding of ['rc2-40', '3des', 'aes-256'] as Pkcs12Encoding[]) {
        // Iteration count 1 keeps 4,000 keystores fast; one realistic (2048) keystore per encoding too.
        const fast = toPkcs12({ leaf: pki.leaf, chain: [pki.root, ...pki.chain], password: PASSWORD, encoding, extraArgs: ['-noiter', '-nomaciter'] });
        corpus.pfx.push({ bytes: fast, password: PASSWORD });
        corpus.pfxRealistic.push({ bytes: toPkcs12({ leaf: pki.leaf, chain: pki.chain, password: PASSWORD, encoding }), password: PASSWORD });
      }
      const text = opensslPkcs12Text(toPkcs12({ leaf: pki.leaf, chain: pki.chain, password: PASSWORD, encoding: 'aes-256', extraArgs: ['-noiter', '-nomaciter'] }), PASSWORD);
      corpus.pems.push(text);
    }
  }, 60_000);

  function run(data: Record<string, Buffer>, secrets: string[], label: string, stats: Map<string, number>): void {
    const before = keyDerivationIterations();
    let result: PkiResult | undefined;
    expect(() => { result = evaluateSecret({ data }); }).not.toThrow();
    const spent = keyDerivationIterations() - before;
    if (spent > MAX_ITERATIONS_PER_INPUT) throw new Error(`${label} spent ${spent} key-derivation iterations (seed ${SEED})`);
    if (!result) throw new Error(`${label}: no result`);
    expect(REASONS).toContain(result.reason);
    expect(typeof result.message === 'string' && result.message.length > 0).toBe(true);
    for (const s of secrets) {
      if (result.message.includes(s) || result.repairs.some((x) => x.includes(s))) throw new Error(`${label}: message leaks secret material (seed ${SEED})`);
    }
    checkAccepted(result);
    stats.set(result.reason, (stats.get(result.reason) ?? 0) + 1);
  }

  it(`${PEM_CASES} mangled PEM Secrets: no throw, bounded work, a reason, nothing leaked`, () => {
    const r = rng(SEED);
    const stats = new Map<string, number>();
    const keyLines = corpus.keys.flatMap((k) => k.split('\n').filter((l) => l.length >= 40));
    for (let i = 0; i < PEM_CASES; i++) {
      const crt = pick(r, corpus.pems);
      const key = pick(r, corpus.keys);
      const donor = pick(r, [...corpus.pems, ...corpus.keys]);
      let crtOut = crt;
      let keyOut = key;
      let caOut: string | undefined = r() < 0.3 ? pick(r, corpus.pems) : undefined;
      const target = int(r, 4);
      const rounds = 1 + int(r, 3);
      for (let k = 0; k < rounds; k++) {
        if (r() < 0.6) {
          const m = pick(r, TEXT_MUTATORS);
          if (target === 0 || target === 3) crtOut = m(r, crtOut, donor);
          if (target === 1 || target === 3) keyOut = m(r, keyOut, donor);
          if (target === 2 && caOut !== undefined) caOut = m(r, caOut, donor);
        } else {
          const m = pick(r, BYTE_MUTATORS);
          if (target === 0 || target === 3) crtOut = m(r, Buffer.from(crtOut), Buffer.from(donor)).toString('latin1');
          if (target === 1 || target === 3) keyOut = m(r, Buffer.from(keyOut), Buffer.from(donor)).toString('latin1');
        }
      }
      const data: Record<string, Buffer> = { 'tls.crt': Buffer.from(crtOut, 'latin1'), 'tls.key': Buffer.from(keyOut, 'latin1') };
      if (caOut !== undefined) data['ca.crt'] = Buffer.from(caOut, 'latin1');
      run(data, keyLines, `PEM case ${i}`, stats);
    }
    // The mutations must actually reach the interesting outcomes, or this test proves nothing.
    for (const reason of ['Valid', 'Repaired', 'Unparseable', 'KeyMismatch', 'IncompleteChain']) expect(stats.get(reason) ?? 0).toBeGreaterThan(0);
    expect([...stats.values()].reduce((a, b) => a + b, 0)).toBe(PEM_CASES);
    if (process.env.FUZZ_STATS) console.log('PEM outcomes', Object.fromEntries(stats));
  }, 600_000);

  it(`${PKCS12_CASES} mangled PKCS#12 keystores: no throw, bounded work, a reason, nothing leaked`, () => {
    const r = rng(SEED + 1);
    const stats = new Map<string, number>();
    for (let i = 0; i < PKCS12_CASES; i++) {
      const base = pick(r, r() < 0.1 ? corpus.pfxRealistic : corpus.pfx);
      const donor = pick(r, corpus.pfx).bytes;
      let bytes = base.bytes;
      const rounds = r() < 0.1 ? 0 : 1 + int(r, 3);
      for (let k = 0; k < rounds; k++) bytes = pick(r, BYTE_MUTATORS)(r, bytes, donor);
      const password = r() < 0.15 ? pick(r, ['', 'wrong', `${PASSWORD}\n`, PASSWORD.toUpperCase()]) : base.password;
      const data: Record<string, Buffer> = { 'keystore.pfx': bytes };
      if (r() > 0.05) data.password = Buffer.from(password);
      run(data, [PASSWORD, PASSWORD.toUpperCase()], `PKCS#12 case ${i}`, stats);
    }
    for (const reason of ['Unparseable', 'WrongPassword']) expect(stats.get(reason) ?? 0).toBeGreaterThan(0);
    expect((stats.get('Valid') ?? 0) + (stats.get('Repaired') ?? 0)).toBeGreaterThan(0);
    expect([...stats.values()].reduce((a, b) => a + b, 0)).toBe(PKCS12_CASES);
    if (process.env.FUZZ_STATS) console.log('PKCS#12 outcomes', Object.fromEntries(stats));
  }, 600_000);
});
