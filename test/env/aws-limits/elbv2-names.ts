// ELBv2's one load balancer per name, as a ProxyLayer of the limits proxy, for the accounts a test
// turns it on for. AWS answers a CreateLoadBalancer of a name the account already holds with that
// load balancer when the settings match (the create is idempotent) and refuses it with
// DuplicateLoadBalancerName when they differ; moto makes a second load balancer of the name. For
// an account with a mode, this layer asks moto for the name first (DescribeLoadBalancers, with the
// caller's own credentials, so the same moto account) and, when it is held, answers as AWS would:
// `answer` (the existing load balancer, as CreateLoadBalancer's answer) or `refuse`. Which of the
// two AWS would give depends on settings this layer does not compare: the test chooses. Creates of
// one name go one at a time, each until its answer is sent. Other accounts keep moto's behaviour
// (the tests of a create retried after a lost answer rely on the duplicate it leaves).
//
//   GET    /__aws-limits/elbv2   {existingName: {AKID: mode}, counts: {checked, answered, refused}}
//   PUT    /__aws-limits/elbv2   {"account": "AKID", "existingName": "answer" | "refuse"}
//   DELETE /__aws-limits/elbv2   {"account": "AKID"}: that account back to moto's behaviour ({}: every account)
import { randomUUID } from 'node:crypto';
import { errorAnswer } from './answers.ts';
import type { RequestParts } from './classify.ts';
import { askMoto } from './moto-ask.ts';
import type { LayerContext, ProxyLayer } from './proxy.ts';

export type ExistingNameMode = 'answer' | 'refuse';

export class Elbv2NamesLayer implements ProxyLayer {
  readonly name = 'elbv2';
  private readonly upstream: URL;
  private readonly modes = new Map<string, ExistingNameMode>();
  /** account|region|name -> the end of the create of that name now in flight */
  private readonly inFlight = new Map<string, Promise<void>>();
  counts = { checked: 0, answered: 0, refused: 0 };

  constructor(upstream: string) {
    this.upstream = new URL(upstream);
  }

  async handle({ call, req, res }: LayerContext): Promise<boolean> {
    if (call?.service !== 'elbv2' || call.operation !== 'CreateLoadBalancer') return false;
    const mode = this.modes.get(call.account);
    const name = new URLSearchParams(req.body.toString('utf8')).get('Name');
    if (!mode || !name) return false;
    const key = `${call.account}|${call.region}|${name}`;
    const before = this.inFlight.get(key);
    // This create's turn lasts until its answer is sent (or its caller goes away).
    const turn = (before ?? Promise.resolve()).then(() => new Promise<void>((resolve) => (res.destroyed || res.writableFinished ? resolve() : res.once('close', () => resolve()))));
    this.inFlight.set(key, turn);
    void turn.then(() => {
      if (this.inFlight.get(key) === turn) this.inFlight.delete(key);
    });
    await before;
    if (res.destroyed) return true; // nobody to answer: nothing reaches moto
    this.counts.checked++;
    const held = await this.lookup(req, name);
    if (held === undefined) return false;
    if (mode === 'refuse') {
      this.counts.refused++;
      const a = errorAnswer(call, 'duplicate-load-balancer-name', `A load balancer with the same name '${name}' exists, but with different settings`);
      res.writeHead(a.status, { ...a.headers, 'content-length': Buffer.byteLength(a.body) });
      res.end(a.body);
      return true;
    }
    this.counts.answered++;
    const body = held.replace(/DescribeLoadBalancers(Response|Result)/g, 'CreateLoadBalancer$1');
    res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID(), 'x-albatross-aws-limits': 'existing-load-balancer', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return true;
  }

  /** moto's DescribeLoadBalancers answer for `name`, signed as the create was; undefined when the name is free (or on no clear answer). */
  private async lookup(create: RequestParts, name: string): Promise<string | undefined> {
    const r = await askMoto(this.upstream, create, { Action: 'DescribeLoadBalancers', Version: '2015-12-01', 'Names.member.1': name });
    return r?.status === 200 && r.text.includes('<LoadBalancerArn>') ? r.text : undefined;
  }

  admin(method: string, subpath: string, body: unknown): Promise<unknown> {
    if (subpath !== '/') return Promise.resolve(undefined);
    if (method === 'PUT') {
      const o = (body ?? {}) as { account?: unknown; existingName?: unknown };
      if (typeof o.account !== 'string' || !o.account) return Promise.reject(new Error('elbv2: account must be an access key id'));
      if (o.existingName !== 'answer' && o.existingName !== 'refuse') return Promise.reject(new Error('elbv2: existingName must be "answer" or "refuse"'));
      this.modes.set(o.account, o.existingName);
    } else if (method === 'DELETE') {
      const account = (body as { account?: unknown } | undefined)?.account;
      if (typeof account === 'string') this.modes.delete(account);
      else this.modes.clear();
    } else if (method !== 'GET') {
      return Promise.resolve(undefined);
    }
    return Promise.resolve({ existingName: Object.fromEntries(this.modes), counts: this.counts });
  }
}
