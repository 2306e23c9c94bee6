// Keystores are decoded on a worker thread, once per Secret version: a hostile keystore (100,000
// iterations, legacy SHA-1 MAC, RC2-40/3DES) costs the main thread no key derivation at all, and the
// total work per keystore is bounded.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import forge from 'node-forge';
import { register } from 'prom-client';
import { evaluateDecoded } from '../../../src/reconcilers/server-certificate/pki.ts';
import { keyDerivationIterations, MAX_ITERATIONS, MAX_TOTAL_ITERATIONS, readPkcs12 } from '../../../src/reconcilers/server-certificate/pkcs12.ts';
import { DEFAULT_SECRET_KEYS } from '../../../src/reconcilers/server-certificate/read-secret.ts';
import { SecretDecoder, type SecretVersion } from '../../../src/reconcilers/server-certificate/secret-decoder.ts';
import { createPki, pemBundle, toPkcs12, type TestPki } from '../../support/pki.ts';

const PASSWORD = 'h0stile-but-valid';
const version = (resourceVersion: string, namespace = 'tenant-a'): SecretVersion => ({ namespace, name: 'keystore', uid: 'u-1', resourceVersion });

async function workerJobs(result: 'ok' | 'error'): Promise<number> {
  const metric = await register.getSingleMetric('albatross_worker_jobs_total')?.get();
  return metric?.values.find((v) => v.labels.pool === 'secret-decode' && v.labels.result === result)?.value ?? 0;
}

let pki: TestPki;
let hostile: Buffer;
const decoder = new SecretDecoder({ threads: 1 });

beforeAll(async () => {
  pki = await createPki({ algorithm: 'rsa' });
  hostile = toPkcs12({ leaf: pki.leaf, chain: pki.chain, password: PASSWORD, encoding: 'rc2-40', extraArgs: ['-iter', String(MAX_ITERATIONS)] });
}, 120_000); // key generation (RSA) on a loaded 2-core machine can take far longer than jest's 5 s default
afterAll(() => decoder.close());

describe('SecretDecoder', () => {
  it('derives a hostile keystore\'s keys on a worker thread, not on the main thread, and caches the result per resourceVersion', async () => {
    const data = { 'keystore.pfx': hostile, password: Buffer.from(PASSWORD) };
    const mainThreadBefore = keyDerivationIterations();
    const jobsBefore = await workerJobs('ok');

    const first = decoder.request(version('1'), DEFAULT_SECRET_KEYS, data);
    expect(first.state).toBe('pending');
    // Asked again before it is done: the same job, not a second one.
    expect(decoder.request(version('1'), DEFAULT_SECRET_KEYS, data).state).toBe('pending');
    const decoded = first.state === 'pending' ? await first.done : first.decoded;

    expect(decoded.ok).toBe(true);
    const result = evaluateDecoded(decoded, {});
    expect(result.ok && result.bundle.leafSha256).toBe(pki.leaf.sha256);
    expect(keyDerivationIterations()).toBe(mainThreadBefore);
    expect(await workerJobs('ok')).toBe(jobsBefore + 1);

    expect(decoder.cached(version('1'), DEFAULT_SECRET_KEYS)).toBe(decoded);
    expect(decoder.request(version('1'), DEFAULT_SECRET_KEYS, data)).toEqual({ state: 'ready', decoded });
    expect(decoder.cached(version('2'), DEFAULT_SECRET_KEYS)).toBeUndefined();
    expect(decoder.cached(version('1'), { ...DEFAULT_SECRET_KEYS, pkcs12: 'other.pfx' })).toBeUndefined();
    expect(await workerJobs('ok')).toBe(jobsBefore + 1);
  }, 60_000);

  it('decodes plain PEM at once, without a worker, and does not keep it', async () => {
    const jobsBefore = await workerJobs('ok');
    const r = decoder.request(version('7'), DEFAULT_SECRET_KEYS, { 'tls.crt': Buffer.from(pemBundle(pki.leaf, ...pki.chain)), 'tls.key': Buffer.from(pki.leaf.keyPem) });
    expect(r.state).toBe('ready');
    expect(r.state === 'ready' && evaluateDecoded(r.decoded, {}).reason).toBe('Valid');
    expect(await workerJobs('ok')).toBe(jobsBefore);
    // Not kept between reconciles (decoding it again is cheaper than holding its keys and DER).
    expect(decoder.cached(version('7'), DEFAULT_SECRET_KEYS)).toBeUndefined();
  });

  it('reports a wrong password from the worker like the inline reader does', async () => {
    const decoded = await decoder.decode(version('3'), DEFAULT_SECRET_KEYS, { 'keystore.pfx': hostile, password: Buffer.from('wrong') });
    expect(decoded).toEqual({ ok: false, reason: 'WrongPassword', message: "the password in 'password' does not open keystore.pfx (integrity check failed)" });
  }, 60_000);
});

describe('the cost bound', () => {
  it('refuses a keystore whose key derivations add up to more than the total budget, having spent no more than that', () => {
    // 60 copies of a shrouded 3DES key bag at 200 iterations, no MAC: 60 x 3 blocks x 200 = 36,000
    // iterations if nothing stopped it. The budget here is 20,000 (MAX_TOTAL_ITERATIONS in
    // production; the mechanism is the same, the test just spends less).
    const key = forge.pki.privateKeyFromPem(pki.leaf.keyPem);
    const p12 = forge.pkcs12.toPkcs12Asn1(key, [forge.pki.certificateFromPem(pki.leaf.certPem)], PASSWORD, { algorithm: '3des', count: 200, useMac: false });
    const authSafe = findAuthenticatedSafe(p12);
    const parts = authSafe.value as forge.asn1.Asn1[];
    authSafe.value = Array.from({ length: 60 }, () => parts).flat();
    rewrap(p12, authSafe);
    const bytes = Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary');
    const names = { keystore: 'keystore.pfx', password: 'password' };
    const before = keyDerivationIterations();
    expect(() => readPkcs12(bytes, PASSWORD, names, 20_000)).toThrow('keystore.pfx is not a readable PKCS#12 keystore: its key derivations need more than 20000 iterations in total');
    expect(keyDerivationIterations() - before).toBeLessThanOrEqual(20_000);
    // The same keystore within a budget it fits: read, so the refusal above was the budget's.
    expect(readPkcs12(bytes, PASSWORD, names, 40_000).keys).toHaveLength(60);
  });

  it(`counts derived blocks: a legacy keystore costs 6 x its iteration count, so one at the cap fits MAX_TOTAL_ITERATIONS (${MAX_TOTAL_ITERATIONS})`, () => {
    const pfx = toPkcs12({ leaf: pki.leaf, chain: pki.chain, password: PASSWORD, encoding: 'rc2-40', extraArgs: ['-iter', '10000'] });
    const before = keyDerivationIterations();
    expect(readPkcs12(pfx, PASSWORD, { keystore: 'keystore.pfx', password: 'password' }).keys).toHaveLength(1);
    // MAC 1 block, RC2-40 certificates 2 (key + IV), 3DES key 3 (2 key blocks + IV).
    expect(keyDerivationIterations() - before).toBe(6 * 10_000);
    expect(6 * MAX_ITERATIONS).toBeLessThanOrEqual(MAX_TOTAL_ITERATIONS);
  });
});

// PFX = SEQUENCE { version, ContentInfo { data, [0] OCTET STRING (DER of AuthenticatedSafe) }, ... }
function findAuthenticatedSafe(pfx: forge.asn1.Asn1): forge.asn1.Asn1 {
  const octets = contentOctets(pfx);
  return forge.asn1.fromDer(forge.util.createBuffer(octets.value as string));
}

function contentOctets(pfx: forge.asn1.Asn1): forge.asn1.Asn1 {
  const contentInfo = (pfx.value as forge.asn1.Asn1[])[1] as forge.asn1.Asn1;
  const explicit = (contentInfo.value as forge.asn1.Asn1[])[1] as forge.asn1.Asn1;
  return (explicit.value as forge.asn1.Asn1[])[0] as forge.asn1.Asn1;
}

function rewrap(pfx: forge.asn1.Asn1, authSafe: forge.asn1.Asn1): void {
  contentOctets(pfx).value = forge.asn1.toDer(authSafe).getBytes();
}
