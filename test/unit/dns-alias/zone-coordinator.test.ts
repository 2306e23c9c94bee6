import { describe, expect, jest, test } from '@jest/globals';
import { AwsError } from '../../../src/aws/errors.ts';
import type { RecordChange, RecordSet, Route53Port } from '../../../src/aws/route53.ts';
import type { ChangeUnit } from '../../../src/reconcilers/dns-alias/plan.ts';
import { ChainLoopError, ReplanError, WriteHeldError, ZoneCoordinator, type ZoneSubmission } from '../../../src/reconcilers/dns-alias/zone-coordinator.ts';
import { applyChanges } from '../../../src/reconcilers/dns-alias/zone-view.ts';

/** A Route 53 double: records calls, applies accepted batches to its records, fails on demand. */
class FakeRoute53 implements Route53Port {
  calls: Array<{ zoneId: string; changes: RecordChange[]; at: number }> = [];
  lists = 0;
  records: RecordSet[] = [];
  failures: Array<(changes: RecordChange[]) => Error | undefined> = [];
  /** refuses every batch holding a change for one of these names */
  refuse = new Set<string>();
  refuseMessage = 'bad';
  inFlight = 0;
  maxInFlight = 0;
  overlapped = false;
  listDelayMs = 5;

  async findZonesByName() {
    return [];
  }
  async getZone() {
    return undefined;
  }
  async listRecordSets() {
    this.lists++;
    if (this.inFlight > 0) this.overlapped = true;
    await new Promise((r) => setTimeout(r, this.listDelayMs));
    return [...this.records];
  }
  async changeRecordSets(zoneId: string, changes: RecordChange[]) {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((r) => setTimeout(r, 5));
      this.calls.push({ zoneId, changes, at: Date.now() });
      const fail = this.failures.shift()?.(changes);
      if (fail) throw fail;
      if (changes.some((c) => this.refuse.has(c.record.name))) throw new AwsError('route53', 'ChangeResourceRecordSets', 'InvalidChangeBatch', 'invalid', this.refuseMessage);
      this.records = applyChanges(this.records, changes);
      return 'C1';
    } finally {
      this.inFlight--;
    }
  }
}

const throttled = () => new AwsError('route53', 'ChangeResourceRecordSets', 'PriorRequestNotComplete', 'throttled', 'slow down');

const txtOf = (owner: string) => `"albatross-owner=c/DnsAlias/ns/${owner}"`;

function changesFor(name: string, owner: string, value: string, records: readonly RecordSet[]): RecordChange[] {
  const cname = records.find((r) => r.name === name && r.type === 'CNAME');
  const txt = records.find((r) => r.name === `_albatross.${name}`);
  const out: RecordChange[] = [];
  if (!cname || cname.values[0] !== value) out.push({ action: cname ? 'UPSERT' : 'CREATE', record: { name, type: 'CNAME', ttl: 60, values: [value] } });
  if (!txt) out.push({ action: 'CREATE', record: { name: `_albatross.${name}`, type: 'TXT', ttl: 60, values: [txtOf(owner)] } });
  return out;
}

/**
 * A submission the way the reconciler makes one: a CNAME and its ownership TXT, planned again
 * against the zone when the batch is made (a name owned by someone else: plan again).
 */
function submission(owner: string, name: string, extra: Partial<ZoneSubmission> & { value?: string } = {}): ZoneSubmission {
  const value = extra.value ?? 'lb.example.org';
  const plan = (records: readonly RecordSet[]) => {
    const txt = records.find((r) => r.name === `_albatross.${name}`);
    if (txt && txt.values[0] !== txtOf(owner)) return { replan: `${name} is owned by ${txt.values[0]}` };
    const changes = changesFor(name, owner, value, records);
    return { units: changes.length ? [{ zoneId: 'Z1', name, changes, drift: [] }] : [] };
  };
  const estimate: ChangeUnit[] = [{ zoneId: 'Z1', name, changes: changesFor(name, owner, value, []), drift: [] }];
  return { owner, zoneId: 'Z1', names: [name], plan, estimate, ...extra };
}

function coordinator(port: FakeRoute53, extra: Partial<ConstructorParameters<typeof ZoneCoordinator>[0]> = {}) {
  return new ZoneCoordinator({ port, writeIntervalMs: 20, sleep: () => Promise.resolve(), ...extra });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ZoneCoordinator: batching', () => {
  test('submissions for one zone within the write interval go out as one ChangeResourceRecordSets call', async () => {
    const port = new FakeRoute53();
    const c = coordinator(port);
    await Promise.all([c.submit(submission('a', 'a.example.com')), c.submit(submission('b', 'b.example.com')), c.submit(submission('c', 'c.example.com'))]);
    expect(port.calls).toHaveLength(1);
    expect(port.calls[0]?.changes).toHaveLength(6);
  });

  test('changes trickling in closer than the quiet time join one batch, even past the write interval', async () => {
    const port = new FakeRoute53();
    const c = coordinator(port, { writeIntervalMs: 600 }); // quiet time 300 ms, longest wait 3.6 s
    const done: Array<Promise<void>> = [];
    for (let i = 0; i < 40; i++) {
      done.push(c.submit(submission(`o${i}`, `n${i}.example.com`)));
      await sleep(30); // 40 submissions over more than 1.2 s, twice the write interval
    }
    await Promise.all(done);
    expect(port.calls).toHaveLength(1);
    expect(port.calls[0]?.changes).toHaveLength(80);
  });

  test('changes that keep arriving past the longest wait (a long apply the controller keeps up with) stay one batch, up to the longer wait', async () => {
    const port = new FakeRoute53();
    const c = coordinator(port, { writeIntervalMs: 100 }); // quiet 50 ms, longest wait 600 ms, longer wait 2.4 s
    const done: Array<Promise<void>> = [];
    const started = Date.now();
    for (let i = 0; Date.now() - started < 1200; i++) {
      done.push(c.submit(submission(`o${i}`, `n${i}.example.com`)));
      await sleep(20);
    }
    await Promise.all(done);
    expect(port.calls).toHaveLength(1);
    expect(port.calls[0]?.changes).toHaveLength(2 * done.length);
  });

  test('while the controller still works through resources that may write here, a settled batch waits for them (bounded)', async () => {
    const port = new FakeRoute53();
    let busy = true;
    const c = coordinator(port, { writeIntervalMs: 50, busy: () => busy }); // longest wait 300 ms
    const first = c.submit(submission('a', 'a.example.com'));
    await sleep(150); // settled by the clock long ago; still busy
    expect(port.calls).toHaveLength(0);
    const second = c.submit(submission('b', 'b.example.com'));
    busy = false;
    await Promise.all([first, second]);
    expect(port.calls.map((x) => x.changes.length)).toEqual([4]);
    // Busy for ever: the batch goes at the longest wait for a busy zone anyway (24 intervals).
    busy = true;
    const started = Date.now();
    await c.submit(submission('c', 'c.example.com'));
    expect(port.calls).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('a zone writes at most once per write interval', async () => {
    const port = new FakeRoute53();
    const c = coordinator(port, { writeIntervalMs: 80 });
    await c.submit(submission('a', 'a.example.com'));
    await c.submit(submission('b', 'b.example.com'));
    await c.submit(submission('c', 'c.example.com'));
    expect(port.calls).toHaveLength(3);
    for (let i = 1; i < port.calls.length; i++) expect(port.calls[i]!.at - port.calls[i - 1]!.at).toBeGreaterThanOrEqual(75);
  });

  test('1200 units (2400 changes) need ceil(2400/1000) = 3 calls, one at a time', async () => {
    const port = new FakeRoute53();
    const c = coordinator(port);
    await Promise.all(Array.from({ length: 1200 }, (_, i) => c.submit(submission(`o${i}`, `n${i}.example.com`, { value: 'x' }))));
    expect(port.calls.map((x) => x.changes.length).sort()).toEqual([1000, 1000, 400]);
    expect(port.maxInFlight).toBe(1);
    expect(c.stats().get('Z1')).toEqual({ listCalls: 1, changeCalls: 3, changes: 2400, relistsPostponed: 0 });
  });

  test('the rest of a backlog follows a full batch once settled (a quiet time), and a later first change waits an interval again', async () => {
    // Simulated time: counts calls at given instants.
    jest.useFakeTimers({ now: 0 });
    try {
      const port = new FakeRoute53();
      const c = coordinator(port, { writeIntervalMs: 1000, busy: () => false }); // quiet 500 ms
      // 600 names = 1200 changes: one full batch of 1000 at once, 200 left
      const backlog = Promise.all(Array.from({ length: 600 }, (_, i) => c.submit(submission(`o${i}`, `n${i}.example.com`, { value: 'x' }))));
      await jest.advanceTimersByTimeAsync(700);
      expect(port.calls.map((x) => x.changes.length)).toEqual([1000, 200]); // the rest: not an interval (1000 ms) later
      await backlog;
      await jest.advanceTimersByTimeAsync(2000);
      const later = c.submit(submission('late', 'late.example.com', { value: 'x' }));
      await jest.advanceTimersByTimeAsync(700);
      expect(port.calls).toHaveLength(2); // a first change to an idle zone waits an interval for company
      await jest.advanceTimersByTimeAsync(400);
      await later;
      expect(port.calls).toHaveLength(3);
    } finally {
      jest.useRealTimers();
    }
  });

  test('a full batch does not wait for the write interval', async () => {
    const port = new FakeRoute53();
    const c = coordinator(port, { writeIntervalMs: 60_000 });
    const started = Date.now();
    await Promise.all(Array.from({ length: 500 }, (_, i) => c.submit(submission(`o${i}`, `n${i}.example.com`, { value: 'x' }))));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(port.calls.map((x) => x.changes.length)).toEqual([1000]);
  });

  test('different zones are separate batches', async () => {
    const port = new FakeRoute53();
    const c = coordinator(port);
    const other = submission('a', 'a.corp.internal');
    await Promise.all([c.submit(submission('a', 'a.example.com')), c.submit({ ...other, zoneId: 'Z2', estimate: other.estimate.map((u) => ({ ...u, zoneId: 'Z2' })) })]);
    expect(port.calls.map((x) => x.zoneId).sort()).toEqual(['Z1', 'Z2']);
  });

  test('changes are planned when the batch is made: a change no longer needed is not sent', async () => {
    const port = new FakeRoute53();
    port.records = [
      { name: 'a.example.com', type: 'CNAME', ttl: 60, values: ['lb.example.org'] },
      { name: '_albatross.a.example.com', type: 'TXT', ttl: 60, values: [txtOf('a')] },
    ];
    const c = coordinator(port);
    await c.submit(submission('a', 'a.example.com')); // the estimate says CREATE; the zone already has it
    expect(port.calls).toHaveLength(0);
  });

  test('two owners claiming one free name in one batch: the first is written, the second must plan again', async () => {
    const port = new FakeRoute53();
    const c = coordinator(port);
    const results = await Promise.allSettled([c.submit(submission('first', 'x.example.com')), c.submit(submission('second', 'x.example.com', { value: 'other.example.org' }))]);
    expect(results[0]?.status).toBe('fulfilled');
    expect(results[1]?.status === 'rejected' && results[1].reason).toBeInstanceOf(ReplanError);
    expect(port.calls).toHaveLength(1);
    expect(port.records.find((r) => r.name === 'x.example.com')?.values).toEqual(['lb.example.org']);
  });

  test('a submission whose caller aborted before the batch was made is not sent', async () => {
    const port = new FakeRoute53();
    const c = coordinator(port);
    const ac = new AbortController();
    const p = c.submit(submission('a', 'a.example.com', { signal: ac.signal }));
    ac.abort();
    await expect(p).rejects.toThrow();
    await c.submit(submission('b', 'b.example.com'));
    expect(port.calls.flatMap((x) => x.changes.map((ch) => ch.record.name))).toEqual(['b.example.com', '_albatross.b.example.com']);
  });

  test('a chain loop found when the batch is made: nothing of it is sent', async () => {
    const port = new FakeRoute53();
    const c = coordinator(port);
    const results = await Promise.allSettled([c.submit(submission('a', 'a.example.com', { loop: () => 'a -> b -> a' })), c.submit(submission('c', 'c.example.com'))]);
    expect(results[0]?.status === 'rejected' && results[0].reason).toBeInstanceOf(ChainLoopError);
    expect(port.calls.flatMap((x) => x.changes.map((ch) => ch.record.name))).toEqual(['c.example.com', '_albatross.c.example.com']);
  });
});

describe('ZoneCoordinator: listings', () => {
  test('one listing is shared; our own writes are applied to it; it is listed again once older than its age', async () => {
    const port = new FakeRoute53();
    port.records = [{ name: 'old.example.com', type: 'CNAME', ttl: 60, values: ['x.example.org'] }];
    let t = 0;
    const c = coordinator(port, { listingMaxAgeMs: 1000, now: () => t });
    await Promise.all([c.listZone('Z1'), c.listZone('Z1')]);
    await c.listZone('Z1');
    expect(port.lists).toBe(1);
    await c.submit(submission('a', 'a.example.com'));
    const l = await c.listZone('Z1');
    expect(port.lists).toBe(1);
    expect(l.records.map((r) => `${r.type} ${r.name}`).sort()).toEqual(['CNAME a.example.com', 'CNAME old.example.com', 'TXT _albatross.a.example.com']);
    // Age counts from the listing, not from our last write: others' changes are seen in time.
    t = 1500;
    await c.listZone('Z1');
    expect(port.lists).toBe(2);
  });

  test('the zone-level resync: a zone in use lists itself again once per period, however many reconciles read it; an unused one does not', async () => {
    const port = new FakeRoute53();
    const c = coordinator(port, { relistEveryMs: 100, listingMaxAgeMs: 150 });
    const started = Date.now();
    await c.listZone('Z1');
    for (let i = 0; i < 10; i++) {
      await sleep(30);
      await c.listZone('Z1'); // reconciles reading the zone: they never list it themselves
    }
    await sleep(30);
    // One listing per period of use (at 100, 200, 300 ms ... of however long the loop took), never one per read.
    const periods = Math.floor((Date.now() - started) / 100);
    expect(port.lists).toBeGreaterThanOrEqual(3);
    expect(port.lists).toBeLessThanOrEqual(periods + 1);
    const used = port.lists;
    await sleep(350); // not used: at most the one period already begun
    expect(port.lists).toBeLessThanOrEqual(used + 1);
    const idle = port.lists;
    await sleep(200);
    expect(port.lists).toBe(idle);
  });

  test("the periodic re-listing waits while the zone's writes are busy, at most until two periods after the last listing", async () => {
    const port = new FakeRoute53();
    let busy = true;
    const c = coordinator(port, { relistEveryMs: 150, listingMaxAgeMs: 300, writeIntervalMs: 20, busy: () => busy });
    await c.listZone('Z1');
    const use = async (ms: number) => {
      for (const end = Date.now() + ms; Date.now() < end; ) {
        await sleep(20);
        await c.listZone('Z1'); // reads of the zone: they never list it themselves while it is fresh
      }
    };
    await use(220); // one period gone, busy all along: the re-listing waited
    expect(port.lists).toBe(1);
    expect(c.stats().get('Z1')!.relistsPostponed).toBeGreaterThan(0);
    await use(150); // two periods: listed however busy
    expect(port.lists).toBe(2);
    busy = false;
    await use(200); // not busy: one period after that listing
    expect(port.lists).toBe(3);
  });

  test('the periodic re-listing also waits while writes keep coming (a run of batches with gaps between them), at most until two periods after the last listing', async () => {
    // Simulated time (jest's fake timers drive the coordinator's timers, its clock and the double's
    // delays): the test counts listings at given instants, not how fast this machine runs.
    jest.useFakeTimers({ now: 0 });
    try {
      const port = new FakeRoute53();
      // interval 20 ms: the longest wait (6 intervals) is 120 ms; nothing counts as busy from outside.
      const c = coordinator(port, { relistEveryMs: 150, listingMaxAgeMs: 600, writeIntervalMs: 20, busy: () => false });
      const listed = c.listZone('Z1');
      await jest.advanceTimersByTimeAsync(10);
      await listed;
      const written: Array<Promise<void>> = [];
      for (let i = 0; i < 5; i++) {
        // One batch (sent ~25 ms after its change), then a gap, shorter than the longest wait: the
        // re-listing falls due (155 ms) in the gap after the third batch.
        written.push(c.submit(submission(`o${i}`, `n${i}.example.com`)));
        await jest.advanceTimersByTimeAsync(50);
      }
      await Promise.all(written);
      expect(port.calls.length).toBeGreaterThanOrEqual(2);
      expect(port.lists).toBe(1); // due at 150 ms, in the middle of the run: postponed
      expect(c.stats().get('Z1')!.relistsPostponed).toBeGreaterThan(0);
      await jest.advanceTimersByTimeAsync(250); // past two periods after the listing: listed once, however the run went
      expect(port.lists).toBe(2);
    } finally {
      jest.useRealTimers();
    }
  });

  test('while the periodic re-listing waits, a failed write still has the zone listed again before the next write', async () => {
    const port = new FakeRoute53();
    const c = coordinator(port, { relistEveryMs: 60_000, listingMaxAgeMs: 120_000, busy: () => true, writeIntervalMs: 20 });
    await c.listZone('Z1');
    port.failures = [() => new AwsError('route53', 'ChangeResourceRecordSets', 'InternalFailure', 'transient', 'boom')];
    await c.submit(submission('a', 'a.example.com')).catch(() => undefined);
    expect(port.lists).toBe(1);
    await c.submit(submission('b', 'b.example.com'));
    expect(port.lists).toBe(2);
  });

  test('a listing never overlaps a write to its zone', async () => {
    const port = new FakeRoute53();
    port.listDelayMs = 30;
    const c = coordinator(port, { listingMaxAgeMs: 0 });
    await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => c.submit(submission(`o${i}`, `n${i}.example.com`))),
      ...Array.from({ length: 5 }, () => sleep(15).then(() => c.listZone('Z1'))),
    ]);
    expect(port.overlapped).toBe(false);
  });

  test('a fresh listing that differs from ours names the changed names (drift), ownership TXTs as the name they own', async () => {
    const port = new FakeRoute53();
    let t = 0;
    const changed: string[][] = [];
    const c = coordinator(port, { listingMaxAgeMs: 1000, now: () => t, onZoneChanged: (_z, names) => changed.push(names.sort()) });
    await c.submit(submission('a', 'a.example.com'));
    await c.submit(submission('b', 'b.example.com'));
    t = 2000;
    await c.listZone('Z1');
    expect(changed).toEqual([]); // our own writes are no news
    port.records = port.records.filter((r) => r.name !== '_albatross.a.example.com').map((r) => (r.name === 'b.example.com' ? { ...r, values: ['evil.example.net'] } : r));
    t = 4000;
    await c.listZone('Z1');
    expect(changed).toEqual([['a.example.com', 'b.example.com']]);
  });
});

describe('ZoneCoordinator: failures', () => {
  test('throttling (PriorRequestNotComplete) is retried', async () => {
    const port = new FakeRoute53();
    port.failures = [throttled, throttled];
    const c = coordinator(port);
    await c.submit(submission('a', 'a.example.com'));
    expect(port.calls).toHaveLength(3);
  });

  test('throttling that does not stop fails the submission after maxAttempts; the change is held back, not refused', async () => {
    const port = new FakeRoute53();
    port.failures = Array.from({ length: 10 }, () => throttled);
    const c = coordinator(port, { maxAttempts: 3 });
    const err = await c.submit(submission('a', 'a.example.com')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WriteHeldError);
    expect((err as WriteHeldError).hold).toMatchObject({ attempts: 1, rejected: false });
    expect((err as WriteHeldError).message).toMatch(/slow down/);
    expect(port.calls).toHaveLength(3);
  });

  test("a refused batch is bisected: only the offender is held back with Route 53's message, everyone else is written", async () => {
    const port = new FakeRoute53();
    port.refuse.add('bad.example.com');
    const c = coordinator(port);
    const owners = Array.from({ length: 16 }, (_, i) => (i === 11 ? 'bad' : `good${i}`));
    const results = await Promise.allSettled(owners.map((o) => c.submit(submission(o, `${o}.example.com`))));
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [[owners[i], r.reason]] : []));
    expect(failed.map(([o]) => o)).toEqual(['bad']);
    const err = failed[0]![1] as WriteHeldError;
    expect(err).toBeInstanceOf(WriteHeldError);
    expect(err.hold).toMatchObject({ attempts: 1, rejected: true });
    expect(err.message).toContain('bad');
    expect(port.records.filter((r) => r.type === 'CNAME')).toHaveLength(15);
    // 1 whole batch + at most 2 per halving (log2 16 = 4), and one listing again before blaming the change
    expect(port.calls.length).toBeLessThanOrEqual(1 + 2 * 4);
    expect(port.lists).toBe(2);
  });

  test("when Route 53's message names the record, the offender is set aside without bisecting", async () => {
    const port = new FakeRoute53();
    port.refuse.add('bad.example.com');
    port.refuseMessage = "[Tried to create resource record set [name='bad.example.com.', type='CNAME'] but it already exists]";
    const c = coordinator(port);
    const owners = Array.from({ length: 16 }, (_, i) => (i === 5 ? 'bad' : `good${i}`));
    await Promise.allSettled(owners.map((o) => c.submit(submission(o, `${o}.example.com`))));
    expect(port.calls.map((x) => x.changes.length)).toEqual([32, 30]);
  });

  test('a persistently refused change is held back until its backoff expires, whatever others write; retried alone; the wait doubles', async () => {
    const port = new FakeRoute53();
    port.refuse.add('bad.example.com');
    let t = 0;
    const c = coordinator(port, { now: () => t, holdBaseMs: 1000, holdMaxMs: 4000 });
    const bad = (): Promise<WriteHeldError> =>
      c.submit(submission('bad', 'bad.example.com')).then(
        () => {
          throw new Error('expected the change to be held back');
        },
        (e: unknown) => e as WriteHeldError,
      );
    const first = await bad();
    expect(first.hold).toMatchObject({ attempts: 1, until: 1000, rejected: true });
    const sentBad = () => port.calls.filter((x) => x.changes.some((ch) => ch.record.name === 'bad.example.com')).length;
    const before = sentBad();

    // Others keep writing to the zone; the held change rides along with none of their batches.
    for (let i = 0; i < 5; i++) {
      t += 100;
      const [held] = await Promise.all([bad(), c.submit(submission(`o${i}`, `n${i}.example.com`))]);
      expect(held).toBeInstanceOf(WriteHeldError);
      expect(held.fresh).toBe(false);
    }
    expect(sentBad()).toBe(before);
    expect(c.heldBack('bad', 'Z1', submission('bad', 'bad.example.com').estimate)).toBeDefined();

    // Expired: tried again, in a batch of its own, beside others' changes; refused again: twice as long.
    t = 1000;
    const [again] = await Promise.all([bad(), c.submit(submission('late', 'late.example.com'))]);
    expect(again.fresh).toBe(true);
    expect(again.hold).toMatchObject({ attempts: 2, until: 3000 });
    const lastTwo = port.calls.slice(-2).map((x) => x.changes.map((ch) => ch.record.name).filter((n) => !n.startsWith('_')));
    expect(lastTwo).toContainEqual(['bad.example.com']);
    expect(lastTwo).toContainEqual(['late.example.com']);
    t = 3000;
    expect((await bad()).hold).toMatchObject({ attempts: 3, until: 7000 });
    t = 7000;
    expect((await bad()).hold).toMatchObject({ attempts: 4, until: 11000 }); // bounded at 4 s

    // A different change (the spec was fixed) is not held back.
    await c.submit(submission('bad', 'bad.example.com', { value: 'fixed.example.org', names: ['bad.example.com'] })).catch(() => undefined);
    expect(port.calls.at(-1)?.changes[0]?.record.values).toEqual(['fixed.example.org']);
  });

  test('refused because our listing was out of date (someone created the name): listed again and sent back to plan, not held', async () => {
    const port = new FakeRoute53();
    const c = coordinator(port);
    await c.listZone('Z1');
    // Behind our back: a record of another owner at the name.
    port.records.push({ name: 'x.example.com', type: 'CNAME', ttl: 60, values: ['theirs.example.org'] }, { name: '_albatross.x.example.com', type: 'TXT', ttl: 60, values: [txtOf('them')] });
    port.refuse.add('x.example.com');
    const err = await c.submit(submission('us', 'x.example.com')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplanError);
    expect(c.holds.size).toBe(0);
    expect((await c.listZone('Z1')).records.find((r) => r.name === 'x.example.com')?.values).toEqual(['theirs.example.org']);
  });
});
