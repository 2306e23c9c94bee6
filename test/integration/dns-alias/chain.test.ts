// The field report's chain against the real apiserver and moto Route 53: service.<public zone> ->
// service.<private ops zone> -> the load balancer of a LoadBalancedService. Each test has its own
// namespace, cluster name and hosted zones (unique names), so tests share nothing.
import { describe, expect, it } from '@jest/globals';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { RESOURCES, type LoadBalancedService } from '../../../src/crds/index.ts';
import { createLoadBalancedServiceController } from '../../../src/reconcilers/load-balanced-service/reconciler.ts';
import { kubeConfig, uniqueName, waitFor } from '../support/index.ts';
import {
  applyDnsAlias,
  createPublishedLbs,
  createZone,
  deleteDnsAlias,
  eventsFor,
  getDnsAlias,
  publishLbs,
  recordsAt,
  waitForCondition,
  zoneRecords,
  type Controller,
  type TestZone,
} from './harness.ts';
import { controllerPerTest } from './per-test.ts';

const startController = controllerPerTest();
let ctl: Controller | undefined;

interface Zones {
  pub: TestZone;
  ops: TestZone;
}

async function zones(): Promise<Zones> {
  const tag = uniqueName('z');
  const [pub, ops] = await Promise.all([createZone(`${tag}.example.com`), createZone(`aws.${tag}.corp.internal`, { private: true })]);
  return { pub, ops };
}

function exampleSpec(z: Zones, lbs = 'chat') {
  return {
    names: [
      { name: `service.${z.pub.name}`, hostedZone: { name: z.pub.name } },
      { name: `service.${z.ops.name}`, hostedZone: { name: z.ops.name, private: true } },
    ],
    target: { loadBalancedServiceRef: { name: lbs } },
    ttlSeconds: 300,
    finalRecord: 'CNAME' as const,
  };
}

const LB1 = 'chat-prod-1.us-east-1.elb.amazonaws.com';
const LB2 = 'chat-prod-2.us-east-1.elb.amazonaws.com';

describe('DnsAlias with the real LoadBalancedService controller', () => {
  it('follows the load balancer the LoadBalancedService controller creates in moto', async () => {
    ctl = await startController('dnsa-e2e', { alsoRun: [createLoadBalancedServiceController()] });
    const ns = ctl.namespace.name;
    const z = await zones();
    await createPublishedLbs(ns, 'chat', undefined);
    await applyDnsAlias(ns, 'chat', exampleSpec(z));
    const lbs = await waitFor(
      async () => {
        const o = (await kubeConfig().makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ ...RESOURCES.loadBalancedService, namespace: ns, name: 'chat' })) as LoadBalancedService;
        return o.status?.loadBalancer?.dnsName ? o : undefined;
      },
      { description: 'the LoadBalancedService controller to publish a DNS name', timeoutMs: 60_000 },
    );
    const dnsName = lbs.status!.loadBalancer!.dnsName!;
    const ready = await waitForCondition(ns, 'chat', 'Ready', 'True');
    expect(ready.status?.chain).toEqual([`service.${z.pub.name}`, `service.${z.ops.name}`, dnsName.toLowerCase()]);
    expect((await recordsAt(z.ops.id, `service.${z.ops.name}`))[0]?.ResourceRecords).toEqual([{ Value: dnsName.toLowerCase() }]);

    // Clean up through both controllers: the records, then the load balancer.
    await deleteDnsAlias(ns, 'chat');
    await waitFor(async () => (await getDnsAlias(ns, 'chat')) === undefined, { description: 'DnsAlias chat gone' });
    expect(await recordsAt(z.ops.id, `service.${z.ops.name}`)).toEqual([]);
    const api = kubeConfig().makeApiClient(CustomObjectsApi);
    await api.deleteNamespacedCustomObject({ ...RESOURCES.loadBalancedService, namespace: ns, name: 'chat' });
    await waitFor(
      () => api.getNamespacedCustomObject({ ...RESOURCES.loadBalancedService, namespace: ns, name: 'chat' }).then(() => false, (e: { code?: number }) => e.code === 404),
      { description: 'LoadBalancedService chat gone', timeoutMs: 60_000 },
    );
  });
});

describe('DnsAlias: the example chain', () => {
  it('becomes Ready; Route 53 holds both CNAMEs and their ownership TXTs', async () => {
    ctl = await startController('dnsa-example');
    const ns = ctl.namespace.name;
    const z = await zones();
    await createPublishedLbs(ns, 'chat', LB1);
    await applyDnsAlias(ns, 'chat', exampleSpec(z));

    const ready = await waitForCondition(ns, 'chat', 'Ready', 'True');
    const owner = `"albatross-owner=${ctl.clusterName}/DnsAlias/${ns}/chat"`;
    expect(await recordsAt(z.pub.id, `service.${z.pub.name}`)).toEqual([
      { Name: `service.${z.pub.name}.`, Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: `service.${z.ops.name}` }] },
    ]);
    expect(await recordsAt(z.pub.id, `_albatross.service.${z.pub.name}`)).toEqual([
      { Name: `_albatross.service.${z.pub.name}.`, Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: owner }] },
    ]);
    expect(await recordsAt(z.ops.id, `service.${z.ops.name}`)).toEqual([
      { Name: `service.${z.ops.name}.`, Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: LB1 }] },
    ]);
    expect(await recordsAt(z.ops.id, `_albatross.service.${z.ops.name}`)).toEqual([
      { Name: `_albatross.service.${z.ops.name}.`, Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: owner }] },
    ]);

    expect(ready.status?.chain).toEqual([`service.${z.pub.name}`, `service.${z.ops.name}`, LB1]);
    expect(ready.status?.chainSummary).toBe(`service.${z.pub.name} -> service.${z.ops.name} -> ${LB1}`);
    expect(ready.status?.records).toEqual([
      { hostedZoneId: z.pub.id, name: `service.${z.pub.name}`, type: 'CNAME', value: `service.${z.ops.name}`, ttl: 300, inSync: true },
      { hostedZoneId: z.ops.id, name: `service.${z.ops.name}`, type: 'CNAME', value: LB1, ttl: 300, inSync: true },
    ]);
    expect(ready.metadata?.finalizers).toContain('albatross.dev/cleanup');
    expect(ready.status?.conditions?.find((c) => c.type === 'Drifted')).toMatchObject({ status: 'False', reason: 'NoDrift' });
    // One batch per zone, each holding the record and its TXT.
    expect(ctl.proxy.count('ChangeResourceRecordSets', z.pub.id)).toBe(1);
    expect(ctl.proxy.count('ChangeResourceRecordSets', z.ops.id)).toBe(1);
    const events = await eventsFor(ns, 'chat');
    const created = events.filter((e) => e.reason === 'Created').map((e) => e.message).join('\n');
    expect(created).toContain(`service.${z.pub.name} CNAME service.${z.ops.name} ttl 300 (zone ${z.pub.id})`);
    expect(created).toContain(`service.${z.ops.name} CNAME ${LB1} ttl 300 (zone ${z.ops.id})`);
  });

  it('pointing at another LoadBalancedService changes only the ops-zone record; nothing is sent to the public zone', async () => {
    ctl = await startController('dnsa-swap');
    const ns = ctl.namespace.name;
    const z = await zones();
    await createPublishedLbs(ns, 'chat', LB1);
    await createPublishedLbs(ns, 'chat-v2', LB2);
    await applyDnsAlias(ns, 'chat', exampleSpec(z));
    await waitForCondition(ns, 'chat', 'Ready', 'True');

    const publicBefore = JSON.stringify(await zoneRecords(z.pub.id));
    const since = Date.now();
    await applyDnsAlias(ns, 'chat', exampleSpec(z, 'chat-v2'));
    const after = await waitForCondition(ns, 'chat', 'Ready', 'True');

    expect(after.status?.chain?.at(-1)).toBe(LB2);
    expect(await recordsAt(z.ops.id, `service.${z.ops.name}`)).toEqual([
      { Name: `service.${z.ops.name}.`, Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: LB2 }] },
    ]);
    expect(JSON.stringify(await zoneRecords(z.pub.id))).toBe(publicBefore);
    expect(ctl.proxy.count('ChangeResourceRecordSets', z.pub.id, since)).toBe(0);
    expect(ctl.proxy.count('ChangeResourceRecordSets', z.ops.id, since)).toBe(1);
    const sent = ctl.proxy.calls.filter((c) => c.operation === 'ChangeResourceRecordSets' && c.at >= since);
    expect(sent[0]?.body).toContain('<Action>UPSERT</Action>');
    expect(sent[0]?.body).not.toContain(z.pub.name);
  });

  it('a LoadBalancedService without a DNS name yet is ReferenceNotReady, then the chain follows when it is published', async () => {
    ctl = await startController('dnsa-ref');
    const ns = ctl.namespace.name;
    const z = await zones();
    await createPublishedLbs(ns, 'chat', undefined);
    await applyDnsAlias(ns, 'chat', exampleSpec(z));
    const waiting = await waitForCondition(ns, 'chat', 'Ready', 'False', 'ReferenceNotReady');
    expect(waiting.status?.conditions?.find((c) => c.type === 'Ready')?.message).toBe('LoadBalancedService chat has no load balancer DNS name yet');
    expect(ctl.proxy.count('ChangeResourceRecordSets')).toBe(0);

    await publishLbs(ns, 'chat', LB1);
    await waitForCondition(ns, 'chat', 'Ready', 'True');
    expect((await recordsAt(z.ops.id, `service.${z.ops.name}`))[0]?.ResourceRecords).toEqual([{ Value: LB1 }]);
  });

  it('finalRecord Alias to a dualstack load balancer: the last name is an A and an AAAA alias', async () => {
    ctl = await startController('dnsa-alias');
    const ns = ctl.namespace.name;
    const z = await zones();
    await createPublishedLbs(ns, 'chat', LB1, { dualstack: true });
    await applyDnsAlias(ns, 'chat', { ...exampleSpec(z), finalRecord: 'Alias' });
    const ready = await waitForCondition(ns, 'chat', 'Ready', 'True');
    const at = await recordsAt(z.ops.id, `service.${z.ops.name}`);
    expect(at.map((r) => [r.Type, r.AliasTarget?.DNSName?.replace(/\.$/, ''), r.AliasTarget?.HostedZoneId]).sort()).toEqual([
      ['A', LB1, 'Z35SXDOTRQ7X7K'],
      ['AAAA', LB1, 'Z35SXDOTRQ7X7K'],
    ]);
    expect(ready.status?.records?.map((r) => r.type)).toEqual(['CNAME', 'A', 'AAAA']);
  });

  it('what only the controller can check (name outside the zone named by id, CNAME at an apex) is Stalled InvalidSpec naming the field', async () => {
    ctl = await startController('dnsa-invalid');
    const ns = ctl.namespace.name;
    const z = await zones();
    await applyDnsAlias(ns, 'outside', { names: [{ name: `service.${z.ops.name}`, hostedZone: { id: z.pub.id } }], target: { hostname: LB1 } });
    const outside = await waitForCondition(ns, 'outside', 'Stalled', 'True', 'InvalidSpec');
    expect(outside.status?.conditions?.find((c) => c.type === 'Stalled')?.message).toBe(
      `spec.names[0].name: "service.${z.ops.name}" is not inside its hosted zone "${z.pub.name}"`,
    );
    await applyDnsAlias(ns, 'apex', { names: [{ name: z.pub.name, hostedZone: { id: z.pub.id } }], target: { hostname: LB1 } });
    const apex = await waitForCondition(ns, 'apex', 'Stalled', 'True', 'InvalidSpec');
    expect(apex.status?.conditions?.find((c) => c.type === 'Stalled')?.message).toContain(`is the apex of zone "${z.pub.name}", where a CNAME is not allowed`);
    expect(ctl.proxy.count('ChangeResourceRecordSets')).toBe(0);
    expect((await eventsFor(ns, 'apex')).some((e) => e.type === 'Warning' && e.reason === 'InvalidSpec')).toBe(true);
  });

  it('a zone that does not exist, or is ambiguous, is Stalled with the candidates named', async () => {
    ctl = await startController('dnsa-zones');
    const ns = ctl.namespace.name;
    const tag = uniqueName('amb');
    const [a, b] = await Promise.all([createZone(`${tag}.corp.internal`, { private: true }), createZone(`${tag}.corp.internal`, { private: true })]);
    await applyDnsAlias(ns, 'ambiguous', {
      names: [{ name: `x.${tag}.corp.internal`, hostedZone: { name: `${tag}.corp.internal`, private: true } }],
      target: { hostname: LB1 },
    });
    const stalled = await waitForCondition(ns, 'ambiguous', 'Stalled', 'True', 'HostedZoneAmbiguous');
    const message = stalled.status?.conditions?.find((c) => c.type === 'Stalled')?.message ?? '';
    expect(message).toContain(a.id);
    expect(message).toContain(b.id);
    expect(message).toContain('set hostedZone.id to choose one');

    await applyDnsAlias(ns, 'missing', {
      names: [{ name: `x.${tag}.corp.internal`, hostedZone: { name: `${tag}.corp.internal` } }],
      target: { hostname: LB1 },
    });
    const missing = await waitForCondition(ns, 'missing', 'Stalled', 'True', 'HostedZoneNotFound');
    expect(missing.status?.conditions?.find((c) => c.type === 'Stalled')?.message).toContain(`no public hosted zone named ${tag}.corp.internal; found only`);
    expect(ctl.proxy.count('ChangeResourceRecordSets')).toBe(0);
    expect(await getDnsAlias(ns, 'missing')).toBeDefined();
  });
});
