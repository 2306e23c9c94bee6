// The limits proxy's Route 53 layer: AWS's per-request limits on ChangeResourceRecordSets and
// refusals of named records on demand, answered as InvalidChangeBatch the SDK parses as AWS's.
import { afterEach, describe, expect, it } from '@jest/globals';
import { ChangeResourceRecordSetsCommand, Route53Client, type Change } from '@aws-sdk/client-route-53';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsLimitsProxy } from '../../env/aws-limits/proxy.ts';
import { overLimit, parseChanges, parseRefusals, Route53ChangesLayer } from '../../env/aws-limits/route53-changes.ts';

const change = (action: 'CREATE' | 'UPSERT' | 'DELETE', name: string, value: string): Change => ({
  Action: action,
  ResourceRecordSet: { Name: name, Type: 'TXT', TTL: 60, ResourceRecords: [{ Value: value }] },
});

describe('parseChanges and overLimit', () => {
  it('reads action, name and values, unescaping XML', () => {
    const xml =
      '<ChangeBatch><Changes><Change><Action>UPSERT</Action><ResourceRecordSet><Name>a.example.com.</Name><Type>TXT</Type><ResourceRecords><ResourceRecord><Value>&quot;x&amp;y&quot;</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch>';
    expect(parseChanges(xml)).toEqual([{ action: 'UPSERT', name: 'a.example.com.', values: ['"x&y"'] }]);
  });

  it('1,000 elements and 32,000 characters pass; one more of either, counting UPSERT twice, does not', () => {
    const v = (n: number) => 'x'.repeat(n);
    expect(overLimit(Array.from({ length: 1000 }, () => ({ action: 'CREATE', name: 'a', values: ['x'] })))).toBeUndefined();
    expect(overLimit(Array.from({ length: 501 }, () => ({ action: 'UPSERT', name: 'a', values: ['x'] })))).toContain('1002');
    expect(overLimit(Array.from({ length: 500 }, () => ({ action: 'UPSERT', name: 'a', values: [v(32)] })))).toBeUndefined();
    expect(overLimit(Array.from({ length: 500 }, () => ({ action: 'UPSERT', name: 'a', values: [v(33)] })))).toContain('33000');
  });

  it('refusals: bad input names the field', () => {
    expect(() => parseRefusals({ refuse: [{}] })).toThrow('route53: refuse[0].name must be a record name');
    expect(() => parseRefusals({ refuse: [{ name: 'a', account: [] }] })).toThrow('route53: refuse[0]: unknown field "account"');
    expect(() => parseRefusals({ names: [] })).toThrow('route53: unknown field "names" (known: refuse)');
  });
});

describe('the layer in the limits proxy', () => {
  let upstream: Server | undefined;
  let proxy: AwsLimitsProxy | undefined;
  let forwarded = 0;
  afterEach(async () => {
    await proxy?.stop();
    upstream?.closeAllConnections();
    await new Promise((r) => (upstream ? upstream.close(r) : r(undefined)));
  });

  async function start(layer: Route53ChangesLayer): Promise<string> {
    forwarded = 0;
    upstream = createServer((req, res) => {
      forwarded++;
      req.resume();
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end('<?xml version="1.0"?><ChangeResourceRecordSetsResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeInfo><Id>/change/C1</Id><Status>INSYNC</Status><SubmittedAt>2026-01-01T00:00:00Z</SubmittedAt></ChangeInfo></ChangeResourceRecordSetsResponse>');
    });
    await new Promise<void>((r) => upstream!.listen(0, '127.0.0.1', r));
    proxy = new AwsLimitsProxy({ upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, enforce: false, layers: [layer] });
    await proxy.start();
    return proxy.url;
  }

  const client = (url: string, account: string) =>
    new Route53Client({ endpoint: url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: account, secretAccessKey: 'x' } });
  const send = (c: Route53Client, changes: Change[]) => c.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: 'Z1', ChangeBatch: { Changes: changes } }));

  it('refuses a whole batch holding a refused name, for the listed account only, as InvalidChangeBatch with the message', async () => {
    const layer = new Route53ChangesLayer();
    const url = await start(layer);
    await layer.admin('PUT', '/', { refuse: [{ name: 'Bad.Example.com.', accounts: ['test'] }] });
    type SdkError = Error & { $metadata: { httpStatusCode: number } };
    const err = await send(client(url, 'test'), [change('CREATE', 'good.example.com', '"a"'), change('CREATE', 'bad.example.com', '"b"')]).then(
      () => new Error('accepted') as SdkError,
      (e: unknown) => e as SdkError,
    );
    expect([err.name, err.$metadata.httpStatusCode, err.message]).toEqual(['InvalidChangeBatch', 400, '[RRSet with DNS name bad.example.com. is not permitted (refused by the AWS limits proxy)]']);
    expect(forwarded).toBe(0);
    await send(client(url, 'test'), [change('CREATE', 'good.example.com', '"a"')]);
    await send(client(url, 'other'), [change('CREATE', 'bad.example.com', '"b"')]);
    expect(forwarded).toBe(2);
    expect(layer.counts).toEqual({ overLimit: 0, refused: 1 });
  });

  it('refuses a batch over Route 53\'s character limit (UPSERT counting twice), as AWS does and moto does not', async () => {
    const layer = new Route53ChangesLayer();
    const url = await start(layer);
    const changes = Array.from({ length: 400 }, (_, i) => change('UPSERT', `n${i}.example.com`, `"${'x'.repeat(39)}"`)); // 400 x 41 x 2 = 32,800
    await expect(send(client(url, 'test'), changes)).rejects.toThrow(/exceeds 32000 \(32800, UPSERT counting twice\)/);
    expect(forwarded).toBe(0);
  });
});
