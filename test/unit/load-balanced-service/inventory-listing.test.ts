// The shared ELBv2 inventory's listing against our own writes (issue 10): a listing that read AWS
// before a create (or a delete) of ours landed after it must not undo that write in the view. Found
// in a bench: a target group created while a listing was in flight vanished from the view, so the
// deletion of its LoadBalancedService did not see it and left it in AWS.
import { describe, expect, test } from '@jest/globals';
import type { Elbv2Api } from '../../../src/aws/elbv2.ts';
import { ownerTags } from '../../../src/reconcilers/load-balanced-service/build.ts';
import { Elbv2Inventory } from '../../../src/reconcilers/load-balanced-service/inventory.ts';
import { targetGroupName, type ResourceId } from '../../../src/reconcilers/load-balanced-service/names.ts';
import { findOwned, type ObserveInput } from '../../../src/reconcilers/load-balanced-service/observe.ts';
import { FakeElbv2 } from './fake-elbv2.ts';

const MAX_AGE = 60_000;

/**
 * The fake, whose listings read AWS at once (the answer is what AWS held then) and answer only when
 * released: the window in which our own writes land after the listing has read.
 */
function heldListings(fake: FakeElbv2): { base: Elbv2Api; hold: () => void; release: () => void; read: () => Promise<void> } {
  let gate: Promise<void> | undefined;
  let open: () => void = () => {};
  let readSignal: () => void = () => {};
  let readDone = new Promise<void>((r) => (readSignal = r));
  const base: Elbv2Api = Object.create(fake) as Elbv2Api;
  const held = <T>(list: () => Promise<T>) => async (): Promise<T> => {
    const answer = await list();
    readSignal();
    if (gate) await gate;
    return answer;
  };
  base.listLoadBalancers = held(() => fake.listLoadBalancers());
  base.listTargetGroups = held(() => fake.listTargetGroups());
  return {
    base,
    hold: () => {
      gate = new Promise((r) => (open = r));
      readDone = new Promise((r) => (readSignal = r));
    },
    release: () => {
      gate = undefined;
      open();
    },
    read: () => readDone,
  };
}

const tgInput = (name: string) => ({ Name: name, Port: 8080, Protocol: 'HTTP' as const, VpcId: 'vpc-1', TargetType: 'ip' as const });

describe('Elbv2Inventory listing and our own writes', () => {
  test('invalidated while a listing is in flight (a create whose answer was lost, then refused as a duplicate): the next read lists again', async () => {
    const fake = new FakeElbv2();
    const { base, hold, release, read } = heldListings(fake);
    let t = 1_000_000;
    const inv = new Elbv2Inventory(base, { now: () => t, batchWindowMs: 0, maxAgeMs: MAX_AGE });
    const view = inv.view(base);
    hold();
    const listing = view.listTargetGroups();
    await read();
    // Made in AWS after the listing read; the answer never reached the inventory.
    await fake.createTargetGroup(tgInput('lost-tg'));
    t += 10;
    inv.invalidate();
    release();
    expect(await listing).toEqual([]);
    expect(inv.listings).toBe(1);
    expect((await view.listTargetGroups()).map((x) => x.TargetGroupName)).toEqual(['lost-tg']);
    expect(inv.listings).toBe(2);
  });

  test('a create and a delete resolved while a listing is held open are in / out of the view after it lands', async () => {
    const fake = new FakeElbv2();
    const gone = await fake.createTargetGroup(tgInput('gone-tg'));
    const { base, hold, release, read } = heldListings(fake);
    let t = 1_000_000;
    const inv = new Elbv2Inventory(base, { now: () => t, batchWindowMs: 0, maxAgeMs: MAX_AGE });
    const view = inv.view(base);
    expect((await view.listTargetGroups()).map((tg) => tg.TargetGroupName)).toEqual(['gone-tg']);
    expect(inv.listings).toBe(1);

    // The view is stale: the next read lists again, and that listing reads AWS before our writes.
    t += MAX_AGE + 1;
    hold();
    const listing = view.listTargetGroups();
    await read();
    const lb = await view.createLoadBalancer({ Name: 'new-lb', Subnets: ['s1', 's2'] });
    const tg = await view.createTargetGroup(tgInput('new-tg'));
    await view.createListener({ LoadBalancerArn: lb.LoadBalancerArn, Port: 80, Protocol: 'HTTP', DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] });
    await view.deleteTargetGroup(gone.TargetGroupArn!);
    release();
    // What the listing read (before the writes): gone-tg, no new-lb, no new-tg.
    await listing;
    expect(inv.listings).toBe(2);

    const tgs = await view.listTargetGroups();
    expect(tgs.map((x) => x.TargetGroupName)).toEqual(['new-tg']);
    expect(tgs[0]?.LoadBalancerArns).toEqual([lb.LoadBalancerArn]);
    expect((await view.listLoadBalancers()).map((x) => x.LoadBalancerName)).toEqual(['new-lb']);
    expect(inv.listings).toBe(2);
  });

  test('a create answered after a listing that already shows it keeps the listing\'s (newer) copy; a listing with no write in flight is AWS alone', async () => {
    const fake = new FakeElbv2();
    const { base, hold, release, read } = heldListings(fake);
    // The create is done in AWS at once, its answer comes only when released.
    let answer: () => void = () => {};
    const answered = new Promise<void>((r) => (answer = r));
    base.createTargetGroup = async (input) => {
      const tg = await fake.createTargetGroup(input);
      await answered;
      return tg;
    };
    let t = 1_000_000;
    const inv = new Elbv2Inventory(base, { now: () => t, batchWindowMs: 0, maxAgeMs: MAX_AGE });
    const view = inv.view(base);
    await view.listTargetGroups();

    const creating = view.createTargetGroup(tgInput('made-tg'));
    const made = [...fake.tgs.values()][0]!.tg;
    const lb = await fake.createLoadBalancer({ Name: 'lb', Subnets: ['s1', 's2'] });
    // Forwarded to by a listener made outside this view: only a listing shows it.
    await fake.createListener({ LoadBalancerArn: lb.LoadBalancerArn, Port: 80, Protocol: 'HTTP', DefaultActions: [{ Type: 'forward', TargetGroupArn: made.TargetGroupArn }] });
    t += MAX_AGE + 1;
    hold();
    const listing = view.listTargetGroups();
    await read();
    answer();
    await creating;
    release();
    await listing;
    expect((await view.listTargetGroups()).map((x) => [x.TargetGroupName, x.LoadBalancerArns])).toEqual([['made-tg', [lb.LoadBalancerArn]]]);

    // Deleted outside Albatross: the next listing (no write of ours since it started) drops it.
    await fake.deleteLoadBalancer(lb.LoadBalancerArn!);
    await fake.deleteTargetGroup(made.TargetGroupArn!);
    t += MAX_AGE + 1;
    expect(await view.listTargetGroups()).toEqual([]);
    expect(await view.listLoadBalancers()).toEqual([]);
  });
});

describe('deletion: target groups status remembers that the view lacks', () => {
  const id: ResourceId = { cluster: 'c1', namespace: 'ns', name: 'chat' };
  const tags = Object.entries(ownerTags(id)).map(([Key, Value]) => ({ Key, Value }));
  const nameOf = (key: string): string =>
    targetGroupName(id, { key, port: 8080, protocol: 'HTTP', protocolVersion: 'HTTP1', targetType: 'ip', vpcId: 'vpc-1', loadBalancerName: 'chat-lb' });
  const deletionInput = (knownTargetGroupArns: string[]): ObserveInput => ({
    id,
    ownerTags: ownerTags(id),
    loadBalancerName: 'chat-lb',
    targetGroupNames: new Map(),
    knownLoadBalancerArns: [],
    knownTargetGroupArns,
    adopt: false,
  });
  const describeTgCalls = (fake: FakeElbv2): number => fake.calls.filter((c) => c === 'DescribeTargetGroups').length;

  test('one DescribeTargetGroups by ARN for those missing finds them; none when the view has them all or knows them gone', async () => {
    const fake = new FakeElbv2();
    const inv = new Elbv2Inventory(fake, { batchWindowMs: 0 });
    const view = inv.view(fake);
    const seen = await view.createTargetGroup({ ...tgInput(nameOf('web')), Tags: tags });
    await view.listTargetGroups();
    // Made in AWS but missed by the view (as a listing that raced our create did).
    const missed = await fake.createTargetGroup({ ...tgInput(nameOf('api')), Tags: tags });
    const deleted = await view.createTargetGroup({ ...tgInput(nameOf('old')), Tags: tags });
    await view.deleteTargetGroup(deleted.TargetGroupArn!);
    const known = [seen, missed, deleted].map((tg) => tg.TargetGroupArn!);

    fake.resetCounters();
    const owned = await findOwned(view, deletionInput(known), { listeners: false, confirmRemembered: true });
    expect(owned.targetGroups.map((t) => t.tg.TargetGroupName).sort()).toEqual([nameOf('api'), nameOf('web')].sort());
    expect(describeTgCalls(fake)).toBe(1);

    // Now in the view: no call. Observation never asks.
    fake.resetCounters();
    await findOwned(view, deletionInput(known), { listeners: false, confirmRemembered: true });
    await fake.deleteTargetGroup(missed.TargetGroupArn!);
    const other = await fake.createTargetGroup({ ...tgInput(nameOf('x')), Tags: tags });
    await findOwned(view, deletionInput([...known, other.TargetGroupArn!]), { listeners: false });
    expect(describeTgCalls(fake)).toBe(0);
  });
});
