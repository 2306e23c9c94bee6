// The ChainValid reasons of API.md § ServerCertificate, and the error that carries a failure out of
// the parsing and chain-building code. Messages name the Secret key, subject and index; never
// key material or passwords.
import { Reason } from '../../crds/index.ts';

/** The subset of `Reason` (src/crds, the one place reason strings are spelled) that ChainValid uses. */
const { Valid, Repaired, IncompleteChain, KeyMismatch, Expired, NotYetValid, WrongPassword, Unparseable } = Reason;
export const CHAIN_VALID = { Valid, Repaired, IncompleteChain, KeyMismatch, Expired, NotYetValid, WrongPassword, Unparseable } as const;

export type ChainValidReason = (typeof CHAIN_VALID)[keyof typeof CHAIN_VALID];
export type ChainFailureReason = Exclude<ChainValidReason, 'Valid' | 'Repaired'>;

export class PkiFailure extends Error {
  readonly reason: ChainFailureReason;
  constructor(reason: ChainFailureReason, message: string) {
    super(message);
    this.name = 'PkiFailure';
    this.reason = reason;
  }
}

export function isPkiFailure(err: unknown): err is PkiFailure {
  return err instanceof PkiFailure;
}
