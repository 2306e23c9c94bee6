// `albatross plan`: manifests -> previews in dependency order (certificates, then load balancers,
// then DNS) -> output and an exit code: 0 no changes, 2 changes, 1 errors.
import { adoptionAllowed } from '../config.ts';
import { SdkCertificateUsage } from '../aws/certificate-usage.ts';
import { SdkEc2 } from '../aws/ec2.ts';
import { SdkSecurityGroups } from '../aws/security-groups.ts';
import { SdkElbv2 } from '../aws/elbv2.ts';
import { SdkWafv2 } from '../aws/wafv2.ts';
import { SdkIam } from '../aws/iam.ts';
import { route53Port } from '../aws/route53.ts';
import { ZoneResolver } from '../reconcilers/dns-alias/zones.ts';
import { EXIT, type PlanOptions } from './args.ts';
import { readManifests } from './manifests.ts';
import { previewDnsAlias } from './preview-dns-alias.ts';
import { previewLoadBalancedService, type LoadBalancedServicePreview } from './preview-load-balanced-service.ts';
import { previewServerCertificate, type ServerCertificatePreview } from './preview-server-certificate.ts';
import type { ResourcePreview } from './preview.ts';
import { renderJson, renderText, summarize } from './render.ts';

export interface PlanIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  stdin?: () => string;
}

/** An error while previewing one resource becomes that resource's error; the others still run. */
async function guarded<T extends ResourcePreview>(base: Pick<ResourcePreview, 'kind' | 'namespace' | 'name'>, fn: () => Promise<T>): Promise<T | ResourcePreview> {
  try {
    return await fn();
  } catch (err) {
    const kind = (err as { kind?: unknown }).kind;
    const message = err instanceof Error ? err.message : String(err);
    return { ...base, steps: [], notes: [], error: `${typeof kind === 'string' ? `AWS (${kind})` : 'Error'}: ${message}` };
  }
}

export async function runPlan(options: PlanOptions, io: PlanIo): Promise<number> {
  const m = readManifests(options.files, { recursive: options.recursive, namespace: options.namespace, ...(io.stdin ? { stdin: io.stdin } : {}) });
  if (m.problems.length) {
    io.stderr(`albatross plan: the manifests are invalid:\n${m.problems.map((p) => `  ${p}`).join('\n')}\n`);
    return EXIT.error;
  }
  if (m.serverCertificates.length + m.loadBalancedServices.length + m.dnsAliases.length === 0) {
    io.stderr('albatross plan: no LoadBalancedService, ServerCertificate or DnsAlias in the manifests\n');
    return EXIT.error;
  }
  const cluster = options.clusterName;
  // spec.adopt counts only where the operator consented, as in the controller (--adopt-namespaces).
  const mayAdopt = (namespace: string): boolean => adoptionAllowed(options, namespace);
  const previews: ResourcePreview[] = [];
  const id = (o: { metadata?: { namespace?: string; name?: string } }, kind: ResourcePreview['kind']) => ({ kind, namespace: o.metadata?.namespace ?? 'default', name: o.metadata?.name ?? '' });

  const iam = new SdkIam();
  const usage = new SdkCertificateUsage();
  const certs = new Map<string, ServerCertificatePreview | ResourcePreview>();
  for (const sc of m.serverCertificates) {
    const p = await guarded(id(sc, 'ServerCertificate'), () => previewServerCertificate(sc, { cluster, secrets: m.secrets, iam, usage }));
    certs.set(`${p.namespace}/${p.name}`, p);
    previews.push(p);
  }

  const elbv2 = new SdkElbv2();
  const ec2 = new SdkEc2();
  const securityGroups = new SdkSecurityGroups();
  const wafv2 = new SdkWafv2();
  const lbss = new Map<string, LoadBalancedServicePreview>();
  for (const lbs of m.loadBalancedServices) {
    const p = await guarded(id(lbs, 'LoadBalancedService'), () =>
      previewLoadBalancedService(lbs, {
        cluster,
        elbv2,
        ec2,
        securityGroups,
        wafv2,
        mayAdopt,
        certificateArn: (ns, name) => (certs.get(`${ns}/${name}`) as ServerCertificatePreview | undefined)?.arn,
      }),
    );
    lbss.set(`${p.namespace}/${p.name}`, p);
    previews.push(p);
  }

  const port = route53Port();
  const zones = new ZoneResolver(port);
  for (const da of m.dnsAliases) {
    previews.push(await guarded(id(da, 'DnsAlias'), () => previewDnsAlias(da, { cluster, port, zones, mayAdopt, loadBalancedService: (ns, name) => lbss.get(`${ns}/${name}`) })));
  }

  io.stdout(options.output === 'json' ? renderJson(previews, cluster) : renderText(previews, cluster, m.ignored));
  const s = summarize(previews);
  if (s.errors > 0) return EXIT.error;
  return s.create + s.update + s.replace + s.delete > 0 ? EXIT.changes : EXIT.noChanges;
}
