// A loopback HTTP proxy in front of moto for the DnsAlias controller's Route 53 client: it records
// every request (so a test can count ChangeResourceRecordSets calls per hosted zone) and can answer
// some of them with a Route 53 error instead of forwarding (throttling fault injection). The test's
// own assertions use a client that talks to moto directly.
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  /** e.g. ChangeResourceRecordSets, ListResourceRecordSets, ListHostedZonesByName, GetHostedZone */
  operation: string;
  zoneId?: string;
  body: string;
  /** true when the proxy answered with an injected error */
  injected: boolean;
  at: number;
}

export interface Fault {
  operation: string;
  zoneId?: string;
  /** how many matching calls to fail */
  times: number;
  code: string;
  status: number;
}

function operationOf(method: string, path: string): { operation: string; zoneId?: string } {
  const rrset = /\/hostedzone\/([^/]+)\/rrset\/?$/.exec(path);
  if (rrset) return { operation: method === 'POST' ? 'ChangeResourceRecordSets' : 'ListResourceRecordSets', zoneId: rrset[1]! };
  if (/\/hostedzonesbyname/.test(path)) return { operation: 'ListHostedZonesByName' };
  const zone = /\/hostedzone\/([^/]+)$/.exec(path);
  if (zone && method === 'GET') return { operation: 'GetHostedZone', zoneId: zone[1]! };
  return { operation: `${method} ${path}` };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export class Route53Proxy {
  readonly calls: RecordedCall[] = [];
  private readonly faults: Fault[] = [];
  private server: Server | undefined;
  url = '';

  async start(upstream: string): Promise<void> {
    const target = new URL(upstream);
    this.server = createServer((req, res) => {
      void (async () => {
        const body = await readBody(req);
        const path = (req.url ?? '/').split('?')[0]!;
        const { operation, zoneId } = operationOf(req.method ?? 'GET', path);
        const fault = this.faults.find((f) => f.times > 0 && f.operation === operation && (!f.zoneId || f.zoneId === zoneId));
        this.calls.push({ method: req.method ?? 'GET', operation, ...(zoneId ? { zoneId } : {}), body: body.toString('utf8'), injected: !!fault, at: Date.now() });
        if (fault) {
          fault.times--;
          res.writeHead(fault.status, { 'content-type': 'text/xml', 'x-amzn-requestid': 'injected' });
          res.end(
            `<?xml version="1.0"?>\n<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>Sender</Type><Code>${fault.code}</Code><Message>injected by the test proxy</Message></Error><RequestId>injected</RequestId></ErrorResponse>`,
          );
          return;
        }
        const up = request(
          { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
          (upRes) => {
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            upRes.pipe(res);
          },
        );
        up.on('error', (err) => {
          res.writeHead(502);
          res.end(String(err));
        });
        up.end(body);
      })();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  inject(fault: Fault): void {
    this.faults.push(fault);
  }

  /** Calls of one operation (optionally for one zone) recorded since `since` (a Date.now() value). */
  count(operation: string, zoneId?: string, since = 0): number {
    return this.calls.filter((c) => c.operation === operation && (!zoneId || c.zoneId === zoneId) && c.at >= since).length;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
