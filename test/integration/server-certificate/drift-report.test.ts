// driftPolicy Report, against the real apiserver and moto: a certificate deleted from IAM behind the
// controller's back is reported (Drifted=True, Stalled=True reason Drifted, status.drift) and left
// alone — nothing is uploaded again until the policy says Correct.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { DeleteServerCertificateCommand } from '@aws-sdk/client-iam';
import { CoreV1Api } from '@kubernetes/client-node';
import { createPki, pemBundle, type TestPki } from '../../support/pki.ts';
import { awsClients, conditionOf, kstatus, kubeConfig, waitFor } from '../support/index.ts';
import {
  applyServerCertificate,
  controllerPerFile,
  getServerCertificate,
  iamCertificates,
  putSecret,
  waitForCondition,
} from './harness.ts';

const RESYNC_MS = 3000;
// A short resync: drift is found by the periodic re-check.
const env = controllerPerFile('scert-report', { resyncPeriod: `${RESYNC_MS / 1000}s` });
let pki: TestPki;

beforeAll(async () => {
  pki = await createPki({ algorithm: 'ecdsa' });
});

async function warnings(name: string, reason: string): Promise<string[]> {
  const list = await kubeConfig().makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: env.ns.name, fieldSelector: `involvedObject.name=${name}` });
  return list.items.filter((e) => e.type === 'Warning' && e.reason === reason).map((e) => e.message ?? '');
}

describe('driftPolicy Report', () => {
  it('a certificate deleted from IAM behind our back is reported, not re-uploaded', async () => {
    await putSecret(env.ns.name, 'reported', { 'tls.crt': pemBundle(pki.leaf, ...pki.chain), 'tls.key': pki.leaf.keyPem });
    await applyServerCertificate(env.ns.name, 'reported', { secretRef: { name: 'reported' }, iam: { name: 'report-site' }, driftPolicy: 'Report' });
    const ready = await waitForCondition(env.ns.name, 'reported', 'Ready', 'True');
    // The schema keeps the field (an unknown field would be pruned and the default policy used).
    expect(ready.spec.driftPolicy).toBe('Report');
    const name = ready.status!.serverCertificateName!;
    const arn = ready.status!.arn!;
    expect(name).toBe(`report-site-${pki.leaf.sha256.slice(0, 8)}`);

    await awsClients().iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: name }));
    expect(await iamCertificates(env.controller.clusterName)).toEqual([]);

    const drifted = await waitForCondition(env.ns.name, 'reported', 'Drifted', 'True', 'Drifted', () => true, 30_000);
    const difference = { path: `iam:${name}`, desired: 'present', actual: 'absent (deleted outside Albatross)' };
    expect(drifted.status?.drift).toEqual([difference]);
    expect(conditionOf(drifted, 'Drifted')?.message).toBe(`iam:${name}: absent (deleted outside Albatross) -> present (driftPolicy Report: nothing changed)`);
    expect(conditionOf(drifted, 'Ready')).toMatchObject({ status: 'False', reason: 'Drifted' });
    expect(conditionOf(drifted, 'Reconciling')?.status).toBe('False');
    // Reported drift needs a human: Stalled, which Flux's kstatus calls Failed (not InProgress for ever).
    expect(conditionOf(drifted, 'Stalled')).toMatchObject({ status: 'True', reason: 'Drifted' });
    expect((await kstatus(drifted)).status).toBe('Failed');
    // Status still names the certificate listeners were told to use.
    expect(drifted.status).toMatchObject({ arn, serverCertificateName: name });
    // Events are written beside the status, not before it: wait for the Warning rather than race it.
    const reported = `iam:${name}: absent (deleted outside Albatross) -> present`;
    await waitFor(async () => (await warnings('reported', 'Drifted')).some((m) => m.includes(reported)), { description: 'a Drifted Warning event', timeoutMs: 10_000 });

    // Several re-checks later: still reported, and IAM still holds nothing under this cluster's path.
    await new Promise((r) => setTimeout(r, 3 * RESYNC_MS));
    const later = await getServerCertificate(env.ns.name, 'reported');
    expect(conditionOf(later, 'Drifted')).toMatchObject({ status: 'True', reason: 'Drifted' });
    expect(conditionOf(later, 'Ready')).toMatchObject({ status: 'False', reason: 'Drifted' });
    expect(later?.status?.drift).toEqual([difference]);
    expect(await iamCertificates(env.controller.clusterName)).toEqual([]);

    // Switching to Correct puts it back; status.drift still says what that reconcile found, and is
    // empty from the next re-check on.
    await applyServerCertificate(env.ns.name, 'reported', { secretRef: { name: 'reported' }, iam: { name: 'report-site' }, driftPolicy: 'Correct' });
    const corrected = await waitForCondition(env.ns.name, 'reported', 'Drifted', 'False', 'Corrected', () => true, 30_000);
    expect(conditionOf(corrected, 'Ready')?.status).toBe('True');
    expect(conditionOf(corrected, 'Drifted')?.message).toBe(`changed back: iam:${name}: absent (deleted outside Albatross) -> present`);
    const clean = await waitForCondition(env.ns.name, 'reported', 'Ready', 'True', 'Reconciled', (sc) => sc.status?.drift?.length === 0, 30_000);
    expect(conditionOf(clean, 'Drifted')?.status).toBe('False');
    expect((await iamCertificates(env.controller.clusterName)).map((c) => ({ name: c.name, leaf: c.leafSha256 }))).toEqual([{ name, leaf: pki.leaf.sha256 }]);
  }, 120_000);
});
