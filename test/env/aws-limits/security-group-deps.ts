// EC2's refusal to delete a security group something still depends on, as a ProxyLayer of the
// limits proxy. moto deletes any group at once; EC2 answers DependencyViolation while
// - a load balancer still has the group,
// - another group's rule names it as a source,
// - a deleted load balancer's network interfaces have not been released yet (AWS takes some
//   minutes after DeleteLoadBalancer; here `holdSeconds`, 0 unless set, for tests of the retry).
// The checks ask moto with the caller's own credentials (moto reads the account from them; it does
// not verify signatures, so an EC2 request's headers serve for an ELBv2 question with the scope's
// service renamed).
//
//   GET    /__aws-limits/ec2   {holdSeconds, held: [{group, until}], counts: {checked, refused}}
//   PUT    /__aws-limits/ec2   {"holdSeconds": 10}
//   DELETE /__aws-limits/ec2   holdSeconds 0, nothing held
import { request } from 'node:http';
import { errorAnswer } from './answers.ts';
import type { RequestParts } from './classify.ts';
import type { LayerContext, ProxyLayer } from './proxy.ts';

export class SecurityGroupDepsLayer implements ProxyLayer {
  readonly name = 'ec2';
  private readonly upstream: URL;
  private holdSeconds = 0;
  /** group id -> until when a deleted load balancer's interfaces still hold it (ms since epoch) */
  private readonly held = new Map<string, number>();
  counts = { checked: 0, refused: 0 };

  constructor(upstream: string) {
    this.upstream = new URL(upstream);
  }

  async handle({ call, req, res }: LayerContext): Promise<boolean> {
    if (call?.service === 'elbv2' && call.operation === 'DeleteLoadBalancer') {
      if (this.holdSeconds <= 0) return false;
      const arn = new URLSearchParams(req.body.toString('utf8')).get('LoadBalancerArn');
      if (!arn) return false;
      const xml = await this.ask(req, 'elasticloadbalancing', { Action: 'DescribeLoadBalancers', Version: '2015-12-01', 'LoadBalancerArns.member.1': arn });
      const until = Date.now() + this.holdSeconds * 1000;
      for (const g of groupsOfLoadBalancers(xml)) this.held.set(g, Math.max(until, this.held.get(g) ?? 0));
      return false;
    }
    if (call?.service !== 'ec2' || call.operation !== 'DeleteSecurityGroup') return false;
    const group = new URLSearchParams(req.body.toString('utf8')).get('GroupId');
    if (!group) return false;
    this.counts.checked++;
    const reason = await this.dependency(req, group);
    if (!reason) return false;
    this.counts.refused++;
    const a = errorAnswer(call, 'dependency-violation', `resource ${group} has a dependent object (${reason})`);
    res.writeHead(a.status, { ...a.headers, 'content-length': Buffer.byteLength(a.body) });
    res.end(a.body);
    return true;
  }

  private async dependency(req: RequestParts, group: string): Promise<string | undefined> {
    const until = this.held.get(group);
    if (until !== undefined && until > Date.now()) return 'network interfaces of a deleted load balancer';
    if (until !== undefined) this.held.delete(group);
    const lbs = await this.ask(req, 'elasticloadbalancing', { Action: 'DescribeLoadBalancers', Version: '2015-12-01' });
    if (groupsOfLoadBalancers(lbs).includes(group)) return 'a load balancer';
    const refs = await this.ask(req, 'ec2', { Action: 'DescribeSecurityGroups', Version: '2016-11-15', 'Filter.1.Name': 'ip-permission.group-id', 'Filter.1.Value.1': group });
    const others = [...refs.matchAll(/<groupId>(sg-[0-9a-f]+)<\/groupId>/g)].map((m) => m[1]).filter((g) => g !== group);
    return others.length ? `a rule of ${others[0]}` : undefined;
  }

  /** A query-protocol call at moto with the caller's credentials, for `service`; '' on any failure. */
  private ask(upload: RequestParts, service: string, params: Record<string, string>): Promise<string> {
    const body = new URLSearchParams(params).toString();
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) };
    for (const h of ['authorization', 'x-amz-date', 'x-amz-security-token', 'host']) {
      const v = upload.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    if (headers['authorization']) headers['authorization'] = headers['authorization'].replace(/\/[^/]+\/aws4_request/, `/${service}/aws4_request`);
    return new Promise((resolve) => {
      const r = request({ host: this.upstream.hostname, port: this.upstream.port, method: 'POST', path: '/', headers }, (up) => {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => resolve(up.statusCode === 200 ? Buffer.concat(chunks).toString('utf8') : ''));
        up.on('error', () => resolve(''));
      });
      r.on('error', () => resolve(''));
      r.end(body);
    });
  }

  admin(method: string, subpath: string, body: unknown): Promise<unknown> {
    if (subpath !== '/') return Promise.resolve(undefined);
    if (method === 'PUT') {
      const s = (body as { holdSeconds?: unknown } | undefined)?.holdSeconds;
      if (typeof s !== 'number' || !(s >= 0)) return Promise.reject(new Error('ec2: holdSeconds must be a number >= 0'));
      this.holdSeconds = s;
    } else if (method === 'DELETE') {
      this.holdSeconds = 0;
      this.held.clear();
    } else if (method !== 'GET') {
      return Promise.resolve(undefined);
    }
    return Promise.resolve({ holdSeconds: this.holdSeconds, held: [...this.held].map(([group, until]) => ({ group, until: new Date(until).toISOString() })), counts: this.counts });
  }
}

/** Security group ids in a DescribeLoadBalancers answer (each load balancer's <SecurityGroups>). */
function groupsOfLoadBalancers(xml: string): string[] {
  return [...xml.matchAll(/<SecurityGroups>([\s\S]*?)<\/SecurityGroups>/g)].flatMap((m) => [...(m[1] ?? '').matchAll(/<member>\s*(sg-[0-9a-f]+)\s*<\/member>/g)].map((x) => x[1]!));
}
