// Fingerprints of what AWS returns about an object: canonical JSON (sorted keys, no SDK metadata),
// hashed, so two reads of an unchanged object compare equal.
import { createHash } from 'node:crypto';

/** JSON with sorted keys, so the same content always hashes the same. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return `{${Object.entries(value as Record<string, unknown>).filter(([k, v]) => v !== undefined && k !== '$metadata').sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value instanceof Date ? value.toISOString() : value);
}

/** SHA-256 (hex) of the canonical JSON. */
export const sha256 = (v: unknown): string => createHash('sha256').update(canonical(v)).digest('hex');
