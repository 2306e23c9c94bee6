// One copy of each repeated string in what the controller keeps (issue 11). JSON.parse and the
// AWS SDK's XML parser give every value its own string: 5,000 cached objects hold "Reconciled",
// "True", their namespace, the same VPC ID and each status message three times (once per
// condition) as separate copies, ~2.5 KB an object. V8 keeps property names in its string table
// (one copy per content, dropped when nothing refers to it any more), so a string that has been a
// property name comes back as that one copy: no table of our own that would keep strings alive.

/** Longer strings are rarely repeated and cost a hash of their whole length. */
const MAX_INTERNED_LENGTH = 1024;

/** The string table's copy of `s` (equal, often the same object as elsewhere in the heap). */
export function internString(s: string): string {
  if (s.length > MAX_INTERNED_LENGTH) return s;
  for (const k in { [s]: 0 }) return k;
  return s;
}

/**
 * Replaces, in place, every string in `value` (nested plain objects and arrays) by its interned
 * copy; returns `value`. For data just parsed and not yet shared or frozen.
 */
export function internStrings<T>(value: T): T {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v === 'string') value[i] = internString(v);
      else if (v && typeof v === 'object') internStrings(v);
    }
  } else if (value && typeof value === 'object' && !ArrayBuffer.isView(value) && !(value instanceof Date)) {
    const o = value as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      const v = o[k];
      if (typeof v === 'string') o[k] = internString(v);
      else if (v && typeof v === 'object') internStrings(v);
    }
  }
  return value;
}
