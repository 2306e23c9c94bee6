// What the campaign checks, as a user would: the resources' conditions in the apiserver, and what
// AWS (moto, read directly) holds per owner. Each check gives one row of the report.
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { ListServerCertificatesCommand } from '@aws-sdk/client-iam';
import { RESOURCES, TAG_OWNER } from '../../src/crds/index.ts';
import { awsClients } from '../integration/support/index.ts';
import { awsView } from '../integration/load-balanced-service/harness.ts';
import { zoneRecords } from '../integration/dns-alias/harness.ts';
import type { Kind } from './fixtures.ts';
import { isReady, type Obj, type Observed } from './judge.ts';

const PLURAL: Record<Kind, string> = {
  LoadBalancedService: RESOURCES.loadBalancedService.plural,
  ServerCertificate: RESOURCES.serverCertificate.plural,
  DnsAlias: RESOURCES.dnsAlias.plural,
};

export async function readResource(kc: KubeConfig, namespace: string, kind: Kind, name: string): Promise<Obj | undefined> {
  const api = kc.makeApiClient(CustomObjectsApi);
  return (await api.getNamespacedCustomObject({ group: RESOURCES.dnsAlias.group, version: RESOURCES.dnsAlias.version, plural: PLURAL[kind], namespace, name }).catch((e: unknown) => {
    if ((e as { code?: number }).code === 404) return undefined;
    throw e;
  })) as Obj | undefined;
}

export async function deleteResource(kc: KubeConfig, namespace: string, kind: Kind, name: string): Promise<void> {
  const api = kc.makeApiClient(CustomObjectsApi);
  await api.deleteNamespacedCustomObject({ group: RESOURCES.dnsAlias.group, version: RESOURCES.dnsAlias.version, plural: PLURAL[kind], namespace, name }).catch(() => undefined);
}

/** ELB's documented default of idle_timeout.timeout_seconds (written here, not taken from the controller's code). */
const AWS_DEFAULT_IDLE_TIMEOUT = '60';

const owner = (kind: Kind, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;
const bare = (dns: string | undefined): string => (dns ?? '').replace(/\.$/, '').toLowerCase();

/** Which resources should hold AWS objects now (by kind and name): the Ready ones that are not bad input, so also the winner of a shared name. */
function holders(observed: readonly Observed[]): { has(kind: Kind, name: string): boolean } {
  const ids = new Set(observed.filter((o) => o.resource.expect.kind !== 'refused' && isReady(o.obj)).map((o) => `${o.resource.kind}/${o.resource.name}`));
  return { has: (kind, name) => ids.has(`${kind}/${name}`) };
}

/** What a check found wrong, and what it looked at (so a pass on an empty account shows as such). */
export interface Findings {
  problems: string[];
  found: string;
}

export interface AwsScope {
  clusterName: string;
  namespace: string;
  zone: { id: string; name: string };
  /** Record names seeded by others in the zone (never the campaign's). */
  foreignRecordNames: readonly string[];
}

/** ELBv2: per owner exactly one load balancer, its listeners and target groups with the spec's targets; nothing for anyone else. */
export async function elbv2Problems(scope: AwsScope, observed: readonly Observed[]): Promise<Findings> {
  const view = await awsView(scope.clusterName);
  const hold = holders(observed);
  const problems: string[] = [];
  const lbsOf = (o: string) => view.loadBalancers.filter((l) => l.tags[TAG_OWNER] === o);
  for (const o of observed.filter((x) => x.resource.kind === 'LoadBalancedService')) {
    const r = o.resource;
    const id = owner('LoadBalancedService', scope.namespace, r.name);
    const want = hold.has('LoadBalancedService', r.name) ? r.aws : { loadBalancers: 0, targetGroups: 0, listeners: 0 };
    const lbs = lbsOf(id);
    const lbArns = new Set(lbs.map((l) => l.lb.LoadBalancerArn));
    const listeners = view.listeners.filter((l) => lbArns.has(l.listener.LoadBalancerArn));
    const tgs = view.targetGroups.filter((t) => t.tags[TAG_OWNER] === id);
    const got = { loadBalancers: lbs.length, targetGroups: tgs.length, listeners: listeners.length };
    if (got.loadBalancers !== want.loadBalancers || got.targetGroups !== want.targetGroups || got.listeners !== want.listeners) {
      problems.push(`${r.name}: ${got.loadBalancers} LB/${got.listeners} listeners/${got.targetGroups} TG, want ${want.loadBalancers}/${want.listeners}/${want.targetGroups}`);
      continue;
    }
    if (!hold.has('LoadBalancedService', r.name)) continue;
    const spec = r.manifest as unknown as { spec: { loadBalancer: { idleTimeoutSeconds: number }; targetGroups: Array<{ targets: Array<{ id: string }> }> } };
    // AWS always reports idle_timeout.timeout_seconds (60 until set); moto leaves out an attribute nobody set.
    const idle = lbs[0]!.attributes['idle_timeout.timeout_seconds'] ?? AWS_DEFAULT_IDLE_TIMEOUT;
    if (idle !== String(spec.spec.loadBalancer.idleTimeoutSeconds)) problems.push(`${r.name}: idle timeout ${idle}, spec ${spec.spec.loadBalancer.idleTimeoutSeconds}`);
    const wantTargets = spec.spec.targetGroups[0]!.targets.map((t) => t.id).sort().join(',');
    const gotTargets = tgs[0]!.targets.map((t) => t.id).sort().join(',');
    if (wantTargets !== gotTargets) problems.push(`${r.name}: targets [${gotTargets}], spec [${wantTargets}]`);
  }
  const known = new Set(observed.map((o) => owner(o.resource.kind, scope.namespace, o.resource.name)));
  for (const l of view.loadBalancers) if (!known.has(l.tags[TAG_OWNER] ?? '')) problems.push(`load balancer ${l.lb.LoadBalancerName} owned by ${l.tags[TAG_OWNER] ?? 'nobody'}`);
  for (const t of view.targetGroups) if (!known.has(t.tags[TAG_OWNER] ?? '')) problems.push(`target group ${t.tg.TargetGroupName} owned by ${t.tags[TAG_OWNER] ?? 'nobody'}`);
  return { problems, found: `${view.loadBalancers.length} load balancers, ${view.listeners.length} listeners, ${view.targetGroups.length} target groups` };
}

/** Every IAM server certificate under the cluster's path. moto ignores PathPrefix, so it is filtered here. */
export async function clusterCertificates(clusterName: string): Promise<Array<{ name: string; arn: string; path: string }>> {
  const { iam } = awsClients();
  const out: Array<{ name: string; arn: string; path: string }> = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(new ListServerCertificatesCommand({ PathPrefix: `/albatross/${clusterName}/`, ...(marker ? { Marker: marker } : {}) }));
    for (const m of page.ServerCertificateMetadataList ?? []) {
      if (m.Path?.startsWith(`/albatross/${clusterName}/`)) out.push({ name: m.ServerCertificateName!, arn: m.Arn!, path: m.Path });
    }
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return out;
}

/** IAM: one certificate per Ready ServerCertificate (the one its status names), none for the rest. */
export async function iamProblems(scope: AwsScope, observed: readonly Observed[]): Promise<Findings> {
  const certs = await clusterCertificates(scope.clusterName);
  const hold = holders(observed);
  const problems: string[] = [];
  const claimed = new Set<string>();
  for (const o of observed.filter((x) => x.resource.kind === 'ServerCertificate')) {
    const iamName = (o.resource.manifest as unknown as { spec: { iam: { name: string } } }).spec.iam.name;
    const mine = certs.filter((c) => new RegExp(`^${iamName.replace(/[.]/g, '\\.')}-[0-9a-f]{8}$`).test(c.name));
    mine.forEach((c) => claimed.add(c.name));
    const want = hold.has('ServerCertificate', o.resource.name) ? o.resource.aws.certificates : 0;
    if (mine.length !== want) problems.push(`${o.resource.name}: ${mine.length} certificates, want ${want}`);
    else if (want === 1 && o.obj?.status?.['arn'] !== mine[0]!.arn) problems.push(`${o.resource.name}: status.arn ${String(o.obj?.status?.['arn'])} is not ${mine[0]!.arn}`);
  }
  for (const c of certs) if (!claimed.has(c.name)) problems.push(`certificate ${c.path}${c.name} belongs to no campaign resource`);
  return { problems, found: `${certs.length} certificates` };
}

/** Route 53: each Ready DnsAlias's CNAME (to its load balancer) and ownership TXT, nothing else of the campaign's. */
export async function route53Problems(scope: AwsScope, observed: readonly Observed[], lbsDns: (name: string) => string | undefined): Promise<Findings> {
  const records = await zoneRecords(scope.zone.id);
  const hold = holders(observed);
  const problems: string[] = [];
  const expected = new Set<string>();
  for (const o of observed.filter((x) => x.resource.kind === 'DnsAlias' && hold.has('DnsAlias', x.resource.name))) {
    const spec = (o.resource.manifest as unknown as { spec: { names: Array<{ name: string }>; target: { loadBalancedServiceRef: { name: string } }; ttlSeconds: number } }).spec;
    const name = spec.names[0]!.name;
    expected.add(`${name}.|CNAME`).add(`_albatross.${name}.|TXT`);
    const at = (type: string, n: string) => records.filter((r) => r.Name === `${n}.` && r.Type === type);
    const cnames = at('CNAME', name);
    const target = lbsDns(spec.target.loadBalancedServiceRef.name);
    if (cnames.length !== 1) problems.push(`${name}: ${cnames.length} CNAME records`);
    else if (bare(cnames[0]!.ResourceRecords?.[0]?.Value) !== bare(target)) problems.push(`${name}: CNAME -> ${cnames[0]!.ResourceRecords?.[0]?.Value}, load balancer is ${target}`);
    else if (cnames[0]!.TTL !== spec.ttlSeconds) problems.push(`${name}: TTL ${cnames[0]!.TTL}, spec ${spec.ttlSeconds}`);
    if (at('TXT', `_albatross.${name}`).length !== 1) problems.push(`${name}: no ownership TXT`);
  }
  const foreign = new Set(scope.foreignRecordNames.map((n) => `${n}.`));
  const apex = `${scope.zone.name}.`;
  for (const r of records) {
    if (r.Name === apex && (r.Type === 'NS' || r.Type === 'SOA')) continue;
    if (foreign.has(r.Name ?? '')) continue;
    if (!expected.has(`${r.Name}|${r.Type}`)) problems.push(`unexpected ${r.Type} ${r.Name}`);
  }
  return { problems, found: `${records.length} records in the zone (${foreign.size} foreign)` };
}

/** Status and events of the namespace, as text, for the key material check. */
export async function statusAndEvents(kc: KubeConfig, namespace: string, observed: readonly Observed[]): Promise<Array<{ where: string; text: string }>> {
  const events = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace });
  return [
    { where: 'events', text: JSON.stringify(events.items.map((e) => [e.reason, e.message])) },
    ...observed.map((o) => ({ where: `${o.resource.kind} ${o.resource.name} status`, text: JSON.stringify(o.obj?.status ?? {}) })),
  ];
}
