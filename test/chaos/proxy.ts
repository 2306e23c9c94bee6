// The fault proxy the campaign puts in front of moto for the controller's AWS traffic: AWS errors
// (throttling, 5xx) and the network faults of test/env/network-faults.ts (resets, slow answers).
// The campaign's own reads go to moto directly.
import { createServer, request, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NO_NETWORK_FAULTS, withNetworkFaults, type NetworkFaultCounts, type NetworkFaultRates } from '../env/network-faults.ts';
import type { Rand } from '../support/rng.ts';

export interface FaultRates extends NetworkFaultRates {
  throttlePercent: number;
  serverErrorPercent: number;
}

export const NO_FAULTS: FaultRates = { ...NO_NETWORK_FAULTS, throttlePercent: 0, serverErrorPercent: 0 };

export interface FaultCounts extends NetworkFaultCounts {
  requests: number;
  throttled: number;
  serverErrors: number;
}

/** The error document the query (ELBv2, IAM) and REST-XML (Route 53) protocols both parse. */
function awsError(status: number, code: string): string {
  return `<?xml version="1.0"?>\n<ErrorResponse><Error><Type>${status < 500 ? 'Sender' : 'Receiver'}</Type><Code>${code}</Code><Message>injected by the chaos proxy</Message></Error><RequestId>chaos</RequestId></ErrorResponse>`;
}

function forwardTo(upstream: URL): RequestListener {
  return (req, res) => {
    const up = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  };
}

export class FaultProxy {
  rates: FaultRates = NO_FAULTS;
  readonly counts: FaultCounts = { requests: 0, throttled: 0, serverErrors: 0, resetBefore: 0, resetAfter: 0, slow: 0 };
  private server: Server | undefined;
  url = '';

  private readonly rand: Rand;

  constructor(rand: Rand) {
    this.rand = rand;
  }

  async start(upstream: string): Promise<void> {
    const forward = forwardTo(new URL(upstream));
    const awsFaults: RequestListener = (req, res) => {
      this.counts.requests++;
      const r = this.rand() * 100;
      if (r < this.rates.throttlePercent) {
        this.counts.throttled++;
        req.resume();
        res.writeHead(400, { 'content-type': 'text/xml' }).end(awsError(400, 'Throttling'));
        return;
      }
      if (r < this.rates.throttlePercent + this.rates.serverErrorPercent) {
        this.counts.serverErrors++;
        req.resume();
        res.writeHead(503, { 'content-type': 'text/xml' }).end(awsError(503, 'ServiceUnavailable'));
        return;
      }
      forward(req, res);
    };
    this.server = createServer(withNetworkFaults(awsFaults, () => this.rates, this.rand, this.counts));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
