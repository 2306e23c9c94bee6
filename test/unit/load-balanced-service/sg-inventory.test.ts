// The shared inventory of this cluster's managed security groups (issue 10), pure logic over the
// in-memory EC2 port: one listing serves every object's observation and deletion; a group our
// writes touched is read again by id (one batch for many) before it is served; a desired group the
// inventory cannot show as ours is asked of AWS by name (squatters, adoption); a group that is not
// ours is never served for deletion; our writes during a listing are not undone by it.
import { describe, expect, test } from '@jest/globals';
import { TAG_CLUSTER, TAG_OWNER } from '../../../src/crds/index.ts';
import { ownerTags } from '../../../src/reconcilers/load-balanced-service/build.ts';
import { securityGroupName, type ResourceId } from '../../../src/reconcilers/load-balanced-service/names.ts';
import { observeSecurityGroups } from '../../../src/reconcilers/load-balanced-service/security-groups-observe.ts';
import { SecurityGroupInventory } from '../../../src/reconcilers/load-balanced-service/sg-inventory.ts';
import type { Ec2SecurityGroup } from '../../../src/aws/security-groups.ts';
import { FakeSecurityGroups } from './fake-security-groups.ts';

const VPC = 'vpc-1';
const idOf = (name: string): ResourceId => ({ cluster: 'c1', namespace: 'ns', name });

async function groupsOf(sg: FakeSecurityGroups, id: ResourceId): Promise<string[]> {
  const out: string[] = [];
  for (const role of ['frontend', 'backend'] as const) {
    out.push(await sg.create({ name: securityGroupName(id, role), description: role, vpcId: VPC, tags: { ...ownerTags(id), 'albatross.dev/resource': `securitygroup/${role}` } }));
  }
  return out;
}

/** An observation (groups wanted in VPC) or, with `deleting`, a deletion (no VPC: owned groups only). */
const observeOf = (view: Parameters<typeof observeSecurityGroups>[0], id: ResourceId, deleting?: 'deleting') =>
  observeSecurityGroups(view, { id, ownerTags: ownerTags(id), vpcId: deleting ? undefined : VPC, adopt: false });

describe('SecurityGroupInventory', () => {
  test('one listing serves the observation of many objects: no DescribeSecurityGroups per object', async () => {
    const sg = new FakeSecurityGroups();
    const ids = ['a', 'b', 'c', 'd', 'e'].map(idOf);
    for (const id of ids) await groupsOf(sg, id);
    // another cluster's groups are not listed
    await groupsOf(sg, { cluster: 'c2', namespace: 'ns', name: 'a' });
    sg.calls = [];
    const inv = new SecurityGroupInventory(sg, 'c1', { batchWindowMs: 0 });
    for (const id of ids) {
      const seen = await observeOf(inv.view(sg), id);
      expect(seen.groups.map((g) => g.role)).toEqual(['backend', 'frontend']);
      expect(seen.conflicts).toEqual([]);
    }
    expect(sg.calls).toEqual(['DescribeSecurityGroups']);
    expect(inv.listings).toBe(1);
  });

  test('a desired group the inventory cannot show as ours is asked of AWS by name: a squatter is a conflict, never served as ours', async () => {
    const sg = new FakeSecurityGroups();
    const id = idOf('a');
    // someone else's group holds our frontend name in our VPC
    await sg.create({ name: securityGroupName(id, 'frontend'), description: 'x', vpcId: VPC, tags: { [TAG_CLUSTER]: 'c1', [TAG_OWNER]: 'someone-else' } });
    sg.calls = [];
    const inv = new SecurityGroupInventory(sg, 'c1', { batchWindowMs: 0 });
    const seen = await observeOf(inv.view(sg), id);
    expect(seen.groups).toEqual([]);
    expect(seen.conflicts.map((c) => c.kind)).toEqual(['securitygroup']);
    expect(sg.calls).toEqual(['DescribeSecurityGroups', 'DescribeSecurityGroups']); // listing + by name
    // deletion (no VPC): from the inventory only, and the squatter is not ours
    const gone = await observeOf(inv.view(sg), id, 'deleting');
    expect(gone.groups).toEqual([]);
    expect(sg.calls).toHaveLength(2);
  });

  test('our writes are applied to the inventory (no read after them); a write that failed makes the group be read again by id, one batch for many objects', async () => {
    const sg = new FakeSecurityGroups();
    const inv = new SecurityGroupInventory(sg, 'c1', { batchWindowMs: 5 });
    const ids = ['a', 'b', 'c'].map(idOf);
    await inv.view(sg).ownedByNames([]); // listed (empty)
    const rule = { protocol: 'tcp', fromPort: 443, toPort: 443, cidr: '0.0.0.0/0' };
    const made = await Promise.all(ids.map(async (id) => {
      const view = inv.view(sg);
      const fe = await view.create({ name: securityGroupName(id, 'frontend'), description: 'fe', vpcId: VPC, tags: { ...ownerTags(id), 'albatross.dev/resource': 'securitygroup/frontend' } });
      await view.authorizeIngress(fe, [rule, { ...rule, fromPort: 80, toPort: 80 }]);
      await view.revokeIngress(fe, [{ ...rule, fromPort: 80, toPort: 80 }]);
      await view.addTags(fe, { app: 'chat' });
      return fe;
    }));
    sg.describes = [];
    const check = async (): Promise<void> => {
      const seen = await Promise.all(ids.map((id) => observeOf(inv.view(sg), id, 'deleting')));
      for (const [i, s] of seen.entries()) {
        expect(s.groups.map((g) => g.id)).toEqual([made[i]]);
        expect(s.groups[0]!.ingress.map((r) => `${r.fromPort} ${r.source}`)).toEqual(['443 cidr:0.0.0.0/0']);
        expect(s.groups[0]!.tags['app']).toBe('chat');
        // what the inventory says is what EC2 holds
        const real = [...sg.groups.values()].find((g) => g.groupId === made[i])!;
        expect(s.groups[0]!.tags).toEqual(real.tags);
      }
    };
    await check();
    expect(sg.describes).toEqual([]);
    // A rule already there: EC2 refuses, the outcome is read again (the three together).
    for (const id of made) await expect(inv.view(sg).authorizeIngress(id, [rule])).rejects.toThrow();
    await check();
    expect(sg.describes).toEqual([`ids:${made.join(',')}`]);
    await check();
    expect(sg.describes).toHaveLength(1);
  });

  test('a group removed or retagged outside Albatross is seen within the staleness bound; our delete at once', async () => {
    const sg = new FakeSecurityGroups();
    const id = idOf('a');
    const [fe, be] = await groupsOf(sg, id);
    let t = 1_000_000;
    const inv = new SecurityGroupInventory(sg, 'c1', { batchWindowMs: 0, maxAgeMs: 60_000, now: () => t });
    expect((await observeOf(inv.view(sg), id, 'deleting')).groups).toHaveLength(2);
    // someone takes the backend group over
    sg.groups.get(be!)!.tags[TAG_OWNER] = 'someone-else';
    t += 60_001;
    const after = await observeOf(inv.view(sg), id, 'deleting');
    expect(after.groups.map((g) => g.id)).toEqual([fe]);
    await inv.view(sg).delete(fe!);
    expect((await observeOf(inv.view(sg), id, 'deleting')).groups).toEqual([]);
    expect(sg.groups.has(be!)).toBe(true);
  });

  test('a listing under way does not undo our create or delete made meanwhile', async () => {
    const sg = new FakeSecurityGroups();
    const id = idOf('a');
    const [old] = await groupsOf(sg, id);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let snapshot: Ec2SecurityGroup[] = [];
    const slow: FakeSecurityGroups = Object.create(sg) as FakeSecurityGroups;
    slow.describeByTag = async (k, v) => {
      snapshot = await sg.describeByTag(k, v); // read before the writes below
      await gate;
      return snapshot;
    };
    const inv = new SecurityGroupInventory(slow, 'c1', { batchWindowMs: 0 });
    const listing = inv.view(sg).ownedByNames([]);
    await new Promise((r) => setTimeout(r, 5));
    const view = inv.view(sg);
    await view.delete(old!);
    const other = idOf('b');
    const made = await view.create({ name: securityGroupName(other, 'frontend'), description: 'fe', vpcId: VPC, tags: { ...ownerTags(other), 'albatross.dev/resource': 'securitygroup/frontend' } });
    release();
    await listing;
    expect(snapshot.map((g) => g.groupId)).toContain(old);
    expect((await observeOf(inv.view(sg), id, 'deleting')).groups.map((g) => g.id)).not.toContain(old);
    expect((await observeOf(inv.view(sg), other, 'deleting')).groups.map((g) => g.id)).toEqual([made]);
  });
  test("a create refused as a duplicate (its earlier try's answer lost) has the inventory list again, even while a listing that read before it is under way", async () => {
    const sg = new FakeSecurityGroups();
    const id = idOf('a');
    const input = { name: securityGroupName(id, 'frontend'), description: 'fe', vpcId: VPC, tags: { ...ownerTags(id), 'albatross.dev/resource': 'securitygroup/frontend' } };
    let release: () => void = () => {};
    let gate: Promise<void> | undefined = new Promise<void>((r) => (release = r));
    const slow: FakeSecurityGroups = Object.create(sg) as FakeSecurityGroups;
    slow.describeByTag = async (k, v) => {
      const snapshot = await sg.describeByTag(k, v);
      if (gate) await gate;
      return snapshot;
    };
    let t = 1_000_000;
    const inv = new SecurityGroupInventory(slow, 'c1', { batchWindowMs: 0, now: () => t });
    const listing = inv.view(sg).ownedByNames([]);
    await new Promise((r) => setTimeout(r, 5));
    // Made in AWS by a try whose answer was lost; the retry is refused as a duplicate.
    const made = await sg.create(input);
    t += 10;
    await expect(inv.view(sg).create(input)).rejects.toThrow(/Duplicate/);
    release();
    gate = undefined;
    await listing;
    expect(inv.listings).toBe(1);
    expect((await observeOf(inv.view(sg), id, 'deleting')).groups.map((g) => g.id)).toEqual([made]);
    expect(inv.listings).toBe(2);
  });
});
