import { describe, expect, test } from '@jest/globals';
import { AwsError } from '../../../src/aws/errors.ts';
import type { RecordChange, RecordSet, Route53Port } from '../../../src/aws/route53.ts';
import type { ChangeUnit } from '../../../src/reconcilers/dns-alias/plan.ts';
import { StalePlanError, ZoneCoordinator } from '../../../src/reconcilers/dns-alias/zone-coordinator.ts';

/** A Route 53 double that records calls and can fail them; concurrency per zone is measured. */
class FakeRoute53 implements Route53Port {
  calls: Array<{ zoneId: string; changes: RecordChange[] }> = [];
  lists = 0;
  records: RecordSet[] = [];
  failures: Array<(changes: RecordChange[]) => Error | undefined> = [];
  inFlight = 0;
  maxInFlight = 0;
  listDelayMs = 5;

  async findZonesByName() {
    return [];
  }
  async getZone() {
    return undefined;
  }
  async listRecordSets() {
    this.lists++;
    await new Promise((r) => setTimeout(r, this.listDelayMs));
    return [...this.records];
  }
  async changeRecordSets(zoneId: string, changes: RecordChange[]) {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((r) => setTimeout(r, 5));
      this.calls.push({ zoneId, changes });
      const fail = this.failures.shift()?.(changes);
      if (fail) throw fail;
      return 'C1';
    } finally {
      this.inFlight--;
    }
  }
}

const throttled = () => new AwsError('route53', 'ChangeResourceRecordSets', 'PriorRequestNotComplete', 'throttled', 'slow down');
const invalid = () => new AwsError('route53', 'ChangeResourceRecordSets', 'InvalidChangeBatch', 'invalid', 'bad');

function unit(name: string, action: RecordChange['action'] = 'CREATE'): ChangeUnit {
  return {
    zoneId: 'Z1',
    name,
    drift: [],
    changes: [
      { action, record: { name, type: 'CNAME', ttl: 60, values: ['lb.example.org'] } },
      { action, record: { name: `_albatross.${name}`, type: 'TXT', ttl: 60, values: ['"albatross-owner=c/DnsAlias/ns/x"'] } },
    ],
  };
}

function coordinator(port: FakeRoute53, extra: Partial<ConstructorParameters<typeof ZoneCoordinator>[0]> = {}) {
  return new ZoneCoordinator({ port, windowMs: 20, sleep: () => Promise.resolve(), ...extra });
}

describe('ZoneCoordinator', () => {
  test('submissions for one zone within the window go out as one ChangeResourceRecordSets call', async () => {
    const port = new FakeRoute53();
    const c = coordinator(port);
    await Promise.all([c.submit('Z1', 'a', [unit('a.example.com')], 0), c.submit('Z1', 'b', [unit('b.example.com')], 0), c.submit('Z1', 'c', [unit('c.example.com')], 0)]);
    expect(port.calls).toHaveLength(1);
    expect(port.calls[0]?.changes).toHaveLength(6);
  });

  test('1200 units (2400 changes) need ceil(2400/1000) = 3 calls, one at a time', async () => {
    const port = new FakeRoute53();
    const c = coordinator(port);
    await Promise.all(Array.from({ length: 1200 }, (_, i) => c.submit('Z1', `o${i}`, [unit(`n${i}.example.com`)], 0)));
    expect(port.calls.map((x) => x.changes.length)).toEqual([1000, 1000, 400]);
    expect(port.maxInFlight).toBe(1);
    expect(c.stats().get('Z1')).toEqual({ listCalls: 0, changeCalls: 3, changes: 2400 });
  });

  test('different zones are separate batches', async () => {
    const port = new FakeRoute53();
    const c = coordinator(port);
    await Promise.all([c.submit('Z1', 'a', [unit('a.example.com')], 0), c.submit('Z2', 'a', [{ ...unit('a.corp.internal'), zoneId: 'Z2' }], 0)]);
    expect(port.calls.map((x) => x.zoneId).sort()).toEqual(['Z1', 'Z2']);
  });

  test('throttling (PriorRequestNotComplete) is retried', async () => {
    const port = new FakeRoute53();
    port.failures = [throttled, throttled];
    const c = coordinator(port);
    await c.submit('Z1', 'a', [unit('a.example.com')], 0);
    expect(port.calls).toHaveLength(3);
  });

  test('throttling that does not stop fails the submission after maxAttempts', async () => {
    const port = new FakeRoute53();
    port.failures = Array.from({ length: 10 }, () => throttled);
    const c = coordinator(port, { maxAttempts: 3 });
    await expect(c.submit('Z1', 'a', [unit('a.example.com')], 0)).rejects.toThrow(/slow down/);
    expect(port.calls).toHaveLength(3);
  });

  test("an invalid shared batch is retried per owner, so one owner's bad change does not block the others", async () => {
    const port = new FakeRoute53();
    const bad = (changes: RecordChange[]) => (changes.some((ch) => ch.record.name === 'bad.example.com') ? invalid() : undefined);
    port.failures = [bad, bad, bad];
    const c = coordinator(port);
    const results = await Promise.allSettled([
      c.submit('Z1', 'good', [unit('good.example.com')], 0),
      c.submit('Z1', 'bad', [unit('bad.example.com')], 0),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect(port.calls.map((x) => x.changes.length)).toEqual([4, 2, 2]);
  });

  test('listings are shared until they expire; our own writes are applied to the shared listing', async () => {
    const port = new FakeRoute53();
    port.records = [{ name: 'old.example.com', type: 'CNAME', ttl: 60, values: ['x.example.org'] }];
    let t = 0;
    const c = coordinator(port, { listingTtlMs: 1000, now: () => t });
    const [l1, l2] = await Promise.all([c.listZone('Z1'), c.listZone('Z1')]);
    await c.listZone('Z1');
    expect(port.lists).toBe(1);
    expect(l1.version).toBe(0);
    expect(l2.version).toBe(0);
    await c.submit('Z1', 'a', [unit('a.example.com'), { zoneId: 'Z1', name: 'old.example.com', drift: [], changes: [{ action: 'DELETE', record: port.records[0]! }] }], l1.version);
    const l3 = await c.listZone('Z1');
    expect(port.lists).toBe(1);
    expect(l3.version).toBe(1);
    expect(l3.records.map((r) => `${r.type} ${r.name}`)).toEqual(['CNAME a.example.com', 'TXT _albatross.a.example.com']);
    // Expiry counts from the fetch, not from our last write: others' changes are seen in time.
    t = 1500;
    await c.listZone('Z1');
    expect(port.lists).toBe(2);
  });

  test('a listing still in flight during a write is not kept (it may or may not include the write)', async () => {
    const port = new FakeRoute53();
    port.listDelayMs = 200;
    const c = coordinator(port);
    const inFlight = c.listZone('Z1');
    await c.submit('Z1', 'a', [unit('a.example.com')], 0);
    expect((await inFlight).version).toBe(0);
    await c.listZone('Z1');
    expect(port.lists).toBe(2);
  });

  test('a full batch does not wait for the window', async () => {
    const port = new FakeRoute53();
    const c = coordinator(port, { windowMs: 60_000, maxWaitMs: 60_000 });
    const started = Date.now();
    await Promise.all(Array.from({ length: 500 }, (_, i) => c.submit('Z1', `o${i}`, [unit(`n${i}.example.com`)], 0)));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(port.calls.map((x) => x.changes.length)).toEqual([1000]);
  });

  test('a plan made before another owner wrote the same name is refused as stale; other names go through', async () => {
    const port = new FakeRoute53();
    const c = coordinator(port);
    const { version } = await c.listZone('Z1');
    await c.submit('Z1', 'first', [unit('x.example.com')], version);
    await expect(c.submit('Z1', 'second', [unit('x.example.com')], version)).rejects.toBeInstanceOf(StalePlanError);
    await c.submit('Z1', 'third', [unit('y.example.com')], version);
    expect(port.calls).toHaveLength(2);
  });

  test('two owners claiming one name in the same window: the first is written, the second must re-plan', async () => {
    const port = new FakeRoute53();
    const c = coordinator(port);
    const results = await Promise.allSettled([c.submit('Z1', 'first', [unit('x.example.com')], 0), c.submit('Z1', 'second', [unit('x.example.com')], 0)]);
    expect(results[0]?.status).toBe('fulfilled');
    expect(results[1]?.status === 'rejected' && results[1].reason).toBeInstanceOf(StalePlanError);
    expect(port.calls).toHaveLength(1);
    expect(port.calls[0]?.changes).toHaveLength(2);
  });

  test('a submission whose caller aborted before the flush is not sent', async () => {
    const port = new FakeRoute53();
    const c = coordinator(port);
    const ac = new AbortController();
    const p = c.submit('Z1', 'a', [unit('a.example.com')], 0, ac.signal);
    ac.abort();
    await expect(p).rejects.toThrow();
    await c.submit('Z1', 'b', [unit('b.example.com')], 0);
    expect(port.calls.flatMap((x) => x.changes.map((ch) => ch.record.name))).toEqual(['b.example.com', '_albatross.b.example.com']);
  });
});
