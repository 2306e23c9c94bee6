// Secret data → what to upload to IAM, or the ChainValid reason why not. Pure and synchronous:
// no AWS or Kubernetes calls, never throws, never logs. The costly decoding step can run elsewhere
// (./secret-decoder.ts) and be handed in with evaluateDecoded.
import type { KeyObject, X509Certificate } from 'node:crypto';
import { buildChain } from './chain.ts';
import {
  describeCertificate,
  describeChainEntry,
  sha256Hex,
  shortName,
  type CertificateInfo,
  type ChainEntryInfo,
} from './fingerprints.ts';
import { toPem } from './pem.ts';
import { joinBounded } from '../../runtime/index.ts';
import { decodeFailure, decodeSecret, fromWire, type DecodedSecret } from './decode.ts';
import { resolveSecretKeys, type SecretData, type SecretKeys } from './read-secret.ts';
import type { ChainFailureReason } from './reasons.ts';
import { Sensitive } from './sensitive.ts';

export interface PkiInput {
  data: SecretData;
  keys?: Partial<SecretKeys>;
  includeRoot?: boolean;
  now?: Date;
}

/** Everything UploadServerCertificate needs, plus what status shows. */
export interface CertificateBundle {
  /** PEM of the leaf. */
  certificateBody: string;
  /** PEM of the chain, leaf's issuer first; '' when there is none. */
  certificateChain: string;
  /** PEM of the private key (PKCS#1 for RSA, SEC1 for EC), redacted when printed. */
  privateKey: Sensitive;
  leaf: CertificateInfo;
  chain: ChainEntryInfo[];
  /** Lower-case hex SHA-256 of the leaf's DER. */
  leafSha256: string;
  /** The same for each chain certificate, in upload order. */
  chainSha256: string[];
  notAfter: Date;
}

export type PkiResult =
  | { ok: true; reason: 'Valid' | 'Repaired'; message: string; repairs: string[]; bundle: CertificateBundle }
  | { ok: false; reason: ChainFailureReason; message: string; repairs: string[] };

/** Reads, repairs and validates the Secret's certificate material. Never throws. */
export function evaluateSecret(input: PkiInput): PkiResult {
  return evaluateDecoded(decodeSecret(input.data, resolveSecretKeys(input.keys)), input);
}

/** The same from material already decoded (see ./decode.ts: possibly on a worker thread). Never throws. */
export function evaluateDecoded(decoded: DecodedSecret, input: Omit<PkiInput, 'data' | 'keys'>): PkiResult {
  if (!decoded.ok) return { ok: false, reason: decoded.reason, message: decoded.message, repairs: [] };
  const repairs: string[] = [];
  try {
    const material = fromWire(decoded.material);
    repairs.push(...material.repairs);
    const built = buildChain(material, { includeRoot: input.includeRoot ?? false, now: input.now ?? new Date() });
    repairs.push(...built.repairs);
    const bundle = toBundle(built.leaf.x509, built.chain.map((c) => c.x509), built.key);
    const chainText = built.chain.length === 0 ? 'no chain' : `a chain of ${built.chain.length}`;
    const summary = `${shortName(built.leaf.x509)} with ${chainText}, valid until ${bundle.leaf.notAfter}`;
    return repairs.length === 0
      ? { ok: true, reason: 'Valid', message: summary, repairs, bundle }
      : { ok: true, reason: 'Repaired', message: `${summary}; repaired: ${joinBounded(repairs, '; ')}`, repairs, bundle };
  } catch (err) {
    const failure = decodeFailure(err);
    return { ok: false, reason: failure.reason, message: failure.message, repairs };
  }
}

function toBundle(leaf: X509Certificate, chain: X509Certificate[], key: KeyObject): CertificateBundle {
  const keyType = key.asymmetricKeyType === 'rsa' ? 'pkcs1' : key.asymmetricKeyType === 'ec' ? 'sec1' : 'pkcs8';
  const keyPem = key.export({ format: 'pem', type: keyType });
  return {
    certificateBody: toPem('CERTIFICATE', leaf.raw),
    certificateChain: chain.map((c) => toPem('CERTIFICATE', c.raw)).join(''),
    privateKey: new Sensitive(typeof keyPem === 'string' ? keyPem : keyPem.toString('utf8')),
    leaf: describeCertificate(leaf),
    chain: chain.map(describeChainEntry),
    leafSha256: sha256Hex(leaf.raw),
    chainSha256: chain.map((c) => sha256Hex(c.raw)),
    notAfter: leaf.validToDate,
  };
}
