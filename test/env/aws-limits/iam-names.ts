// IAM's uniqueness of server certificate names, as a ProxyLayer of the limits proxy. IAM refuses an
// UploadServerCertificate whose name the account already holds (EntityAlreadyExists, 409); moto
// stores a second certificate of the same name. That difference matters exactly where a client
// retries an upload AWS already did (a 5xx or a reset after the work): against AWS the retry is
// refused and the client finds its certificate, against bare moto it leaves a duplicate. This layer
// asks moto for the name first (GetServerCertificate, with the caller's own credentials, so the same
// moto account) and answers EntityAlreadyExists when it is taken. Uploads of one name are taken one
// at a time, each until its answer is sent, so two concurrent uploads cannot both pass the check.
//
//   GET    /__aws-limits/iam   {counts: {checked, refused}}
import { errorAnswer } from './answers.ts';
import type { RequestParts } from './classify.ts';
import { askMoto } from './moto-ask.ts';
import type { LayerContext, ProxyLayer } from './proxy.ts';

/** What moto says about a name: held, free, or no clear answer (then the upload is let through unchecked). */
type Lookup = 'taken' | 'free' | 'unknown';

export class IamNamesLayer implements ProxyLayer {
  readonly name = 'iam';
  private readonly upstream: URL;
  /** name -> the end of the upload of that name now in flight */
  private readonly inFlight = new Map<string, Promise<void>>();
  counts = { checked: 0, refused: 0 };

  constructor(upstream: string) {
    this.upstream = new URL(upstream);
  }

  async handle({ call, req, res }: LayerContext): Promise<boolean> {
    if (call?.service !== 'iam' || call.operation !== 'UploadServerCertificate') return false;
    const name = new URLSearchParams(req.body.toString('utf8')).get('ServerCertificateName');
    if (!name) return false;
    const key = `${call.account}|${name}`;
    // The caller may go away at any time, also while it waits for the name ('close' fires once).
    let gone = false;
    let release: (() => void) | undefined;
    res.once('close', () => {
      gone = true;
      release?.();
    });
    // Wait for the upload of this name in flight (if any), then hold the name until this answer is sent.
    for (let prev = this.inFlight.get(key); prev; prev = this.inFlight.get(key)) await prev;
    if (gone || res.destroyed) return true; // nobody to answer: nothing reaches moto
    const held = new Promise<void>((resolve) => {
      release = () => {
        if (this.inFlight.get(key) === held) this.inFlight.delete(key);
        release = undefined;
        resolve();
      };
    });
    this.inFlight.set(key, held);
    this.counts.checked++;
    if ((await this.lookup(req, name)) !== 'taken') return false;
    this.counts.refused++;
    const a = errorAnswer(call, 'entity-already-exists', `The Server Certificate with name ${name} already exists.`);
    res.writeHead(a.status, { ...a.headers, 'content-length': Buffer.byteLength(a.body) });
    res.end(a.body);
    return true;
  }

  /** GetServerCertificate for `name` at moto, signed as the upload was (moto reads the account from it). */
  private async lookup(upload: RequestParts, name: string): Promise<Lookup> {
    const r = await askMoto(this.upstream, upload, { Action: 'GetServerCertificate', Version: '2010-05-08', ServerCertificateName: name });
    if (!r) return 'unknown';
    return r.status === 200 && r.text.includes('<ServerCertificateName>') ? 'taken' : r.text.includes('<Code>NoSuchEntity</Code>') ? 'free' : 'unknown';
  }

  admin(method: string, subpath: string): Promise<unknown> {
    if (subpath !== '/' || method !== 'GET') return Promise.resolve(undefined);
    return Promise.resolve({ counts: this.counts });
  }
}
