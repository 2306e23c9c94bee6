// The AWS limits proxy: sits in front of moto, counts every AWS call by <service>.<Operation> (per
// access key too), answers calls over AWS's documented per-account limits with the service's own
// throttling error, and injects throttling / 5xx faults on demand. Its admin API lives under
// /__aws-limits/ on the same port (moto never sees those paths):
//
//   GET    /__aws-limits/health
//   GET    /__aws-limits/counts[?account=AKID]   calls, forwarded, throttled, injected by service.Operation
//   POST   /__aws-limits/counts/reset            zero them (answers the counts before the reset)
//   GET    /__aws-limits/faults                  the fault config
//   PUT    /__aws-limits/faults                  merge a partial config: {"throttlePercent":30,"serverErrorPercent":10}
//   DELETE /__aws-limits/faults                  no faults
//   GET    /__aws-limits/limits                  {enforce, priorRequestNotComplete, rules}
//   PUT    /__aws-limits/limits                  change any of those; new rules start with full buckets
//
// More behaviour plugs in as a ProxyLayer without a second proxy, registered by main.ts:
// network-faults.ts (resets, slow answers; GET/PUT/DELETE /__aws-limits/network) and
// route53-changes.ts (Route 53's per-request size limits, refusals of named records on demand;
// GET/PUT/DELETE /__aws-limits/route53) and iam-names.ts (IAM's unique server certificate names,
// which moto does not enforce; GET /__aws-limits/iam) and elbv2-names.ts (AWS's answers to a
// CreateLoadBalancer of a name already held, for the accounts a test names; /__aws-limits/elbv2).
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorAnswer, type Answer } from './answers.ts';
import { classify, type AwsCall, type RequestParts } from './classify.ts';
import { Faults, NO_FAULTS, parseFaults } from './faults.ts';
import { AccountLimits, AWS_DOCUMENTED_LIMITS, validateRules, type LimitRule } from './limits.ts';

export const ADMIN_PREFIX = '/__aws-limits';

export type CallCounts = Record<string, number>;

export interface Counts {
  /** when counting (re)started, ISO 8601 */
  since: string;
  /** every AWS call received, answered or not */
  calls: CallCounts;
  /** calls that reached moto */
  forwarded: CallCounts;
  /** calls answered with a throttling error because a documented bucket was empty */
  throttled: CallCounts;
  /** calls answered with an injected fault (throttling or 5xx) */
  injected: CallCounts;
}

export interface LayerContext {
  call: AwsCall | undefined;
  req: RequestParts;
  res: ServerResponse;
}

/** A behaviour in front of the limits: returns true when it has answered (or dropped) the request itself. */
export interface ProxyLayer {
  name: string;
  handle(ctx: LayerContext): Promise<boolean>;
  /** its own admin routes under /__aws-limits/<name>/...; undefined when the path is not its */
  admin?(method: string, subpath: string, body: unknown): Promise<unknown>;
}

export interface ProxyOptions {
  upstream: string;
  rules?: readonly LimitRule[];
  enforce?: boolean;
  layers?: ProxyLayer[];
}

function emptyCounts(): Counts {
  return { since: new Date().toISOString(), calls: {}, forwarded: {}, throttled: {}, injected: {} };
}

function bump(c: CallCounts, key: string): void {
  c[key] = (c[key] ?? 0) + 1;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, a: Answer): void {
  res.writeHead(a.status, { ...a.headers, 'content-length': Buffer.byteLength(a.body) });
  res.end(a.body);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value, null, 2) + '\n' });
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export class AwsLimitsProxy {
  private server: Server | undefined;
  private readonly upstream: URL;
  readonly limits: AccountLimits;
  readonly faults = new Faults();
  enforce: boolean;
  /** Route 53: a change to a hosted zone while another to it is still in flight is refused, as AWS does. */
  priorRequestNotComplete = true;
  private readonly layers: ProxyLayer[];
  private total = emptyCounts();
  private byAccount = new Map<string, Counts>();
  private readonly zoneChangesInFlight = new Map<string, number>();

  constructor(opts: ProxyOptions) {
    this.upstream = new URL(opts.upstream);
    this.limits = new AccountLimits(opts.rules ?? AWS_DOCUMENTED_LIMITS);
    this.enforce = opts.enforce ?? true;
    this.layers = opts.layers ?? [];
  }

  get url(): string {
    const addr = this.server?.address() as AddressInfo | null | undefined;
    if (!addr) throw new Error('aws limits proxy: not started');
    return `http://127.0.0.1:${addr.port}`;
  }

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) json(res, e instanceof HttpError ? e.status : 500, { error: e instanceof Error ? e.message : String(e) });
        else res.destroy();
      });
    });
    // Clients keep connections alive; moto answers quickly, so no request waits on a slow socket.
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  counts(account?: string): Counts {
    return structuredClone(account === undefined ? this.total : (this.byAccount.get(account) ?? emptyCounts()));
  }

  resetCounts(): Counts {
    const before = this.counts();
    this.total = emptyCounts();
    this.byAccount = new Map();
    return before;
  }

  private count(call: AwsCall, what: Exclude<keyof Counts, 'since'>): void {
    const key = `${call.service}.${call.operation}`;
    bump(this.total[what], key);
    let acc = this.byAccount.get(call.account);
    if (!acc) {
      acc = emptyCounts();
      acc.since = this.total.since;
      this.byAccount.set(call.account, acc);
    }
    bump(acc[what], key);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = req.url ?? '/';
    if (url === ADMIN_PREFIX || url.startsWith(`${ADMIN_PREFIX}/`)) return this.admin(req.method ?? 'GET', url.slice(ADMIN_PREFIX.length), body, res);
    const parts: RequestParts = { method: req.method ?? 'GET', url, headers: req.headers, body };
    const call = classify(parts);
    if (call) this.count(call, 'calls');
    for (const layer of this.layers) if (await layer.handle({ call, req: parts, res })) return;
    if (!call) return this.forward(parts, res);

    const fault = this.faults.decide(call);
    if (fault && !fault.afterForward) {
      this.count(call, 'injected');
      return send(res, errorAnswer(call, fault.kind));
    }
    if (this.enforce && this.limits.take(call)) {
      this.count(call, 'throttled');
      return send(res, errorAnswer(call, 'throttling'));
    }
    const zoneKey = call.operation === 'ChangeResourceRecordSets' && call.hostedZoneId ? `${call.account}|${call.hostedZoneId}` : undefined;
    if (zoneKey && this.enforce && this.priorRequestNotComplete && (this.zoneChangesInFlight.get(zoneKey) ?? 0) > 0) {
      this.count(call, 'throttled');
      return send(res, errorAnswer(call, 'prior-request-not-complete'));
    }
    if (zoneKey) this.zoneChangesInFlight.set(zoneKey, (this.zoneChangesInFlight.get(zoneKey) ?? 0) + 1);
    this.count(call, 'forwarded');
    try {
      if (fault?.afterForward) {
        await this.forwardAndDiscard(parts);
        this.count(call, 'injected');
        return send(res, errorAnswer(call, fault.kind));
      }
      await this.forward(parts, res);
    } finally {
      if (zoneKey) {
        const n = (this.zoneChangesInFlight.get(zoneKey) ?? 1) - 1;
        if (n > 0) this.zoneChangesInFlight.set(zoneKey, n);
        else this.zoneChangesInFlight.delete(zoneKey);
      }
    }
  }

  private upstreamRequest(parts: RequestParts, onResponse: (up: IncomingMessage) => void, onError: (e: Error) => void): void {
    const up = request(
      { host: this.upstream.hostname, port: this.upstream.port, method: parts.method, path: parts.url, headers: parts.headers },
      onResponse,
    );
    up.on('error', onError);
    up.end(parts.body);
  }

  /** Resolves once the upstream answer has been relayed in full. */
  private forward(parts: RequestParts, res: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      this.upstreamRequest(
        parts,
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          up.on('end', resolve);
          up.on('error', () => resolve());
        },
        (err) => {
          if (!res.headersSent) json(res, 502, { error: `moto unreachable: ${err.message}` });
          else res.destroy();
          resolve();
        },
      );
    });
  }

  private forwardAndDiscard(parts: RequestParts): Promise<void> {
    return new Promise((resolve) => {
      this.upstreamRequest(
        parts,
        (up) => {
          up.resume();
          up.on('end', resolve);
          up.on('error', () => resolve());
        },
        () => resolve(),
      );
    });
  }

  private async admin(method: string, path: string, raw: Buffer, res: ServerResponse): Promise<void> {
    const [route = '/', query = ''] = path.split('?', 2);
    const parse = (): unknown => {
      if (raw.length === 0) return {};
      try {
        return JSON.parse(raw.toString('utf8'));
      } catch {
        throw new HttpError(400, 'the request body is not JSON');
      }
    };
    const bad = (fn: () => void): void => {
      try {
        fn();
      } catch (e) {
        throw e instanceof HttpError ? e : new HttpError(400, (e as Error).message);
      }
    };
    const key = `${method} ${route}`;
    switch (key) {
      case 'GET /health':
        return json(res, 200, { ok: true, upstream: this.upstream.origin });
      case 'GET /counts':
        return json(res, 200, this.counts(new URLSearchParams(query).get('account') ?? undefined));
      case 'POST /counts/reset':
        return json(res, 200, this.resetCounts());
      case 'GET /faults':
        return json(res, 200, this.faults.config);
      case 'PUT /faults':
        bad(() => this.faults.set(parseFaults(parse(), this.faults.config)));
        return json(res, 200, this.faults.config);
      case 'DELETE /faults':
        this.faults.set(NO_FAULTS);
        return json(res, 200, this.faults.config);
      case 'GET /limits':
        return json(res, 200, this.limitsView());
      case 'PUT /limits': {
        const o = parse() as Record<string, unknown>;
        bad(() => {
          for (const k of Object.keys(o)) if (!['enforce', 'priorRequestNotComplete', 'rules'].includes(k)) throw new Error(`limits: unknown field "${k}"`);
          if (o['enforce'] !== undefined && typeof o['enforce'] !== 'boolean') throw new Error('limits: enforce must be true or false');
          if (o['priorRequestNotComplete'] !== undefined && typeof o['priorRequestNotComplete'] !== 'boolean') throw new Error('limits: priorRequestNotComplete must be true or false');
          const rules = o['rules'] === undefined ? undefined : validateRules(o['rules']);
          if (typeof o['enforce'] === 'boolean') this.enforce = o['enforce'];
          if (typeof o['priorRequestNotComplete'] === 'boolean') this.priorRequestNotComplete = o['priorRequestNotComplete'];
          if (rules) this.limits.setRules(rules);
        });
        return json(res, 200, this.limitsView());
      }
    }
    const [, name = '', ...rest] = route.split('/');
    const layer = this.layers.find((l) => l.name === name);
    if (layer?.admin) {
      let out: unknown;
      try {
        out = await layer.admin(method, `/${rest.join('/')}`, parse());
      } catch (e) {
        throw e instanceof HttpError ? e : new HttpError(400, (e as Error).message);
      }
      if (out !== undefined) return json(res, 200, out);
    }
    throw new HttpError(404, `no admin route ${key} (see test/env/aws-limits/proxy.ts)`);
  }

  private limitsView(): { enforce: boolean; priorRequestNotComplete: boolean; rules: LimitRule[] } {
    return { enforce: this.enforce, priorRequestNotComplete: this.priorRequestNotComplete, rules: this.limits.getRules() };
  }
}
