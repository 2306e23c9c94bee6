// The shared listing of IAM server certificates against an in-memory IAM (a fake of the IamApi
// port: pure logic; the integration tests run it against moto behind the limits proxy).
import { describe, expect, it } from '@jest/globals';
import type { IamApi, ServerCertificateDetail, ServerCertificateSummary, UploadServerCertificateInput } from '../../../src/aws/iam.ts';
import { SharedCertificateListing } from '../../../src/reconcilers/server-certificate/shared-listing.ts';

const PREFIX = '/albatross/c1/shop/';

class FakeIam implements IamApi {
  readonly certs = new Map<string, ServerCertificateSummary>();
  lists = 0;
  /** when set, a listing waits for it (to land a write while the listing is in flight) */
  gate: Promise<void> | undefined;

  add(name: string, path = PREFIX): ServerCertificateSummary {
    const c = { name, id: `id-${name}`, arn: `arn:aws:iam::1:server-certificate${path}${name}`, path };
    this.certs.set(name, c);
    return c;
  }
  async listServerCertificates(prefix: string): Promise<ServerCertificateSummary[]> {
    this.lists += 1;
    const snapshot = [...this.certs.values()].filter((c) => c.path.startsWith(prefix));
    await this.gate;
    return snapshot;
  }
  async getServerCertificate(name: string): Promise<ServerCertificateDetail | undefined> {
    const c = this.certs.get(name);
    return c ? { ...c, certificateBody: '', certificateChain: '', tags: {} } : undefined;
  }
  async uploadServerCertificate(input: UploadServerCertificateInput): Promise<ServerCertificateSummary> {
    return this.add(input.name, input.path);
  }
  async deleteServerCertificate(name: string): Promise<'deleted' | 'not_found'> {
    return this.certs.delete(name) ? 'deleted' : 'not_found';
  }
}

const names = async (iam: IamApi): Promise<string[]> => (await iam.listServerCertificates(PREFIX)).map((c) => c.name).sort();
const upload = (iam: IamApi, name: string) => iam.uploadServerCertificate({ name, path: PREFIX, certificateBody: '', privateKey: { reveal: () => '' }, tags: {} });

describe('SharedCertificateListing', () => {
  it('lists a prefix once for all checks within the maximum age, again after it', async () => {
    const iam = new FakeIam();
    iam.add('web-1');
    let now = 0;
    const shared = new SharedCertificateListing({ maxAgeMs: 1000, now: () => now });
    const views = Array.from({ length: 50 }, () => shared.view(iam, iam));
    const all = await Promise.all(views.map(names));
    expect(all.every((n) => n.join() === 'web-1')).toBe(true);
    expect(iam.lists).toBe(1);
    now = 1000;
    await names(views[0]!);
    expect(iam.lists).toBe(1);
    now = 1001;
    await names(views[0]!);
    expect(iam.lists).toBe(2);
  });

  it('keeps our own uploads and deletes, also those made while a listing is in flight', async () => {
    const iam = new FakeIam();
    iam.add('old-1');
    let now = 0;
    const shared = new SharedCertificateListing({ maxAgeMs: 1000, now: () => now });
    const view = shared.view(iam, iam);
    expect(await names(view)).toEqual(['old-1']);
    await upload(view, 'new-1');
    expect(await names(view)).toEqual(['new-1', 'old-1']);
    await view.deleteServerCertificate('old-1');
    expect(await names(view)).toEqual(['new-1']);
    expect(iam.lists).toBe(1);

    // A listing that read IAM before our upload and lands after it does not lose the upload.
    now = 5000;
    let open!: () => void;
    iam.gate = new Promise((r) => (open = r));
    const listing = names(view);
    await new Promise((r) => setImmediate(r));
    await upload(view, 'new-2');
    open();
    expect(await listing).toEqual(['new-1', 'new-2']);
  });

  it('drops a certificate that a live read finds gone (deleted outside), and learns one it finds', async () => {
    const iam = new FakeIam();
    iam.add('web-1');
    const shared = new SharedCertificateListing({ maxAgeMs: 60_000, now: () => 0 });
    const view = shared.view(iam, iam);
    expect(await names(view)).toEqual(['web-1']);
    iam.certs.delete('web-1');
    iam.add('web-2');
    expect(await names(view)).toEqual(['web-1']); // not listed again yet
    expect(await view.getServerCertificate('web-1')).toBeUndefined();
    expect(await view.getServerCertificate('web-2')).toBeDefined();
    expect(await names(view)).toEqual(['web-2']);
    // Another prefix's certificate is not added to this one.
    iam.add('other', '/albatross/c1/other/');
    await view.getServerCertificate('other');
    expect(await names(view)).toEqual(['web-2']);
    expect(iam.lists).toBe(1);
  });

  it('stops waiting on a shared listing when the reconcile is aborted; the listing goes on for the others', async () => {
    const iam = new FakeIam();
    iam.add('web-1');
    let open!: () => void;
    iam.gate = new Promise((r) => (open = r));
    const shared = new SharedCertificateListing({ maxAgeMs: 60_000, now: () => 0 });
    const abort = new AbortController();
    const aborted = shared.view(iam, iam, abort.signal).listServerCertificates(PREFIX);
    const other = names(shared.view(iam, iam));
    abort.abort(new Error('reconcile aborted'));
    await expect(aborted).rejects.toThrow();
    open();
    expect(await other).toEqual(['web-1']);
    expect(iam.lists).toBe(1);
  });
});
