import { describe, expect, test } from '@jest/globals';
import type { RecordChange, RecordSet } from '../../../src/aws/route53.ts';
import { buildDesired, type AliasTargetInfo } from '../../../src/reconcilers/dns-alias/build.ts';
import { resolveChain } from '../../../src/reconcilers/dns-alias/chain.ts';
import { ownerTxtValue, type Owner } from '../../../src/reconcilers/dns-alias/ownership.ts';
import { plan, planDeletion, type PreviousRecord } from '../../../src/reconcilers/dns-alias/plan.ts';

const us: Owner = { cluster: 'prod', kind: 'DnsAlias', namespace: 'web', name: 'chat' };
const them: Owner = { ...us, name: 'other' };
const zones = [
  { id: 'ZPUB', name: 'example.com' },
  { id: 'ZPRIV', name: 'aws.corp.internal' },
];
const LB1 = 'chat-1.us-east-1.elb.amazonaws.com';
const LB2 = 'chat-2.us-east-1.elb.amazonaws.com';

function desired(target: string, opts: { ttl?: number; finalRecord?: 'CNAME' | 'Alias'; alias?: AliasTargetInfo; owner?: Owner } = {}) {
  const r = resolveChain(
    [
      { name: 'service.example.com', hostedZone: { name: 'example.com' } },
      { name: 'service.aws.corp.internal', hostedZone: { name: 'aws.corp.internal', private: true } },
    ],
    target,
  );
  if (!r.ok) throw new Error('bad chain');
  return buildDesired({
    hops: r.hops,
    zones,
    ttlSeconds: opts.ttl ?? 300,
    finalRecord: opts.finalRecord ?? 'CNAME',
    ...(opts.alias ? { alias: opts.alias } : {}),
    owner: opts.owner ?? us,
  });
}

const cname = (name: string, value: string, ttl = 300): RecordSet => ({ name, type: 'CNAME', ttl, values: [value] });
const txt = (name: string, owner: Owner | string, ttl = 300): RecordSet => ({
  name: `_albatross.${name}`,
  type: 'TXT',
  ttl,
  values: [typeof owner === 'string' ? owner : ownerTxtValue(owner)],
});
const apex = (zone: string): RecordSet[] => [
  { name: zone, type: 'NS', ttl: 172800, values: ['ns-1.awsdns-1.com'] },
  { name: zone, type: 'SOA', ttl: 900, values: ['ns-1.awsdns-1.com. hostmaster 1 7200 900 1209600 86400'] },
];

/** Zones holding exactly what a converged chain to `target` wrote. */
function converged(target: string, owner: Owner = us): Map<string, RecordSet[]> {
  return new Map([
    ['ZPUB', [...apex('example.com'), cname('service.example.com', 'service.aws.corp.internal'), txt('service.example.com', owner)]],
    ['ZPRIV', [...apex('aws.corp.internal'), cname('service.aws.corp.internal', target), txt('service.aws.corp.internal', owner)]],
  ]);
}

function statusOf(p: ReturnType<typeof plan>): PreviousRecord[] {
  return p.records.map(({ inSync: _inSync, ...r }) => r);
}

/** Applies changes the way Route 53 does, for the idempotence property. */
function applyTo(observed: Map<string, RecordSet[]>, zoneId: string, changes: readonly RecordChange[]): void {
  let zone = observed.get(zoneId) ?? [];
  for (const c of changes) {
    zone = zone.filter((r) => !(r.name === c.record.name && r.type === c.record.type));
    if (c.action !== 'DELETE') zone.push(c.record);
  }
  observed.set(zoneId, zone);
}

describe('plan: first write', () => {
  test('empty zones: CREATE each record with its TXT, one unit per name', () => {
    const observed = new Map([
      ['ZPUB', apex('example.com')],
      ['ZPRIV', apex('aws.corp.internal')],
    ]);
    const p = plan({ desired: desired(LB1), observed, owner: us, adopt: false, previous: [] });
    expect(p.conflicts).toEqual([]);
    expect(p.units.map((u) => [u.zoneId, u.name, u.changes.map((c) => `${c.action} ${c.record.type} ${c.record.name}`)])).toEqual([
      ['ZPUB', 'service.example.com', ['CREATE CNAME service.example.com', 'CREATE TXT _albatross.service.example.com']],
      ['ZPRIV', 'service.aws.corp.internal', ['CREATE CNAME service.aws.corp.internal', 'CREATE TXT _albatross.service.aws.corp.internal']],
    ]);
    expect(p.records).toEqual([
      { hostedZoneId: 'ZPUB', name: 'service.example.com', type: 'CNAME', value: 'service.aws.corp.internal', ttl: 300, inSync: false },
      { hostedZoneId: 'ZPRIV', name: 'service.aws.corp.internal', type: 'CNAME', value: LB1, ttl: 300, inSync: false },
    ]);
    expect(p.units.every((u) => u.drift.length === 0)).toBe(true);
  });

  test('converged zones: no changes, everything in sync; trailing dots and case do not matter', () => {
    const observed = converged(LB1);
    observed.get('ZPRIV')![2] = cname('service.aws.corp.internal', `${LB1.toUpperCase()}.`);
    const p = plan({ desired: desired(LB1), observed, owner: us, adopt: false, previous: [] });
    expect(p.units).toEqual([]);
    expect(p.records.every((r) => r.inSync)).toBe(true);
  });

  test('plan is JSON-serialisable (printed by `albatross plan`, snapshotted by tests)', () => {
    const p = plan({ desired: desired(LB1), observed: converged(LB2), owner: us, adopt: false, previous: [] });
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });
});

describe('plan: swapping the target', () => {
  test('changes only the last record: the public zone gets no change at all', () => {
    const previous = statusOf(plan({ desired: desired(LB1), observed: converged(LB1), owner: us, adopt: false, previous: [] }));
    const p = plan({ desired: desired(LB2), observed: converged(LB1), owner: us, adopt: false, previous });
    expect(p.units).toEqual([
      {
        zoneId: 'ZPRIV',
        name: 'service.aws.corp.internal',
        changes: [{ action: 'UPSERT', record: cname('service.aws.corp.internal', LB2) }],
        drift: [],
      },
    ]);
  });
});

describe('plan: conflicts write nothing and name the holder', () => {
  test('a foreign CNAME at a chain name (no TXT) is a Conflict', () => {
    const observed = new Map([
      ['ZPUB', [...apex('example.com'), cname('service.example.com', 'legacy.example.net')]],
      ['ZPRIV', apex('aws.corp.internal')],
    ]);
    const p = plan({ desired: desired(LB1), observed, owner: us, adopt: false, previous: [] });
    expect(p.units).toEqual([]);
    expect(p.conflicts).toEqual([
      {
        zoneId: 'ZPUB',
        name: 'service.example.com',
        holder: 'unowned CNAME legacy.example.net ttl 300',
        message:
          'service.example.com (zone ZPUB) already holds CNAME legacy.example.net ttl 300 that no Albatross resource owns; set spec.adopt: true to take it over',
      },
    ]);
  });

  test('adopt takes the unowned record over with UPSERT, and writes the TXT', () => {
    const observed = new Map([
      ['ZPUB', [...apex('example.com'), cname('service.example.com', 'legacy.example.net')]],
      ['ZPRIV', apex('aws.corp.internal')],
    ]);
    const p = plan({ desired: desired(LB1), observed, owner: us, adopt: true, previous: [] });
    expect(p.conflicts).toEqual([]);
    expect(p.units[0]?.changes.map((c) => c.action)).toEqual(['UPSERT', 'CREATE']);
  });

  test("a name owned by another DnsAlias is a Conflict even with adopt", () => {
    const p = plan({ desired: desired(LB1), observed: converged(LB1, them), owner: us, adopt: true, previous: [] });
    expect(p.units).toEqual([]);
    expect(p.conflicts.map((c) => c.holder)).toEqual(['prod/DnsAlias/web/other', 'prod/DnsAlias/web/other']);
    expect(p.conflicts[0]?.message).toBe(
      'service.example.com (zone ZPUB) is owned by prod/DnsAlias/web/other per its TXT record _albatross.service.example.com',
    );
  });

  test('the same resource name in another cluster is another owner', () => {
    const p = plan({ desired: desired(LB1), observed: converged(LB1, { ...us, cluster: 'staging' }), owner: us, adopt: false, previous: [] });
    expect(p.conflicts).toHaveLength(2);
  });

  test('a TXT of the other owner claims the name even before its record exists', () => {
    const observed = converged(LB1);
    observed.set('ZPRIV', [...apex('aws.corp.internal'), txt('service.aws.corp.internal', them)]);
    const p = plan({ desired: desired(LB1), observed, owner: us, adopt: false, previous: [] });
    expect(p.conflicts.map((c) => c.name)).toEqual(['service.aws.corp.internal']);
    expect(p.units).toEqual([]);
  });

  test('a CNAME beside an existing A record is refused, also with adopt', () => {
    const observed = new Map([
      ['ZPUB', [...apex('example.com'), { name: 'service.example.com', type: 'A', ttl: 60, values: ['192.0.2.10'] }]],
      ['ZPRIV', apex('aws.corp.internal')],
    ]);
    for (const adopt of [false, true]) {
      const p = plan({ desired: desired(LB1), observed, owner: us, adopt, previous: [] });
      expect(p.units).toEqual([]);
      expect(p.conflicts[0]?.message).toBe(
        'refusing a CNAME at service.example.com (zone ZPUB): the name already has A 192.0.2.10 ttl 60, and a CNAME cannot coexist with other records',
      );
    }
  });

  test('a CNAME beside a foreign MX is refused even when the name is ours', () => {
    const observed = converged(LB1);
    observed.get('ZPUB')!.push({ name: 'service.example.com', type: 'MX', ttl: 300, values: ['10 mail.example.com'] });
    const p = plan({ desired: desired(LB1), observed, owner: us, adopt: false, previous: [] });
    expect(p.conflicts[0]?.holder).toBe('MX record(s) at service.example.com');
  });

  test('a foreign TXT at the ownership name blocks unless adopt', () => {
    const observed = new Map([
      ['ZPUB', [...apex('example.com'), txt('service.example.com', '"something else"')]],
      ['ZPRIV', apex('aws.corp.internal')],
    ]);
    expect(plan({ desired: desired(LB1), observed, owner: us, adopt: false, previous: [] }).conflicts).toHaveLength(1);
    const adopted = plan({ desired: desired(LB1), observed, owner: us, adopt: true, previous: [] });
    expect(adopted.units[0]?.changes.map((c) => `${c.action} ${c.record.type}`)).toEqual(['CREATE CNAME', 'UPSERT TXT']);
  });

  test('routing-policy (weighted) records are never taken over', () => {
    const observed = new Map([
      ['ZPUB', [...apex('example.com'), { ...cname('service.example.com', 'a.example.net'), setIdentifier: 'blue' }]],
      ['ZPRIV', apex('aws.corp.internal')],
    ]);
    const p = plan({ desired: desired(LB1), observed, owner: us, adopt: true, previous: [] });
    expect(p.conflicts[0]?.holder).toBe('CNAME routing-policy records');
  });
});

describe('plan: drift', () => {
  const previous = statusOf(plan({ desired: desired(LB1), observed: converged(LB1), owner: us, adopt: false, previous: [] }));

  test('a changed value, a changed TTL and a deleted record are drift, put back with UPSERT/CREATE', () => {
    const observed = converged(LB1);
    observed.get('ZPUB')![2] = cname('service.example.com', 'evil.example.net');
    observed.set('ZPRIV', [...apex('aws.corp.internal'), cname('service.aws.corp.internal', LB1, 5), txt('service.aws.corp.internal', us)]);
    const p = plan({ desired: desired(LB1), observed, owner: us, adopt: false, previous });
    expect(p.units.map((u) => u.drift)).toEqual([
      [{ path: 'records[ZPUB/service.example.com/CNAME]', desired: 'CNAME service.aws.corp.internal ttl 300', actual: 'CNAME evil.example.net ttl 300' }],
      [{ path: `records[ZPRIV/service.aws.corp.internal/CNAME]`, desired: `CNAME ${LB1} ttl 300`, actual: `CNAME ${LB1} ttl 5` }],
    ]);
    expect(p.units.map((u) => u.changes[0]?.action)).toEqual(['UPSERT', 'UPSERT']);

    const deleted = converged(LB1);
    deleted.set('ZPRIV', [...apex('aws.corp.internal'), txt('service.aws.corp.internal', us)]);
    const d = plan({ desired: desired(LB1), observed: deleted, owner: us, adopt: false, previous });
    expect(d.units).toEqual([
      {
        zoneId: 'ZPRIV',
        name: 'service.aws.corp.internal',
        // UPSERT, not CREATE: the name is ours (TXT), and UPSERT is idempotent.
        changes: [{ action: 'UPSERT', record: cname('service.aws.corp.internal', LB1) }],
        drift: [{ path: 'records[ZPRIV/service.aws.corp.internal/CNAME]', desired: `CNAME ${LB1} ttl 300`, actual: 'absent' }],
      },
    ]);
  });

  test('a deleted ownership TXT beside the record we wrote is restored, not a conflict', () => {
    const observed = converged(LB1);
    observed.set('ZPRIV', [...apex('aws.corp.internal'), cname('service.aws.corp.internal', LB1)]);
    const p = plan({ desired: desired(LB1), observed, owner: us, adopt: false, previous });
    expect(p.conflicts).toEqual([]);
    expect(p.units[0]?.changes.map((c) => `${c.action} ${c.record.type}`)).toEqual(['CREATE TXT']);
    expect(p.units[0]?.drift[0]?.path).toBe('records[ZPRIV/_albatross.service.aws.corp.internal/TXT]');
  });

  test('a spec change is an update, not drift', () => {
    const p = plan({ desired: desired(LB1, { ttl: 60 }), observed: converged(LB1), owner: us, adopt: false, previous });
    expect(p.units).toHaveLength(2);
    expect(p.units.every((u) => u.drift.length === 0)).toBe(true);
  });
});

describe('plan: record type switches and cleanup', () => {
  const alias = { dnsName: LB1, canonicalHostedZoneId: 'Z35SXDOTRQ7X7K', dualstack: true };

  test('CNAME -> Alias on our own name deletes the CNAME and writes A + AAAA in one unit', () => {
    const p = plan({ desired: desired(LB1, { finalRecord: 'Alias', alias }), observed: converged(LB1), owner: us, adopt: false, previous: [] });
    expect(p.units).toHaveLength(1);
    expect(p.units[0]?.changes.map((c) => `${c.action} ${c.record.type}`)).toEqual(['DELETE CNAME', 'UPSERT A', 'UPSERT AAAA']);
    expect(p.records[1]).toEqual({
      hostedZoneId: 'ZPRIV',
      name: 'service.aws.corp.internal',
      type: 'A',
      value: LB1,
      inSync: false,
    });
  });

  test('an alias read back with a dualstack. prefix and trailing dot is in sync', () => {
    const observed = converged(LB1);
    const aliasRec = (type: string): RecordSet => ({
      name: 'service.aws.corp.internal',
      type,
      values: [],
      alias: { dnsName: `dualstack.${LB1}.`, hostedZoneId: 'Z35SXDOTRQ7X7K', evaluateTargetHealth: false },
    });
    observed.set('ZPRIV', [...apex('aws.corp.internal'), aliasRec('A'), aliasRec('AAAA'), txt('service.aws.corp.internal', us)]);
    const p = plan({ desired: desired(LB1, { finalRecord: 'Alias', alias }), observed, owner: us, adopt: false, previous: [] });
    expect(p.units).toEqual([]);
  });

  test('adopting an A alias leaves a foreign AAAA at the name alone', () => {
    const observed = converged(LB1);
    observed.set('ZPRIV', [
      ...apex('aws.corp.internal'),
      { name: 'service.aws.corp.internal', type: 'A', ttl: 60, values: ['192.0.2.1'] },
      { name: 'service.aws.corp.internal', type: 'AAAA', ttl: 60, values: ['2001:db8::1'] },
    ]);
    const p = plan({ desired: desired(LB1, { finalRecord: 'Alias', alias: { ...alias, dualstack: false } }), observed, owner: us, adopt: true, previous: [] });
    expect(p.units[0]?.changes.map((c) => `${c.action} ${c.record.type}`)).toEqual(['UPSERT A', 'CREATE TXT']);
  });

  test('a name dropped from the chain is deleted when its TXT names us, left alone otherwise', () => {
    const previous: PreviousRecord[] = [
      { hostedZoneId: 'ZPRIV', name: 'old.aws.corp.internal', type: 'CNAME', value: LB1, ttl: 300 },
      { hostedZoneId: 'ZPRIV', name: 'taken.aws.corp.internal', type: 'CNAME', value: LB1, ttl: 300 },
    ];
    const observed = converged(LB1);
    observed.get('ZPRIV')!.push(
      cname('old.aws.corp.internal', LB1),
      txt('old.aws.corp.internal', us),
      cname('taken.aws.corp.internal', LB1),
      txt('taken.aws.corp.internal', them),
    );
    const p = plan({ desired: desired(LB1), observed, owner: us, adopt: false, previous });
    expect(p.units).toEqual([
      {
        zoneId: 'ZPRIV',
        name: 'old.aws.corp.internal',
        changes: [
          { action: 'DELETE', record: cname('old.aws.corp.internal', LB1) },
          { action: 'DELETE', record: txt('old.aws.corp.internal', us) },
        ],
        drift: [],
      },
    ]);
  });
});

describe('planDeletion', () => {
  test('removes exactly our records and TXTs; foreign, other-owned and unlisted zones are untouched', () => {
    const observed = converged(LB1);
    observed.get('ZPUB')!.push(cname('foreign.example.com', 'x.example.net'), cname('theirs.example.com', 'y'), txt('theirs.example.com', them));
    const units = planDeletion(
      [
        { hostedZoneId: 'ZPUB', name: 'service.example.com' },
        { hostedZoneId: 'ZPUB', name: 'foreign.example.com' },
        { hostedZoneId: 'ZPUB', name: 'theirs.example.com' },
        { hostedZoneId: 'ZPRIV', name: 'service.aws.corp.internal' },
        { hostedZoneId: 'ZGONE', name: 'service.gone.example' },
      ],
      observed,
      us,
    );
    expect(units.map((u) => [u.zoneId, u.changes.map((c) => `${c.action} ${c.record.type} ${c.record.name}`)])).toEqual([
      ['ZPUB', ['DELETE CNAME service.example.com', 'DELETE TXT _albatross.service.example.com']],
      ['ZPRIV', ['DELETE CNAME service.aws.corp.internal', 'DELETE TXT _albatross.service.aws.corp.internal']],
    ]);
  });

  test('an empty listing deletes nothing', () => {
    expect(planDeletion([{ hostedZoneId: 'ZPUB', name: 'service.example.com' }], new Map([['ZPUB', []]]), us)).toEqual([]);
  });
});

describe('plan: applying converges', () => {
  test('plan(apply(plan)) is empty, from empty, drifted and swapped states', () => {
    const starts: Array<Map<string, RecordSet[]>> = [
      new Map([
        ['ZPUB', apex('example.com')],
        ['ZPRIV', apex('aws.corp.internal')],
      ]),
      converged(LB2),
      (() => {
        const m = converged(LB1);
        m.set('ZPRIV', [...apex('aws.corp.internal'), cname('service.aws.corp.internal', LB1, 7)]);
        return m;
      })(),
    ];
    for (const observed of starts) {
      const previous = [{ hostedZoneId: 'ZPRIV', name: 'service.aws.corp.internal', type: 'CNAME', value: LB1, ttl: 300 }];
      const first = plan({ desired: desired(LB1), observed, owner: us, adopt: false, previous });
      expect(first.conflicts).toEqual([]);
      for (const u of first.units) applyTo(observed, u.zoneId, u.changes);
      const second = plan({ desired: desired(LB1), observed, owner: us, adopt: false, previous });
      expect(second.units).toEqual([]);
      expect(second.records.every((r) => r.inSync)).toBe(true);
    }
  });
});
