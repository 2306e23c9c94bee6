import { describe, expect, test } from '@jest/globals';
import { buildDesired } from '../../../src/reconcilers/dns-alias/build.ts';
import { resolveChain, type Hop } from '../../../src/reconcilers/dns-alias/chain.ts';
import type { Owner } from '../../../src/reconcilers/dns-alias/ownership.ts';

const owner: Owner = { cluster: 'prod', kind: 'DnsAlias', namespace: 'web', name: 'chat' };
const TXT = '"albatross-owner=prod/DnsAlias/web/chat"';

function hops(target: string): Hop[] {
  const r = resolveChain(
    [
      { name: 'service.example.com', hostedZone: { name: 'example.com' } },
      { name: 'service.aws.corp.internal', hostedZone: { name: 'aws.corp.internal', private: true } },
    ],
    target,
  );
  if (!r.ok) throw new Error('bad chain');
  return r.hops;
}
const zones = [
  { id: 'ZPUB', name: 'example.com' },
  { id: 'ZPRIV', name: 'aws.corp.internal' },
];

describe('buildDesired', () => {
  test('CNAME chain: each name a CNAME to the next, each with its ownership TXT in the same zone', () => {
    const d = buildDesired({ hops: hops('chat-1.us-east-1.elb.amazonaws.com'), zones, ttlSeconds: 300, finalRecord: 'CNAME', owner });
    expect(d).toEqual([
      {
        zoneId: 'ZPUB',
        zoneName: 'example.com',
        hopIndex: 0,
        name: 'service.example.com',
        records: [{ name: 'service.example.com', type: 'CNAME', ttl: 300, values: ['service.aws.corp.internal'] }],
        txt: { name: '_albatross.service.example.com', type: 'TXT', ttl: 300, values: [TXT] },
      },
      {
        zoneId: 'ZPRIV',
        zoneName: 'aws.corp.internal',
        hopIndex: 1,
        name: 'service.aws.corp.internal',
        records: [{ name: 'service.aws.corp.internal', type: 'CNAME', ttl: 300, values: ['chat-1.us-east-1.elb.amazonaws.com'] }],
        txt: { name: '_albatross.service.aws.corp.internal', type: 'TXT', ttl: 300, values: [TXT] },
      },
    ]);
  });

  test('Alias: the last name becomes an A alias to the load balancer (and AAAA when dualstack)', () => {
    const alias = { dnsName: 'Chat-1.us-east-1.elb.amazonaws.com.', canonicalHostedZoneId: 'Z35SXDOTRQ7X7K', dualstack: false };
    const d = buildDesired({ hops: hops('chat-1.us-east-1.elb.amazonaws.com'), zones, ttlSeconds: 60, finalRecord: 'Alias', alias, owner });
    const target = { dnsName: 'chat-1.us-east-1.elb.amazonaws.com', hostedZoneId: 'Z35SXDOTRQ7X7K', evaluateTargetHealth: false };
    expect(d[0]?.records[0]?.type).toBe('CNAME');
    expect(d[1]?.records).toEqual([{ name: 'service.aws.corp.internal', type: 'A', values: [], alias: target }]);
    const dual = buildDesired({ hops: hops('x'), zones, ttlSeconds: 60, finalRecord: 'Alias', alias: { ...alias, dualstack: true }, owner });
    expect(dual[1]?.records.map((r) => r.type)).toEqual(['A', 'AAAA']);
    expect(dual[1]?.txt.name).toBe('_albatross.service.aws.corp.internal');
  });

  test('Alias without load balancer data is a programming error, not a silent CNAME', () => {
    expect(() => buildDesired({ hops: hops('x'), zones, ttlSeconds: 60, finalRecord: 'Alias', owner })).toThrow(/finalRecord Alias/);
  });
});
