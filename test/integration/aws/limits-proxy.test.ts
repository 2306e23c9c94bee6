// The AWS limits proxy the environment puts in front of moto (AWS_ENDPOINT_URL): over AWS's
// documented per-account limits a call gets the protocol's own throttling answer, exactly as the
// SDK sees it from AWS; every call is counted by service.Operation; faults can be injected for one
// access key. Each test uses an access key of its own, so its buckets and counts are its own.
import { describe, expect, it, afterEach } from '@jest/globals';
import { DescribeLoadBalancersCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient, ListServerCertificatesCommand } from '@aws-sdk/client-iam';
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, ListHostedZonesCommand, Route53Client } from '@aws-sdk/client-route-53';
import { limitsProxy, limitsProxyUrl } from '../../env/aws-limits/client.ts';
import { uniqueName } from '../support/index.ts';

interface Outcome {
  ok: boolean;
  code?: string;
  status?: number;
  message?: string;
}

async function outcomes(n: number, fn: () => Promise<unknown>): Promise<Outcome[]> {
  const settled = await Promise.allSettled(Array.from({ length: n }, fn));
  return settled.map((s) => {
    if (s.status === 'fulfilled') return { ok: true };
    const e = s.reason as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    return { ok: false, code: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  });
}

/** Clients through the proxy with a fresh access key (its own account) and no SDK retries. */
function clientsFor(accessKeyId: string, maxAttempts = 1): { elbv2: ElasticLoadBalancingV2Client; iam: IAMClient; route53: Route53Client } {
  const cfg = { endpoint: limitsProxyUrl(), region: 'us-east-1', maxAttempts, credentials: { accessKeyId, secretAccessKey: 'testing' } };
  return { elbv2: new ElasticLoadBalancingV2Client(cfg), iam: new IAMClient(cfg), route53: new Route53Client(cfg) };
}

describe('the AWS limits proxy', () => {
  afterEach(async () => {
    await limitsProxy.clearFaults();
  });

  it('is what the environment exports as the AWS endpoint, with moto itself beside it', () => {
    expect(process.env['AWS_ENDPOINT_URL']).toBe(limitsProxyUrl());
    expect(process.env['MOTO_ENDPOINT_URL']).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(process.env['MOTO_ENDPOINT_URL']).not.toBe(limitsProxyUrl());
  });

  it('throttles ELBv2 Describe* past its bucket of 40 with the query protocol\'s Throttling error, and counts every call', async () => {
    const key = uniqueName('lp-elb');
    const { elbv2 } = clientsFor(key);
    // 200 at once: at 10 tokens/s refill, far more than the bucket and what refills while they are sent.
    const got = await outcomes(200, () => elbv2.send(new DescribeLoadBalancersCommand({})));
    const ok = got.filter((o) => o.ok).length;
    const throttled = got.filter((o) => !o.ok);
    expect(ok).toBeGreaterThanOrEqual(40);
    expect(throttled.length).toBeGreaterThan(0);
    for (const t of throttled) expect(t).toEqual({ ok: false, code: 'Throttling', status: 400, message: 'Rate exceeded' });

    const counts = await limitsProxy.counts(key);
    expect(counts.calls).toEqual({ 'elbv2.DescribeLoadBalancers': 200 });
    expect(counts.forwarded).toEqual({ 'elbv2.DescribeLoadBalancers': ok });
    expect(counts.throttled).toEqual({ 'elbv2.DescribeLoadBalancers': throttled.length });
  });

  it('keeps each account\'s buckets apart: another access key is not throttled by the first one\'s burst', async () => {
    const a = clientsFor(uniqueName('lp-a')).elbv2;
    const b = clientsFor(uniqueName('lp-b')).elbv2;
    const burst = await outcomes(200, () => a.send(new DescribeTargetGroupsCommand({})));
    expect(burst.some((o) => !o.ok)).toBe(true);
    const other = await outcomes(20, () => b.send(new DescribeTargetGroupsCommand({})));
    expect(other.every((o) => o.ok)).toBe(true);
  });

  it('throttles IAM with Throttling and Route 53 (5 requests/s per account) with its REST XML Throttling', async () => {
    const { iam, route53 } = clientsFor(uniqueName('lp-global'));
    const iamGot = await outcomes(200, () => iam.send(new ListServerCertificatesCommand({})));
    expect(iamGot.filter((o) => !o.ok).length).toBeGreaterThan(0);
    for (const t of iamGot.filter((o) => !o.ok)) expect(t).toEqual({ ok: false, code: 'Throttling', status: 400, message: 'Rate exceeded' });

    const r53 = await outcomes(60, () => route53.send(new ListHostedZonesCommand({})));
    expect(r53.filter((o) => o.ok).length).toBeGreaterThanOrEqual(5);
    expect(r53.filter((o) => !o.ok).length).toBeGreaterThan(0);
    for (const t of r53.filter((o) => !o.ok)) expect(t).toEqual({ ok: false, code: 'Throttling', status: 400, message: 'Rate exceeded' });
  });

  it('refuses a Route 53 change while another to the same hosted zone is in flight: PriorRequestNotComplete', async () => {
    const key = uniqueName('lp-zone');
    // Retries on, as the SDK has them by default: the zone is created through the throttle.
    const { route53 } = clientsFor(key, 10);
    const zone = await route53.send(new CreateHostedZoneCommand({ Name: `${key}.example.com`, CallerReference: key }));
    const zoneId = zone.HostedZone!.Id!.split('/').pop()!;
    const once = clientsFor(key).route53;
    // Three changes at once (within the 5-token bucket): the later ones arrive while the first is being processed.
    const got = await outcomes(3, () =>
      once.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: `${uniqueName('r')}.${key}.example.com`, Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: 'target.example.com' }] } }] },
        }),
      ),
    );
    expect(got.filter((o) => o.ok).length).toBeGreaterThanOrEqual(1);
    const refused = got.filter((o) => !o.ok);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const r of refused) expect(r).toEqual({ ok: false, code: 'PriorRequestNotComplete', status: 400, message: 'The request was rejected because Route 53 was still processing a prior request.' });
  });

  it('injects throttling and 5xx for one access key at the set shares, configurable at run time', async () => {
    const key = uniqueName('lp-faults');
    const { elbv2 } = clientsFor(key);
    await limitsProxy.setFaults({ throttlePercent: 30, serverErrorPercent: 10, accounts: [key], seed: 7 });
    // Sequential and within the bucket's refill, so every refusal is an injected one.
    const got: Outcome[] = [];
    for (let i = 0; i < 30; i++) got.push(...(await outcomes(1, () => elbv2.send(new DescribeTargetGroupsCommand({})))));
    const counts = await limitsProxy.counts(key);
    expect(counts.throttled).toEqual({});
    const throttled = got.filter((o) => o.code === 'Throttling');
    const internal = got.filter((o) => o.code === 'InternalFailure');
    expect(throttled.length + internal.length).toBe(counts.injected['elbv2.DescribeTargetGroups']);
    expect(throttled.length).toBeGreaterThan(0);
    expect(internal.length).toBeGreaterThan(0);
    for (const t of internal) expect(t.status).toBe(500);
    expect(got.filter((o) => o.ok).length).toBe(counts.forwarded['elbv2.DescribeTargetGroups']);

    // Faults off: everything goes through again.
    await limitsProxy.clearFaults();
    expect((await outcomes(5, () => elbv2.send(new DescribeTargetGroupsCommand({})))).every((o) => o.ok)).toBe(true);
  });

  it('refuses a bad fault config naming the field', async () => {
    await expect(limitsProxy.setFaults({ throttlePercent: 130 })).rejects.toThrow(/throttlePercent must be a number from 0 to 100/);
    await expect(limitsProxy.setFaults({ nonsense: 1 } as never)).rejects.toThrow(/unknown field "nonsense"/);
  });

  it('with the SDK\'s own retries, a burst gets through the throttle in the end', async () => {
    const key = uniqueName('lp-retry');
    const { elbv2 } = clientsFor(key, 10);
    const got = await outcomes(50, () => elbv2.send(new DescribeLoadBalancersCommand({})));
    expect(got.every((o) => o.ok)).toBe(true);
    const counts = await limitsProxy.counts(key);
    expect(counts.forwarded).toEqual({ 'elbv2.DescribeLoadBalancers': 50 });
    expect(counts.calls['elbv2.DescribeLoadBalancers']).toBeGreaterThan(50);
  });
});
