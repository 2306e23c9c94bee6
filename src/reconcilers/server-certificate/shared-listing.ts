// One listing of IAM server certificates per path prefix, shared by every ServerCertificate's
// check instead of one listing per check. Every ServerCertificate of a namespace lists the same
// prefix (<iam.path><cluster>/<namespace>/), so each check read every certificate of its
// namespace: N checks x N certificates, IAM's slowest call repeated N times per resync (and in
// moto, one second of serialization per call at 1,000 certificates).
//
// What a check concludes stays live where it matters: the certificates it acts on are read one by
// one (GetServerCertificate), and one that is gone drops out of the listing at once; an upload whose
// name turns out taken is looked up by name (apply.ts). A listing is used up to `maxAgeMs` old, and
// our own uploads and deletes patch it, also while a listing is in flight (src/runtime/listing-journal.ts).
import type { IamApi, ServerCertificateSummary } from '../../aws/iam.ts';
import { abortable } from '../../aws/abortable.ts';
import { ListingJournal } from '../../runtime/listing-journal.ts';
import { summaryOf } from './observe.ts';

type Certificates = Map<string, ServerCertificateSummary>;

interface Prefix {
  journal: ListingJournal<Certificates>;
  loadedAt: number;
  loading?: Promise<void>;
}

export interface SharedListingOptions {
  maxAgeMs: number;
  now?: () => number;
}

export class SharedCertificateListing {
  private readonly prefixes = new Map<string, Prefix>();
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  /** listings made (for tests and logs) */
  listings = 0;

  constructor(opts: SharedListingOptions) {
    this.maxAgeMs = opts.maxAgeMs;
    this.now = opts.now ?? Date.now;
  }

  /**
   * `base` lists (a port without a reconcile's abort signal: a listing serves many reconciles);
   * `iam` does the rest for one reconcile, whose `signal` stops it waiting on a shared listing.
   */
  view(base: IamApi, iam: IamApi, signal?: AbortSignal): IamApi {
    return {
      listServerCertificates: async (pathPrefix) => {
        const p = await abortable(this.fresh(base, pathPrefix), signal);
        return [...p.journal.state.values()].map((c) => ({ ...c }));
      },
      getServerCertificate: async (name) => {
        const found = await iam.getServerCertificate(name);
        this.patch((certs, prefix) => {
          if (!found) certs.delete(name);
          else if (found.path.startsWith(prefix)) certs.set(name, summaryOf(found));
        });
        return found;
      },
      uploadServerCertificate: async (input) => {
        const uploaded = await iam.uploadServerCertificate(input);
        this.patch((certs, prefix) => {
          if (uploaded.path.startsWith(prefix)) certs.set(uploaded.name, { ...uploaded });
        });
        return uploaded;
      },
      deleteServerCertificate: async (name) => {
        const r = await iam.deleteServerCertificate(name);
        this.patch((certs) => certs.delete(name));
        return r;
      },
    };
  }

  private async fresh(base: IamApi, pathPrefix: string): Promise<Prefix> {
    let p = this.prefixes.get(pathPrefix);
    if (!p) this.prefixes.set(pathPrefix, (p = { journal: new ListingJournal<Certificates>(new Map()), loadedAt: -Infinity }));
    const entry = p;
    if (this.now() - entry.loadedAt <= this.maxAgeMs) return entry;
    entry.loading ??= (async () => {
      const started = this.now();
      try {
        await entry.journal.replace(async () => new Map((await base.listServerCertificates(pathPrefix)).map((c) => [c.name, c])));
        entry.loadedAt = started;
        this.listings += 1;
      } finally {
        entry.loading = undefined;
      }
    })();
    await entry.loading;
    return entry;
  }

  /** Our own writes and reads, applied to every prefix held (and to listings in flight). */
  private patch(fn: (certs: Certificates, prefix: string) => void): void {
    for (const [prefix, p] of this.prefixes) p.journal.patch((certs) => fn(certs, prefix));
  }
}
