// Chain loops across DnsAliases are found before anything is written: a -> b and b -> a applied
// together leave Route 53 untouched, both ChainLoop; pointing one elsewhere frees the other at once
// (it is woken, not left for the next resync).
import { describe, expect, it } from '@jest/globals';
import { uniqueName } from '../support/index.ts';
import { applyDnsAlias, condition, createZone, recordsAt, waitForCondition, type Controller } from './harness.ts';
import { controllerPerTest } from './per-test.ts';

const startController = controllerPerTest();
let ctl: Controller | undefined;

describe('DnsAlias: loops across resources', () => {
  it('a -> b and b -> a applied together: neither is written, both ChainLoop; b pointed at a load balancer frees a', async () => {
    // A resync far beyond the test: a is freed by being woken when b's chain changes.
    ctl = await startController('dnsa-loop', { writeIntervalMs: 300, resyncPeriod: '10m' });
    const ns = ctl.namespace.name;
    const z = await createZone(`${uniqueName('loop')}.example.com`);
    const [a, b] = [`a.${z.name}`, `b.${z.name}`];
    const one = (name: string, target: string) => ({ names: [{ name, hostedZone: { name: z.name } }], target: { hostname: target } });

    await Promise.all([applyDnsAlias(ns, 'a', one(a, b)), applyDnsAlias(ns, 'b', one(b, a))]);
    const [sa, sb] = await Promise.all([waitForCondition(ns, 'a', 'Stalled', 'True', 'ChainLoop'), waitForCondition(ns, 'b', 'Stalled', 'True', 'ChainLoop')]);
    expect(condition(sa, 'Stalled')?.message).toContain(`${b} -> ${a}`);
    expect(condition(sb, 'Stalled')?.message).toContain(`${a} -> ${b}`);
    // Give a batch every chance to go out (several write intervals), then: nothing was sent.
    await new Promise((r) => setTimeout(r, 1500));
    expect(ctl.proxy.count('ChangeResourceRecordSets', z.id)).toBe(0);
    expect(await recordsAt(z.id, a)).toEqual([]);
    expect(await recordsAt(z.id, b)).toEqual([]);

    await applyDnsAlias(ns, 'b', one(b, 'lb-1.example.org'));
    await Promise.all([waitForCondition(ns, 'b', 'Ready', 'True'), waitForCondition(ns, 'a', 'Ready', 'True')]);
    expect((await recordsAt(z.id, a))[0]?.ResourceRecords).toEqual([{ Value: b }]);
    expect((await recordsAt(z.id, b))[0]?.ResourceRecords).toEqual([{ Value: 'lb-1.example.org' }]);
  });

  it('a loop through another DnsAlias in another zone is found too', async () => {
    ctl = await startController('dnsa-loop2', { writeIntervalMs: 300, resyncPeriod: '10m' });
    const ns = ctl.namespace.name;
    const tag = uniqueName('loop');
    const [pub, ops] = await Promise.all([createZone(`${tag}.example.com`), createZone(`${tag}.example.org`)]);
    const [a, b, c] = [`a.${pub.name}`, `b.${ops.name}`, `c.${ops.name}`];
    // a -> b (one resource, two names: a, then b); c -> a (another resource, in the other zone)
    await Promise.all([
      applyDnsAlias(ns, 'ab', { names: [{ name: a, hostedZone: { name: pub.name } }, { name: b, hostedZone: { name: ops.name } }], target: { hostname: c } }),
      applyDnsAlias(ns, 'c', { names: [{ name: c, hostedZone: { name: ops.name } }], target: { hostname: a } }),
    ]);
    await Promise.all([waitForCondition(ns, 'ab', 'Stalled', 'True', 'ChainLoop'), waitForCondition(ns, 'c', 'Stalled', 'True', 'ChainLoop')]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(ctl.proxy.count('ChangeResourceRecordSets')).toBe(0);
  });
});
