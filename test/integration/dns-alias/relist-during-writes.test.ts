// The zone's periodic re-listing and a burst of the controller's own writes: a re-listing that
// falls due while changes to the zone are on their way waits for them (a listing taken in the
// middle of a burst is out of date at once, and its pages compete with the writes for Route 53's
// 5 requests a second), then happens once; it is not skipped. Counted on the calls the controller
// sent, in the order a recording proxy saw them; the test times only when the burst starts (so the
// re-listing falls due inside it) and bounds counts, not durations.
import { describe, expect, it } from '@jest/globals';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { RESOURCES, type DnsAlias } from '../../../src/crds/index.ts';
import { kubeConfig, uniqueName, waitFor } from '../support/index.ts';
import { applyDnsAlias, createZone, type Controller, type TestZone } from './harness.ts';
import { controllerPerTest } from './per-test.ts';
import type { RecordedCall } from './route53-proxy.ts';

const startController = controllerPerTest();
let ctl: Controller | undefined;

const N = 20;
const LISTING_PERIOD_MS = 10_000;
const WRITE_INTERVAL_MS = 6000;

describe('DnsAlias: the periodic re-listing of a zone and a burst of writes', () => {
  it('a re-listing due during a burst waits until its write is sent, then lists once; the burst costs one ChangeResourceRecordSets', async () => {
    ctl = await startController('dnsa-relist', { writeIntervalMs: WRITE_INTERVAL_MS, listingTtlMs: LISTING_PERIOD_MS, zoneTtlMs: 600_000, resyncPeriod: '10m' });
    const ns = ctl.namespace.name;
    const z: TestZone = await createZone(`${uniqueName('relist')}.example.com`);
    const custom = kubeConfig().makeApiClient(CustomObjectsApi);
    const allReady = async (target: string) => {
      const items = ((await custom.listNamespacedCustomObject({ ...RESOURCES.dnsAlias, namespace: ns })) as { items: DnsAlias[] }).items;
      return (
        items.length === N &&
        items.every((o) => o.status?.observedGeneration === o.metadata?.generation && o.status?.chain?.at(-1) === target && o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      );
    };
    const spec = (i: number, target: string) => ({ names: [{ name: `svc-${i}.${z.name}`, hostedZone: { name: z.name } }], target: { hostname: target } });
    const indexes = Array.from({ length: N }, (_, i) => i);
    const ofZone = (c: RecordedCall) => c.zoneId === z.id;
    const calls = () => ctl!.proxy.calls.filter(ofZone);

    await Promise.all(indexes.map((i) => applyDnsAlias(ns, `svc-${i}`, spec(i, 'lb-1.example.org'))));
    await waitFor(() => allReady('lb-1.example.org'), { description: `${N} DnsAliases Ready`, timeoutMs: 120_000, intervalMs: 500 });

    // A periodic re-listing (nothing pending), so the next one's due time is known: one period after it.
    const created = Date.now();
    const periodic = await waitFor(() => calls().find((c) => c.operation === 'ListResourceRecordSets' && c.at > created), {
      description: 'a periodic re-listing of the zone',
      timeoutMs: 3 * LISTING_PERIOD_MS,
      intervalMs: 100,
    });
    // The burst begins 3 s before the next re-listing is due; its write waits at least one write
    // interval (6 s) for company, so the due time falls inside it (unless the controller needed
    // more than 3 s to see the first change: then the last assertion says so).
    await new Promise((r) => setTimeout(r, Math.max(0, periodic.at + LISTING_PERIOD_MS - 3000 - Date.now())));
    const postponedBefore = ctl.coordinator().stats().get(z.id)?.relistsPostponed ?? 0;
    const burstAt = Date.now();
    await Promise.all(indexes.map((i) => applyDnsAlias(ns, `svc-${i}`, spec(i, 'lb-2.example.org'))));
    await waitFor(() => allReady('lb-2.example.org'), { description: `${N} DnsAliases retargeted`, timeoutMs: 120_000, intervalMs: 500 });
    // The postponed re-listing comes once the write is out (within two periods of the last one).
    await waitFor(() => calls().some((c) => c.operation === 'ListResourceRecordSets' && c.at > burstAt), {
      description: 'the postponed re-listing',
      timeoutMs: 3 * LISTING_PERIOD_MS,
      intervalMs: 100,
    });

    // The re-listing was due during the burst and waited (else this test proves nothing).
    expect(ctl.coordinator().stats().get(z.id)!.relistsPostponed).toBeGreaterThan(postponedBefore);
    const burst = calls().filter((c) => c.at >= burstAt);
    const writes = burst.filter((c) => c.operation === 'ChangeResourceRecordSets');
    expect(writes).toHaveLength(1);
    const listings = burst.filter((c) => c.operation === 'ListResourceRecordSets');
    expect(listings).toHaveLength(1); // one page: the zone holds 2 + 2N records
    // Not in the middle of the burst: after its write.
    expect(listings[0]!.at).toBeGreaterThanOrEqual(writes[0]!.at);
  });
});
