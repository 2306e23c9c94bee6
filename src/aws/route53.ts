// Thin Route 53 port: only the calls DnsAlias uses, paginated, through callAws. Names and ids are
// returned in one canonical form (lower case, no trailing dot, escapes decoded, bare zone id) so the
// pure code above never sees Route 53's wire spellings. (Creating zones is not the controller's
// job: see route53-zones.ts, used by the demo and tests.)
import {
  ChangeResourceRecordSetsCommand,
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type Change,
  type ResourceRecordSet,
  type RRType,
} from '@aws-sdk/client-route-53';
import { callAws, sdkClientConfig } from './call.ts';

export interface HostedZone {
  /** bare id, e.g. Z0123456789ABC (no /hostedzone/ prefix) */
  id: string;
  /** canonical name: lower case, no trailing dot */
  name: string;
  private: boolean;
}

export interface AliasTarget {
  dnsName: string;
  hostedZoneId: string;
  evaluateTargetHealth: boolean;
}

/** One record set; simple routing only is written by us, but anything can be observed. */
export interface RecordSet {
  name: string;
  type: string;
  ttl?: number;
  values: string[];
  alias?: AliasTarget;
  /** set on weighted/latency/failover/… records, which we never write and always treat as foreign */
  setIdentifier?: string;
}

export type ChangeAction = 'CREATE' | 'UPSERT' | 'DELETE';

export interface RecordChange {
  action: ChangeAction;
  record: RecordSet;
}

/** The operations DnsAlias needs; an interface so the coordinator can be unit tested with a fake. */
export interface Route53Port {
  findZonesByName(name: string, signal?: AbortSignal): Promise<HostedZone[]>;
  getZone(id: string, signal?: AbortSignal): Promise<HostedZone | undefined>;
  listRecordSets(zoneId: string, signal?: AbortSignal): Promise<RecordSet[]>;
  changeRecordSets(zoneId: string, changes: RecordChange[], comment: string, signal?: AbortSignal): Promise<string>;
}

/** Route 53 spells names with a trailing dot and escapes some characters as \ooo (e.g. \052 for *). */
export function fromAwsName(name: string): string {
  const decoded = name.replace(/\\(\d{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
  return decoded.replace(/\.$/, '').toLowerCase();
}

export function bareZoneId(id: string): string {
  return id.replace(/^\/?hostedzone\//, '');
}

export function toZone(z: { Id?: string; Name?: string; Config?: { PrivateZone?: boolean } }): HostedZone {
  return { id: bareZoneId(z.Id ?? ''), name: fromAwsName(z.Name ?? ''), private: z.Config?.PrivateZone === true };
}

function toRecordSet(r: ResourceRecordSet): RecordSet {
  const out: RecordSet = {
    name: fromAwsName(r.Name ?? ''),
    type: r.Type ?? '',
    values: (r.ResourceRecords ?? []).map((v) => v.Value ?? ''),
  };
  if (r.TTL !== undefined) out.ttl = r.TTL;
  if (r.AliasTarget) {
    out.alias = {
      dnsName: fromAwsName(r.AliasTarget.DNSName ?? ''),
      hostedZoneId: r.AliasTarget.HostedZoneId ?? '',
      evaluateTargetHealth: r.AliasTarget.EvaluateTargetHealth === true,
    };
  }
  if (r.SetIdentifier !== undefined) out.setIdentifier = r.SetIdentifier;
  return out;
}

/** Our record back into the SDK shape; the name is written fully qualified. */
export function toAwsRecordSet(r: RecordSet): ResourceRecordSet {
  const out: ResourceRecordSet = { Name: `${r.name}.`, Type: r.type as RRType };
  if (r.alias) {
    out.AliasTarget = {
      DNSName: r.alias.dnsName,
      HostedZoneId: r.alias.hostedZoneId,
      EvaluateTargetHealth: r.alias.evaluateTargetHealth,
    };
  } else {
    out.TTL = r.ttl;
    out.ResourceRecords = r.values.map((Value) => ({ Value }));
  }
  if (r.setIdentifier !== undefined) out.SetIdentifier = r.setIdentifier;
  return out;
}

let shared: Route53Client | undefined;
/** The process-wide Route 53 client. */
export function client(): Route53Client {
  shared ??= new Route53Client(sdkClientConfig());
  return shared;
}

/** The Route 53 port backed by the AWS SDK (endpoint and region from the SDK's standard env). */
export function route53Port(c: () => Route53Client = client): Route53Port {
  return {
    async findZonesByName(name, signal) {
      const wanted = fromAwsName(name);
      const zones: HostedZone[] = [];
      let dnsName: string | undefined = `${wanted}.`;
      let hostedZoneId: string | undefined;
      // Zones come sorted by name starting at DNSName; stop at the first one with another name.
      for (;;) {
        const page = await callAws(
          'route53',
          'ListHostedZonesByName',
          (s) => c().send(new ListHostedZonesByNameCommand({ DNSName: dnsName, HostedZoneId: hostedZoneId }), { abortSignal: s }),
          { signal },
        );
        const found = (page.HostedZones ?? []).map(toZone);
        zones.push(...found.filter((z) => z.name === wanted));
        if (found.some((z) => z.name !== wanted) || !page.IsTruncated || !page.NextDNSName) break;
        if (fromAwsName(page.NextDNSName) !== wanted) break;
        dnsName = page.NextDNSName;
        hostedZoneId = page.NextHostedZoneId;
      }
      return zones;
    },

    async getZone(id, signal) {
      try {
        const out = await callAws(
          'route53',
          'GetHostedZone',
          (s) => c().send(new GetHostedZoneCommand({ Id: bareZoneId(id) }), { abortSignal: s }),
          { signal },
        );
        return out.HostedZone ? toZone(out.HostedZone) : undefined;
      } catch (err) {
        if ((err as { kind?: string }).kind === 'not_found') return undefined;
        throw err;
      }
    },

    async listRecordSets(zoneId, signal) {
      const records: RecordSet[] = [];
      let start: { StartRecordName?: string; StartRecordType?: RRType; StartRecordIdentifier?: string } = {};
      for (;;) {
        const page = await callAws(
          'route53',
          'ListResourceRecordSets',
          (s) =>
            c().send(new ListResourceRecordSetsCommand({ HostedZoneId: bareZoneId(zoneId), MaxItems: 300, ...start }), {
              abortSignal: s,
            }),
          { signal },
        );
        records.push(...(page.ResourceRecordSets ?? []).map(toRecordSet));
        if (!page.IsTruncated || !page.NextRecordName) break;
        start = {
          StartRecordName: page.NextRecordName,
          StartRecordType: page.NextRecordType,
          ...(page.NextRecordIdentifier ? { StartRecordIdentifier: page.NextRecordIdentifier } : {}),
        };
      }
      return records;
    },

    async changeRecordSets(zoneId, changes, comment, signal) {
      const Changes: Change[] = changes.map((ch) => ({ Action: ch.action, ResourceRecordSet: toAwsRecordSet(ch.record) }));
      const out = await callAws(
        'route53',
        'ChangeResourceRecordSets',
        (s) =>
          c().send(
            new ChangeResourceRecordSetsCommand({ HostedZoneId: bareZoneId(zoneId), ChangeBatch: { Comment: comment, Changes } }),
            { abortSignal: s },
          ),
        { signal },
      );
      return out.ChangeInfo?.Id ?? '';
    },
  };
}
