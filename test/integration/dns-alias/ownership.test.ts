// Never clobbering: names held by someone else are a Conflict with nothing written, a CNAME is
// never put beside other records (moto would allow it, Route 53 would not), adopt takes only an
// unowned record, and deletion removes exactly what this resource owns.
import { describe, expect, it } from '@jest/globals';
import { uniqueName, waitFor } from '../support/index.ts';
import {
  applyDnsAlias,
  changeRecords,
  cname,
  createZone,
  deleteDnsAlias,
  eventsFor,
  getDnsAlias,
  recordsAt,
  waitForCondition,
  zoneRecords,
  type Controller,
  type TestZone,
} from './harness.ts';
import { controllerPerTest } from './per-test.ts';

const startController = controllerPerTest();
let ctl: Controller | undefined;

const LB = 'chat-prod-1.us-east-1.elb.amazonaws.com';

async function zone(): Promise<TestZone> {
  return createZone(`${uniqueName('own')}.example.com`);
}

function oneName(z: TestZone, name: string, extra: Record<string, unknown> = {}) {
  return { names: [{ name: `${name}.${z.name}`, hostedZone: { name: z.name } }], target: { hostname: LB }, ...extra };
}

function stalledMessage(o: Awaited<ReturnType<typeof getDnsAlias>>): string {
  return o?.status?.conditions?.find((c) => c.type === 'Stalled')?.message ?? '';
}

describe('DnsAlias ownership', () => {
  it('a foreign CNAME at a chain name is a Conflict naming it; the foreign record is unchanged and nothing is written', async () => {
    ctl = await startController('dnsa-foreign', { flags: ['--adopt-namespaces', '*'] });
    const ns = ctl.namespace.name;
    const z = await zone();
    await changeRecords(z.id, [{ Action: 'CREATE', ResourceRecordSet: cname(`www.${z.name}`, 'legacy.example.net', 60) }]);
    const before = JSON.stringify(await zoneRecords(z.id));

    await applyDnsAlias(ns, 'www', oneName(z, 'www'));
    const stalled = await waitForCondition(ns, 'www', 'Stalled', 'True', 'Conflict');
    expect(stalledMessage(stalled)).toBe(
      `nothing written: www.${z.name} (zone ${z.id}) already holds CNAME legacy.example.net ttl 60 that no Albatross resource owns; set spec.adopt: true to take it over`,
    );
    expect(stalled.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'Conflict' });
    expect(JSON.stringify(await zoneRecords(z.id))).toBe(before);
    expect(ctl.proxy.count('ChangeResourceRecordSets')).toBe(0);
    expect((await eventsFor(ns, 'www')).some((e) => e.type === 'Warning' && e.reason === 'Conflict')).toBe(true);

    // The periodic re-check keeps looking: still a Conflict, still nothing written.
    await new Promise((r) => setTimeout(r, 2500));
    expect(ctl.proxy.count('ChangeResourceRecordSets')).toBe(0);

    // adopt: true takes the unowned record over (UPSERT) and writes the ownership TXT with it.
    await applyDnsAlias(ns, 'www', oneName(z, 'www', { adopt: true }));
    await waitForCondition(ns, 'www', 'Ready', 'True');
    expect((await recordsAt(z.id, `www.${z.name}`)).map((r) => r.ResourceRecords)).toEqual([[{ Value: LB }]]);
    expect(await recordsAt(z.id, `_albatross.www.${z.name}`)).toHaveLength(1);
  });

  it('adopt: true where the operator did not allow adoption: AdoptionNotAllowed naming the flag, nothing written', async () => {
    ctl = await startController('dnsa-noadopt');
    const ns = ctl.namespace.name;
    const z = await zone();
    await changeRecords(z.id, [{ Action: 'CREATE', ResourceRecordSet: cname(`old.${z.name}`, 'legacy.example.net', 60) }]);
    const before = JSON.stringify(await zoneRecords(z.id));

    await applyDnsAlias(ns, 'old', oneName(z, 'old', { adopt: true }));
    const stalled = await waitForCondition(ns, 'old', 'Stalled', 'True', 'AdoptionNotAllowed');
    expect(stalledMessage(stalled)).toBe(
      `nothing written: old.${z.name} (zone ${z.id}) holds unowned CNAME legacy.example.net ttl 60; spec.adopt is true, but the operator has not allowed adoption in namespace ${ns} ` +
        `(add it to the controller's --adopt-namespaces (chart value controller.adoptNamespaces, env ALBATROSS_ADOPT_NAMESPACES))`,
    );
    expect(stalled.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'AdoptionNotAllowed' });
    expect(JSON.stringify(await zoneRecords(z.id))).toBe(before);
    expect(ctl.proxy.count('ChangeResourceRecordSets')).toBe(0);
  });

  it('two DnsAliases claiming one name: the second is a Conflict naming the first; adopt does not help it', async () => {
    ctl = await startController('dnsa-two');
    const ns = ctl.namespace.name;
    const z = await zone();
    await applyDnsAlias(ns, 'first', oneName(z, 'api'));
    await waitForCondition(ns, 'first', 'Ready', 'True');

    await applyDnsAlias(ns, 'second', oneName(z, 'api', { target: { hostname: 'other-lb.us-east-1.elb.amazonaws.com' }, adopt: true }));
    const stalled = await waitForCondition(ns, 'second', 'Stalled', 'True', 'Conflict');
    expect(stalledMessage(stalled)).toBe(
      `nothing written: api.${z.name} (zone ${z.id}) is owned by ${ctl.clusterName}/DnsAlias/${ns}/first per its TXT record _albatross.api.${z.name}`,
    );
    expect((await recordsAt(z.id, `api.${z.name}`)).map((r) => r.ResourceRecords)).toEqual([[{ Value: LB }]]);
    expect((await getDnsAlias(ns, 'first'))?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('two DnsAliases created at once for one free name: exactly one wins, the other is a Conflict, one record exists', async () => {
    ctl = await startController('dnsa-race');
    const ns = ctl.namespace.name;
    const z = await zone();
    await Promise.all([applyDnsAlias(ns, 'a', oneName(z, 'race')), applyDnsAlias(ns, 'b', oneName(z, 'race', { target: { hostname: 'b-lb.example.org' } }))]);
    const outcome = await waitFor(
      async () => {
        const [a, b] = await Promise.all([getDnsAlias(ns, 'a'), getDnsAlias(ns, 'b')]);
        const ready = (o: typeof a) => o?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
        const conflict = (o: typeof a) => o?.status?.conditions?.find((c) => c.type === 'Stalled' && c.status === 'True')?.reason === 'Conflict';
        if (ready(a) && conflict(b)) return 'a';
        if (ready(b) && conflict(a)) return 'b';
        return undefined;
      },
      { description: 'one DnsAlias Ready and the other in Conflict' },
    );
    const at = await recordsAt(z.id, `race.${z.name}`);
    expect(at).toHaveLength(1);
    expect(at[0]?.ResourceRecords).toEqual([{ Value: outcome === 'a' ? LB : 'b-lb.example.org' }]);
    expect((await recordsAt(z.id, `_albatross.race.${z.name}`))[0]?.ResourceRecords).toEqual([
      { Value: `"albatross-owner=${ctl.clusterName}/DnsAlias/${ns}/${outcome}"` },
    ]);
  });

  it('a CNAME beside an existing A record is refused, even with adopt; the A record stays alone', async () => {
    ctl = await startController('dnsa-beside');
    const ns = ctl.namespace.name;
    const z = await zone();
    await changeRecords(z.id, [{ Action: 'CREATE', ResourceRecordSet: { Name: `mail.${z.name}`, Type: 'A', TTL: 300, ResourceRecords: [{ Value: '192.0.2.25' }] } }]);
    await applyDnsAlias(ns, 'mail', oneName(z, 'mail', { adopt: true }));
    const stalled = await waitForCondition(ns, 'mail', 'Stalled', 'True', 'Conflict');
    expect(stalledMessage(stalled)).toContain(`refusing a CNAME at mail.${z.name} (zone ${z.id}): the name already has A 192.0.2.25 ttl 300`);
    expect((await recordsAt(z.id, `mail.${z.name}`)).map((r) => r.Type)).toEqual(['A']);
    expect(await recordsAt(z.id, `_albatross.mail.${z.name}`)).toEqual([]);
    expect(ctl.proxy.count('ChangeResourceRecordSets')).toBe(0);
  });

  it('deletion removes exactly its records and TXTs; foreign records and another owner’s records stay', async () => {
    ctl = await startController('dnsa-delete');
    const ns = ctl.namespace.name;
    const z = await zone();
    await changeRecords(z.id, [{ Action: 'CREATE', ResourceRecordSet: cname(`foreign.${z.name}`, 'x.example.net') }]);
    await applyDnsAlias(ns, 'mine', { names: [{ name: `a.${z.name}`, hostedZone: { name: z.name } }, { name: `b.${z.name}`, hostedZone: { id: z.id } }], target: { hostname: LB } });
    await applyDnsAlias(ns, 'other', oneName(z, 'c'));
    await Promise.all([waitForCondition(ns, 'mine', 'Ready', 'True'), waitForCondition(ns, 'other', 'Ready', 'True')]);
    const names = async () => (await zoneRecords(z.id)).filter((r) => r.Type !== 'NS' && r.Type !== 'SOA').map((r) => `${r.Type} ${r.Name}`).sort();
    expect(await names()).toEqual([
      `CNAME a.${z.name}.`,
      `CNAME b.${z.name}.`,
      `CNAME c.${z.name}.`,
      `CNAME foreign.${z.name}.`,
      `TXT _albatross.a.${z.name}.`,
      `TXT _albatross.b.${z.name}.`,
      `TXT _albatross.c.${z.name}.`,
    ]);

    await deleteDnsAlias(ns, 'mine');
    await waitFor(async () => (await getDnsAlias(ns, 'mine')) === undefined, { description: 'DnsAlias mine to be gone' });
    expect(await names()).toEqual([`CNAME c.${z.name}.`, `CNAME foreign.${z.name}.`, `TXT _albatross.c.${z.name}.`]);
  });

  it('deletionPolicy Retain leaves the records and removes only the finalizer', async () => {
    ctl = await startController('dnsa-retain');
    const ns = ctl.namespace.name;
    const z = await zone();
    await applyDnsAlias(ns, 'keep', oneName(z, 'keep', { deletionPolicy: 'Retain' }));
    await waitForCondition(ns, 'keep', 'Ready', 'True');
    const before = JSON.stringify(await zoneRecords(z.id));
    const since = Date.now();
    await deleteDnsAlias(ns, 'keep');
    await waitFor(async () => (await getDnsAlias(ns, 'keep')) === undefined, { description: 'DnsAlias keep to be gone' });
    expect(JSON.stringify(await zoneRecords(z.id))).toBe(before);
    expect(ctl.proxy.count('ChangeResourceRecordSets', undefined, since)).toBe(0);
  });

  it('a name dropped from the chain is removed (with its TXT); the remaining name is kept', async () => {
    ctl = await startController('dnsa-shrink');
    const ns = ctl.namespace.name;
    const z = await zone();
    const both = { names: [{ name: `one.${z.name}`, hostedZone: { name: z.name } }, { name: `two.${z.name}`, hostedZone: { name: z.name } }], target: { hostname: LB } };
    await applyDnsAlias(ns, 'shrink', both);
    await waitForCondition(ns, 'shrink', 'Ready', 'True');
    await applyDnsAlias(ns, 'shrink', { ...both, names: [both.names[1]!] });
    await waitFor(async () => (await recordsAt(z.id, `one.${z.name}`)).length === 0, { description: `one.${z.name} removed` });
    expect(await recordsAt(z.id, `_albatross.one.${z.name}`)).toEqual([]);
    expect(await recordsAt(z.id, `two.${z.name}`)).toHaveLength(1);
    const ready = await waitForCondition(ns, 'shrink', 'Ready', 'True');
    expect(ready.status?.records?.map((r) => r.name)).toEqual([`two.${z.name}`]);
  });
});
