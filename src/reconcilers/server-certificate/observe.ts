// IAM (and the listeners that use certificates) → what this ServerCertificate owns right now.
// A certificate is ours when it lives under our path (<iam.path><cluster>/<namespace>/), has one of
// our names (<baseName>-<8 hex>, or a name our status recorded) and, where IAM returns tags, carries
// our owner tag.
import type { CertificateUsageApi } from '../../aws/certificate-usage.ts';
import type { IamApi, ServerCertificateDetail, ServerCertificateSummary } from '../../aws/iam.ts';
import { TAG_OWNER } from '../../crds/index.ts';
import { ownsName, type DesiredCertificate } from './build.ts';
import { sha256Hex } from './fingerprints.ts';
import { hasPemMarker, scanPem } from './pem.ts';

export interface OwnedCertificate extends ServerCertificateSummary {
  /** Listener ARNs that use it (looked up only for certificates we may delete). */
  inUseBy: string[];
}

export interface ObservedDesired extends OwnedCertificate {
  /** SHA-256 (hex) of the leaf IAM holds under the desired name. */
  leafSha256: string;
  /** SHA-256 (hex) of each certificate of the chain IAM holds, in order. */
  chainSha256: string[];
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
  /** Look up listener usage of the certificates we might delete (skip when nothing would be deleted). */
  withUsage: boolean;
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
  const details = new Map<string, ServerCertificateDetail>();
  for (const c of candidates) {
    const detail = await iam.getServerCertificate(c.name);
    if (!detail) continue; // gone meanwhile
    const taggedOwner = detail.tags[TAG_OWNER];
    if (taggedOwner !== undefined && taggedOwner !== owner) {
      if (c.name === desired.name) actual.conflict = `IAM server certificate ${c.name} (${c.arn}) is owned by ${taggedOwner}`;
      continue;
    }
    details.set(c.name, detail);
  }

  for (const [name, detail] of details) {
    const owned: OwnedCertificate = { ...summaryOf(detail), inUseBy: [] };
    if (name === desired.name) {
      actual.desired = { ...owned, leafSha256: pemShas(detail.certificateBody)[0] ?? '', chainSha256: pemShas(detail.certificateChain) };
    } else {
      actual.others.push(owned);
    }
  }

  if (input.withUsage) {
    // Only certificates we might delete: older ones, and the desired name when IAM holds another leaf under it.
    const found = actual.desired;
    const differs = found && desired.bundle &&
      (found.leafSha256 !== desired.bundle.leafSha256 || found.chainSha256.join(',') !== desired.bundle.chainSha256.join(','));
    const replaced = found && differs ? [found] : [];
    const candidatesForDeletion = [...actual.others, ...replaced];
    if (candidatesForDeletion.length > 0) {
      const used = await usage.listenersUsing(candidatesForDeletion.map((o) => o.arn));
      for (const o of candidatesForDeletion) o.inUseBy = used.get(o.arn) ?? [];
    }
  }
  return actual;
}

function summaryOf(d: ServerCertificateDetail): ServerCertificateSummary {
  return {
    name: d.name,
    id: d.id,
    arn: d.arn,
    path: d.path,
    ...(d.uploadDate ? { uploadDate: d.uploadDate } : {}),
    ...(d.expiration ? { expiration: d.expiration } : {}),
  };
}

/** SHA-256 of each certificate in PEM text as IAM returns it ([] when unreadable). */
function pemShas(text: string): string[] {
  const bytes = Buffer.from(text, 'utf8');
  if (!hasPemMarker(bytes)) return [];
  try {
    return scanPem('iam', bytes).blocks.filter((b) => b.label === 'CERTIFICATE').map((b) => sha256Hex(b.der));
  } catch {
    return [];
  }
}
