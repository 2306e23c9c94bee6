// Secret data → the certificates and keys in it (the costly part: key derivation, decryption,
// parsing), in a form that crosses a worker-thread boundary: DER bytes instead of X509Certificate
// objects (KeyObjects clone natively). Chain building stays on the caller's side because it depends
// on the time; decoding does not, so its result can be cached per Secret resourceVersion.
import { X509Certificate, type KeyObject } from 'node:crypto';
import { readSecret, type Material, type SecretData, type SecretKeys } from './read-secret.ts';
import { isPkiFailure, type ChainFailureReason } from './reasons.ts';

export interface WireMaterial {
  format: Material['format'];
  certificates: Array<{ der: Uint8Array; source: string; index: number; order: number; localKeyId?: string }>;
  keys: Array<{ key: KeyObject; source: string; localKeyId?: string }>;
  repairs: string[];
}

/** What decoding a Secret gave: the material, or the ChainValid failure. Structured-clone safe. */
export type DecodedSecret =
  | { ok: true; material: WireMaterial }
  | { ok: false; reason: ChainFailureReason; message: string };

/** Never throws. */
export function decodeSecret(data: SecretData, keys: SecretKeys): DecodedSecret {
  try {
    return { ok: true, material: toWire(readSecret(data, keys)) };
  } catch (err) {
    return decodeFailure(err);
  }
}

export function decodeFailure(err: unknown): DecodedSecret & { ok: false } {
  if (isPkiFailure(err)) return { ok: false, reason: err.reason, message: err.message };
  // A defect of ours, not of the input; the error text is not shown because it is not ours to vet.
  const name = err instanceof Error ? err.name : typeof err;
  return { ok: false, reason: 'Unparseable', message: `the Secret's certificate material could not be read (${name})` };
}

function toWire(m: Material): WireMaterial {
  return {
    format: m.format,
    certificates: m.certificates.map((c) => ({ der: c.x509.raw, source: c.source, index: c.index, order: c.order, ...(c.localKeyId ? { localKeyId: c.localKeyId } : {}) })),
    keys: m.keys.map((k) => ({ key: k.key, source: k.source, ...(k.localKeyId ? { localKeyId: k.localKeyId } : {}) })),
    repairs: m.repairs,
  };
}

export function fromWire(w: WireMaterial): Material {
  return {
    format: w.format,
    certificates: w.certificates.map(({ der, ...c }) => ({ ...c, x509: new X509Certificate(Buffer.from(der.buffer, der.byteOffset, der.byteLength)) })),
    keys: w.keys,
    repairs: w.repairs,
  };
}

/**
 * True when decoding may cost real CPU: a PKCS#12 keystore (key derivation up to the documented
 * bound) or an encrypted PEM key. Plain PEM is read where it is needed.
 */
export function decodingIsCostly(data: SecretData, keys: SecretKeys): boolean {
  if ((data[keys.pkcs12]?.length ?? 0) > 0) return true;
  return [keys.privateKey, keys.certificate].some((k) => {
    const v = data[k];
    return v !== undefined && Buffer.from(v.buffer, v.byteOffset, v.byteLength).includes('ENCRYPTED');
  });
}
