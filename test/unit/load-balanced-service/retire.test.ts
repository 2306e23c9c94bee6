// A replaced load balancer (new scheme / new name) is kept while draining, then removed with its
// target groups: golden plans for each step, on the in-memory ELBv2.
import { describe, expect, test } from '@jest/globals';
import type { LoadBalancedServiceSpec } from '../../../src/crds/index.ts';
import { apply } from '../../../src/reconcilers/load-balanced-service/apply.ts';
import type { ActualState, DesiredModel } from '../../../src/reconcilers/load-balanced-service/model.ts';
import { observe } from '../../../src/reconcilers/load-balanced-service/observe.ts';
import { plan } from '../../../src/reconcilers/load-balanced-service/plan.ts';
import { finishesReplacement, retirement, type PreviousLoadBalancer } from '../../../src/reconcilers/load-balanced-service/retire.ts';
import { FakeElbv2 } from './fake-elbv2.ts';
import { ID, cycle, desiredOf, exampleSpec, opLine } from './support.ts';

const DRAIN = 300_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

async function look(api: FakeElbv2, spec: LoadBalancedServiceSpec, known: string[]): Promise<{ model: DesiredModel; actual: ActualState }> {
  const model = desiredOf(spec);
  const actual = await observe(api, {
    id: ID,
    ownerTags: model.ownerTags,
    loadBalancerName: model.loadBalancer.name,
    targetGroupNames: new Map(model.targetGroups.map((t) => [t.key, t.name])),
    knownLoadBalancerArns: known,
    knownTargetGroupArns: [],
    adopt: false,
  });
  return { model, actual };
}

describe('replaced load balancer: create-before-destroy with a drain period', () => {
  test('scheme change: new LB and TGs now, old LB and TGs only once the new one is active and drained', async () => {
    const api = new FakeElbv2();
    const before = exampleSpec();
    await cycle(api, before);
    const oldArn = [...api.lbs.keys()][0]!;
    const oldName = api.lbs.get(oldArn)!.lb.LoadBalancerName!;
    const oldTgs = [...api.tgs.keys()];
    const after = structuredClone(before);
    after.loadBalancer!.scheme = 'internal';

    // Pass 1: the old one is new to the retirement list -> kept; everything new is built.
    let { model, actual } = await look(api, after, [oldArn]);
    let r = retirement(model, actual, [], T0, DRAIN);
    expect([...r.keep]).toEqual([oldArn]);
    let p = plan(model, actual, { retain: r.keep });
    expect(p.actions.map(opLine)).toEqual([
      'createTargetGroup api port=9090',
      'modifyTargetGroupAttributes api',
      'registerTargets api 172.31.1.30:9090',
      'createTargetGroup store port=8080',
      'modifyTargetGroupAttributes store',
      'registerTargets store 172.31.1.20:8080',
      'createTargetGroup web port=8080',
      'modifyTargetGroupAttributes web',
      'registerTargets web 172.31.1.10:8080,172.31.2.10:8080',
      'createLoadBalancer internal',
      'modifyLoadBalancerAttributes idle_timeout.timeout_seconds=3600 routing.http2.enabled=true routing.http.xff_header_processing.mode=append deletion_protection.enabled=false access_logs.s3.enabled=false',
      'createListener 80 new',
      'createListener 443 new',
      'createRule 443/10',
      'createRule 443/20',
    ]);
    await apply(api, p);

    // After the apply: status lists the old one from T0; nothing left to do while it drains.
    ({ model, actual } = await look(api, after, [oldArn]));
    r = retirement(model, actual, [], T0, DRAIN);
    const previous: PreviousLoadBalancer[] = r.previous;
    expect(previous).toEqual([{ arn: oldArn, name: oldName, dnsName: expect.any(String), since: new Date(T0).toISOString() }]);
    expect(r.dueInMs).toBe(DRAIN);
    expect(r.message).toContain(`old load balancer ${oldName} still serves until 2026-01-01T00:05:00.000Z`);
    expect(plan(model, actual, { retain: r.keep }).actions).toEqual([]);
    expect(api.lbs.size).toBe(2);
    for (const arn of oldTgs) expect(api.tgs.has(arn)).toBe(true);

    // One second before the end of the drain: still kept.
    r = retirement(model, actual, previous, T0 + DRAIN - 1_000, DRAIN);
    expect([...r.keep]).toEqual([oldArn]);
    expect(r.dueInMs).toBe(1_000);

    // Due: the old LB goes, then its target groups; none of it is drift.
    r = retirement(model, actual, previous, T0 + DRAIN, DRAIN);
    expect(r.keep.size).toBe(0);
    p = plan(model, actual, { retain: r.keep });
    expect(p.actions.map(opLine).map((l) => l.replace(oldName, 'OLD'))).toEqual([
      'deleteLoadBalancer OLD',
      'deleteTargetGroup api',
      'deleteTargetGroup store',
      'deleteTargetGroup web',
    ]);
    expect(p.actions.every((a) => finishesReplacement(a, model))).toBe(true);
    await apply(api, p);
    ({ model, actual } = await look(api, after, [oldArn]));
    expect(actual.loadBalancers.map((l) => l.scheme)).toEqual(['internal']);
    expect(retirement(model, actual, previous, T0 + DRAIN, DRAIN).previous).toEqual([]);
    expect(plan(model, actual).actions).toEqual([]);
    for (const arn of oldTgs) expect(api.tgs.has(arn)).toBe(false);
  });

  test('the drain period does not run out while the new load balancer is not active', async () => {
    const api = new FakeElbv2();
    const before = exampleSpec();
    await cycle(api, before);
    const oldArn = [...api.lbs.keys()][0]!;
    const after = structuredClone(before);
    after.loadBalancer!.name = 'chat-renamed';
    await cycle(api, after, { knownLoadBalancerArns: [oldArn] }); // (no retention: everything at once)
    const { model, actual } = await look(api, after, [oldArn]);
    // The fake deleted the old one in that cycle; put a provisioning new one beside an old one instead.
    const provisioning: ActualState = {
      ...actual,
      loadBalancers: [
        { ...actual.loadBalancers[0]!, state: 'provisioning' },
        { ...actual.loadBalancers[0]!, arn: oldArn, name: 'chat-old', state: 'active' },
      ],
    };
    const r = retirement(model, provisioning, [{ arn: oldArn, since: new Date(T0).toISOString() }], T0 + 10 * DRAIN, DRAIN);
    expect([...r.keep]).toEqual([oldArn]);
    expect(r.dueInMs).toBeNull();
    expect(r.message).toContain('until chat-renamed is active');
  });

  test('an owned duplicate with the desired name is not retired (removed at once, as before)', async () => {
    const api = new FakeElbv2();
    await cycle(api, exampleSpec());
    const { model, actual } = await look(api, exampleSpec(), []);
    const dup: ActualState = { ...actual, loadBalancers: [...actual.loadBalancers, { ...actual.loadBalancers[0]!, arn: 'arn:dup' }] };
    const r = retirement(model, dup, [], T0, DRAIN);
    expect(r.keep.size).toBe(0);
    expect(r.previous).toEqual([]);
  });
});
