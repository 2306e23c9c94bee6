// The shared ELBv2 inventory's tags (issue 10), pure logic over the in-memory ELBv2: tags are kept
// for the inventory's staleness bound, each DescribeTags is filled up to 20 ARNs with the objects
// due next (read-ahead), our own writes drop what was cached, and an outside change is seen once
// the bound has passed, never later.
import { describe, expect, test } from '@jest/globals';
import type { Elbv2Api, Tags } from '../../../src/aws/elbv2.ts';
import type { LoadBalancedService } from '../../../src/crds/index.ts';
import { Elbv2Inventory, type TagReadAhead } from '../../../src/reconcilers/load-balanced-service/inventory.ts';
import { resyncDelayMs, tagsDueNext } from '../../../src/reconcilers/load-balanced-service/read-ahead.ts';
import { FakeElbv2 } from './fake-elbv2.ts';

const OWNER: Tags = { 'albatross.dev/cluster': 'c1', 'albatross.dev/owner': 'LoadBalancedService/ns/x' };
const MAX_AGE = 60_000;

/** An object like the example's: a load balancer, 2 listeners, 3 target groups, all tagged. */
async function objectIn(fake: FakeElbv2, name: string): Promise<TagReadAhead> {
  const tagList = Object.entries(OWNER).map(([Key, Value]) => ({ Key, Value }));
  const lb = await fake.createLoadBalancer({ Name: name, Subnets: ['s1', 's2'], Tags: tagList });
  const lbArn = lb.LoadBalancerArn!;
  const tgs = await Promise.all(
    [1, 2, 3].map((i) => fake.createTargetGroup({ Name: `${name}-tg${i}`, Port: 8080 + i, Protocol: 'HTTP', VpcId: 'vpc-1', TargetType: 'ip', Tags: tagList })),
  );
  const listeners = await Promise.all(
    [80, 8443].map((port) =>
      fake.createListener({ LoadBalancerArn: lbArn, Port: port, Protocol: 'HTTP', DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }], Tags: tagList }),
    ),
  );
  return { loadBalancerArns: [lbArn], listenerArns: listeners.map((l) => l.ListenerArn!), targetGroupArns: tgs.map((t) => t.TargetGroupArn!) };
}

const arnsOf = (o: TagReadAhead): string[] => [...o.loadBalancerArns, ...o.listenerArns, ...o.targetGroupArns];

/** The fake, with every DescribeTags batch recorded (the fake itself takes any number of ARNs). */
function recording(fake: FakeElbv2): { base: Elbv2Api; batches: string[][] } {
  const batches: string[][] = [];
  const base: Elbv2Api = Object.create(fake) as Elbv2Api;
  base.describeTags = (arns) => {
    batches.push([...arns]);
    return fake.describeTags(arns);
  };
  return { base, batches };
}

describe('Elbv2Inventory tags', () => {
  test('read-ahead: one DescribeTags of 20 ARNs serves the object asking and the next two due; the fourth asks again', async () => {
    const fake = new FakeElbv2();
    const objs: TagReadAhead[] = [];
    for (const n of ['a', 'b', 'c', 'd']) objs.push(await objectIn(fake, n));
    const { base, batches } = recording(fake);
    let t = 1_000_000;
    const inv = new Elbv2Inventory(base, { now: () => t, batchWindowMs: 0, maxAgeMs: MAX_AGE, readAhead: () => objs });
    const view = inv.view(base);
    await view.listLoadBalancers();

    const a = await view.describeTags(arnsOf(objs[0]!));
    expect([...a.values()].every((x) => x['albatross.dev/owner'] === OWNER['albatross.dev/owner'])).toBe(true);
    expect(batches).toHaveLength(1);
    // 6 asked + 2 whole objects of 6 = 18 (a third would not fit in 20).
    expect(batches[0]).toHaveLength(18);
    expect(inv.tagsReadAhead).toBe(12);

    t += 1_000;
    const b = await view.describeTags(arnsOf(objs[1]!));
    const c = await view.describeTags(arnsOf(objs[2]!));
    expect(b.size + c.size).toBe(12);
    expect(batches).toHaveLength(1); // served from the read-ahead
    await view.describeTags(arnsOf(objs[3]!));
    expect(batches).toHaveLength(2);
  });

  test('a reconcile asking for tags being read ahead waits for that read instead of making another', async () => {
    const fake = new FakeElbv2();
    const objs: TagReadAhead[] = [];
    for (const n of ['a', 'b']) objs.push(await objectIn(fake, n));
    const { base, batches } = recording(fake);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const recorded = base.describeTags.bind(base);
    base.describeTags = async (arns) => {
      const answer = await recorded(arns);
      await gate; // still in flight when b asks
      return answer;
    };
    const inv = new Elbv2Inventory(base, { batchWindowMs: 0, readAhead: () => objs });
    const view = inv.view(base);
    await view.listLoadBalancers();
    const first = view.describeTags(arnsOf(objs[0]!));
    await new Promise((r) => setTimeout(r, 5));
    const second = view.describeTags(arnsOf(objs[1]!));
    await new Promise((r) => setTimeout(r, 5));
    release();
    const [a, b] = await Promise.all([first, second]);
    expect(batches).toHaveLength(1);
    expect([...a.keys()].sort()).toEqual(arnsOf(objs[0]!).sort());
    expect([...b.keys()].sort()).toEqual(arnsOf(objs[1]!).sort());
  });

  test('a tag changed outside Albatross is seen once the staleness bound has passed, not before; our own write at once', async () => {
    const fake = new FakeElbv2();
    const o = await objectIn(fake, 'a');
    const { base, batches } = recording(fake);
    let t = 1_000_000;
    const inv = new Elbv2Inventory(base, { now: () => t, batchWindowMs: 0, maxAgeMs: MAX_AGE });
    const view = inv.view(base);
    const lbArn = o.loadBalancerArns[0]!;
    expect((await view.describeTags([lbArn])).get(lbArn)?.['albatross.dev/owner']).toBe(OWNER['albatross.dev/owner']);

    // Someone else takes it over.
    fake.tags.set(lbArn, { 'albatross.dev/cluster': 'other', 'albatross.dev/owner': 'LoadBalancedService/ns/y' });
    t += MAX_AGE; // at the bound: still the cached answer
    expect((await view.describeTags([lbArn])).get(lbArn)?.['albatross.dev/cluster']).toBe('c1');
    t += 1; // past it: read again
    expect((await view.describeTags([lbArn])).get(lbArn)?.['albatross.dev/cluster']).toBe('other');
    expect(batches).toHaveLength(2);

    // Our own write: the next read goes to AWS.
    await view.addTags([lbArn], { app: 'chat' });
    expect((await view.describeTags([lbArn])).get(lbArn)?.['app']).toBe('chat');
    expect(batches).toHaveLength(3);
    await view.removeTags([lbArn], ['app']);
    expect((await view.describeTags([lbArn])).get(lbArn)?.['app']).toBeUndefined();
    expect(batches).toHaveLength(4);
  });

  test('a read that started before our own tag write is not cached', async () => {
    const fake = new FakeElbv2();
    const o = await objectIn(fake, 'a');
    const lbArn = o.loadBalancerArns[0]!;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const base: Elbv2Api = Object.create(fake) as Elbv2Api;
    let reads = 0;
    base.describeTags = async (arns) => {
      reads += 1;
      const answer = await fake.describeTags(arns); // the tags before the write
      if (reads === 1) await gate;
      return answer;
    };
    const inv = new Elbv2Inventory(base, { batchWindowMs: 0 });
    const view = inv.view(base);
    const slow = view.describeTags([lbArn]);
    await new Promise((r) => setTimeout(r, 5));
    await view.addTags([lbArn], { app: 'chat' });
    release();
    expect((await slow).get(lbArn)?.['app']).toBeUndefined();
    expect((await view.describeTags([lbArn])).get(lbArn)?.['app']).toBe('chat');
    expect(reads).toBe(2);
  });

  test('read-ahead takes only what the listing holds, and never an ARN a read found gone', async () => {
    const fake = new FakeElbv2();
    const a = await objectIn(fake, 'a');
    const b = await objectIn(fake, 'b');
    const c = await objectIn(fake, 'c');
    const { base, batches } = recording(fake);
    const inv = new Elbv2Inventory(base, { batchWindowMs: 0, readAhead: () => [b, c] });
    const view = inv.view(base);
    await view.listLoadBalancers();
    // b's load balancer was deleted by someone else after the listing; c lost a listener.
    fake.lbs.delete(b.loadBalancerArns[0]!);
    fake.tags.delete(b.loadBalancerArns[0]!);
    fake.listeners.delete(c.listenerArns[0]!);
    fake.tags.delete(c.listenerArns[0]!);
    await view.describeTags(arnsOf(a));
    // Both were read ahead (the listing still shows them); the gone ARNs are absent from the answer.
    expect(batches[0]).toHaveLength(18);
    await view.describeTags(arnsOf(a).slice(0, 1)); // cached: no call
    expect(batches).toHaveLength(1);
    // Asked again after expiry (a fresh inventory state), the gone ARNs are not read ahead.
    inv.invalidate();
    await view.describeTags([a.loadBalancerArns[0]!]);
    expect(batches[1]).not.toContain(b.loadBalancerArns[0]);
    expect(batches[1]).not.toContain(c.listenerArns[0]);
  });
});

describe('tagsDueNext (what is read ahead)', () => {
  const lbsOf = (name: string, status: LoadBalancedService['status'], extra: Partial<LoadBalancedService['metadata']> = {}, spec: Partial<LoadBalancedService['spec']> = {}): LoadBalancedService =>
    ({ apiVersion: 'albatross.dev/v1alpha1', kind: 'LoadBalancedService', metadata: { name, namespace: 'ns', ...extra }, spec: { listeners: [], ...spec }, status }) as LoadBalancedService;
  const synced = (name: string, time: string) => ({
    loadBalancer: { arn: `lb-${name}` },
    listeners: [{ port: 443, arn: `l-${name}` }],
    targetGroups: [{ name: 'web', arn: `tg-${name}` }],
    previousTargetGroups: [{ name: 'old', arn: `tg-old-${name}`, until: time }],
    inSync: { observedGeneration: 1, inputsHash: 'h', time },
  });
  const now = Date.parse('2026-12-04T02:00:00Z');

  test('deletions first, then by when the re-check is due (last sync + period), only within the horizon; no listeners for a deletion, nothing for Retain', () => {
    const objects = [
      lbsOf('late', synced('late', '2026-12-04T01:59:00Z')), // due 02:09: beyond the 5 min horizon
      lbsOf('soon', synced('soon', '2026-12-04T01:52:00Z')), // due 02:02
      lbsOf('overdue', synced('overdue', '2026-12-04T01:40:00Z')), // due 01:50
      lbsOf('gone', synced('gone', '2026-12-04T01:58:00Z'), { deletionTimestamp: new Date('2026-12-04T01:59:59Z') }),
      lbsOf('kept', synced('kept', '2026-12-04T01:58:00Z'), { deletionTimestamp: new Date('2026-12-04T01:59:59Z') }, { deletionPolicy: 'Retain' }),
      lbsOf('never', undefined),
      lbsOf('unsynced', { loadBalancer: { arn: 'lb-unsynced' } }),
    ];
    const out = tagsDueNext(objects, { now, resyncPeriodMs: 10 * 60_000, horizonMs: 5 * 60_000 });
    expect(out.map((o) => o.loadBalancerArns[0])).toEqual(['lb-overdue', 'lb-gone', 'lb-soon']);
    expect(out[1]).toEqual({ loadBalancerArns: ['lb-gone'], listenerArns: [], targetGroupArns: ['tg-gone', 'tg-old-gone'] });
    expect(out[2]).toEqual({ loadBalancerArns: ['lb-soon'], listenerArns: ['l-soon'], targetGroupArns: ['tg-soon', 'tg-old-soon'] });
  });

  test('the re-check delay is the period ±10 %, drawn from the object and its sync time: the same every time it is asked', () => {
    const period = 600_000;
    const a = lbsOf('a', undefined, { uid: 'u-a' });
    const delays = ['2026-12-04T01:00:00Z', '2026-12-04T01:10:00Z', '2026-12-04T01:20:00Z'].map((t) => resyncDelayMs(a, t, period));
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(0.9 * period);
    for (const d of delays) expect(d).toBeLessThanOrEqual(1.1 * period);
    expect(new Set(delays).size).toBe(3);
    expect(resyncDelayMs(a, '2026-12-04T01:00:00Z', period)).toBe(delays[0]);
  });
});
