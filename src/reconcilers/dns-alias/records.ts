// Comparing and describing record sets the way Route 53 means them: hostnames compare without case
// or trailing dot, values as a set, alias targets with or without the "dualstack." prefix.
import type { RecordSet } from '../../aws/route53.ts';
import { canonical } from './names.ts';

function hostname(v: string): string {
  return canonical(v);
}

function aliasHost(v: string): string {
  return canonical(v).replace(/^dualstack\./, '');
}

function valueKey(type: string, v: string): string {
  return type === 'CNAME' ? hostname(v) : v;
}

export function sameRecord(a: RecordSet, b: RecordSet): boolean {
  if (a.name !== b.name || a.type !== b.type) return false;
  if (a.alias || b.alias) {
    return (
      !!a.alias &&
      !!b.alias &&
      aliasHost(a.alias.dnsName) === aliasHost(b.alias.dnsName) &&
      a.alias.hostedZoneId.toUpperCase() === b.alias.hostedZoneId.toUpperCase() &&
      a.alias.evaluateTargetHealth === b.alias.evaluateTargetHealth
    );
  }
  if (a.ttl !== b.ttl) return false;
  const av = a.values.map((v) => valueKey(a.type, v)).sort();
  const bv = b.values.map((v) => valueKey(b.type, v)).sort();
  return av.length === bv.length && av.every((v, i) => v === bv[i]);
}

/** The value shown in status.records: the alias target's DNS name, or the joined values. */
export function displayValue(r: RecordSet): string {
  if (r.alias) return aliasHost(r.alias.dnsName);
  return r.values.join(' ');
}

/** "CNAME x.example.com ttl 300": a record described in one line for events and drift. */
export function describeRecord(r: RecordSet): string {
  if (r.alias) return `${r.type} ALIAS ${aliasHost(r.alias.dnsName)} (zone ${r.alias.hostedZoneId})`;
  return `${r.type} ${displayValue(r)} ttl ${r.ttl ?? '-'}`;
}

/** Characters of record values Route 53 counts against the 32,000 per-batch limit. */
export function valueChars(r: RecordSet): number {
  if (r.alias) return r.alias.dnsName.length;
  return r.values.reduce((n, v) => n + v.length, 0);
}

/** Number of ResourceRecord elements (Route 53 limits these to 1000 per batch as well). */
export function valueCount(r: RecordSet): number {
  return r.alias ? 1 : r.values.length;
}
