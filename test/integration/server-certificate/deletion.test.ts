// Deleting a ServerCertificate: Delete removes its IAM certificates once no listener uses them,
// Retain leaves them; the finalizer keeps the object until then.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { createPki, pemBundle, type TestPki } from '../../support/pki.ts';
import { conditionOf, waitFor } from '../support/index.ts';
import {
  applyServerCertificate,
  controllerPerFile,
  createHttpsListener,
  deleteLoadBalancer,
  deleteServerCertificate,
  getServerCertificate,
  iamCertificates,
  putSecret,
  waitForCondition,
} from './harness.ts';

const env = controllerPerFile('scert-del');
let pki: TestPki;

beforeAll(async () => {
  pki = await createPki({ algorithm: 'rsa' });
});

async function readyCertificate(name: string, deletionPolicy: 'Delete' | 'Retain'): Promise<{ arn: string; iamName: string }> {
  await putSecret(env.ns.name, `${name}-tls`, { 'tls.crt': pemBundle(pki.leaf, ...pki.chain), 'tls.key': pki.leaf.keyPem });
  await applyServerCertificate(env.ns.name, name, { secretRef: { name: `${name}-tls` }, deletionPolicy });
  const sc = await waitForCondition(env.ns.name, name, 'Ready', 'True');
  expect(sc.metadata?.finalizers).toContain('albatross.dev/cleanup');
  return { arn: sc.status!.arn!, iamName: sc.status!.serverCertificateName! };
}

// Deleting runs a listener scan over every load balancer in the (shared) moto account first.
const gone = (name: string) => waitFor(async () => (await getServerCertificate(env.ns.name, name)) === undefined, { description: `ServerCertificate ${name} gone`, timeoutMs: 90_000 });

describe('deletion', () => {
  it('deletionPolicy Delete removes the IAM certificate, then the object', async () => {
    const { iamName } = await readyCertificate('doomed', 'Delete');
    await deleteServerCertificate(env.ns.name, 'doomed');
    await gone('doomed');
    expect((await iamCertificates(env.controller.clusterName)).some((c) => c.name === iamName)).toBe(false);
  });

  it('deletionPolicy Retain leaves the IAM certificate in place', async () => {
    const { arn, iamName } = await readyCertificate('kept', 'Retain');
    await deleteServerCertificate(env.ns.name, 'kept');
    await gone('kept');
    const left = (await iamCertificates(env.controller.clusterName)).filter((c) => c.name === iamName);
    expect(left.map((c) => c.arn)).toEqual([arn]);
  });

  it('with Delete, waits while a listener still uses the certificate (Reconciling, Deleting), then deletes it', async () => {
    const { arn, iamName } = await readyCertificate('in-use', 'Delete');
    const lb = await createHttpsListener(arn);
    try {
      await deleteServerCertificate(env.ns.name, 'in-use');
      const waiting = await waitFor(async () => {
        const sc = await getServerCertificate(env.ns.name, 'in-use');
        return conditionOf(sc, 'Reconciling')?.reason === 'Deleting' ? sc : undefined;
      }, { description: 'ServerCertificate in-use waiting to delete', timeoutMs: 90_000 });
      expect(conditionOf(waiting, 'Reconciling')?.message).toBe(`waiting to delete ${iamName} (in use by 1 listener: ${lb.listenerArn})`);
      expect(waiting.status?.pendingDeletion?.map((p) => p.name)).toEqual([iamName]);
      await new Promise((r) => setTimeout(r, 3000));
      expect((await iamCertificates(env.controller.clusterName)).some((c) => c.name === iamName)).toBe(true);
      expect(await getServerCertificate(env.ns.name, 'in-use')).toBeDefined();
    } finally {
      await deleteLoadBalancer(lb);
    }
    await gone('in-use');
    expect((await iamCertificates(env.controller.clusterName)).some((c) => c.name === iamName)).toBe(false);
  }, 240_000);
});
