// A Secret holding a leaf, its chain and 499 unrelated certificates: 499 repairs ("left out …")
// would make a ChainValid message far above the CRD's 32768 characters and get every status write
// refused. Status is bounded and says what was cut; the certificate is uploaded and Ready.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { MAX_MESSAGE_ITEMS, MAX_STATUS_LIST } from '../../../src/runtime/bounded.ts';
import { createPki, generateKeys, issueCertificate, pemBundle, type TestCert, type TestPki } from '../../support/pki.ts';
import { conditionOf } from '../support/index.ts';
import { applyServerCertificate, controllerPerFile, iamCertificates, putSecret, waitForCondition } from './harness.ts';

const UNRELATED = 499;
const env = controllerPerFile('scert-long');
let pki: TestPki;
let unrelated: TestCert[];

beforeAll(async () => {
  pki = await createPki({ algorithm: 'ecdsa' });
  // One key for all of them keeps this fast; each is its own self-signed certificate.
  const keys = await generateKeys('ecdsa');
  unrelated = [];
  for (let i = 0; i < UNRELATED; i++) unrelated.push(await issueCertificate({ commonName: `unrelated-${i}.${pki.label}.example.com`, algorithm: 'ecdsa', ca: false, keys }));
}, 120_000);

describe('a status with hundreds of repairs', () => {
  it(`a leaf + ${UNRELATED} unrelated certificates is Ready with a bounded status that says what was cut`, async () => {
    await putSecret(env.ns.name, 'crowded', {
      'tls.crt': pemBundle(pki.leaf, ...pki.chain, pki.root),
      'tls.key': pki.leaf.keyPem,
      'ca.crt': pemBundle(...unrelated),
    });
    await applyServerCertificate(env.ns.name, 'crowded', { secretRef: { name: 'crowded' } });

    const sc = await waitForCondition(env.ns.name, 'crowded', 'Ready', 'True', undefined, () => true, 120_000);
    const chainValid = conditionOf(sc, 'ChainValid');
    expect(chainValid).toMatchObject({ status: 'True', reason: 'Repaired' });
    // 499 left out + the root left out; the message names MAX_MESSAGE_ITEMS of them and counts the rest.
    expect(chainValid?.message).toContain(`; … and ${UNRELATED + 1 - MAX_MESSAGE_ITEMS} more`);
    expect(chainValid?.message).toContain(`left out 'CN=unrelated-0.${pki.label}.example.com' (ca.crt index 0): it is not part of the leaf's chain`);
    expect(sc.status?.repairs).toHaveLength(MAX_STATUS_LIST);
    expect(sc.status?.repairs?.at(-1)).toBe(`… and ${UNRELATED + 1 - (MAX_STATUS_LIST - 1)} more`);

    const iam = await iamCertificates(env.controller.clusterName);
    expect(iam).toEqual([expect.objectContaining({ leafSha256: pki.leaf.sha256, chainSha256: [pki.intermediate2.sha256, pki.intermediate1.sha256] })]);
    // No status write was refused: no warning or error mentions a 422 or an invalid object. (Not a
    // substring search of every line: debug lines carry timestamps, serials and hashes with "422" in them.)
    const refused = env.controller.logs
      .map((l) => JSON.parse(l) as { level: number; msg?: string; err?: unknown })
      .filter((l) => l.level >= 40 && /\b422\b|unprocessable|invalid|refused/i.test(`${l.msg ?? ''} ${JSON.stringify(l.err ?? '')}`));
    expect(refused).toEqual([]);
  }, 180_000);
});
