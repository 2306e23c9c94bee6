// Route 53 calls per phase for N DnsAliases applied together into one zone that also holds foreign
// records, counted by the AWS limits proxy in front of moto for the controller's own access key:
// the zone is planned as a whole, so each phase costs the fewest ChangeResourceRecordSets Route 53's
// limits allow (here one), one listing of the zone and one zone lookup in all.
import { describe, expect, it } from '@jest/globals';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { RESOURCES, type DnsAlias } from '../../../src/crds/index.ts';
import { countsDelta, limitsProxy, sumCounts } from '../../env/aws-limits/client.ts';
import type { CallCounts } from '../../env/aws-limits/proxy.ts';
import { kubeConfig, uniqueName, waitFor } from '../support/index.ts';
import { applyDnsAlias, changeRecords, cname, createZone, zoneRecords, type Controller, type TestZone } from './harness.ts';
import { controllerPerTest } from './per-test.ts';

const startController = controllerPerTest();
let ctl: Controller | undefined;

const N = 40;
const FOREIGN = 10;

describe('DnsAlias Route 53 call budget', () => {
  it(`create, retarget and delete of ${N} DnsAliases applied together: one ChangeResourceRecordSets each, one listing; foreign records untouched`, async () => {
    // Production-like settings, a shorter write interval; listings and lookups live longer than the test.
    ctl = await startController('dnsa-budget', { writeIntervalMs: 3000, listingTtlMs: 600_000, zoneTtlMs: 600_000, resyncPeriod: '10m' });
    const ns = ctl.namespace.name;
    const z: TestZone = await createZone(`${uniqueName('budget')}.example.com`);
    await changeRecords(
      z.id,
      Array.from({ length: FOREIGN }, (_, i) => ({ Action: 'CREATE' as const, ResourceRecordSet: cname(`foreign-${i}.${z.name}`, `legacy-${i}.example.net`) })),
    );
    const foreign = async () => JSON.stringify((await zoneRecords(z.id)).filter((r) => r.Name?.startsWith('foreign-')));
    const foreignBefore = await foreign();
    const custom = kubeConfig().makeApiClient(CustomObjectsApi);
    const list = async () => ((await custom.listNamespacedCustomObject({ ...RESOURCES.dnsAlias, namespace: ns })) as { items: DnsAlias[] }).items;
    const allReady = async (target: string) => {
      const items = await list();
      return (
        items.length === N &&
        items.every((o) => o.status?.observedGeneration === o.metadata?.generation && o.status?.chain?.at(-1) === target && o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      );
    };
    const spec = (i: number, target: string) => ({ names: [{ name: `svc-${i}.${z.name}`, hostedZone: { name: z.name } }], target: { hostname: target } });
    const counts = async (): Promise<CallCounts> => (await limitsProxy.counts(ctl!.accessKey)).calls;
    const phase = async (act: () => Promise<unknown>, done: () => Promise<boolean>, what: string): Promise<CallCounts> => {
      const before = await counts();
      await act();
      await waitFor(done, { description: what, timeoutMs: 120_000, intervalMs: 500 });
      return countsDelta(before, await counts());
    };
    const indexes = Array.from({ length: N }, (_, i) => i);

    const create = await phase(() => Promise.all(indexes.map((i) => applyDnsAlias(ns, `svc-${i}`, spec(i, 'lb-1.example.org')))), () => allReady('lb-1.example.org'), `${N} DnsAliases Ready`);
    expect(create).toEqual({ 'route53.ListHostedZonesByName': 1, 'route53.ListResourceRecordSets': 1, 'route53.ChangeResourceRecordSets': 1 });
    expect((await zoneRecords(z.id)).filter((r) => r.Type === 'CNAME' && r.Name?.startsWith('svc-'))).toHaveLength(N);
    expect(await foreign()).toBe(foreignBefore);

    const retarget = await phase(() => Promise.all(indexes.map((i) => applyDnsAlias(ns, `svc-${i}`, spec(i, 'lb-2.example.org')))), () => allReady('lb-2.example.org'), `${N} DnsAliases retargeted`);
    expect(retarget).toEqual({ 'route53.ChangeResourceRecordSets': 1 });
    expect(await foreign()).toBe(foreignBefore);

    const del = await phase(
      () => Promise.all(indexes.map((i) => custom.deleteNamespacedCustomObject({ ...RESOURCES.dnsAlias, namespace: ns, name: `svc-${i}` }))),
      async () => (await list()).length === 0,
      `${N} DnsAliases gone`,
    );
    expect(del).toEqual({ 'route53.ChangeResourceRecordSets': 1 });
    expect(sumCounts(del)).toBe(1);
    const left = (await zoneRecords(z.id)).filter((r) => r.Type !== 'NS' && r.Type !== 'SOA').map((r) => r.Name);
    expect(left.sort()).toEqual(Array.from({ length: FOREIGN }, (_, i) => `foreign-${i}.${z.name}.`).sort());
    expect(await foreign()).toBe(foreignBefore);
  });
});
