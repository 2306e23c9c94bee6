// Network faults as a layer around any HTTP request handler (the AWS fault proxy in front of moto):
// connection resets and slow answers, the failures that answer no AWS error at all.
//   reset before: the socket is destroyed before the request goes upstream (nothing happened);
//   reset after:  the request goes upstream and AWS does the work, but the socket is destroyed
//                 instead of sending the answer (the client never learns it succeeded);
//   slow:         the request waits `slowMs` before it goes upstream (a client timeout may fire).
// Which fault a request gets is drawn from a seeded random source, so a run can be repeated.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { between, type Rand } from '../support/rng.ts';

export interface NetworkFaultRates {
  /** Percent of requests whose connection is reset (half before, half after forwarding). */
  resetPercent: number;
  /** Percent of requests answered slowly. */
  slowPercent: number;
  /** The delay of a slow answer, drawn uniformly from [min, max] milliseconds. */
  slowMs: readonly [number, number];
}

export const NO_NETWORK_FAULTS: NetworkFaultRates = { resetPercent: 0, slowPercent: 0, slowMs: [0, 0] };

export type NetworkFault = { kind: 'none' } | { kind: 'reset'; when: 'before' | 'after' } | { kind: 'slow'; ms: number };

/** Draws the fault for one request. Pure: the same random source gives the same faults. */
export function pickNetworkFault(rates: NetworkFaultRates, rand: Rand): NetworkFault {
  const r = rand() * 100;
  if (r < rates.resetPercent) return { kind: 'reset', when: rand() < 0.5 ? 'before' : 'after' };
  if (r < rates.resetPercent + rates.slowPercent) return { kind: 'slow', ms: between(rand, rates.slowMs[0], rates.slowMs[1]) };
  return { kind: 'none' };
}

export interface NetworkFaultCounts {
  resetBefore: number;
  resetAfter: number;
  slow: number;
}

/** Destroys the socket at the first byte of the answer instead of sending it. */
function resetOnAnswer(req: IncomingMessage, res: ServerResponse): void {
  const cut = (): boolean => {
    req.socket.destroy();
    return false;
  };
  res.writeHead = (() => (cut(), res)) as typeof res.writeHead;
  res.write = cut as typeof res.write;
  res.end = (() => (cut(), res)) as typeof res.end;
}

/**
 * Wraps `handler` so each request may get a network fault first. `rates()` is read per request, so
 * a campaign can turn faults on and off while the proxy runs; `counts` tallies what was injected.
 */
export function withNetworkFaults(handler: RequestListener, rates: () => NetworkFaultRates, rand: Rand, counts: NetworkFaultCounts = { resetBefore: 0, resetAfter: 0, slow: 0 }): RequestListener {
  return (req, res) => {
    const fault = pickNetworkFault(rates(), rand);
    switch (fault.kind) {
      case 'none':
        return handler(req, res);
      case 'reset':
        if (fault.when === 'before') {
          counts.resetBefore++;
          req.socket.destroy();
          return;
        }
        counts.resetAfter++;
        resetOnAnswer(req, res);
        return handler(req, res);
      case 'slow': {
        counts.slow++;
        const timer = setTimeout(() => handler(req, res), fault.ms);
        // A client that gave up meanwhile gets nothing forwarded on its behalf.
        res.once('close', () => clearTimeout(timer));
        return;
      }
    }
  };
}
