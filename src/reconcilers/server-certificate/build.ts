// ServerCertificate spec + Secret data → the desired IAM certificate. Pure: no AWS or Kubernetes
// calls (the Secret's data is passed in), so `albatross plan` can use it too.
import { KIND, TAG_CLUSTER, TAG_OWNER, ownerValue, type ServerCertificate } from '../../crds/index.ts';
import type { DecodedSecret } from './decode.ts';
import { evaluateDecoded, evaluateSecret, type CertificateBundle, type PkiResult } from './pki.ts';
import type { SecretData } from './read-secret.ts';
import type { ChainFailureReason } from './reasons.ts';

export const DEFAULT_IAM_PATH = '/albatross/';
export const DEFAULT_RENEW_BEFORE_DAYS = 30;

export interface CertificateId {
  cluster: string;
  namespace: string;
  name: string;
}

export type DriftPolicy = 'Correct' | 'Report';
export type DeletionPolicy = 'Delete' | 'Retain';

/** Why there is nothing to upload. */
export interface InputProblem {
  reason: ChainFailureReason | 'SecretNotFound';
  message: string;
}

export interface DesiredCertificate {
  id: CertificateId;
  /** `<iam.path><cluster>/<namespace>/`: every certificate of this resource lives here. */
  path: string;
  /** `<iam.name>`; uploads are named `<baseName>-<8 hex>`. */
  baseName: string;
  tags: Record<string, string>;
  driftPolicy: DriftPolicy;
  deletionPolicy: DeletionPolicy;
  renewBeforeDays: number;
  /** The IAM name to upload under, when the Secret is good. */
  name?: string;
  bundle?: CertificateBundle;
  /** The ChainValid outcome (Valid/Repaired with repairs, or the failure). */
  evaluation?: PkiResult;
  /** Set when there is nothing valid to upload. */
  problem?: InputProblem;
}

export function iamPath(sc: ServerCertificate, cluster: string, namespace: string): string {
  const prefix = sc.spec.iam?.path || DEFAULT_IAM_PATH;
  return `${prefix.endsWith('/') ? prefix : `${prefix}/`}${cluster}/${namespace}/`;
}

export function baseNameOf(sc: ServerCertificate): string {
  return sc.spec.iam?.name || sc.metadata?.name || '';
}

/** IAM allows 128 characters in a server certificate name; ours end in `-<8 hex>`. */
export const MAX_BASE_NAME_LENGTH = 128 - 9;

/**
 * Why the IAM base name cannot be used, or undefined. The schema refuses a long spec.iam.name and a
 * long metadata.name without it; this catches objects stored before that rule existed.
 */
export function baseNameProblem(sc: ServerCertificate): string | undefined {
  const base = baseNameOf(sc);
  if (base.length <= MAX_BASE_NAME_LENGTH) return undefined;
  const from = sc.spec.iam?.name ? 'spec.iam.name' : 'spec.iam.name is unset and metadata.name';
  return `${from} has ${base.length} characters; the IAM name <base name>-<8 hex> allows at most ${MAX_BASE_NAME_LENGTH} for the base name: set a shorter spec.iam.name`;
}

/** `<base>-<first 8 hex of the leaf's SHA-256>` */
export function iamName(baseName: string, leafSha256: string): string {
  return `${baseName}-${leafSha256.slice(0, 8)}`;
}

/** Names this resource's uploads can have (with any leaf). */
export function ownsName(baseName: string, name: string): boolean {
  return name.length === baseName.length + 9 && name.startsWith(`${baseName}-`) && /^[0-9a-f]{8}$/.test(name.slice(baseName.length + 1));
}

export function ownerTags(id: CertificateId): Record<string, string> {
  return { [TAG_CLUSTER]: id.cluster, [TAG_OWNER]: ownerValue(KIND.serverCertificate, id.namespace, id.name) };
}

export function driftPolicyOf(sc: ServerCertificate): DriftPolicy {
  // The schema defaults it to Correct; objects stored before the field existed have none.
  const policy = (sc.spec as { driftPolicy?: unknown }).driftPolicy;
  return policy === 'Report' ? 'Report' : 'Correct';
}

export interface BuildInput {
  sc: ServerCertificate;
  cluster: string;
  /** The Secret's data (base64-decoded); both this and `decoded` undefined: the Secret does not exist. */
  secretData?: SecretData | undefined;
  /** The Secret's material already decoded (./secret-decoder.ts), instead of secretData. */
  decoded?: DecodedSecret | undefined;
  now?: Date;
}

export function build(input: BuildInput): DesiredCertificate {
  const { sc, cluster } = input;
  const namespace = sc.metadata?.namespace ?? '';
  const id: CertificateId = { cluster, namespace, name: sc.metadata?.name ?? '' };
  const baseName = baseNameOf(sc);
  const common = {
    id,
    path: iamPath(sc, cluster, namespace),
    baseName,
    tags: ownerTags(id),
    driftPolicy: driftPolicyOf(sc),
    deletionPolicy: sc.spec.deletionPolicy === 'Retain' ? 'Retain' as const : 'Delete' as const,
    renewBeforeDays: sc.spec.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS,
  };
  if (!input.secretData && !input.decoded) {
    return { ...common, problem: { reason: 'SecretNotFound', message: `Secret ${sc.spec.secretRef.name} not found in namespace ${namespace}` } };
  }
  const options = { includeRoot: sc.spec.includeRoot ?? false, ...(input.now ? { now: input.now } : {}) };
  const evaluation = input.decoded
    ? evaluateDecoded(input.decoded, options)
    : evaluateSecret({ data: input.secretData ?? {}, ...(sc.spec.keys ? { keys: sc.spec.keys } : {}), ...options });
  if (!evaluation.ok) {
    return { ...common, evaluation, problem: { reason: evaluation.reason, message: `Secret ${sc.spec.secretRef.name}: ${evaluation.message}` } };
  }
  return { ...common, evaluation, name: iamName(baseName, evaluation.bundle.leafSha256), bundle: evaluation.bundle };
}
