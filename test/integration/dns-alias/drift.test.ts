// Drift found by the periodic re-check (--resync-period 2s here): a changed value, a changed TTL and
// a deleted record are put back (Correct) or only reported (Report). Plus Route 53 throttling,
// injected by the proxy in front of moto, is retried.
import { describe, expect, it } from '@jest/globals';
import { kstatus, uniqueName, waitFor } from '../support/index.ts';
import {
  applyDnsAlias,
  changeRecords,
  cname,
  createZone,
  eventsFor,
  recordsAt,
  waitForCondition,
  type Controller,
  type TestZone,
} from './harness.ts';
import { controllerPerTest } from './per-test.ts';

const startController = controllerPerTest();
let ctl: Controller | undefined;

const LB = 'chat-prod-1.us-east-1.elb.amazonaws.com';

async function setup(prefix: string, driftPolicy: 'Correct' | 'Report'): Promise<{ ns: string; z: TestZone; name: string }> {
  ctl = await startController(prefix);
  const ns = ctl.namespace.name;
  const z = await createZone(`${uniqueName('drift')}.example.com`);
  const name = `svc.${z.name}`;
  await applyDnsAlias(ns, 'svc', { names: [{ name, hostedZone: { name: z.name } }], target: { hostname: LB }, ttlSeconds: 300, driftPolicy });
  await waitForCondition(ns, 'svc', 'Ready', 'True');
  return { ns, z, name };
}

const valueAt = async (z: TestZone, name: string) => (await recordsAt(z.id, name)).map((r) => `${r.ResourceRecords?.[0]?.Value} ${r.TTL}`);

describe('DnsAlias drift', () => {
  it('Correct: a changed value, a changed TTL and a deleted record are each put back, with Drifted=False Corrected and an event', async () => {
    const { ns, z, name } = await setup('dnsa-drift', 'Correct');

    await changeRecords(z.id, [{ Action: 'UPSERT', ResourceRecordSet: cname(name, 'evil.example.net') }]);
    await waitFor(async () => (await valueAt(z, name)).join() === `${LB} 300`, { description: 'value drift corrected', timeoutMs: 20_000 });
    const corrected = await waitForCondition(ns, 'svc', 'Drifted', 'False', 'Corrected');
    expect(corrected.status?.conditions?.find((c) => c.type === 'Drifted')?.message).toBe(
      `changed back: records[${z.id}/${name}/CNAME]: CNAME evil.example.net ttl 300 -> CNAME ${LB} ttl 300`,
    );
    await waitFor(async () => (await eventsFor(ns, 'svc')).some((e) => e.reason === 'DriftCorrected' && e.message.includes('evil.example.net')), {
      description: 'DriftCorrected event',
    });

    await changeRecords(z.id, [{ Action: 'UPSERT', ResourceRecordSet: cname(name, LB, 5) }]);
    await waitFor(async () => (await valueAt(z, name)).join() === `${LB} 300`, { description: 'TTL drift corrected', timeoutMs: 20_000 });

    await changeRecords(z.id, [{ Action: 'DELETE', ResourceRecordSet: cname(name, LB, 300) }]);
    await waitFor(async () => (await valueAt(z, name)).join() === `${LB} 300`, { description: 'deleted record recreated', timeoutMs: 20_000 });
    await waitFor(async () => (await eventsFor(ns, 'svc')).some((e) => e.reason === 'DriftCorrected' && e.message.includes('absent')), {
      description: 'DriftCorrected event for the deleted record',
    });
    await waitForCondition(ns, 'svc', 'Ready', 'True');
  });

  it('Report: drift is reported in status.drift with Drifted=True and Ready=False, and Route 53 is left as it is', async () => {
    const { ns, z, name } = await setup('dnsa-report', 'Report');
    const since = Date.now();
    await changeRecords(z.id, [{ Action: 'UPSERT', ResourceRecordSet: cname(name, 'evil.example.net', 60) }]);
    const drifted = await waitForCondition(ns, 'svc', 'Drifted', 'True', 'Drifted', 20_000);
    expect(drifted.status?.drift).toEqual([{ path: `records[${z.id}/${name}/CNAME]`, desired: `CNAME ${LB} ttl 300`, actual: 'CNAME evil.example.net ttl 60' }]);
    expect(drifted.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'Drifted' });
    // Reported drift needs a human: Stalled, which Flux's kstatus calls Failed (not InProgress for ever).
    expect(drifted.status?.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({ status: 'True', reason: 'Drifted' });
    expect((await kstatus(drifted)).status).toBe('Failed');
    expect(drifted.status?.records?.[0]?.inSync).toBe(false);

    // Several re-checks later it is still only reported.
    await new Promise((r) => setTimeout(r, 4500));
    expect(await valueAt(z, name)).toEqual(['evil.example.net 60']);
    expect(ctl!.proxy.count('ChangeResourceRecordSets', z.id, since)).toBe(0);

    // Putting it back by hand clears the report.
    await changeRecords(z.id, [{ Action: 'UPSERT', ResourceRecordSet: cname(name, LB, 300) }]);
    const clean = await waitForCondition(ns, 'svc', 'Ready', 'True', undefined, 20_000);
    expect(clean.status?.drift).toEqual([]);
    expect(clean.status?.conditions?.find((c) => c.type === 'Drifted')?.status).toBe('False');
  });
});

describe('DnsAlias under Route 53 throttling', () => {
  it('PriorRequestNotComplete and Throttling answers are retried until the chain is written', async () => {
    ctl = await startController('dnsa-throttle');
    const ns = ctl.namespace.name;
    const z = await createZone(`${uniqueName('thr')}.example.com`);
    ctl.proxy.inject({ operation: 'ChangeResourceRecordSets', zoneId: z.id, times: 3, code: 'PriorRequestNotComplete', status: 400 });
    ctl.proxy.inject({ operation: 'ChangeResourceRecordSets', zoneId: z.id, times: 3, code: 'Throttling', status: 400 });
    await applyDnsAlias(ns, 'svc', { names: [{ name: `svc.${z.name}`, hostedZone: { name: z.name } }], target: { hostname: LB } });
    await waitForCondition(ns, 'svc', 'Ready', 'True', undefined, 60_000);
    expect(await recordsAt(z.id, `svc.${z.name}`)).toHaveLength(1);
    const calls = ctl.proxy.calls.filter((c) => c.operation === 'ChangeResourceRecordSets' && c.zoneId === z.id);
    expect(calls.filter((c) => c.injected)).toHaveLength(6);
    expect(calls.filter((c) => !c.injected)).toHaveLength(1);
  });
});
