import { describe, expect, test } from '@jest/globals';
import { checkPlacement, findLoopThroughRecords, resolveChain, type NameSpec } from '../../../src/reconcilers/dns-alias/chain.ts';
import { normalizeName } from '../../../src/reconcilers/dns-alias/names.ts';

const example: NameSpec[] = [
  { name: 'service.example.com', hostedZone: { name: 'example.com' } },
  { name: 'service.aws.corp.internal', hostedZone: { name: 'aws.corp.internal', private: true } },
];

describe('resolveChain', () => {
  test('links each name to the next and the last to the target', () => {
    const r = resolveChain(example, 'chat-prod-1.us-east-1.elb.amazonaws.com');
    expect(r).toEqual({
      ok: true,
      chain: ['service.example.com', 'service.aws.corp.internal', 'chat-prod-1.us-east-1.elb.amazonaws.com'],
      hops: [
        { index: 0, name: 'service.example.com', zone: { name: 'example.com' }, next: 'service.aws.corp.internal' },
        {
          index: 1,
          name: 'service.aws.corp.internal',
          zone: { name: 'aws.corp.internal', private: true },
          next: 'chat-prod-1.us-east-1.elb.amazonaws.com',
        },
      ],
    });
  });

  test('normalises case and one trailing dot, in names, zones and the target', () => {
    const r = resolveChain(
      [{ name: 'Service.Example.COM.', hostedZone: { name: 'Example.com.' } }],
      'LB-1.us-east-1.ELB.amazonaws.com.',
    );
    expect(r.ok && r.hops[0]).toEqual({ index: 0, name: 'service.example.com', zone: { name: 'example.com' }, next: 'lb-1.us-east-1.elb.amazonaws.com' });
  });

  test('zone ids lose a /hostedzone/ prefix', () => {
    const r = resolveChain([{ name: 'a.example.com', hostedZone: { id: '/hostedzone/Z123' } }], 'x.example.org');
    expect(r.ok && r.hops[0]?.zone).toEqual({ id: 'Z123' });
  });

  test('a name repeated in the chain is refused, naming both positions', () => {
    const r = resolveChain(
      [
        { name: 'a.example.com', hostedZone: { name: 'example.com' } },
        { name: 'b.example.com', hostedZone: { name: 'example.com' } },
        { name: 'A.example.com.', hostedZone: { name: 'example.com' } },
      ],
      'x.example.org',
    );
    expect(r).toEqual({
      ok: false,
      problems: [{ field: 'spec.names[2].name', message: '"a.example.com" repeats spec.names[0].name (a chain may not visit a name twice)' }],
    });
  });

  test('a target that is one of the chain names is a loop', () => {
    const r = resolveChain(example, 'Service.Example.com');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems[0]).toEqual({
      field: 'spec.target',
      message: 'target "service.example.com" is spec.names[0].name: the chain would loop',
    });
  });

  test('an unresolved target (load balancer without a DNS name yet) leaves the last hop pointing nowhere', () => {
    const r = resolveChain(example, undefined);
    expect(r.ok && r.hops[1]?.next).toBe('');
    expect(r.ok && r.chain).toEqual(['service.example.com', 'service.aws.corp.internal']);
  });

  test('bad names, empty chains and zone refs with both or neither of id/name are reported by field', () => {
    expect(resolveChain([], 'x.org')).toEqual({ ok: false, problems: [{ field: 'spec.names', message: 'must list at least one name' }] });
    const r = resolveChain(
      [
        { name: 'bad..name.com', hostedZone: { name: 'name.com' } },
        { name: 'ok.example.com', hostedZone: { id: 'Z1', name: 'example.com' } },
        { name: 'ok2.example.com', hostedZone: {} },
        { name: 'x.example.com', hostedZone: { name: 'ex ample.com' } },
      ],
      'x.org',
    );
    expect(!r.ok && r.problems.map((p) => p.field)).toEqual([
      'spec.names[0].name',
      'spec.names[1].hostedZone',
      'spec.names[2].hostedZone',
      'spec.names[3].hostedZone.name',
    ]);
  });
});

describe('normalizeName', () => {
  test.each([
    ['example.com', 'example.com'],
    ['EXAMPLE.com.', 'example.com'],
    ['*.example.com', '*.example.com'],
    ['_dmarc.example.com', '_dmarc.example.com'],
  ])('%s -> %s', (input, out) => {
    expect(normalizeName(input)).toEqual({ name: out });
  });
  test.each(['', '.', 'a..b', '-a.com', 'a-.com', 'a.*.com', 'example.com..', `${'a'.repeat(64)}.com`, 'sp ace.com'])('refuses %j', (input) => {
    expect(normalizeName(input)).toHaveProperty('error');
  });
});

describe('checkPlacement', () => {
  const hops = (names: string[], next = 'lb.example.org') =>
    names.map((name, index) => ({ index, name, zone: {}, next: names[index + 1] ?? next }));

  test('names inside their zones pass', () => {
    expect(checkPlacement(hops(['service.example.com', 'service.aws.corp.internal']), ['example.com', 'aws.corp.internal'], 'CNAME')).toEqual([]);
  });

  test('a name outside its zone is refused (suffix match is per label, not per character)', () => {
    expect(checkPlacement(hops(['service.badexample.com']), ['example.com'], 'CNAME')).toEqual([
      { field: 'spec.names[0].name', message: '"service.badexample.com" is not inside its hosted zone "example.com"' },
    ]);
  });

  test('a CNAME at a zone apex is refused; an Alias at the apex as the last hop is allowed', () => {
    const p = checkPlacement(hops(['example.com']), ['example.com'], 'CNAME');
    expect(p[0]?.message).toMatch(/apex of zone "example.com", where a CNAME is not allowed/);
    expect(checkPlacement(hops(['example.com']), ['example.com'], 'Alias')).toEqual([]);
    // Alias only changes the last hop: an apex earlier in the chain is still a CNAME.
    expect(checkPlacement(hops(['example.com', 'x.corp.internal']), ['example.com', 'corp.internal'], 'Alias')).toHaveLength(1);
  });
});

describe('findLoopThroughRecords', () => {
  test('a target that leads back to one of our names through existing CNAMEs is a loop', () => {
    const cnames = new Map([
      ['other.example.org', 'hop.example.org'],
      ['hop.example.org', 'a.example.com'],
    ]);
    expect(findLoopThroughRecords(['a.example.com'], 'other.example.org', (n) => cnames.get(n))).toEqual([
      'other.example.org',
      'hop.example.org',
      'a.example.com',
    ]);
  });
  test('a target that ends elsewhere, or loops without us, is not our loop', () => {
    const cnames = new Map([
      ['x.org', 'y.org'],
      ['y.org', 'x.org'],
    ]);
    expect(findLoopThroughRecords(['a.example.com'], 'lb.example.org', (n) => cnames.get(n))).toBeUndefined();
    expect(findLoopThroughRecords(['a.example.com'], 'x.org', (n) => cnames.get(n))).toBeUndefined();
  });
});
