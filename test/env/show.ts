// Prints what `kubectl get <category> -A` would (rendered by the apiserver itself: the Table format
// with the CRDs' printer columns) and what the controller made in AWS for one cluster name.
import type { KubeConfig } from '@kubernetes/client-node';
import { DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeTagsCommand, DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListServerCertificatesCommand } from '@aws-sdk/client-iam';
import { ListHostedZonesCommand, ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { request, type RequestOptions } from 'node:https';
import { awsClients } from '../integration/support/aws.ts';

async function getJson<T>(kc: KubeConfig, path: string, accept = 'application/json'): Promise<T> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('kubeconfig has no server');
  const opts: RequestOptions = { headers: { Accept: accept } };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, server), opts, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body) as T) : reject(new Error(`GET ${path}: ${res.statusCode} ${body}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

interface Table {
  columnDefinitions: Array<{ name: string; format: string; priority: number }>;
  rows: Array<{ cells: unknown[]; object: { metadata: { namespace?: string } } }>;
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const r of [header, ...rows]) process.stdout.write(r.map((c, i) => (c ?? '').padEnd(widths[i] ?? 0)).join('   ').trimEnd() + '\n');
}

/** `kubectl get <category> -A`: every resource in the category, as the apiserver renders it. */
export async function printCategory(kc: KubeConfig, group: string, version: string, category: string): Promise<void> {
  const list = await getJson<{ resources: Array<{ name: string; kind: string; categories?: string[] }> }>(kc, `/apis/${group}/${version}`);
  for (const r of list.resources.filter((x) => x.categories?.includes(category) && !x.name.includes('/'))) {
    const table = await getJson<Table>(kc, `/apis/${group}/${version}/${r.name}?includeObject=Metadata`, 'application/json;as=Table;v=v1;g=meta.k8s.io');
    process.stdout.write(`\n$ kubectl get ${r.name}.${group} -A\n`);
    if (table.rows.length === 0) {
      process.stdout.write('No resources found\n');
      continue;
    }
    const cols = table.columnDefinitions.map((c, i) => ({ ...c, i })).filter((c) => c.priority === 0);
    printTable(
      ['NAMESPACE', ...cols.map((c) => c.name.toUpperCase())],
      table.rows.map((row) => [
        row.object.metadata.namespace ?? '',
        // The apiserver has already rendered each cell as kubectl shows it (dates as ages).
        ...cols.map((c) => {
          const v = row.cells[c.i];
          return v === null || v === undefined ? '<none>' : String(v);
        }),
      ]),
    );
  }
}

/** What exists in AWS (moto) for `cluster`: load balancers, listeners, target groups, certificates, records. */
export async function printAws(cluster: string, zoneNames: string[]): Promise<void> {
  const { elbv2, iam, route53 } = awsClients();
  process.stdout.write(`\n# AWS (${process.env['AWS_ENDPOINT_URL']}) objects of cluster "${cluster}"\n`);
  const lbs = (await elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
  const arns = lbs.map((l) => l.LoadBalancerArn).filter((a): a is string => !!a);
  const tagged = new Set<string>();
  for (let i = 0; i < arns.length; i += 20) {
    const tags = await elbv2.send(new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20) }));
    for (const d of tags.TagDescriptions ?? []) if (d.Tags?.some((t) => t.Key === 'albatross.dev/cluster' && t.Value === cluster)) tagged.add(d.ResourceArn ?? '');
  }
  const mine = lbs.filter((l) => tagged.has(l.LoadBalancerArn ?? ''));
  process.stdout.write('\nLoad balancers:\n');
  if (mine.length === 0) process.stdout.write('  (none)\n');
  for (const lb of mine) {
    process.stdout.write(`  ${lb.LoadBalancerName}  ${lb.Scheme}  ${lb.State?.Code}  ${lb.DNSName}\n`);
    const listeners = (await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners ?? [];
    for (const l of listeners.sort((a, b) => (a.Port ?? 0) - (b.Port ?? 0))) {
      const action = l.DefaultActions?.[0];
      const what = action?.Type === 'redirect' ? `redirect to ${action.RedirectConfig?.Protocol}:${action.RedirectConfig?.Port}` : action?.Type ?? '';
      const certs = (l.Certificates ?? []).map((c) => c.CertificateArn?.split('/').pop()).join(',');
      process.stdout.write(`    listener ${l.Protocol}:${l.Port}  ${what}${certs ? `  cert ${certs}` : ''}\n`);
    }
  }
  const tgs = (await elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
  const tgArns = tgs.map((t) => t.TargetGroupArn).filter((a): a is string => !!a);
  const ours = new Set<string>();
  for (let i = 0; i < tgArns.length; i += 20) {
    const tags = await elbv2.send(new DescribeTagsCommand({ ResourceArns: tgArns.slice(i, i + 20) }));
    for (const d of tags.TagDescriptions ?? []) if (d.Tags?.some((t) => t.Key === 'albatross.dev/cluster' && t.Value === cluster)) ours.add(d.ResourceArn ?? '');
  }
  process.stdout.write('\nTarget groups:\n');
  const mineTgs = tgs.filter((t) => ours.has(t.TargetGroupArn ?? ''));
  if (mineTgs.length === 0) process.stdout.write('  (none)\n');
  for (const tg of mineTgs) process.stdout.write(`  ${tg.TargetGroupName}  ${tg.Protocol}:${tg.Port}  ${tg.TargetType}  ${tg.VpcId}\n`);
  const certs = (await iam.send(new ListServerCertificatesCommand({ PathPrefix: `/albatross/${cluster}/` }))).ServerCertificateMetadataList ?? [];
  process.stdout.write('\nIAM server certificates:\n');
  if (certs.length === 0) process.stdout.write('  (none)\n');
  // moto stores a fixed expiry for every certificate; the real notAfter is in the ServerCertificate's status.
  for (const c of certs) process.stdout.write(`  ${c.Path}${c.ServerCertificateName}  uploaded ${c.UploadDate?.toISOString().slice(0, 19)}Z  ${c.Arn}\n`);
  const zones = ((await route53.send(new ListHostedZonesCommand({}))).HostedZones ?? []).filter((z) => zoneNames.includes((z.Name ?? '').replace(/\.$/, '')));
  process.stdout.write('\nRoute 53 records:\n');
  for (const z of zones) {
    const sets = (await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: z.Id }))).ResourceRecordSets ?? [];
    const shown = sets.filter((r) => r.Type !== 'SOA' && r.Type !== 'NS');
    process.stdout.write(`  zone ${z.Name} (${z.Config?.PrivateZone ? 'private' : 'public'}):${shown.length ? '' : ' (no records)'}\n`);
    for (const r of shown) {
      const value = r.AliasTarget ? `ALIAS ${r.AliasTarget.DNSName}` : (r.ResourceRecords ?? []).map((v) => v.Value).join(' ');
      process.stdout.write(`    ${r.Name} ${r.Type} ${value}\n`);
    }
  }
}
