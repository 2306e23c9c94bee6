// What IAM accepts as the private key of a server certificate, checked before any IAM call (moto
// accepts anything). AWS documents RSA keys of 1024, 2048 and 4096 bits for Elastic Load Balancing
// certificates (2048 recommended); larger keys are refused by UploadServerCertificate.
import type { KeyObject } from 'node:crypto';
import { PkiFailure } from './reasons.ts';

export const IAM_MAX_RSA_BITS = 4096;

/** Throws Unparseable, naming the Secret key and the size, for a key IAM would refuse. */
export function checkIamKeyLimits(key: KeyObject, source: string): void {
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') return;
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (bits !== undefined && bits > IAM_MAX_RSA_BITS) {
    throw new PkiFailure(
      'Unparseable',
      `${source} holds an RSA key of ${bits} bits, above the ${IAM_MAX_RSA_BITS} bits IAM accepts for a server certificate: issue the certificate with an RSA key of 2048 (or up to ${IAM_MAX_RSA_BITS}) bits`,
    );
  }
}
