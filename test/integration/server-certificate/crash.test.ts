// A crash between the IAM upload and the status write: the controller process (the real CLI entry)
// exits right after UploadServerCertificate through a test-only fault hook; the restarted controller
// finds the certificate it uploaded instead of uploading a second copy.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createPki, toPkcs12, type TestPki } from '../../support/pki.ts';
import { createTestNamespace, uniqueClusterName, type TestNamespace } from '../support/index.ts';
import {
  applyServerCertificate,
  expectNoSecretsIn,
  getServerCertificate,
  iamCertificates,
  installCrds,
  putSecret,
  spawnController,
  startController,
  waitForCondition,
  type Controller,
} from './harness.ts';

let ns: TestNamespace;
let pki: TestPki;
let restarted: Controller | undefined;
let crashing: ChildProcess | undefined;

beforeAll(async () => {
  await installCrds();
  ns = await createTestNamespace('scert-crash');
  pki = await createPki({ algorithm: 'rsa' });
});

afterAll(async () => {
  if (crashing && crashing.exitCode === null) crashing.kill('SIGKILL');
  await restarted?.stop();
  await ns?.delete();
});

describe('crash between upload and status write', () => {
  it('leaves exactly one IAM certificate, which the restarted controller adopts as its own', async () => {
    const clusterName = uniqueClusterName();
    const password = 'crash-test-password';
    await putSecret(ns.name, 'keystore', { 'keystore.pfx': toPkcs12({ leaf: pki.leaf, chain: pki.chain, password, encoding: 'aes-256' }), password });
    await applyServerCertificate(ns.name, 'crashy', { secretRef: { name: 'keystore' } });

    const { child, output } = spawnController(clusterName, ns.name, { ALBATROSS_TEST_FAULT: 'exit-after-iam-upload' });
    crashing = child;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`controller did not exit after the upload; output:\n${output.join('')}`)), 60_000);
    });
    let code: number | null;
    try {
      [code] = (await Promise.race([once(child, 'exit'), timeout])) as [number | null];
    } finally {
      clearTimeout(timer);
    }
    expect(code).toBe(86);

    const afterCrash = await iamCertificates(clusterName);
    expect(afterCrash).toHaveLength(1);
    expect((await getServerCertificate(ns.name, 'crashy'))?.status?.arn).toBeUndefined();
    expectNoSecretsIn(output.join('').split('\n').filter((l) => l !== ''), { keys: [pki.leaf], passwords: [password] });

    restarted = await startController(ns.name, { clusterName });
    const sc = await waitForCondition(ns.name, 'crashy', 'Ready', 'True');
    const iam = await iamCertificates(clusterName);
    expect(iam).toHaveLength(1);
    expect(sc.status?.arn).toBe(afterCrash[0]!.arn);
    expect(iam[0]).toMatchObject({ leafSha256: pki.leaf.sha256, chainSha256: [pki.intermediate2.sha256, pki.intermediate1.sha256] });
  });
});
