// spec -> desired records (pure). Each chain name gets its record(s) and its ownership TXT, in the
// zone the name resolved to.
import type { RecordSet } from '../../aws/route53.ts';
import type { Hop } from './chain.ts';
import { ownerTxtName, ownerTxtValue, type Owner } from './ownership.ts';

export type FinalRecord = 'CNAME' | 'Alias';

/** The load balancer an Alias record points at, from the LoadBalancedService's status. */
export interface AliasTargetInfo {
  dnsName: string;
  canonicalHostedZoneId: string;
  dualstack: boolean;
}

/** Everything we want at one name: its record(s) and the TXT that says they are ours. */
export interface DesiredName {
  zoneId: string;
  zoneName: string;
  hopIndex: number;
  name: string;
  records: RecordSet[];
  txt: RecordSet;
}

export interface BuildInput {
  hops: readonly Hop[];
  /** resolved zone per hop, same order as hops */
  zones: ReadonlyArray<{ id: string; name: string }>;
  ttlSeconds: number;
  finalRecord: FinalRecord;
  /** required when finalRecord is Alias */
  alias?: AliasTargetInfo;
  owner: Owner;
}

export function buildDesired(input: BuildInput): DesiredName[] {
  const { hops, zones, ttlSeconds, finalRecord, alias, owner } = input;
  return hops.map((hop, i) => {
    const zone = zones[i];
    if (!zone) throw new Error(`no hosted zone resolved for ${hop.name}`);
    const last = i === hops.length - 1;
    let records: RecordSet[];
    if (last && finalRecord === 'Alias') {
      if (!alias) throw new Error('finalRecord Alias needs the load balancer DNS name and canonical hosted zone id');
      const target = { dnsName: alias.dnsName.replace(/\.$/, '').toLowerCase(), hostedZoneId: alias.canonicalHostedZoneId, evaluateTargetHealth: false };
      records = [{ name: hop.name, type: 'A', values: [], alias: target }];
      if (alias.dualstack) records.push({ name: hop.name, type: 'AAAA', values: [], alias: { ...target } });
    } else {
      records = [{ name: hop.name, type: 'CNAME', ttl: ttlSeconds, values: [hop.next] }];
    }
    const txt: RecordSet = { name: ownerTxtName(hop.name), type: 'TXT', ttl: ttlSeconds, values: [ownerTxtValue(owner)] };
    return { zoneId: zone.id, zoneName: zone.name, hopIndex: hop.index, name: hop.name, records, txt };
  });
}
