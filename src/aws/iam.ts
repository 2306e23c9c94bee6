// Thin port over IAM server certificates: only the calls the ServerCertificate reconciler uses, with
// pagination. Every call goes through callAws (shared budget, metrics, error classification).
// Ownership is carried by the IAM path (<iam.path><cluster>/<namespace>/) because tags are not
// returned everywhere (and moto drops them); tags are still written on upload for real AWS.
import {
  DeleteServerCertificateCommand,
  GetServerCertificateCommand,
  IAMClient,
  ListServerCertificatesCommand,
  UploadServerCertificateCommand,
  type ServerCertificateMetadata,
} from '@aws-sdk/client-iam';
import { callAws, sdkClientConfig, type CallOptions } from './call.ts';
import { isAwsErrorKind } from './errors.ts';

export type Tags = Record<string, string>;

export interface ServerCertificateSummary {
  name: string;
  id: string;
  arn: string;
  path: string;
  uploadDate?: Date;
  expiration?: Date;
}

export interface ServerCertificateDetail extends ServerCertificateSummary {
  certificateBody: string;
  /** '' when uploaded without a chain. */
  certificateChain: string;
  /** Empty where IAM does not return tags. */
  tags: Tags;
}

/** Something that hands out the key only when asked (the reconciler's Sensitive). */
export interface RevealsSecret {
  reveal(): string;
}

export interface UploadServerCertificateInput {
  name: string;
  path: string;
  certificateBody: string;
  /** '' or undefined: no chain. */
  certificateChain?: string;
  privateKey: RevealsSecret;
  tags: Tags;
}

/** The operations the reconciler needs; implemented over the SDK here and by fakes in unit tests. */
export interface IamApi {
  /** Every server certificate whose path starts with `pathPrefix`, all pages. */
  listServerCertificates(pathPrefix: string): Promise<ServerCertificateSummary[]>;
  /** undefined when it does not exist. */
  getServerCertificate(name: string): Promise<ServerCertificateDetail | undefined>;
  /** Throws AwsError kind 'duplicate' when the name is taken, 'invalid' for MalformedCertificate/KeyPairMismatch. */
  uploadServerCertificate(input: UploadServerCertificateInput): Promise<ServerCertificateSummary>;
  /** 'not_found' when it was already gone. Throws AwsError kind 'in_use' on DeleteConflict. */
  deleteServerCertificate(name: string): Promise<'deleted' | 'not_found'>;
}

const PAGE_SIZE = 1000;

function summary(m: ServerCertificateMetadata | undefined): ServerCertificateSummary {
  return {
    name: m?.ServerCertificateName ?? '',
    id: m?.ServerCertificateId ?? '',
    arn: m?.Arn ?? '',
    path: m?.Path ?? '/',
    ...(m?.UploadDate ? { uploadDate: m.UploadDate } : {}),
    ...(m?.Expiration ? { expiration: m.Expiration } : {}),
  };
}

let sharedClient: IAMClient | undefined;
function defaultClient(): IAMClient {
  sharedClient ??= new IAMClient(sdkClientConfig());
  return sharedClient;
}

/** The real port: one SDK client per process, every call through callAws. */
export class SdkIam implements IamApi {
  private readonly client: IAMClient;
  private readonly opts: CallOptions;

  constructor(opts: CallOptions = {}, client?: IAMClient) {
    this.client = client ?? defaultClient();
    this.opts = opts;
  }

  /** A port bound to an abort signal (e.g. one reconcile's), sharing the same client. */
  withSignal(signal: AbortSignal | undefined): SdkIam {
    return new SdkIam(signal ? { signal } : {}, this.client);
  }

  private call<T>(operation: string, fn: (signal?: AbortSignal) => Promise<T>): Promise<T> {
    return callAws('iam', operation, fn, this.opts);
  }

  async listServerCertificates(pathPrefix: string): Promise<ServerCertificateSummary[]> {
    const out: ServerCertificateSummary[] = [];
    let marker: string | undefined;
    do {
      const page = await this.call('ListServerCertificates', (abortSignal) =>
        this.client.send(new ListServerCertificatesCommand({ PathPrefix: pathPrefix, MaxItems: PAGE_SIZE, ...(marker ? { Marker: marker } : {}) }), { abortSignal }),
      );
      // IAM matches the prefix; we filter again so a fake or a quirk cannot widen it.
      out.push(...(page.ServerCertificateMetadataList ?? []).map(summary).filter((s) => s.path.startsWith(pathPrefix)));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return out;
  }

  async getServerCertificate(name: string): Promise<ServerCertificateDetail | undefined> {
    try {
      const out = await this.call('GetServerCertificate', (abortSignal) =>
        this.client.send(new GetServerCertificateCommand({ ServerCertificateName: name }), { abortSignal }),
      );
      const cert = out.ServerCertificate;
      const tags: Tags = {};
      for (const t of cert?.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
      return {
        ...summary(cert?.ServerCertificateMetadata),
        certificateBody: cert?.CertificateBody ?? '',
        certificateChain: cert?.CertificateChain ?? '',
        tags,
      };
    } catch (err) {
      if (isAwsErrorKind(err, 'not_found')) return undefined;
      throw err;
    }
  }

  async uploadServerCertificate(input: UploadServerCertificateInput): Promise<ServerCertificateSummary> {
    const out = await this.call('UploadServerCertificate', (abortSignal) =>
      this.client.send(
        new UploadServerCertificateCommand({
          ServerCertificateName: input.name,
          Path: input.path,
          CertificateBody: input.certificateBody,
          PrivateKey: input.privateKey.reveal(),
          ...(input.certificateChain ? { CertificateChain: input.certificateChain } : {}),
          Tags: Object.entries(input.tags).map(([Key, Value]) => ({ Key, Value })),
        }),
        { abortSignal },
      ),
    );
    return summary(out.ServerCertificateMetadata);
  }

  async deleteServerCertificate(name: string): Promise<'deleted' | 'not_found'> {
    try {
      await this.call('DeleteServerCertificate', (abortSignal) =>
        this.client.send(new DeleteServerCertificateCommand({ ServerCertificateName: name }), { abortSignal }),
      );
      return 'deleted';
    } catch (err) {
      if (isAwsErrorKind(err, 'not_found')) return 'not_found';
      throw err;
    }
  }
}
