// Ten keystores at the accepted cost cap (100,000 iterations, legacy SHA-1 MAC, RC2-40/3DES) must
// not take the controller down: their keys are derived on a worker thread, so while they are being
// read /healthz answers and an unrelated ServerCertificate converges. The proof is not a time: the
// main thread derives no key at all (the reader counts iterations per thread), the worker pool still
// holds work when the unrelated one is Ready, and every hostile keystore is uploaded in the end.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import type { Albatross } from '../../../src/app.ts';
import { keyDerivationIterations, MAX_ITERATIONS } from '../../../src/reconcilers/server-certificate/pkcs12.ts';
import { createServerCertificateController } from '../../../src/reconcilers/server-certificate/reconciler.ts';
import { createPki, pemBundle, toPkcs12, type TestPki } from '../../support/pki.ts';
import { conditionOf, createTestNamespace, uniqueClusterName, type TestNamespace } from '../support/index.ts';
import { controllerFlags, installCrds, startInProcess } from '../support/controller.ts';
import { applyServerCertificate, getServerCertificate, iamCertificates, putSecret, waitForCondition } from './harness.ts';

const HOSTILE = 10;
const PASSWORD = 'costly-but-valid';

let ns: TestNamespace;
let app: Albatross | undefined;
let pki: TestPki;
const clusterName = uniqueClusterName();

async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${app!.metricsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return Number(line?.split(' ').pop() ?? 0);
}

beforeAll(async () => {
  await installCrds();
  ns = await createTestNamespace('scert-hostile');
  pki = await createPki({ algorithm: 'rsa' });
});
afterAll(async () => {
  await app?.stop();
  await ns?.delete();
});

describe('hostile keystores', () => {
  it(`${HOSTILE} keystores at ${MAX_ITERATIONS} iterations are read off the main thread: /healthz answers and an unrelated ServerCertificate converges meanwhile`, async () => {
    const keystores = (['rc2-40', '3des'] as const).map((encoding) =>
      toPkcs12({ leaf: pki.leaf, chain: pki.chain, password: PASSWORD, encoding, extraArgs: ['-iter', String(MAX_ITERATIONS), '-macalg', 'sha1'] }));
    // One worker thread (what a 2-core node gets) and a probe server, as deployed.
    const flags = controllerFlags(clusterName, ns.name, '1h').map((f, i, all) => (all[i - 1] === '--health-probe-bind-address' ? '127.0.0.1:0' : f));
    app = await startInProcess(flags, { controllers: [createServerCertificateController({ decodeThreads: 1 })], logger: pino({ level: 'silent' }) });
    const mainThreadBefore = keyDerivationIterations();
    const jobsBefore = await metric('albatross_worker_jobs_total', 'result="ok"');

    for (let i = 0; i < HOSTILE; i++) {
      await putSecret(ns.name, `hostile-${i}`, { 'keystore.pfx': keystores[i % 2]!, password: PASSWORD });
      await applyServerCertificate(ns.name, `hostile-${i}`, { secretRef: { name: `hostile-${i}` }, iam: { name: `hostile-${i}` } });
    }
    await putSecret(ns.name, 'plain', { 'tls.crt': pemBundle(pki.leaf, ...pki.chain), 'tls.key': pki.leaf.keyPem });
    await applyServerCertificate(ns.name, 'unrelated', { secretRef: { name: 'plain' } });

    await waitForCondition(ns.name, 'unrelated', 'Ready', 'True');
    // Still parsing when the unrelated one was done, and the probe answers meanwhile.
    expect(await metric('albatross_worker_queue_depth', 'pool="secret-decode"')).toBeGreaterThan(0);
    expect((await fetch(`${app.healthUrl}/healthz`)).status).toBe(200);
    expect(await metric('albatross_worker_queue_depth', 'pool="secret-decode"')).toBeGreaterThan(0);
    const waiting = await Promise.all(Array.from({ length: HOSTILE }, (_, i) => getServerCertificate(ns.name, `hostile-${i}`)));
    const decoding = waiting.filter((sc) => conditionOf(sc, 'Reconciling')?.status === 'True');
    expect(decoding.length).toBeGreaterThan(0);
    expect(conditionOf(decoding[0], 'Reconciling')).toMatchObject({ reason: 'Progressing', message: expect.stringContaining('on a worker thread') });

    for (let i = 0; i < HOSTILE; i++) await waitForCondition(ns.name, `hostile-${i}`, 'Ready', 'True', undefined, () => true, 300_000);
    expect(keyDerivationIterations()).toBe(mainThreadBefore);
    expect(await metric('albatross_worker_jobs_total', 'result="ok"')).toBe(jobsBefore + HOSTILE);
    expect(await metric('albatross_worker_queue_depth', 'pool="secret-decode"')).toBe(0);
    const iam = await iamCertificates(clusterName);
    expect(iam.map((c) => c.name).sort()).toEqual([...Array.from({ length: HOSTILE }, (_, i) => `hostile-${i}-${pki.leaf.sha256.slice(0, 8)}`), `unrelated-${pki.leaf.sha256.slice(0, 8)}`].sort());
  }, 600_000);
});
