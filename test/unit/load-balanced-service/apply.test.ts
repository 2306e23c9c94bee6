// apply + observe against the in-memory ELBv2: crash at every point then restart converges with no
// duplicates; foreign objects are conflicts and never touched; adopt takes only unowned objects.
import { describe, expect, test } from '@jest/globals';
import { apply } from '../../../src/reconcilers/load-balanced-service/apply.ts';
import { observe } from '../../../src/reconcilers/load-balanced-service/observe.ts';
import { FakeElbv2 } from './fake-elbv2.ts';
import { ID, cycle, desiredOf, exampleSpec, planAgainst } from './support.ts';

function inventory(api: FakeElbv2): { lbs: string[]; tgs: string[]; listeners: string[]; rules: number } {
  return {
    lbs: [...api.lbs.values()].map((x) => x.lb.LoadBalancerName ?? '').sort(),
    tgs: [...api.tgs.values()].map((x) => x.tg.TargetGroupName ?? '').sort(),
    listeners: [...api.listeners.values()].map((l) => String(l.listener.Port)).sort(),
    rules: [...api.listeners.values()].reduce((n, l) => n + l.rules.length, 0),
  };
}

describe('apply', () => {
  test('a crash before any mutating call, then a restart, converges to the same objects with no duplicates', async () => {
    const reference = new FakeElbv2();
    await cycle(reference, exampleSpec());
    const mutations = reference.mutatingCalls().length;
    expect(mutations).toBeGreaterThan(10);

    for (let k = 1; k <= mutations; k++) {
      const api = new FakeElbv2();
      api.crashAtMutation = k;
      await expect(cycle(api, exampleSpec())).rejects.toThrow(/crash before/);
      api.crashAtMutation = 0;
      // restart: a fresh observe -> plan -> apply, then nothing left to do
      await cycle(api, exampleSpec());
      expect((await planAgainst(api, exampleSpec())).actions).toEqual([]);
      expect(inventory(api)).toEqual(inventory(reference));
    }
  });

  test('a crash in the middle of a target group replacement converges too', async () => {
    const after = exampleSpec();
    after.targetGroups![2]!.port = 9091;
    const probe = new FakeElbv2();
    await cycle(probe, exampleSpec());
    probe.resetCounters();
    await cycle(probe, after);
    const mutations = probe.mutatingCalls().length;
    for (let k = 1; k <= mutations; k++) {
      const api = new FakeElbv2();
      await cycle(api, exampleSpec());
      api.resetCounters();
      api.crashAtMutation = k;
      await expect(cycle(api, after)).rejects.toThrow(/crash before/);
      api.crashAtMutation = 0;
      await cycle(api, after);
      expect((await planAgainst(api, after)).actions).toEqual([]);
      expect(inventory(api)).toEqual(inventory(probe));
    }
  });

  test('a no-op re-check makes no mutating call', async () => {
    const api = new FakeElbv2();
    await cycle(api, exampleSpec());
    api.resetCounters();
    const p = await planAgainst(api, exampleSpec());
    await apply(api, p);
    expect(api.mutatingCalls()).toEqual([]);
    // reads are batched: one target group listing and one DescribeTags for everything
    expect(api.calls.filter((c) => c === 'DescribeTargetGroups')).toHaveLength(1);
    expect(api.calls.filter((c) => c === 'DescribeTags')).toHaveLength(1);
  });

  test('a foreign load balancer with our name is a conflict and is never touched', async () => {
    const api = new FakeElbv2();
    const name = desiredOf(exampleSpec()).loadBalancer.name;
    await api.createLoadBalancer({ Name: name, Subnets: ['subnet-x'], Tags: [{ Key: 'albatross.dev/cluster', Value: 'other' }, { Key: 'albatross.dev/owner', Value: 'LoadBalancedService/x/y' }] });
    api.resetCounters();
    const model = desiredOf(exampleSpec());
    const actual = await observe(api, {
      id: ID,
      ownerTags: model.ownerTags,
      loadBalancerName: name,
      targetGroupNames: new Map(model.targetGroups.map((t) => [t.key, t.name])),
      knownLoadBalancerArns: [],
      knownTargetGroupArns: [],
      adopt: true,
    });
    expect(actual.conflicts).toEqual([
      expect.objectContaining({ kind: 'loadbalancer', name, owner: 'LoadBalancedService/x/y in cluster other' }),
    ]);
    expect(actual.loadBalancers).toEqual([]);
    expect(api.mutatingCalls()).toEqual([]);
  });

  test('an unowned load balancer with our name is a conflict, and is adopted only with adopt: true', async () => {
    const api = new FakeElbv2();
    const model = desiredOf(exampleSpec());
    await api.createLoadBalancer({ Name: model.loadBalancer.name, Subnets: ['subnet-aaaaaaaa', 'subnet-bbbbbbbb'], Tags: [{ Key: 'team', Value: 'legacy' }] });
    const input = {
      id: ID,
      ownerTags: model.ownerTags,
      loadBalancerName: model.loadBalancer.name,
      targetGroupNames: new Map(model.targetGroups.map((t) => [t.key, t.name])),
      knownLoadBalancerArns: [],
      knownTargetGroupArns: [],
    };
    const refused = await observe(api, { ...input, adopt: false });
    expect(refused.conflicts.map((c) => c.owner)).toEqual(['nobody (no albatross.dev ownership tags)']);
    const adopted = await observe(api, { ...input, adopt: true });
    expect(adopted.conflicts).toEqual([]);
    expect(adopted.loadBalancers.map((l) => l.name)).toEqual([model.loadBalancer.name]);
    await cycle(api, { ...exampleSpec(), adopt: true }, { adopt: true });
    expect(api.lbs.size).toBe(1);
    const tags = api.tags.get([...api.lbs.keys()][0] ?? '');
    expect(tags?.['albatross.dev/owner']).toBe('LoadBalancedService/prod/chat');
  });
});
