// IAM (and the listeners that use certificates) → what this ServerCertificate owns right now.
// A certificate is ours when it lives under our path (<iam.path><cluster>/<namespace>/), has one of
// our names (<baseName>-<8 hex>, or a name our status recorded) and, where IAM returns tags, carries
// our owner tag. Listener usage is a separate, costlier read (every load balancer of the account),
// made only for certificates that are about to be deleted.
import type { CertificateUsageApi } from '../../aws/certificate-usage.ts';
import type { IamApi, ServerCertificateSummary } from '../../aws/iam.ts';
import { TAG_OWNER } from '../../crds/index.ts';
import { ownsName, type DesiredCertificate } from './build.ts';
import { sha1Thumbprint, sha256Hex } from './fingerprints.ts';
import { hasPemMarker, scanPem } from './pem.ts';

export interface OwnedCertificate extends ServerCertificateSummary {
  /** Listener ARNs that use it; undefined until looked up (see attachUsage). */
  inUseBy?: string[];
}

export interface ObservedDesired extends OwnedCertificate {
  /** SHA-256 (hex) of the leaf IAM holds under the desired name. */
  leafSha256: string;
  /** SHA-256 (hex) of each certificate of the chain IAM holds, in order. */
  chainSha256: string[];
  /** Spaced SHA-1 thumbprints of the same, as status.chain records them. */
  chainSha1: string[];
}

export interface ActualCertificates {
  /** The certificate with the desired name, when IAM has it under our path. */
  desired?: ObservedDesired;
  /** Every other certificate we own (older uploads, the one in use before a rotation). */
  others: OwnedCertificate[];
  /** The desired name is held by something that is not ours. */
  conflict?: string;
}

export interface ObserveInput {
  desired: DesiredCertificate;
  /** Names our status recorded (in use, pending deletion): ours even after iam.name/path changed. */
  knownNames: string[];
  /** Only `knownNames` are ours (another ServerCertificate uses the same base name and path). */
  onlyKnownNames: boolean;
  /**
   * Also look up listener usage of every certificate that could be deleted (the `albatross plan`
   * preview does). The reconciler leaves this off and asks only for what its plan needs (usageNeeded).
   */
  withUsage?: boolean;
}

export async function observe(iam: IamApi, usage: CertificateUsageApi, input: ObserveInput): Promise<ActualCertificates> {
  const { desired, knownNames } = input;
  const ourTail = `/${desired.id.cluster}/${desired.id.namespace}/`;
  const owner = desired.tags[TAG_OWNER];
  const isOurs = (s: ServerCertificateSummary) =>
    (s.path === desired.path && !input.onlyKnownNames && ownsName(desired.baseName, s.name)) ||
    (knownNames.includes(s.name) && s.path.endsWith(ourTail));

  const listed = await iam.listServerCertificates(desired.path);
  const candidates = listed.filter(isOurs);
  for (const name of knownNames) {
    if (candidates.some((c) => c.name === name)) continue;
    const found = await iam.getServerCertificate(name);
    if (found && isOurs(found)) candidates.push(found);
  }

  const actual: ActualCertificates = { others: [] };
  for (const c of candidates) {
    const detail = await iam.getServerCertificate(c.name);
    if (!detail) continue; // gone meanwhile
    const taggedOwner = detail.tags[TAG_OWNER];
    if (taggedOwner !== undefined && taggedOwner !== owner) {
      if (c.name === desired.name) actual.conflict = `IAM server certificate ${c.name} (${c.arn}) is owned by ${taggedOwner}`;
      continue;
    }
    if (c.name === desired.name) {
      const chain = pemDers(detail.certificateChain);
      actual.desired = {
        ...summaryOf(detail),
        leafSha256: pemDers(detail.certificateBody).map(sha256Hex)[0] ?? '',
        chainSha256: chain.map(sha256Hex),
        chainSha1: chain.map(sha1Thumbprint),
      };
    } else {
      actual.others.push(summaryOf(detail));
    }
  }
  if (input.withUsage) {
    const found = actual.desired;
    const differs = found && desired.bundle &&
      (found.leafSha256 !== desired.bundle.leafSha256 || found.chainSha256.join(',') !== desired.bundle.chainSha256.join(','));
    await attachUsage(usage, [...actual.others, ...(found && differs ? [found] : [])]);
  }
  return actual;
}

/** Fills `inUseBy` of these certificates from a listener scan taken after `takenAfter`. */
export async function attachUsage(usage: CertificateUsageApi, certs: OwnedCertificate[], takenAfter?: Date): Promise<void> {
  if (certs.length === 0) return;
  const used = await usage.listenersUsing(certs.map((c) => c.arn), takenAfter ? { takenAfter } : {});
  for (const c of certs) c.inUseBy = used.get(c.arn) ?? [];
}

/** The summary fields of a certificate (of a detail: without its body, chain and tags). */
export function summaryOf(d: ServerCertificateSummary): ServerCertificateSummary {
  return {
    name: d.name,
    id: d.id,
    arn: d.arn,
    path: d.path,
    ...(d.uploadDate ? { uploadDate: d.uploadDate } : {}),
    ...(d.expiration ? { expiration: d.expiration } : {}),
  };
}

/** DER of each certificate in PEM text as IAM returns it ([] when unreadable). */
function pemDers(text: string): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  if (!hasPemMarker(bytes)) return [];
  try {
    return scanPem('iam', bytes).blocks.filter((b) => b.label === 'CERTIFICATE').map((b) => b.der);
  } catch {
    return [];
  }
}
