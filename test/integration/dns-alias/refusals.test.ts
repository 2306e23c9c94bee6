// A change Route 53 keeps refusing, made by the AWS limits proxy's Route 53 layer (a batch holding
// a change to the refused name is refused whole with InvalidChangeBatch, as Route 53 refuses an
// atomic batch): the rest of the batch is still written, only the offender is Stalled with Route
// 53's message, and its retries back off however much other DnsAliases write to the zone.
import { afterEach, describe, expect, it } from '@jest/globals';
import { limitsProxy } from '../../env/aws-limits/client.ts';
import { uniqueName, waitFor } from '../support/index.ts';
import { applyDnsAlias, condition, createZone, eventsFor, getDnsAlias, recordsAt, waitForCondition, type Controller } from './harness.ts';
import { controllerPerTest } from './per-test.ts';

const startController = controllerPerTest();
let ctl: Controller | undefined;
afterEach(async () => {
  await limitsProxy.clearRoute53Refusals();
});

const MESSAGE = 'Invalid Resource Record: FATAL problem: refused by the test';
const GOOD = 8;

describe('DnsAlias: a change Route 53 keeps refusing', () => {
  it('only its resource is Stalled with the message; the rest is written; retried alone with a growing backoff while others keep writing; a fixed spec goes through at once', async () => {
    ctl = await startController('dnsa-refuse', { writeIntervalMs: 300, holdBaseMs: 1500, holdMaxMs: 6000, resyncPeriod: '10m' });
    const ns = ctl.namespace.name;
    const z = await createZone(`${uniqueName('refuse')}.example.com`);
    const bad = `bad.${z.name}`;
    // The message does not name the record: the controller has to find the offender by halving.
    await limitsProxy.setRoute53Refusals([{ name: bad, message: MESSAGE, accounts: [ctl.accessKey] }]);
    const one = (name: string, target: string) => ({ names: [{ name, hostedZone: { name: z.name } }], target: { hostname: target } });
    const goods = Array.from({ length: GOOD }, (_, i) => `good-${i}`);

    await Promise.all([...goods.map((g) => applyDnsAlias(ns, g, one(`${g}.${z.name}`, 'lb-1.example.org'))), applyDnsAlias(ns, 'bad', one(bad, 'lb-1.example.org'))]);
    await Promise.all(goods.map((g) => waitForCondition(ns, g, 'Ready', 'True', undefined, 60_000)));
    const stalled = await waitForCondition(ns, 'bad', 'Stalled', 'True', 'AwsError', 60_000);
    expect(condition(stalled, 'Stalled')?.message).toContain(MESSAGE);
    // The first report may already be of a later attempt where the machine is slow (the goods' Ready took longer than the first backoff).
    expect(condition(stalled, 'Stalled')?.message).toMatch(/\(attempt \d+, tried again with backoff\)/);
    expect(await recordsAt(z.id, bad)).toEqual([]);
    for (const g of goods) expect((await recordsAt(z.id, `${g}.${z.name}`))[0]?.ResourceRecords).toEqual([{ Value: 'lb-1.example.org' }]);

    // Others keep writing to the zone, batch after batch, while the bad change is held back.
    for (let round = 0; round < 6; round++) {
      const g = goods[round % GOOD]!;
      await applyDnsAlias(ns, g, one(`${g}.${z.name}`, `lb-${round + 2}.example.org`));
      await waitFor(async () => (await recordsAt(z.id, `${g}.${z.name}`))[0]?.ResourceRecords?.[0]?.Value === `lb-${round + 2}.example.org`, { description: `${g} retargeted`, timeoutMs: 30_000 });
    }
    const third = await waitFor(
      async () => {
        const o = await getDnsAlias(ns, 'bad');
        return condition(o, 'Stalled')?.message?.includes('attempt 3') ? o : undefined;
      },
      { description: 'the third attempt of the refused change', timeoutMs: 60_000 },
    );
    expect(condition(third, 'Ready')?.status).toBe('False');

    const changes = ctl.proxy.calls.filter((c) => c.operation === 'ChangeResourceRecordSets' && c.zoneId === z.id);
    const hasBad = (c: { body: string }) => c.body.includes(`<Name>${bad}.</Name>`);
    const hasGood = (c: { body: string }) => c.body.includes('<Name>good-');
    const shared = changes.filter((c) => hasBad(c) && hasGood(c));
    const alone = changes.filter((c) => hasBad(c) && !hasGood(c));
    // The first batch held everyone; halving it found the bad change (at most 1 + 2·log2(9) tries) ...
    expect(shared.length).toBeGreaterThanOrEqual(1);
    expect(shared.length).toBeLessThanOrEqual(7);
    // ... and after that every try of it went alone: none rode along with the others' batches ...
    expect(Math.min(...alone.map((c) => c.at))).toBeGreaterThan(Math.max(...shared.map((c) => c.at)));
    // ... as many as its attempts, while the others wrote batch after batch meanwhile.
    const attempts = Number(/attempt (\d+)/.exec(condition(await getDnsAlias(ns, 'bad'), 'Stalled')?.message ?? '')?.[1]);
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(alone.length).toBeLessThanOrEqual(attempts);
    expect(alone.length).toBeGreaterThanOrEqual(2);
    const lastShared = Math.max(...shared.map((c) => c.at));
    expect(changes.filter((c) => !hasBad(c) && c.at > lastShared).length).toBeGreaterThanOrEqual(6);
    // The waits between tries grow: at least 1.5 s, then 3 s (the write interval only adds to them).
    const gaps = alone.slice(1).map((c, i) => c.at - alone[i]!.at);
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(1400);
    expect(gaps.at(-1)).toBeGreaterThanOrEqual(2900);
    // One Warning per try, with Route 53's message.
    const warnings = (await eventsFor(ns, 'bad')).filter((e) => e.type === 'Warning' && e.reason === 'AwsError');
    expect(warnings.length).toBeGreaterThanOrEqual(3);
    for (const w of warnings) expect(w.message).toContain(MESSAGE);

    // A different change (the spec fixed) is not held back.
    await applyDnsAlias(ns, 'bad', one(`fixed.${z.name}`, 'lb-1.example.org'));
    await waitForCondition(ns, 'bad', 'Ready', 'True', undefined, 30_000);
    expect((await recordsAt(z.id, `fixed.${z.name}`))[0]?.ResourceRecords).toEqual([{ Value: 'lb-1.example.org' }]);
    expect(await recordsAt(z.id, bad)).toEqual([]);
  });
});
