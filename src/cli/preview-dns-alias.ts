// DnsAlias: resolve the target and zones -> build the desired records -> list the zones -> plan,
// with the controller's own functions. The target load balancer comes from the LoadBalancedService
// previewed before (its DNS name is "known after apply" when the plan creates it).
import { ADOPT_CONSENT_HINT } from '../config.ts';
import type { RecordSet, Route53Port } from '../aws/route53.ts';
import type { DnsAlias } from '../crds/index.ts';
import { buildDesired, type AliasTargetInfo, type DesiredName } from '../reconcilers/dns-alias/build.ts';
import { checkPlacement, findLoopThroughRecords, resolveChain } from '../reconcilers/dns-alias/chain.ts';
import { cnameLookup, observeZones, resolveZones, type ZoneReader } from '../reconcilers/dns-alias/observe.ts';
import { OWNER_PREFIX, holdingOf, isOwnerTxtName, type Owner } from '../reconcilers/dns-alias/ownership.ts';
import { plan, type PreviousRecord } from '../reconcilers/dns-alias/plan.ts';
import { describeRecord } from '../reconcilers/dns-alias/records.ts';
import type { ZoneResolver } from '../reconcilers/dns-alias/zones.ts';
import type { LoadBalancedServicePreview } from './preview-load-balanced-service.ts';
import { isKnownAfterApply, type ResourcePreview, type Step } from './preview.ts';

/** Stands in for a DNS name AWS assigns on create: a valid host name in the reserved .invalid TLD. */
export const UNKNOWN_HOST = 'known-after-apply.invalid';

export interface DnsContext {
  cluster: string;
  port: Route53Port;
  zones: ZoneResolver;
  /** Whether the operator allows adoption in a namespace (the controller's --adopt-namespaces). */
  mayAdopt(namespace: string): boolean;
  loadBalancedService(namespace: string, name: string): LoadBalancedServicePreview | undefined;
}

type Target = { hostname: string; alias?: AliasTargetInfo } | { notReady: string } | { error: string };

function targetOf(obj: DnsAlias, namespace: string, ctx: DnsContext): Target {
  const t = obj.spec.target;
  const finalRecord = obj.spec.finalRecord ?? 'CNAME';
  if (!t.loadBalancedServiceRef) {
    if (finalRecord === 'Alias') return { error: 'InvalidSpec: spec.finalRecord: Alias requires spec.target.loadBalancedServiceRef' };
    if (!t.hostname) return { error: 'InvalidSpec: spec.target: set exactly one of loadBalancedServiceRef or hostname' };
    return { hostname: t.hostname };
  }
  const ref = t.loadBalancedServiceRef.name;
  const lbs = ctx.loadBalancedService(namespace, ref);
  if (!lbs) return { notReady: `LoadBalancedService ${ref} is not in the manifests: the controller would wait for it and leave Route 53 as it is` };
  if (lbs.error || !lbs.loadBalancer) return { notReady: `LoadBalancedService ${ref} has no plan (see above): the controller would wait for it` };
  const lb = lbs.loadBalancer;
  const dnsName = isKnownAfterApply(lb.dnsName) ? UNKNOWN_HOST : lb.dnsName;
  if (finalRecord !== 'Alias') return { hostname: dnsName };
  const zone = isKnownAfterApply(lb.canonicalHostedZoneId) ? 'KNOWNAFTERAPPLY' : lb.canonicalHostedZoneId;
  return { hostname: dnsName, alias: { dnsName, canonicalHostedZoneId: zone, dualstack: lb.ipAddressType === 'dualstack' } };
}

/**
 * Names in these zones whose ownership TXT names this DnsAlias but that the chain no longer lists.
 * The controller remembers what it wrote in status.records; the CLI has no status, so it reads the
 * same fact from the TXT registry (only in the zones the chain uses now).
 */
function ownedOutsideChain(observed: ReadonlyMap<string, readonly RecordSet[]>, desired: readonly DesiredName[], owner: Owner): PreviousRecord[] {
  const wanted = new Set(desired.map((d) => `${d.zoneId} ${d.name}`));
  const out: PreviousRecord[] = [];
  for (const [zoneId, records] of observed) {
    for (const r of records) {
      if (r.type !== 'TXT' || !isOwnerTxtName(r.name)) continue;
      const name = r.name.slice(OWNER_PREFIX.length);
      if (!wanted.has(`${zoneId} ${name}`) && holdingOf(r.values, owner).kind === 'ours') out.push({ hostedZoneId: zoneId, name });
    }
  }
  return out;
}

const shown = (s: string): string => s.replaceAll(UNKNOWN_HOST, '(load balancer DNS name, known after apply)').replaceAll('KNOWNAFTERAPPLY', '(known after apply)');

export async function previewDnsAlias(obj: DnsAlias, ctx: DnsContext): Promise<ResourcePreview> {
  const namespace = obj.metadata?.namespace ?? 'default';
  const name = obj.metadata?.name ?? '';
  const base: ResourcePreview = { kind: 'DnsAlias', namespace, name, steps: [], notes: [] };
  const spec = obj.spec;
  const owner: Owner = { cluster: ctx.cluster, kind: 'DnsAlias', namespace, name };

  const target = targetOf(obj, namespace, ctx);
  if ('error' in target) return { ...base, error: target.error };
  if ('notReady' in target) return { ...base, notes: [target.notReady] };
  const chain = resolveChain(spec.names, target.hostname);
  if (!chain.ok) return { ...base, error: `InvalidSpec: ${chain.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}` };

  const zones = await resolveZones(chain.hops, ctx.zones);
  if (!zones.ok) {
    return { ...base, error: `${zones.reason === 'Ambiguous' ? 'HostedZoneAmbiguous' : 'HostedZoneNotFound'}: ${zones.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}` };
  }
  const finalRecord = spec.finalRecord ?? 'CNAME';
  const placement = checkPlacement(chain.hops, zones.zones.map((z) => z.name), finalRecord);
  if (placement.length) return { ...base, error: `InvalidSpec: ${placement.map((p) => `${p.field}: ${p.message}`).join('; ')}` };

  const desired = buildDesired({ hops: chain.hops, zones: zones.zones, ttlSeconds: spec.ttlSeconds ?? 300, finalRecord, ...(target.alias ? { alias: target.alias } : {}), owner });
  const reader: ZoneReader = { listZone: async (zoneId) => ({ records: await ctx.port.listRecordSets(zoneId), version: 0 }) };
  const observed = await observeZones(reader, new Set(desired.map((d) => d.zoneId)), []);

  if (finalRecord === 'CNAME' && target.hostname !== UNKNOWN_HOST) {
    const loop = findLoopThroughRecords(chain.chain.slice(0, -1), target.hostname.toLowerCase().replace(/\.$/, ''), cnameLookup(observed.records));
    if (loop) return { ...base, error: `ChainLoop: the target leads back into this chain through existing records: ${loop.join(' -> ')}` };
  }

  // spec.adopt counts only where the operator consented, as in the controller (--adopt-namespaces).
  const adopt = spec.adopt === true && ctx.mayAdopt(namespace);
  const previous = ownedOutsideChain(observed.records, desired, owner);
  const p = plan({ desired, observed: observed.records, owner, adopt, previous });
  if (p.conflicts.length) {
    // Only unowned records in the way, which consent would let us take: the controller's AdoptionNotAllowed.
    if (spec.adopt === true && !adopt && plan({ desired, observed: observed.records, owner, adopt: true, previous }).conflicts.length === 0) {
      const held = p.conflicts.map((c) => `${c.name} (zone ${c.zoneId}) holds ${c.holder}`).join('; ');
      return { ...base, error: `AdoptionNotAllowed: nothing would be written: ${held}; spec.adopt is true, but the operator has not allowed adoption in namespace ${namespace} (add it to the controller's ${ADOPT_CONSENT_HINT})`, plan: p };
    }
    return { ...base, error: `Conflict: nothing would be written: ${p.conflicts.map((c) => c.message).join('; ')}`, plan: p };
  }

  const existing = (zoneId: string, r: RecordSet): RecordSet | undefined => observed.records.get(zoneId)?.find((o) => o.name === r.name && o.type === r.type);
  const steps: Step[] = [];
  for (const u of p.units) {
    if (u.changes.every((c) => c.record.type === 'TXT')) {
      steps.push({ kind: 'update', what: `ownership of ${u.name}`, details: u.changes.map((c) => `${c.action} ${c.record.name} TXT ${c.record.values.join(' ')} (zone ${u.zoneId})`) });
      continue;
    }
    for (const c of u.changes) {
      if (c.record.type === 'TXT') continue;
      const was = existing(u.zoneId, c.record);
      const kind = c.action === 'DELETE' ? 'delete' : c.action === 'UPSERT' && was ? 'update' : 'create';
      const details = [`zone ${u.zoneId}, with its ownership TXT _albatross.${c.record.name}`];
      if (kind === 'update' && was) details.push(`was: ${describeRecord(was)}`);
      for (const d of u.drift) details.push(`drift: ${d.path}: ${d.actual} -> ${d.desired}`);
      steps.push({ kind, what: shown(`${c.record.name} ${describeRecord(c.record)}`), details });
    }
  }
  const notes = target.hostname === UNKNOWN_HOST ? [`the last record points at the load balancer the plan creates; its DNS name is known after apply`] : [];
  return { ...base, notes, steps, plan: JSON.parse(shown(JSON.stringify(p))) as unknown };
}
