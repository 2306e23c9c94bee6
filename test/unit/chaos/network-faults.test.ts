// The limits proxy's network faults layer: resets and slow answers at the configured rates, only
// for the configured accounts; a reset after forwarding lets moto do the work and answers nothing.
import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NetworkFaultsLayer, parseNetworkFaults, pickNetworkFault } from '../../env/aws-limits/network-faults.ts';
import { AwsLimitsProxy } from '../../env/aws-limits/proxy.ts';
import { seededRandom } from '../../support/rng.ts';

describe('pickNetworkFault', () => {
  it('draws resets (half before, half after) and slow answers at the given rates, delays inside the range', () => {
    const rand = seededRandom(1);
    const faults = Array.from({ length: 20_000 }, () => pickNetworkFault({ resetPercent: 10, slowPercent: 5, slowMs: [5000, 20_000] }, rand));
    const share = (kind: string) => faults.filter((f) => f.kind === kind).length / faults.length;
    expect(share('reset')).toBeCloseTo(0.1, 1);
    expect(share('slow')).toBeCloseTo(0.05, 1);
    const resets = faults.filter((f) => f.kind === 'reset');
    expect(resets.filter((f) => f.when === 'after').length / resets.length).toBeCloseTo(0.5, 1);
    for (const f of faults) if (f.kind === 'slow') expect(f.ms >= 5000 && f.ms <= 20_000).toBe(true);
  });
});

describe('parseNetworkFaults', () => {
  it.each([
    [{ resetPercent: 101 }, 'network: resetPercent must be a number from 0 to 100'],
    [{ resetPercent: 60, slowPercent: 50 }, 'network: resetPercent + slowPercent must not exceed 100'],
    [{ slowMs: [20, 10] }, 'network: slowMs must be [min, max] milliseconds, 0 <= min <= max <= 600000'],
    [{ slow: 1 }, 'network: unknown field "slow" (known: resetPercent, slowPercent, slowMs, accounts, seed)'],
  ])('%j: %s', (value, message) => {
    expect(() => parseNetworkFaults(value)).toThrow(message);
  });
});

describe('the layer in the limits proxy', () => {
  let upstream: Server | undefined;
  let proxy: AwsLimitsProxy | undefined;
  let upstreamCalls = 0;
  afterEach(async () => {
    await proxy?.stop();
    upstream?.closeAllConnections();
    await new Promise((r) => (upstream ? upstream.close(r) : r(undefined)));
  });

  async function start(layer: NetworkFaultsLayer): Promise<string> {
    upstreamCalls = 0;
    upstream = createServer((req, res) => {
      upstreamCalls++;
      req.resume();
      res.end('<DescribeLoadBalancersResponse/>');
    });
    await new Promise<void>((r) => upstream!.listen(0, '127.0.0.1', r));
    proxy = new AwsLimitsProxy({ upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, enforce: false, layers: [layer] });
    await proxy.start();
    return proxy.url;
  }

  /** An ELBv2 call as the SDK signs it (only the credential scope and the action matter). */
  const describe = (url: string, account: string): Promise<string> =>
    new Promise((resolve) => {
      const u = new URL(url);
      const req = request(
        { host: u.hostname, port: u.port, path: '/', method: 'POST', agent: false, headers: { authorization: `AWS4-HMAC-SHA256 Credential=${account}/20260101/us-east-1/elasticloadbalancing/aws4_request, SignedHeaders=host, Signature=x`, 'content-type': 'application/x-www-form-urlencoded' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.statusCode)));
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      req.end('Action=DescribeLoadBalancers&Version=2015-12-01');
    });

  it('resets every call of the faulted account, after moto did the work for about half of them; other accounts pass', async () => {
    const layer = new NetworkFaultsLayer();
    const url = await start(layer);
    await layer.admin('PUT', '/', { resetPercent: 100, accounts: ['chaos'], seed: 3 });
    const answers = await Promise.all(Array.from({ length: 20 }, () => describe(url, 'chaos')));
    expect(answers.every((a) => a === 'ECONNRESET')).toBe(true);
    expect(layer.counts.resetBefore + layer.counts.resetAfter).toBe(20);
    expect(layer.counts.resetAfter).toBeGreaterThan(0);
    expect(upstreamCalls).toBe(layer.counts.resetAfter);
    expect(await describe(url, 'someone-else')).toBe('200');
  });

  it('is reachable on the admin API and answers normally once cleared', async () => {
    const layer = new NetworkFaultsLayer();
    const url = await start(layer);
    const put = await fetch(`${url}/__aws-limits/network`, { method: 'PUT', body: JSON.stringify({ resetPercent: 100 }) });
    expect(((await put.json()) as { config: { resetPercent: number } }).config.resetPercent).toBe(100);
    expect(await describe(url, 'a')).toBe('ECONNRESET');
    const bad = await fetch(`${url}/__aws-limits/network`, { method: 'PUT', body: JSON.stringify({ slowPercent: -1 }) });
    expect([bad.status, ((await bad.json()) as { error: string }).error]).toEqual([400, 'network: slowPercent must be a number from 0 to 100']);
    await fetch(`${url}/__aws-limits/network`, { method: 'DELETE' });
    expect(await describe(url, 'a')).toBe('200');
  });
});
