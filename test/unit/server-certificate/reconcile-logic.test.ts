// build → observe → plan → apply → status against an in-memory IAM (a fake of the IamApi port; the
// real one is exercised by the integration tests against moto). Properties: applying converges,
// re-applying is a no-op, nothing is deleted that is not ours or still in use, bad input changes
// nothing in IAM, drift is corrected or only reported.
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { CertificateUsageApi } from '../../../src/aws/certificate-usage.ts';
import { AwsError } from '../../../src/aws/errors.ts';
import type { IamApi, ServerCertificateDetail, UploadServerCertificateInput } from '../../../src/aws/iam.ts';
import type { ServerCertificate, ServerCertificateStatus } from '../../../src/crds/index.ts';
import { apply, NameTakenError } from '../../../src/reconcilers/server-certificate/apply.ts';
import { build, type DesiredCertificate } from '../../../src/reconcilers/server-certificate/build.ts';
import { attachUsage, observe } from '../../../src/reconcilers/server-certificate/observe.ts';
import { plan, planDeletion, usageNeeded } from '../../../src/reconcilers/server-certificate/plan.ts';
import { nextStatus } from '../../../src/reconcilers/server-certificate/status.ts';
import { createPki, issueCertificate, pemBundle, type TestCert, type TestPki } from '../../support/pki.ts';

const CLUSTER = 'prod';
const NS = 'shop';
const PATH = `/albatross/${CLUSTER}/${NS}/`;

class FakeIam implements IamApi {
  readonly certs = new Map<string, ServerCertificateDetail>();
  readonly inUse = new Set<string>();
  readonly calls: string[] = [];
  private seq = 0;

  put(name: string, path: string, body: string, chain = '', tags: Record<string, string> = {}): ServerCertificateDetail {
    const d: ServerCertificateDetail = { name, path, id: `ASCA${++this.seq}`, arn: `arn:aws:iam::123456789012:server-certificate${path}${name}`, certificateBody: body, certificateChain: chain, tags };
    this.certs.set(name, d);
    return d;
  }
  async listServerCertificates(prefix: string) {
    this.calls.push('list');
    return [...this.certs.values()].filter((c) => c.path.startsWith(prefix)).map(({ name, id, arn, path }) => ({ name, id, arn, path }));
  }
  async getServerCertificate(name: string) {
    this.calls.push(`get ${name}`);
    return this.certs.get(name);
  }
  async uploadServerCertificate(input: UploadServerCertificateInput) {
    this.calls.push(`upload ${input.name}`);
    if (this.certs.has(input.name)) throw new AwsError('iam', 'UploadServerCertificate', 'EntityAlreadyExists', 'duplicate', 'exists');
    expect(input.privateKey.reveal()).toMatch(/PRIVATE KEY/);
    const d = this.put(input.name, input.path, input.certificateBody, input.certificateChain ?? '', input.tags);
    return { name: d.name, id: d.id, arn: d.arn, path: d.path };
  }
  async deleteServerCertificate(name: string) {
    this.calls.push(`delete ${name}`);
    if (this.inUse.has(name)) throw new AwsError('iam', 'DeleteServerCertificate', 'DeleteConflict', 'in_use', 'in use');
    return this.certs.delete(name) ? 'deleted' as const : 'not_found' as const;
  }
}

class FakeUsage implements CertificateUsageApi {
  readonly listeners = new Map<string, string[]>();
  calls = 0;
  async listenersUsing(arns: string[]) {
    this.calls++;
    return new Map(arns.map((a) => [a, this.listeners.get(a) ?? []]));
  }
}

let pki: TestPki;
let renewed: TestCert;

beforeAll(async () => {
  pki = await createPki({ algorithm: 'ecdsa' });
  renewed = await issueCertificate({ commonName: pki.leaf.commonName, issuer: pki.intermediate2, dnsNames: [pki.leaf.commonName] });
});

function sc(spec: Partial<ServerCertificate['spec']> & { driftPolicy?: string } = {}, status?: ServerCertificateStatus): ServerCertificate {
  return { metadata: { name: 'web', namespace: NS, generation: 1 }, spec: { secretRef: { name: 'web-tls' }, ...spec }, ...(status ? { status } : {}) } as ServerCertificate;
}

const pem = (leaf: TestCert) => ({ 'tls.crt': Buffer.from(pemBundle(leaf, ...pki.chain)), 'tls.key': Buffer.from(leaf.keyPem) });

function desiredFor(leaf: TestCert | 'bad' | 'missing', spec: Parameters<typeof sc>[0] = {}): DesiredCertificate {
  const data = leaf === 'missing' ? undefined : leaf === 'bad' ? { 'tls.crt': Buffer.from(pki.leaf.keyPem), 'tls.key': Buffer.from(pki.leaf.keyPem) } : pem(leaf);
  return build({ sc: sc(spec), cluster: CLUSTER, secretData: data });
}

/**
 * One reconcile's AWS part, as the reconciler runs it: observe, listener usage for what the plan
 * needs, plan, apply. `pending`: status.pendingDeletion names from the previous reconcile.
 */
async function converge(iam: FakeIam, usage: FakeUsage, desired: DesiredCertificate, current?: string, pending: string[] = []) {
  const actual = await observe(iam, usage, { desired, knownNames: [...(current ? [current] : []), ...pending], onlyKnownNames: false });
  const input = { desired, actual, current, alreadyPending: pending };
  await attachUsage(usage, usageNeeded(input));
  const p = plan(input);
  const result = await apply(iam, p, desired);
  return { actual, plan: p, result };
}

describe('build', () => {
  it('names the upload <iam.name>-<8 hex of the leaf SHA-256> under <iam.path><cluster>/<namespace>/, with ownership tags', () => {
    const d = desiredFor(pki.leaf, { iam: { name: 'service-example-com', path: '/certs/' } });
    expect(d.name).toBe(`service-example-com-${pki.leaf.sha256.slice(0, 8)}`);
    expect(d.path).toBe(`/certs/${CLUSTER}/${NS}/`);
    expect(d.tags).toEqual({ 'albatross.dev/cluster': CLUSTER, 'albatross.dev/owner': `ServerCertificate/${NS}/web` });
    expect(desiredFor(pki.leaf).name).toBe(`web-${pki.leaf.sha256.slice(0, 8)}`);
    expect(desiredFor(pki.leaf).path).toBe(PATH);
  });

  it('a missing Secret or a bad one gives a problem and nothing to upload', () => {
    expect(desiredFor('missing')).toMatchObject({ problem: { reason: 'SecretNotFound', message: `Secret web-tls not found in namespace ${NS}` } });
    const bad = desiredFor('bad');
    expect(bad.name).toBeUndefined();
    expect(bad.problem).toEqual({ reason: 'Unparseable', message: 'Secret web-tls: tls.crt holds a private key, not a certificate' });
  });
});

describe('plan and apply', () => {
  it('uploads once; applying converges and re-applying is a no-op', async () => {
    const iam = new FakeIam();
    const usage = new FakeUsage();
    const desired = desiredFor(pki.leaf);
    const first = await converge(iam, usage, desired);
    expect(first.plan.actions).toEqual([{ type: 'upload', name: desired.name, path: PATH, why: 'create' }]);
    expect(iam.certs.get(desired.name!)?.tags).toEqual(desired.tags);
    const second = await converge(iam, usage, desired, desired.name);
    expect(second.plan).toEqual({ actions: [], pending: [], drift: [], reportOnly: false });
    expect(iam.calls.filter((c) => c.startsWith('upload'))).toHaveLength(1);
    expect(usage.calls).toBe(0); // nothing to delete: no listener scan
  });

  it('the plan is plain JSON and carries no key material', async () => {
    const p = (await converge(new FakeIam(), new FakeUsage(), desiredFor(pki.leaf))).plan;
    const json = JSON.stringify(p);
    expect(JSON.parse(json)).toEqual(p);
    expect(json).not.toContain('PRIVATE KEY');
  });

  it('finds its own upload after a crash before the status write (no second copy)', async () => {
    const iam = new FakeIam();
    const desired = desiredFor(pki.leaf);
    await converge(iam, new FakeUsage(), desired); // uploaded; status never written
    const again = await converge(iam, new FakeUsage(), desired, undefined);
    expect(again.plan.actions).toEqual([]);
    expect(iam.certs.size).toBe(1);
  });

  it('treats EntityAlreadyExists under our path as done (IAM not listing it yet), and under another path as a conflict', async () => {
    const desired = desiredFor(pki.leaf);
    const iam = new FakeIam();
    const p = { actions: [{ type: 'upload' as const, name: desired.name!, path: PATH, why: 'create' as const }], pending: [], drift: [], reportOnly: false };
    const ours = iam.put(desired.name!, PATH, pki.leaf.certPem);
    const adopted = await apply(iam, p, desired);
    expect(adopted.uploaded?.arn).toBe(ours.arn);
    expect(adopted.uploadFoundExisting).toBe(true);

    const other = new FakeIam();
    other.put(desired.name!, `/albatross/other-cluster/${NS}/`, pki.leaf.certPem);
    await expect(apply(other, p, desired)).rejects.toThrow(NameTakenError);
    await expect(apply(other, p, desired)).rejects.toThrow(`IAM server certificate name ${desired.name} is already used under path /albatross/other-cluster/${NS}/`);
  });

  it('rotation: uploads the new leaf first; the old one is only recorded as pending (no listener scan) until status has published the new ARN', async () => {
    const iam = new FakeIam();
    const usage = new FakeUsage();
    const old = desiredFor(pki.leaf);
    await converge(iam, usage, old);
    const oldArn = iam.certs.get(old.name!)!.arn;

    const next = desiredFor(renewed);
    const rotated = await converge(iam, usage, next, old.name);
    expect(rotated.plan.actions).toEqual([{ type: 'upload', name: next.name, path: PATH, why: 'rotate' }]);
    expect(rotated.plan.pending).toEqual([{ name: old.name, arn: oldArn, reason: 'superseded; deleted once no listener uses it' }]);
    expect(usage.calls).toBe(0); // the uploading reconcile does not wait for an account-wide scan
    expect([...iam.certs.keys()].sort()).toEqual([old.name, next.name].sort());

    // Next reconcile (status now names next, old is pending): a listener still uses old.
    usage.listeners.set(oldArn, ['arn:listener/1']);
    const waiting = await converge(iam, usage, next, next.name, [old.name!]);
    expect(waiting.plan.actions).toEqual([]);
    expect(waiting.plan.pending).toEqual([{ name: old.name, arn: oldArn, reason: 'in use by 1 listener: arn:listener/1' }]);

    usage.listeners.delete(oldArn);
    const cleaned = await converge(iam, usage, next, next.name, [old.name!]);
    expect(cleaned.plan.actions).toEqual([{ type: 'delete', name: old.name, arn: oldArn, why: 'superseded' }]);
    expect([...iam.certs.keys()]).toEqual([next.name]);
  });

  it('without a listener scan nothing is deleted (unknown usage counts as in use)', async () => {
    const iam = new FakeIam();
    const old = desiredFor(pki.leaf);
    await converge(iam, new FakeUsage(), old);
    const next = desiredFor(renewed);
    const actual = await observe(iam, new FakeUsage(), { desired: next, knownNames: [old.name!], onlyKnownNames: false });
    const p = plan({ desired: next, actual, current: next.name, alreadyPending: [old.name!] });
    expect(p.actions.filter((a) => a.type === 'delete')).toEqual([]);
    expect(p.pending.map((x) => x.reason)).toEqual(['listener usage not checked yet']);
  });

  it('a DeleteConflict from IAM keeps the certificate pending instead of failing', async () => {
    const iam = new FakeIam();
    const old = desiredFor(pki.leaf);
    await converge(iam, new FakeUsage(), old);
    iam.inUse.add(old.name!);
    const next = desiredFor(renewed);
    await converge(iam, new FakeUsage(), next, old.name);
    const r = await converge(iam, new FakeUsage(), next, next.name, [old.name!]);
    expect(r.result.stillInUse.map((p) => p.name)).toEqual([old.name]);
    expect(iam.certs.has(old.name!)).toBe(true);
  });

  it('a bad Secret uploads nothing and deletes nothing in use; older superseded certificates are still retired', async () => {
    const iam = new FakeIam();
    const usage = new FakeUsage();
    const old = desiredFor(pki.leaf);
    await converge(iam, usage, old);
    const current = desiredFor(renewed);
    await converge(iam, usage, current, old.name); // old unused: deleted right away
    iam.put(old.name!, PATH, pki.leaf.certPem); // pretend an even older one is still there
    const r = await converge(iam, usage, desiredFor('bad'), current.name, [old.name!]);
    expect(r.plan.actions).toEqual([{ type: 'delete', name: old.name, arn: expect.any(String), why: 'superseded' }]);
    expect(iam.certs.has(current.name!)).toBe(true);
    expect(iam.calls.filter((c) => c.startsWith('upload'))).toHaveLength(2);
  });

  it('drift: the certificate deleted behind our back is re-uploaded (Correct) or only reported (Report)', async () => {
    for (const driftPolicy of ['Correct', 'Report'] as const) {
      const iam = new FakeIam();
      const desired = desiredFor(pki.leaf, { driftPolicy });
      await converge(iam, new FakeUsage(), desired);
      iam.certs.clear();
      const r = await converge(iam, new FakeUsage(), desired, desired.name);
      expect(r.plan.drift).toEqual([{ path: `iam:${desired.name}`, desired: 'present', actual: 'absent (deleted outside Albatross)' }]);
      if (driftPolicy === 'Correct') {
        expect(r.plan.actions).toEqual([{ type: 'upload', name: desired.name, path: PATH, why: 'restore' }]);
        expect(iam.certs.has(desired.name!)).toBe(true);
      } else {
        expect(r.plan).toMatchObject({ actions: [], reportOnly: true });
        expect(iam.certs.size).toBe(0);
      }
    }
  });

  it('drift: another leaf under our name is replaced when unused, and blocked while a listener uses it', async () => {
    const iam = new FakeIam();
    const usage = new FakeUsage();
    const desired = desiredFor(pki.leaf);
    const impostor = iam.put(desired.name!, PATH, renewed.certPem, pemBundle(...pki.chain));
    const r = await converge(iam, usage, desired, desired.name);
    expect(r.plan.actions.map((a) => `${a.type} ${a.why}`)).toEqual(['delete replaced', 'upload replace']);
    expect(iam.certs.get(desired.name!)?.certificateBody).toBe(desired.bundle?.certificateBody);

    const iam2 = new FakeIam();
    const again = iam2.put(desired.name!, PATH, renewed.certPem, pemBundle(...pki.chain));
    usage.listeners.set(again.arn, ['arn:listener/9']);
    const blocked = await converge(iam2, usage, desired, desired.name);
    expect(blocked.plan.actions).toEqual([]);
    expect(blocked.plan.reportOnly).toBe(true);
    expect(blocked.plan.blocked).toContain('in use by 1 listener');
    expect(impostor.name).toBe(desired.name);
  });
});

describe('a chain change for the same leaf (our change, not drift)', () => {
  const lastUploadOf = (leaf: TestCert, chain: TestCert[]) => ({ leafSha256: leaf.sha256, chainSha1: chain.map((c) => c.sha1Thumbprint) });
  /** The user added the root to the Secret and set includeRoot. */
  const withRoot = () => build({
    sc: sc({ includeRoot: true }),
    cluster: CLUSTER,
    secretData: { 'tls.crt': Buffer.from(pemBundle(pki.leaf, ...pki.chain, pki.root)), 'tls.key': Buffer.from(pki.leaf.keyPem) },
  });

  it('is deleted and uploaded again under the same name when no listener uses it', async () => {
    const iam = new FakeIam();
    const desired = withRoot();
    expect(desired.bundle?.chainSha256).toHaveLength(3);
    iam.put(desired.name!, PATH, pki.leaf.certPem, pemBundle(...pki.chain)); // uploaded before includeRoot
    const actual = await observe(iam, new FakeUsage(), { desired, knownNames: [desired.name!], onlyKnownNames: false, withUsage: true });
    const p = plan({ desired, actual, current: desired.name, lastUpload: lastUploadOf(pki.leaf, pki.chain) });
    expect(p.drift).toEqual([]);
    expect(p.actions.map((a) => `${a.type} ${a.why} ${a.note ? 'rechain' : ''}`)).toEqual(['delete replaced rechain', 'upload replace rechain']);
    await apply(iam, p, desired);
    expect(iam.certs.get(desired.name!)?.certificateChain).toBe(desired.bundle?.certificateChain);
  });

  it('is blocked (not drift) while a listener uses it: renewing the leaf is the way', async () => {
    const iam = new FakeIam();
    const usage = new FakeUsage();
    const desired = withRoot();
    const old = iam.put(desired.name!, PATH, pki.leaf.certPem, pemBundle(...pki.chain));
    usage.listeners.set(old.arn, ['arn:listener/3']);
    const actual = await observe(iam, usage, { desired, knownNames: [desired.name!], onlyKnownNames: false, withUsage: true });
    const p = plan({ desired, actual, current: desired.name, lastUpload: lastUploadOf(pki.leaf, pki.chain) });
    expect(p).toMatchObject({ actions: [], drift: [], reportOnly: false });
    expect(p.blocked).toMatch(/^the chain of .* changed, but IAM cannot change a certificate's chain in place and it is in use by 1 listener: arn:listener\/3; renew the leaf/);
  });

  it('a chain in IAM that differs from what we uploaded is drift', async () => {
    const iam = new FakeIam();
    const desired = desiredFor(pki.leaf);
    iam.put(desired.name!, PATH, pki.leaf.certPem, pki.intermediate2.certPem); // someone re-uploaded with a shorter chain
    const actual = await observe(iam, new FakeUsage(), { desired, knownNames: [desired.name!], onlyKnownNames: false, withUsage: true });
    const p = plan({ desired, actual, current: desired.name, lastUpload: lastUploadOf(pki.leaf, pki.chain) });
    expect(p.drift).toEqual([{ path: `iam:${desired.name}.certificateChain`, desired: '2 certificates', actual: '1 certificates (different)' }]);
    expect(p.actions.map((a) => `${a.type} ${a.why}`)).toEqual(['delete replaced', 'upload replace']);
  });
});

describe('ownership (observe)', () => {
  it('only certificates under our path with our base name, or named in our status, and not tagged for another owner', async () => {
    const iam = new FakeIam();
    const desired = desiredFor(pki.leaf);
    iam.put('web-0000aaaa', PATH, pki.leaf.certPem); // ours (old upload)
    iam.put('web-1111bbbb', `/albatross/other/${NS}/`, pki.leaf.certPem); // other cluster
    iam.put('web-2222cccc', `${PATH}deeper/`, pki.leaf.certPem); // another path below ours
    iam.put('webshop-3333dddd', PATH, pki.leaf.certPem); // another base name
    iam.put('web-4444eeee', PATH, pki.leaf.certPem, '', { 'albatross.dev/owner': `ServerCertificate/${NS}/someone-else` });
    iam.put('renamed-5555ffff', PATH, pki.leaf.certPem); // base name changed since: our status knows it
    iam.put('web-notahash', PATH, pki.leaf.certPem);
    const actual = await observe(iam, new FakeUsage(), { desired, knownNames: ['renamed-5555ffff'], onlyKnownNames: false, withUsage: false });
    expect(actual.others.map((o) => o.name).sort()).toEqual(['renamed-5555ffff', 'web-0000aaaa']);

    const restricted = await observe(iam, new FakeUsage(), { desired, knownNames: ['renamed-5555ffff'], onlyKnownNames: true, withUsage: false });
    expect(restricted.others.map((o) => o.name)).toEqual(['renamed-5555ffff']);
  });

  it('reports a conflict when the desired name is tagged for another owner', async () => {
    const iam = new FakeIam();
    const desired = desiredFor(pki.leaf);
    iam.put(desired.name!, PATH, pki.leaf.certPem, '', { 'albatross.dev/owner': 'ServerCertificate/other/web' });
    const actual = await observe(iam, new FakeUsage(), { desired, knownNames: [], onlyKnownNames: false, withUsage: true });
    expect(actual.conflict).toBe(`IAM server certificate ${desired.name} (arn:aws:iam::123456789012:server-certificate${PATH}${desired.name}) is owned by ServerCertificate/other/web`);
  });

  it('deletion removes only unused certificates of ours', async () => {
    const iam = new FakeIam();
    const usage = new FakeUsage();
    const desired = desiredFor(pki.leaf);
    await converge(iam, usage, desired);
    const other = iam.put('web-9999aaaa', PATH, renewed.certPem);
    usage.listeners.set(other.arn, ['arn:listener/2']);
    const actual = await observe(iam, usage, { desired: desiredFor('missing'), knownNames: [desired.name!], onlyKnownNames: false, withUsage: true });
    const p = planDeletion(actual);
    expect(p.actions).toEqual([{ type: 'delete', name: desired.name, arn: expect.any(String), why: 'cleanup' }]);
    expect(p.pending.map((x) => x.name)).toEqual(['web-9999aaaa']);
  });
});

describe('status', () => {
  const now = new Date('2026-06-01T00:00:00Z');

  it('a bad Secret keeps arn, name and certificate of the last good upload; Stalled with the reason', async () => {
    const iam = new FakeIam();
    const good = desiredFor(pki.leaf);
    const { result } = await converge(iam, new FakeUsage(), good);
    const okStatus = nextStatus(undefined, {
      desired: good, inUse: { name: result.uploaded!.name, arn: result.uploaded!.arn, id: result.uploaded!.id }, pending: [],
      plan: { actions: [], pending: [], drift: [], reportOnly: false }, corrected: false,
      outcome: { state: 'Ready', reason: 'Reconciled', message: 'ok' }, generation: 1, now,
    });
    const bad = desiredFor('bad');
    const badStatus = nextStatus(okStatus, {
      desired: bad, pending: [], plan: { actions: [], pending: [], drift: [], reportOnly: false }, corrected: false,
      outcome: { state: 'Stalled', reason: 'Unparseable', message: 'x' }, generation: 2, now,
    });
    expect(badStatus).toMatchObject({ arn: okStatus.arn, serverCertificateName: okStatus.serverCertificateName, certificate: okStatus.certificate });
    const cond = (t: string) => badStatus.conditions?.find((c) => c.type === t);
    expect(cond('Ready')).toMatchObject({ status: 'False', reason: 'Unparseable' });
    expect(cond('Stalled')).toMatchObject({ status: 'True', reason: 'Unparseable' });
    expect(cond('ChainValid')).toMatchObject({ status: 'False', reason: 'Unparseable', message: 'tls.crt holds a private key, not a certificate' });
  });

  it('ExpiringSoon follows renewBeforeDays; Report drift is Stalled=True, Ready=False reason Drifted and Drifted=True', () => {
    const desired = desiredFor(pki.leaf, { renewBeforeDays: 400 });
    const drift = [{ path: `iam:${desired.name}`, desired: 'present', actual: 'absent (deleted outside Albatross)' }];
    const s = nextStatus(undefined, {
      desired, inUse: { name: desired.name!, arn: 'arn:x', id: 'ASCA1' }, pending: [],
      plan: { actions: [], pending: [], drift, reportOnly: true }, corrected: false,
      outcome: { state: 'Ready', reason: 'Reconciled', message: 'ok' }, generation: 1, now: new Date(),
    });
    const cond = (t: string) => s.conditions?.find((c) => c.type === t);
    expect(cond('ExpiringSoon')).toMatchObject({ status: 'True', reason: 'ExpiresSoon' });
    expect(cond('Ready')).toMatchObject({ status: 'False', reason: 'Drifted' });
    expect(cond('Stalled')).toMatchObject({ status: 'True', reason: 'Drifted' });
    expect(cond('Drifted')).toMatchObject({ status: 'True', reason: 'Drifted' });
    expect(s.drift).toEqual(drift);
    const later = nextStatus(s, {
      desired: desiredFor(pki.leaf), inUse: { name: desired.name!, arn: 'arn:x', id: 'ASCA1' }, pending: [],
      plan: { actions: [], pending: [], drift: [], reportOnly: false }, corrected: false,
      outcome: { state: 'Ready', reason: 'Reconciled', message: 'ok' }, generation: 1, now: new Date(),
    });
    expect(later.conditions?.find((c) => c.type === 'ExpiringSoon')).toMatchObject({ status: 'False', reason: 'NotExpiring' });
    expect(later.drift).toEqual([]);
  });
});
