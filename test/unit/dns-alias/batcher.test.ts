import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { RecordChange } from '../../../src/aws/route53.ts';
import { changeCost, minimumBatches, packBatches, ROUTE53_LIMITS } from '../../../src/reconcilers/dns-alias/batcher.ts';

function unit(i: number, action: RecordChange['action'] = 'CREATE', value = `target-${i}.example.org`) {
  return {
    id: i,
    changes: [
      { action, record: { name: `n${i}.example.com`, type: 'CNAME', ttl: 300, values: [value] } },
      { action, record: { name: `_albatross.n${i}.example.com`, type: 'TXT', ttl: 300, values: ['"albatross-owner=c/DnsAlias/ns/x"'] } },
    ] satisfies RecordChange[],
  };
}

describe('packBatches', () => {
  test('1000 CREATE changes fit one batch; 1002 need two', () => {
    expect(packBatches(Array.from({ length: 500 }, (_, i) => unit(i, 'CREATE', 'x'))).batches.length).toBe(1);
    expect(packBatches(Array.from({ length: 501 }, (_, i) => unit(i, 'CREATE', 'x'))).batches.length).toBe(2);
  });

  test('UPSERT counts twice', () => {
    expect(changeCost({ action: 'UPSERT', record: { name: 'a', type: 'CNAME', ttl: 1, values: ['abc'] } })).toEqual({ changes: 2, elements: 2, chars: 6 });
    // 250 upsert units = 500 changes = 1000 counted
    expect(packBatches(Array.from({ length: 250 }, (_, i) => unit(i, 'UPSERT', 'x'))).batches.length).toBe(1);
    expect(packBatches(Array.from({ length: 251 }, (_, i) => unit(i, 'UPSERT', 'x'))).batches.length).toBe(2);
  });

  test('the 32,000 character limit splits batches of long values', () => {
    const long = 'a'.repeat(200);
    // each unit: 200 + 33 chars; 137 units = 31,921 chars, 138 = 32,154
    expect(packBatches(Array.from({ length: 137 }, (_, i) => unit(i, 'CREATE', long))).batches.length).toBe(1);
    const { batches } = packBatches(Array.from({ length: 138 }, (_, i) => unit(i, 'CREATE', long)));
    expect(batches.length).toBe(2);
    expect(batches.every((b) => b.cost.chars <= 32_000)).toBe(true);
  });

  test('a record and its TXT are never split across batches', () => {
    const { batches } = packBatches(Array.from({ length: 700 }, (_, i) => unit(i)), { ...ROUTE53_LIMITS, maxChanges: 3 });
    for (const b of batches) {
      expect(b.changes).toHaveLength(2);
      expect(b.changes[1]?.record.name).toBe(`_albatross.${b.changes[0]?.record.name}`);
    }
  });

  test('a unit larger than a whole batch is reported, not sent', () => {
    const big = unit(1, 'CREATE', 'a'.repeat(40_000));
    const { batches, oversized } = packBatches([unit(0), big]);
    expect(oversized).toEqual([big]);
    expect(batches.length).toBe(1);
  });

  test("500 CNAMEs with their ownership TXTs, as the bench creates them: the change limit allows one batch, the 32,000 characters do not", () => {
    const owner = (i: number) => `"albatross-owner=it-1a2b3c4d5e/DnsAlias/bench-dnsa-1a2b3c/svc-${i}"`;
    const units = Array.from({ length: 500 }, (_, i) => ({
      id: i,
      changes: [
        { action: 'CREATE', record: { name: `svc-${i}.bench.example.com`, type: 'CNAME', ttl: 300, values: ['lb-1.us-east-1.elb.amazonaws.com'] } },
        { action: 'CREATE', record: { name: `_albatross.svc-${i}.bench.example.com`, type: 'TXT', ttl: 300, values: [owner(i)] } },
      ] satisfies RecordChange[],
    }));
    const { batches } = packBatches(units);
    expect(batches.reduce((n, b) => n + b.cost.changes, 0)).toBe(1000);
    expect(batches).toHaveLength(2);
    expect(minimumBatches(units)).toBe(2);
    for (const b of batches) expect(b.cost.chars).toBeLessThanOrEqual(32_000);
  });

  test('retargeting 500 names: UPSERT counts twice for changes and characters; 32 characters fit one batch exactly, 33 need two', () => {
    const retarget = (value: string) => Array.from({ length: 500 }, (_, i) => ({ id: i, changes: [{ action: 'UPSERT', record: { name: `svc-${i}.example.com`, type: 'CNAME', ttl: 300, values: [value] } }] satisfies RecordChange[] }));
    const exact = packBatches(retarget('lb-2.us-east-1.elb.amazonaws.com'));
    expect(exact.batches).toHaveLength(1);
    expect(exact.batches[0]?.cost).toEqual({ changes: 1000, elements: 1000, chars: 32_000 });
    expect(packBatches(retarget('lb-22.us-east-1.elb.amazonaws.com')).batches).toHaveLength(2);
  });

  test('ResourceRecord elements: a record with several values counts each value (twice for UPSERT)', () => {
    const multi = (action: RecordChange['action']) => ({ action, record: { name: 'm.example.com', type: 'TXT', ttl: 60, values: ['"a"', '"b"', '"c"'] } });
    expect(changeCost(multi('CREATE'))).toEqual({ changes: 1, elements: 3, chars: 9 });
    expect(changeCost(multi('UPSERT'))).toEqual({ changes: 2, elements: 6, chars: 18 });
    // 170 UPSERTs of 3 values: 340 changes but 1020 elements, over the 1000 limit
    const units = Array.from({ length: 170 }, (_, i) => ({ id: i, changes: [{ ...multi('UPSERT'), record: { ...multi('UPSERT').record, name: `m${i}.example.com` } }] }));
    expect(packBatches(units).batches).toHaveLength(2);
  });

  test('an alias record (no values) costs one element and the characters of its DNS name', () => {
    const alias = { action: 'CREATE' as const, record: { name: 'a.example.com', type: 'A', values: [], alias: { dnsName: 'lb.elb.amazonaws.com', hostedZoneId: 'Z35', evaluateTargetHealth: false } } };
    expect(changeCost(alias)).toEqual({ changes: 1, elements: 1, chars: 20 });
  });

  test('property: every unit lands in exactly one batch, within limits, and the count stays near the lower bound', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ action: fc.constantFrom<RecordChange['action']>('CREATE', 'UPSERT', 'DELETE'), len: fc.integer({ min: 1, max: 300 }) }), {
          maxLength: 1500,
        }),
        (specs) => {
          const units = specs.map((s, i) => unit(i, s.action, 'v'.repeat(s.len)));
          const { batches, oversized } = packBatches(units);
          expect(oversized).toEqual([]);
          const ids = batches.flatMap((b) => b.units.map((u) => u.id)).sort((a, b) => a - b);
          expect(ids).toEqual(units.map((u) => u.id));
          for (const b of batches) {
            expect(b.cost.changes).toBeLessThanOrEqual(1000);
            expect(b.cost.chars).toBeLessThanOrEqual(32_000);
          }
          // Units are small relative to a batch, so first-fit wastes at most one batch.
          expect(batches.length).toBeLessThanOrEqual(minimumBatches(units) + 1);
        },
      ),
      { numRuns: 50 },
    );
  });
});
