// Route 53's per-request rules for ChangeResourceRecordSets, as a ProxyLayer of the limits proxy:
// - a batch over AWS's documented limits (1,000 ResourceRecord elements, 32,000 characters of
//   Value, an UPSERT counting twice for both) is refused with InvalidChangeBatch, as AWS refuses it
//   (moto checks the element count only);
// - refusals on demand: a batch holding a change to a listed name is refused whole with
//   InvalidChangeBatch (Route 53 batches are atomic), for every call or only some access keys, so a
//   test can see what a controller does with a change Route 53 keeps refusing.
//
//   GET    /__aws-limits/route53   {refuse: [{name, message?, accounts?}], counts}
//   PUT    /__aws-limits/route53   {"refuse": [{"name": "bad.example.com"}]} replaces the list
//   DELETE /__aws-limits/route53   no refusals (counts kept)
import { errorAnswer } from './answers.ts';
import type { LayerContext, ProxyLayer } from './proxy.ts';

export const ROUTE53_REQUEST_LIMITS = { elements: 1000, chars: 32_000 };

export interface Refusal {
  /** the record name (any case, trailing dot optional) */
  name: string;
  /** the InvalidChangeBatch message; default: Route 53's kind of message, naming the record */
  message?: string;
  /** access keys it applies to; empty or absent: all */
  accounts?: string[];
}

export interface ParsedChange {
  action: string;
  name: string;
  values: string[];
}

const unescape = (s: string): string =>
  s.replace(/&(quot|amp|lt|gt|apos|#(\d+));/g, (_, e: string, n?: string) => (n ? String.fromCharCode(Number(n)) : ({ quot: '"', amp: '&', lt: '<', gt: '>', apos: "'" } as Record<string, string>)[e]!));

/** The changes of a ChangeResourceRecordSets request body (XML). */
export function parseChanges(xml: string): ParsedChange[] {
  return [...xml.matchAll(/<Change>([\s\S]*?)<\/Change>/g)].map((m) => {
    const body = m[1]!;
    return {
      action: /<Action>([^<]*)<\/Action>/.exec(body)?.[1] ?? '',
      name: unescape(/<Name>([^<]*)<\/Name>/.exec(body)?.[1] ?? ''),
      values: [...body.matchAll(/<Value>([^<]*)<\/Value>/g)].map((v) => unescape(v[1]!)),
    };
  });
}

/** Why AWS would refuse the batch for its size, or undefined. */
export function overLimit(changes: readonly ParsedChange[]): string | undefined {
  let elements = 0;
  let chars = 0;
  for (const c of changes) {
    const weight = c.action === 'UPSERT' ? 2 : 1;
    elements += weight * c.values.length;
    chars += weight * c.values.reduce((n, v) => n + v.length, 0);
  }
  if (elements > ROUTE53_REQUEST_LIMITS.elements) return `Number of records limit of ${ROUTE53_REQUEST_LIMITS.elements} exceeded (${elements}, UPSERT counting twice).`;
  if (chars > ROUTE53_REQUEST_LIMITS.chars) return `The sum of the characters in all Value elements exceeds ${ROUTE53_REQUEST_LIMITS.chars} (${chars}, UPSERT counting twice).`;
  return undefined;
}

const canonical = (n: string): string => n.trim().replace(/\.$/, '').toLowerCase();

export function parseRefusals(value: unknown): Refusal[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('route53: expected a JSON object {"refuse": [...]}');
  const o = value as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'refuse') throw new Error(`route53: unknown field "${k}" (known: refuse)`);
  if (!Array.isArray(o['refuse'])) throw new Error('route53: refuse must be an array of {name, message?, accounts?}');
  return o['refuse'].map((r: unknown, i) => {
    const x = (r ?? {}) as Record<string, unknown>;
    for (const k of Object.keys(x)) if (!['name', 'message', 'accounts'].includes(k)) throw new Error(`route53: refuse[${i}]: unknown field "${k}"`);
    if (typeof x['name'] !== 'string' || !x['name']) throw new Error(`route53: refuse[${i}].name must be a record name`);
    if (x['message'] !== undefined && typeof x['message'] !== 'string') throw new Error(`route53: refuse[${i}].message must be a string`);
    if (x['accounts'] !== undefined && (!Array.isArray(x['accounts']) || x['accounts'].some((a) => typeof a !== 'string'))) throw new Error(`route53: refuse[${i}].accounts must be an array of access key ids`);
    return x as unknown as Refusal;
  });
}

export class Route53ChangesLayer implements ProxyLayer {
  readonly name = 'route53';
  private refusals: Refusal[] = [];
  counts = { overLimit: 0, refused: 0 };

  async handle({ call, req, res }: LayerContext): Promise<boolean> {
    if (call?.service !== 'route53' || call.operation !== 'ChangeResourceRecordSets') return false;
    const changes = parseChanges(req.body.toString('utf8'));
    const tooBig = overLimit(changes);
    const names = new Set(changes.map((c) => canonical(c.name)));
    const refusal = this.refusals.find((r) => names.has(canonical(r.name)) && (!r.accounts?.length || r.accounts.includes(call.account)));
    const message = tooBig ?? (refusal ? (refusal.message ?? `[RRSet with DNS name ${canonical(refusal.name)}. is not permitted (refused by the AWS limits proxy)]`) : undefined);
    if (message === undefined) return false;
    if (tooBig) this.counts.overLimit++;
    else this.counts.refused++;
    const a = errorAnswer(call, 'invalid-change-batch', message);
    res.writeHead(a.status, { ...a.headers, 'content-length': Buffer.byteLength(a.body) });
    res.end(a.body);
    return true;
  }

  admin(method: string, subpath: string, body: unknown): Promise<unknown> {
    if (subpath !== '/') return Promise.resolve(undefined);
    if (method === 'PUT') this.refusals = parseRefusals(body);
    else if (method === 'DELETE') this.refusals = [];
    else if (method !== 'GET') return Promise.resolve(undefined);
    return Promise.resolve({ refuse: this.refusals, counts: this.counts });
  }
}
