// The create guard (issue 10): the shared inventory no longer asks AWS whether a load balancer name
// is free before CreateLoadBalancer; instead, what the create answers is looked at. AWS answers a
// create of a name it holds, with the same settings, with the existing load balancer: one that
// existed before the request is used only if its ownership tags are ours.
import { describe, expect, test } from '@jest/globals';
import type { Tags } from '../../../src/aws/elbv2.ts';
import { CREATE_CLOCK_SKEW_MS, PreExistingLoadBalancerError, preExisted } from '../../../src/reconcilers/load-balanced-service/create-guard.ts';
import { Elbv2Inventory } from '../../../src/reconcilers/load-balanced-service/inventory.ts';
import { FakeElbv2 } from './fake-elbv2.ts';

const SENT = Date.parse('2026-12-01T12:00:00Z');
const at = (ms: number): { CreatedTime: Date } => ({ CreatedTime: new Date(ms) });

describe('preExisted: did the create answer with a load balancer older than the request?', () => {
  test('stamped after the request, or within the clock-skew margin before it: new', () => {
    expect(preExisted(at(SENT + 150), SENT, false)).toBe(false);
    expect(preExisted(at(SENT - CREATE_CLOCK_SKEW_MS), SENT, false)).toBe(false);
  });
  test('stamped more than the margin before the request: it existed', () => {
    expect(preExisted(at(SENT - CREATE_CLOCK_SKEW_MS - 1), SENT, false)).toBe(true);
    expect(preExisted(at(SENT - 3_600_000), SENT, false)).toBe(true);
  });
  test('an ARN the inventory already knew: it existed, however recent its stamp', () => {
    expect(preExisted(at(SENT + 150), SENT, true)).toBe(true);
  });
  test('no stamp (or one that is no date): it may have existed', () => {
    expect(preExisted({}, SENT, false)).toBe(true);
    expect(preExisted({ CreatedTime: new Date('not a date') }, SENT, false)).toBe(true);
  });
});

const OURS: Tags = { 'albatross.dev/cluster': 'c1', 'albatross.dev/owner': 'LoadBalancedService/ns/x' };
const FOREIGN: Tags = { 'albatross.dev/cluster': 'other', 'albatross.dev/owner': 'LoadBalancedService/x/y' };
const tagList = (t: Tags) => Object.entries(t).map(([Key, Value]) => ({ Key, Value }));
const input = (name: string, tags: Tags = OURS) => ({ Name: name, Subnets: ['s1', 's2'], Tags: tagList(tags) });

/** An inventory over a fake that answers a create of a name it holds as AWS does with the same settings, listed once (empty). */
async function listed(): Promise<{ fake: FakeElbv2; inv: Elbv2Inventory }> {
  const fake = new FakeElbv2();
  fake.existingName = 'answer';
  const inv = new Elbv2Inventory(fake, { batchWindowMs: 0 });
  expect(await inv.view(fake).listLoadBalancers()).toEqual([]);
  fake.calls.length = 0;
  return { fake, inv };
}

/** A load balancer made in the fake behind the inventory's back, stamped `ageMs` ago. */
async function madeOutside(fake: FakeElbv2, name: string, tags: Tags, ageMs: number): Promise<string> {
  const lb = await fake.createLoadBalancer(input(name, tags));
  fake.lbs.get(lb.LoadBalancerArn!)!.lb.CreatedTime = new Date(Date.now() - ageMs);
  fake.calls.length = 0;
  return lb.LoadBalancerArn!;
}

describe('the inventory view: a name the listing lacks is free, the create answer is checked', () => {
  test('a name absent from the listing: no DescribeLoadBalancers; deletion (confirmAbsent) still asks AWS', async () => {
    const { fake, inv } = await listed();
    const arn = await madeOutside(fake, 'lb', OURS, 60_000);
    const view = inv.view(fake);
    expect(await view.describeLoadBalancersByName('lb')).toEqual([]);
    expect(fake.calls).toEqual([]);
    expect((await view.describeLoadBalancersByName('lb', { confirmAbsent: true })).map((l) => l.LoadBalancerArn)).toEqual([arn]);
    expect(fake.calls).toEqual(['DescribeLoadBalancers']);
  });

  test('a new load balancer: no tag read', async () => {
    const { fake, inv } = await listed();
    const lb = await inv.view(fake).createLoadBalancer(input('lb'));
    expect(lb.LoadBalancerName).toBe('lb');
    expect(fake.calls).toEqual(['CreateLoadBalancer']);
  });

  test('a foreign load balancer made since the listing: its tags are read, nothing more is done, and the view holds it', async () => {
    const { fake, inv } = await listed();
    const arn = await madeOutside(fake, 'lb', FOREIGN, 2 * CREATE_CLOCK_SKEW_MS);
    const view = inv.view(fake);
    const err = await view.createLoadBalancer(input('lb')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PreExistingLoadBalancerError);
    expect((err as PreExistingLoadBalancerError).conflict).toEqual({ kind: 'loadbalancer', name: 'lb', arn, owner: 'LoadBalancedService/x/y in cluster other' });
    expect(fake.calls).toEqual(['CreateLoadBalancer', 'DescribeTags']);
    expect(fake.tags.get(arn)).toEqual(FOREIGN);
    // The next observation finds it by name in the view, no call, and its tags cached.
    expect((await view.describeLoadBalancersByName('lb')).map((l) => l.LoadBalancerArn)).toEqual([arn]);
    expect(await view.describeTags([arn])).toEqual(new Map([[arn, FOREIGN]]));
    expect(fake.calls).toEqual(['CreateLoadBalancer', 'DescribeTags']);
  });

  test('an unowned one: not used either (owned by nobody)', async () => {
    const { fake, inv } = await listed();
    await madeOutside(fake, 'lb', { team: 'legacy' }, 2 * CREATE_CLOCK_SKEW_MS);
    const err = await inv.view(fake).createLoadBalancer(input('lb')).catch((e: unknown) => e);
    expect((err as PreExistingLoadBalancerError).conflict.owner).toBe('nobody (no albatross.dev ownership tags)');
  });

  test('ours (a create whose answer was lost): used, as a new one would be', async () => {
    const { fake, inv } = await listed();
    const arn = await madeOutside(fake, 'lb', OURS, 2 * CREATE_CLOCK_SKEW_MS);
    const lb = await inv.view(fake).createLoadBalancer(input('lb'));
    expect(lb.LoadBalancerArn).toBe(arn);
    expect(fake.calls).toEqual(['CreateLoadBalancer', 'DescribeTags']);
  });

  test('just made by another resource of this process (a recent stamp, an ARN the view knows): its tags decide', async () => {
    const { fake, inv } = await listed();
    const rival = await inv.view(fake).createLoadBalancer(input('lb', FOREIGN));
    const err = await inv.view(fake).createLoadBalancer(input('lb')).catch((e: unknown) => e);
    expect((err as PreExistingLoadBalancerError).conflict).toMatchObject({ arn: rival.LoadBalancerArn, owner: 'LoadBalancedService/x/y in cluster other' });
  });

  test('refused as a duplicate (other settings): the inventory lists again at the next read', async () => {
    const { fake, inv } = await listed();
    const arn = await madeOutside(fake, 'lb', FOREIGN, 0);
    fake.existingName = 'refuse';
    const view = inv.view(fake);
    await expect(view.createLoadBalancer(input('lb'))).rejects.toMatchObject({ code: 'DuplicateLoadBalancerName' });
    expect((await view.describeLoadBalancersByName('lb')).map((l) => l.LoadBalancerArn)).toEqual([arn]);
    expect(inv.listings).toBe(2);
  });
});
