import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, request, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pickNetworkFault, withNetworkFaults, type NetworkFaultRates } from '../../env/network-faults.ts';
import { seededRandom } from '../../support/rng.ts';

const RATES: NetworkFaultRates = { resetPercent: 10, slowPercent: 5, slowMs: [5000, 20_000] };

describe('pickNetworkFault', () => {
  it('draws resets and slow answers at the given rates, slow delays inside the range', () => {
    const rand = seededRandom(1);
    const faults = Array.from({ length: 20_000 }, () => pickNetworkFault(RATES, rand));
    const share = (kind: string) => faults.filter((f) => f.kind === kind).length / faults.length;
    expect(share('reset')).toBeCloseTo(0.1, 1);
    expect(share('slow')).toBeCloseTo(0.05, 1);
    const resets = faults.filter((f) => f.kind === 'reset');
    expect(resets.filter((f) => f.when === 'after').length / resets.length).toBeCloseTo(0.5, 1);
    for (const f of faults) if (f.kind === 'slow') expect(f.ms >= 5000 && f.ms <= 20_000).toBe(true);
  });

  it('injects nothing when the rates are zero', () => {
    const rand = seededRandom(2);
    const none = { resetPercent: 0, slowPercent: 0, slowMs: [0, 0] as const };
    expect(Array.from({ length: 1000 }, () => pickNetworkFault(none, rand).kind).every((k) => k === 'none')).toBe(true);
  });
});

describe('withNetworkFaults', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
  });

  async function serve(listener: RequestListener): Promise<number> {
    server = createServer(listener);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  }

  const get = (port: number): Promise<string> =>
    new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      });
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      req.end();
    });

  it('a reset after forwarding lets the handler do the work, and the client gets no answer', async () => {
    let handled = 0;
    const counts = { resetBefore: 0, resetAfter: 0, slow: 0 };
    // Resets only; the draw alternates before/after across requests.
    const port = await serve(withNetworkFaults((_req, res) => void (handled++, res.end('ok')), () => ({ resetPercent: 100, slowPercent: 0, slowMs: [0, 0] }), seededRandom(3), counts));
    const answers = await Promise.all(Array.from({ length: 20 }, () => get(port)));
    expect(answers.every((a) => a === 'ECONNRESET')).toBe(true);
    expect(counts.resetBefore + counts.resetAfter).toBe(20);
    expect(counts.resetAfter).toBeGreaterThan(0);
    expect(handled).toBe(counts.resetAfter);
  });

  it('passes requests through unchanged without faults', async () => {
    const port = await serve(withNetworkFaults((_req, res) => void res.end('ok'), () => ({ resetPercent: 0, slowPercent: 0, slowMs: [0, 0] }), seededRandom(4)));
    expect(await get(port)).toBe('200 ok');
  });
});
