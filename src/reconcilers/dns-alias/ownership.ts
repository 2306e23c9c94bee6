// The TXT registry: Route 53 records cannot be tagged, so a TXT record at _albatross.<name> in the
// same zone says who owns <name>: "albatross-owner=<cluster>/DnsAlias/<namespace>/<name>".

export const OWNER_PREFIX = '_albatross.';
const VALUE_KEY = 'albatross-owner=';

export interface Owner {
  cluster: string;
  kind: string;
  namespace: string;
  name: string;
}

export function ownerTxtName(recordName: string): string {
  return `${OWNER_PREFIX}${recordName}`;
}

/** True for names that are themselves ownership records (never chain names of their own). */
export function isOwnerTxtName(name: string): boolean {
  return name.startsWith(OWNER_PREFIX);
}

/** The TXT value as Route 53 stores it: one quoted character-string. */
export function ownerTxtValue(o: Owner): string {
  return `"${VALUE_KEY}${ownerString(o)}"`;
}

/** "<cluster>/<Kind>/<namespace>/<name>": how an owner is named in messages. */
export function ownerString(o: Owner): string {
  return `${o.cluster}/${o.kind}/${o.namespace}/${o.name}`;
}

/** Unquotes a TXT value made of one or more quoted strings ("a" "b" -> ab). */
function unquote(value: string): string {
  const parts = [...value.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] ?? '').replace(/\\(.)/g, '$1'));
  return parts.length > 0 ? parts.join('') : value;
}

/**
 * Reads the owner from a TXT record's values. undefined: no albatross-owner value (not ours, not
 * anyone's in this registry). The cluster name may itself contain '/', so the last three segments
 * are kind/namespace/name.
 */
export function parseOwner(values: readonly string[]): Owner | undefined {
  for (const v of values) {
    const text = unquote(v).trim();
    if (!text.startsWith(VALUE_KEY)) continue;
    const segments = text.slice(VALUE_KEY.length).split('/');
    if (segments.length < 4) continue;
    const [kind, namespace, name] = segments.slice(-3) as [string, string, string];
    const cluster = segments.slice(0, -3).join('/');
    if (cluster && kind && namespace && name) return { cluster, kind, namespace, name };
  }
  return undefined;
}

export function sameOwner(a: Owner, b: Owner): boolean {
  return a.cluster === b.cluster && a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;
}

export type Holding =
  | { kind: 'ours' }
  | { kind: 'other'; owner: Owner }
  /** a TXT record sits at the ownership name but names no albatross owner */
  | { kind: 'foreign-txt'; values: string[] }
  | { kind: 'none' };

/** Who holds a name, judged by its ownership TXT record (if any). */
export function holdingOf(txtValues: readonly string[] | undefined, us: Owner): Holding {
  if (txtValues === undefined) return { kind: 'none' };
  const owner = parseOwner(txtValues);
  if (!owner) return { kind: 'foreign-txt', values: [...txtValues] };
  return sameOwner(owner, us) ? { kind: 'ours' } : { kind: 'other', owner };
}
