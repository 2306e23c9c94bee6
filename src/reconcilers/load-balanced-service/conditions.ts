// Rule conditions: spec -> model, model <-> ELBv2, and in words. Pure.
// The model keeps each kind sorted and leaves out the kinds that are empty, so a spec and the rule
// AWS returns for it compare equal, and a rule with only paths and hosts looks as it always did.
import type { RuleCondition } from '../../aws/elbv2.ts';
import type { LoadBalancedServiceSpec } from '../../crds/index.ts';
import type { Conditions, HeaderCondition, QueryStringPair } from './model.ts';

type ConditionsSpec = NonNullable<LoadBalancedServiceSpec['listeners'][number]['rules']>[number]['conditions'];

/** AWS limits per rule (condition values, wildcards). The CRD refuses most of this first. */
export const MAX_CONDITION_VALUES = 5;
export const MAX_CONDITION_WILDCARDS = 5;

/** A spec the controller cannot build; build.ts turns it into InvalidSpec. */
export class ConditionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConditionsError';
  }
}

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

function sortHeaders(hs: HeaderCondition[]): HeaderCondition[] {
  return hs
    .map((h) => ({ name: h.name, values: sorted(h.values) }))
    .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || a.values.join('\n').localeCompare(b.values.join('\n')));
}

function sortPairs(ps: QueryStringPair[]): QueryStringPair[] {
  const seen = new Map<string, QueryStringPair>();
  for (const p of ps) seen.set(`${p.key ?? ''}\n${p.value}`, p.key === undefined ? { value: p.value } : { key: p.key, value: p.value });
  return [...seen.values()].sort((a, b) => (a.key ?? '').localeCompare(b.key ?? '') || a.value.localeCompare(b.value));
}

/** The model with the empty kinds left out (they mean "no such condition"). */
function normalised(c: {
  pathPatterns: string[];
  hostHeaders: string[];
  httpHeaders: HeaderCondition[];
  queryStrings: QueryStringPair[];
  sourceIps: string[];
  httpRequestMethods: string[];
  other?: string[];
}): Conditions {
  return {
    pathPatterns: sorted(c.pathPatterns),
    hostHeaders: sorted(c.hostHeaders.map((h) => h.toLowerCase())),
    ...(c.httpHeaders.length ? { httpHeaders: sortHeaders(c.httpHeaders) } : {}),
    ...(c.queryStrings.length ? { queryStrings: sortPairs(c.queryStrings) } : {}),
    // AWS compares addresses, not spellings: IPv6 in lower case.
    ...(c.sourceIps.length ? { sourceIps: sorted(c.sourceIps.map((ip) => ip.toLowerCase())) } : {}),
    ...(c.httpRequestMethods.length ? { httpRequestMethods: sorted(c.httpRequestMethods) } : {}),
    ...(c.other?.length ? { other: [...c.other].sort() } : {}),
  };
}

/** Wildcards AWS counts in a value: '*' and '?', except those escaped with '\' (query strings). */
export function wildcardCount(value: string, escapes = false): number {
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (escapes && ch === '\\') {
      i++;
      continue;
    }
    if (ch === '*' || ch === '?') n++;
  }
  return n;
}

/** Values AWS counts against the per-rule limit. */
export function conditionValueCount(c: Conditions): number {
  return (
    c.pathPatterns.length +
    c.hostHeaders.length +
    (c.httpHeaders ?? []).reduce((n, h) => n + h.values.length, 0) +
    (c.queryStrings ?? []).length +
    (c.sourceIps ?? []).length +
    (c.httpRequestMethods ?? []).length
  );
}

function wildcardTotal(c: Conditions): number {
  const plain = [...c.pathPatterns, ...c.hostHeaders, ...(c.httpHeaders ?? []).flatMap((h) => h.values)];
  const query = (c.queryStrings ?? []).flatMap((q) => [q.key ?? '', q.value]);
  return plain.reduce((n, v) => n + wildcardCount(v), 0) + query.reduce((n, v) => n + wildcardCount(v, true), 0);
}

/** spec.listeners[].rules[].conditions -> model; `where` names the rule in messages. */
export function buildConditions(c: ConditionsSpec, where: string): Conditions {
  const out = normalised({
    pathPatterns: c.pathPatterns ?? [],
    hostHeaders: c.hostHeaders ?? [],
    httpHeaders: (c.httpHeaders ?? []).map((h) => ({ name: h.name, values: h.values })),
    queryStrings: (c.queryStrings ?? []).map((q) => (q.key === undefined ? { value: q.value } : { key: q.key, value: q.value })),
    sourceIps: c.sourceIps ?? [],
    httpRequestMethods: c.httpRequestMethods ?? [],
  });
  const values = conditionValueCount(out);
  if (values === 0) throw new ConditionsError(`${where}.conditions needs at least one value`);
  if (values > MAX_CONDITION_VALUES) {
    throw new ConditionsError(`${where}.conditions has ${values} values; AWS allows at most ${MAX_CONDITION_VALUES} per rule`);
  }
  const wildcards = wildcardTotal(out);
  if (wildcards > MAX_CONDITION_WILDCARDS) {
    throw new ConditionsError(`${where}.conditions has ${wildcards} wildcards ('*' or '?'); AWS allows at most ${MAX_CONDITION_WILDCARDS} per rule`);
  }
  for (const h of out.httpHeaders ?? []) {
    if (h.name.toLowerCase() === 'host') throw new ConditionsError(`${where}.conditions.httpHeaders[].name must not be Host (use hostHeaders)`);
  }
  return out;
}

/** ELBv2 conditions -> model. Spelled as Values or as <Field>Config alike. */
export function conditionsFromAws(conditions: RuleCondition[] | undefined): Conditions {
  const pathPatterns: string[] = [];
  const hostHeaders: string[] = [];
  const httpHeaders: HeaderCondition[] = [];
  const queryStrings: QueryStringPair[] = [];
  const sourceIps: string[] = [];
  const httpRequestMethods: string[] = [];
  const other: string[] = [];
  for (const c of conditions ?? []) {
    switch (c.Field) {
      case 'path-pattern':
        pathPatterns.push(...(c.PathPatternConfig?.Values ?? c.Values ?? []));
        break;
      case 'host-header':
        hostHeaders.push(...(c.HostHeaderConfig?.Values ?? c.Values ?? []));
        break;
      case 'http-header':
        httpHeaders.push({ name: c.HttpHeaderConfig?.HttpHeaderName ?? '', values: c.HttpHeaderConfig?.Values ?? [] });
        break;
      case 'query-string':
        for (const p of c.QueryStringConfig?.Values ?? []) {
          queryStrings.push(p.Key === undefined || p.Key === null ? { value: p.Value ?? '' } : { key: p.Key, value: p.Value ?? '' });
        }
        break;
      case 'source-ip':
        sourceIps.push(...(c.SourceIpConfig?.Values ?? []));
        break;
      case 'http-request-method':
        httpRequestMethods.push(...(c.HttpRequestMethodConfig?.Values ?? []));
        break;
      default:
        other.push(String(c.Field));
    }
  }
  return normalised({ pathPatterns, hostHeaders, httpHeaders, queryStrings, sourceIps, httpRequestMethods, other });
}

/** Model -> ELBv2 conditions: one condition per kind, and one per header. */
export function conditionsToAws(c: Conditions): RuleCondition[] {
  const out: RuleCondition[] = [];
  if (c.hostHeaders.length) out.push({ Field: 'host-header', HostHeaderConfig: { Values: c.hostHeaders } });
  if (c.pathPatterns.length) out.push({ Field: 'path-pattern', PathPatternConfig: { Values: c.pathPatterns } });
  for (const h of c.httpHeaders ?? []) out.push({ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: h.name, Values: h.values } });
  if (c.queryStrings?.length) {
    out.push({
      Field: 'query-string',
      QueryStringConfig: { Values: c.queryStrings.map((q) => (q.key === undefined ? { Value: q.value } : { Key: q.key, Value: q.value })) },
    });
  }
  if (c.sourceIps?.length) out.push({ Field: 'source-ip', SourceIpConfig: { Values: c.sourceIps } });
  if (c.httpRequestMethods?.length) out.push({ Field: 'http-request-method', HttpRequestMethodConfig: { Values: c.httpRequestMethods } });
  return out;
}

/** "host a,b path /x header X-Env=blue query v=2 source 10.0.0.0/8 method GET" */
export function describeConditions(c: Conditions): string {
  const parts: string[] = [];
  if (c.hostHeaders.length) parts.push(`host ${c.hostHeaders.join(',')}`);
  if (c.pathPatterns.length) parts.push(`path ${c.pathPatterns.join(',')}`);
  for (const h of c.httpHeaders ?? []) parts.push(`header ${h.name}=${h.values.join(',')}`);
  if (c.queryStrings?.length) parts.push(`query ${c.queryStrings.map((q) => (q.key === undefined ? q.value : `${q.key}=${q.value}`)).join(',')}`);
  if (c.sourceIps?.length) parts.push(`source ${c.sourceIps.join(',')}`);
  if (c.httpRequestMethods?.length) parts.push(`method ${c.httpRequestMethods.join(',')}`);
  for (const o of c.other ?? []) parts.push(o);
  return parts.join(' ') || 'any request';
}
