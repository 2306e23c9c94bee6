// Unique names, so tests can share one apiserver and one moto without seeing each other's objects.
import { randomBytes } from 'node:crypto';

/** `<prefix>-<8 hex>`, a valid DNS label for prefixes up to 54 characters. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** A controller cluster name (`--cluster-name`) no other test uses: its AWS objects are tagged with it. */
export function uniqueClusterName(): string {
  return uniqueName('it');
}
