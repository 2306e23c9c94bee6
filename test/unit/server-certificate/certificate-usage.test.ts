// The listener scan behind "delete the old certificate only once unused": what it finds (default and
// SNI certificates) and how one scan is shared (concurrent callers, a short TTL, `takenAfter`).
import { describe, expect, it } from '@jest/globals';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SdkCertificateUsage } from '../../../src/aws/certificate-usage.ts';

/** An ELB account: load balancer -> listeners (protocol, default cert, SNI certs). */
function fakeElb(lbs: Record<string, Array<{ arn: string; protocol: string; defaultCert?: string; sni?: string[] }>>) {
  const calls: string[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const op = command.constructor.name.replace(/Command$/, '');
      calls.push(op);
      await new Promise((r) => setTimeout(r, 5));
      if (op === 'DescribeLoadBalancers') return { LoadBalancers: Object.keys(lbs).map((LoadBalancerArn) => ({ LoadBalancerArn })) };
      if (op === 'DescribeListeners') {
        return {
          Listeners: (lbs[command.input.LoadBalancerArn as string] ?? []).map((l) => ({
            ListenerArn: l.arn,
            Protocol: l.protocol,
            Certificates: l.defaultCert ? [{ CertificateArn: l.defaultCert }] : [],
          })),
        };
      }
      if (op === 'DescribeListenerCertificates') {
        const l = Object.values(lbs).flat().find((x) => x.arn === command.input.ListenerArn);
        return { Certificates: (l?.sni ?? []).map((CertificateArn) => ({ CertificateArn })) };
      }
      throw new Error(`unexpected ${op}`);
    },
  };
  return { client: client as unknown as ElasticLoadBalancingV2Client, calls };
}

describe('SdkCertificateUsage', () => {
  it('finds default and SNI certificates of HTTPS listeners, and skips HTTP listeners', async () => {
    const { client, calls } = fakeElb({
      'lb/1': [{ arn: 'l/1', protocol: 'HTTPS', defaultCert: 'cert/a', sni: ['cert/b'] }, { arn: 'l/2', protocol: 'HTTP' }],
      'lb/2': [{ arn: 'l/3', protocol: 'HTTPS', defaultCert: 'cert/b' }],
    });
    const usage = new SdkCertificateUsage({ snapshotTtlMs: 10_000 }, client);
    const found = await usage.listenersUsing(['cert/a', 'cert/b', 'cert/c']);
    expect(Object.fromEntries(found)).toEqual({ 'cert/a': ['l/1'], 'cert/b': ['l/1', 'l/3'], 'cert/c': [] });
    expect(calls.filter((c) => c === 'DescribeListenerCertificates')).toHaveLength(2); // not for the HTTP listener
  });

  it('shares one scan between concurrent callers and reuses it within the TTL', async () => {
    const { client, calls } = fakeElb({ 'lb/1': [{ arn: 'l/1', protocol: 'HTTPS', defaultCert: 'cert/a' }] });
    const root = new SdkCertificateUsage({ snapshotTtlMs: 10_000 }, client);
    const a = root.withSignal(new AbortController().signal);
    const b = root.withSignal(new AbortController().signal);
    await Promise.all([a.listenersUsing(['cert/a']), b.listenersUsing(['cert/a'])]);
    await a.listenersUsing(['cert/a']);
    expect(calls.filter((c) => c === 'DescribeLoadBalancers')).toHaveLength(1);
  });

  it('scans again when the caller needs a scan newer than the one it has (takenAfter)', async () => {
    const { client, calls } = fakeElb({ 'lb/1': [{ arn: 'l/1', protocol: 'HTTPS', defaultCert: 'cert/a' }] });
    const usage = new SdkCertificateUsage({ snapshotTtlMs: 60_000 }, client);
    await usage.listenersUsing(['cert/a']);
    await usage.listenersUsing(['cert/a'], { takenAfter: new Date(Date.now() + 1) });
    expect(calls.filter((c) => c === 'DescribeLoadBalancers')).toHaveLength(2);
  });

  it('a caller whose reconcile is aborted stops waiting', async () => {
    const { client } = fakeElb({ 'lb/1': [{ arn: 'l/1', protocol: 'HTTPS', defaultCert: 'cert/a' }] });
    const controller = new AbortController();
    const waiting = new SdkCertificateUsage({ snapshotTtlMs: 0 }, client).withSignal(controller.signal).listenersUsing(['cert/a']);
    controller.abort(new Error('lost leadership'));
    await expect(waiting).rejects.toThrow('lost leadership');
  });
});
