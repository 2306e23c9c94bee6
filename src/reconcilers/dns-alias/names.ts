// DNS name rules shared by the chain, ownership and plan code: one canonical spelling
// (lower case, no trailing dot) so "Service.Example.com." and "service.example.com" are one name.

/** Canonical form, or an error message saying what is wrong with the name. */
export function normalizeName(input: string): { name: string } | { error: string } {
  const trimmed = input.trim();
  if (trimmed === '' || trimmed === '.') return { error: 'is empty' };
  if (trimmed.endsWith('..')) return { error: 'ends with more than one dot' };
  const name = trimmed.replace(/\.$/, '').toLowerCase();
  if (name.length > 253) return { error: `is ${name.length} characters long, more than DNS allows (253)` };
  const labels = name.split('.');
  for (const [i, label] of labels.entries()) {
    if (label === '') return { error: 'has an empty label (two dots in a row or a leading dot)' };
    if (label.length > 63) return { error: `has a label of ${label.length} characters, more than DNS allows (63)` };
    if (label === '*' && i === 0) continue;
    if (!/^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?$/.test(label)) {
      return { error: `has an invalid label "${label}" (letters, digits, '-' and '_' only, no leading/trailing '-')` };
    }
  }
  return { name };
}

/** The same as normalizeName for names already known to be valid (e.g. read back from Route 53). */
export function canonical(name: string): string {
  return name.trim().replace(/\.$/, '').toLowerCase();
}

export function isWithinZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

export function isZoneApex(name: string, zone: string): boolean {
  return name === zone;
}
