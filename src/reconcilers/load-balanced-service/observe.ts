// AWS -> actual state: the objects this resource owns, found by ownership tags among a few
// candidates (the load balancer with our name or the ARN in status; target groups whose names
// carry this resource's marker or whose ARNs are in status). Foreign objects that hold one of our
// names become conflicts and are never touched. Reads are batched: target groups are listed once
// per observation and all tags come from one DescribeTags per 20 ARNs.
import { TAG_CLUSTER, TAG_OWNER } from '../../crds/index.ts';
import type { Elbv2Api, Listener, LoadBalancer, TargetGroup, Tags } from '../../aws/elbv2.ts';
import { listenerFromAws, loadBalancerFromAws, targetGroupFromAws, targetGroupKey } from './aws-shapes.ts';
import type { ActualListener, ActualLoadBalancer, ActualState, ActualTargetGroup, Conflict, DesiredModel } from './model.ts';
import { isCandidateTargetGroupName, type ResourceId } from './names.ts';

export interface ObserveInput {
  id: ResourceId;
  ownerTags: Tags;
  /** desired AWS names */
  loadBalancerName: string;
  /** logical name -> desired AWS name */
  targetGroupNames: ReadonlyMap<string, string>;
  /** ARNs remembered in status (finds objects whose name we no longer derive) */
  knownLoadBalancerArns: string[];
  knownTargetGroupArns: string[];
  /** listener ARNs in status, most trusted first: of two listeners on one port (a create done twice), the earliest here is kept */
  knownListenerArns?: string[];
  adopt: boolean;
}

/** observe() for a desired model: its names and owner tags, plus what the caller knows (ARNs from status, adopt). */
export function observeDesired(
  api: Elbv2Api,
  id: ResourceId,
  model: DesiredModel,
  known: Pick<ObserveInput, 'knownLoadBalancerArns' | 'knownTargetGroupArns' | 'knownListenerArns' | 'adopt'>,
): Promise<ActualState> {
  return observe(api, {
    id,
    ownerTags: model.ownerTags,
    loadBalancerName: model.loadBalancer.name,
    targetGroupNames: new Map(model.targetGroups.map((t) => [t.key, t.name])),
    ...known,
  });
}

type Ownership = 'ours' | 'unowned' | 'foreign';

/** The position of an ARN in a list of remembered ones, most trusted first (absent: last). */
function rankIn(arns: readonly string[]): (arn: string | undefined) => number {
  return (arn) => {
    const i = arn ? arns.indexOf(arn) : -1;
    return i < 0 ? arns.length : i;
  };
}

/** Whose object it is, by its ownership tags against ours (`owner`). */
export function ownership(tags: Tags | undefined, owner: Tags): Ownership {
  const t = tags ?? {};
  if (t[TAG_CLUSTER] === undefined && t[TAG_OWNER] === undefined) return 'unowned';
  if (t[TAG_CLUSTER] === owner[TAG_CLUSTER] && t[TAG_OWNER] === owner[TAG_OWNER]) return 'ours';
  return 'foreign';
}

/** Who owns it, as conflict messages say it. */
export function ownerOf(tags: Tags | undefined): string {
  const t = tags ?? {};
  if (t[TAG_CLUSTER] === undefined && t[TAG_OWNER] === undefined) return 'nobody (no albatross.dev ownership tags)';
  return `${t[TAG_OWNER] ?? '?'} in cluster ${t[TAG_CLUSTER] ?? '?'}`;
}

/** The AWS objects a resource owns (found by name, remembered ARN and ownership tags), before any detail is read. */
export interface Owned {
  loadBalancers: LoadBalancer[];
  targetGroups: Array<{ tg: TargetGroup; key: string }>;
  /** listeners of the load balancers with our name (only when asked for) */
  listenersByLb: Map<string, Listener[]>;
  tags: Map<string, Tags>;
  conflicts: Conflict[];
}

/**
 * Candidates by name and by remembered ARN, their tags in one batch, ownership decided. With
 * `listeners`, the listeners of the load balancer with our name are fetched first so their tags
 * ride in the same DescribeTags batch (observation); deletion needs none. With `confirmRemembered`
 * (deletion), target groups whose ARNs status remembers but the listing lacks are asked of AWS by
 * ARN (the inventory's view: no call when it has them all, or knows them gone), and so is the load
 * balancer's name when the listing lacks it, so a listing that missed one does not leave it in AWS
 * for ever.
 */
export async function findOwned(api: Elbv2Api, input: ObserveInput, opts: { listeners: boolean; confirmRemembered?: boolean }): Promise<Owned> {
  const desiredTgNames = new Set(input.targetGroupNames.values());
  const keyByDesiredName = new Map([...input.targetGroupNames.entries()].map(([k, n]) => [n, k]));

  // Candidates: by name and by remembered ARN; target groups from one listing.
  const [byName, listedTgs] = await Promise.all([
    api.describeLoadBalancersByName(input.loadBalancerName, { confirmAbsent: opts.confirmRemembered === true }),
    api.listTargetGroups(),
  ]);
  const knownTg = new Set(input.knownTargetGroupArns);
  const listed = new Set(listedTgs.map((tg) => tg.TargetGroupArn));
  const unlisted = opts.confirmRemembered ? [...knownTg].filter((a) => a && !listed.has(a)) : [];
  const allTgs = unlisted.length ? [...listedTgs, ...(await api.describeTargetGroupsByArn(unlisted))] : listedTgs;
  const tgCandidates: TargetGroup[] = allTgs.filter(
    (tg) =>
      desiredTgNames.has(tg.TargetGroupName ?? '') ||
      isCandidateTargetGroupName(input.id, tg.TargetGroupName ?? '') ||
      knownTg.has(tg.TargetGroupArn ?? ''),
  );
  // Other load balancers that may be ours: the one in status, and those our target groups serve
  // (an old load balancer left by a replacement, even if status never recorded it).
  const byNameArns = new Set(byName.map((lb) => lb.LoadBalancerArn));
  const extraArns = [
    ...new Set([...input.knownLoadBalancerArns, ...tgCandidates.flatMap((tg) => tg.LoadBalancerArns ?? [])]),
  ].filter((a) => a && !byNameArns.has(a));
  // Of two load balancers with our name (a create done twice), the one remembered first comes first:
  // it is the current one (plan.ts, retire.ts take the first), the other a duplicate to delete.
  const lbRank = rankIn(input.knownLoadBalancerArns);
  const byNameFirst = [...byName].sort((a, b) => lbRank(a.LoadBalancerArn) - lbRank(b.LoadBalancerArn));
  const lbCandidates: LoadBalancer[] = [...byNameFirst, ...(extraArns.length ? await api.describeLoadBalancersByArn(extraArns) : [])];

  const listenersByLb = new Map<string, Listener[]>();
  if (opts.listeners) {
    await Promise.all(
      byName.map(async (lb) => {
        if (lb.LoadBalancerArn) listenersByLb.set(lb.LoadBalancerArn, await api.describeListeners(lb.LoadBalancerArn));
      }),
    );
  }
  const listenerArns = [...listenersByLb.values()].flat().map((l) => l.ListenerArn ?? '');
  const tags = await api.describeTags([
    ...lbCandidates.map((lb) => lb.LoadBalancerArn ?? ''),
    ...tgCandidates.map((tg) => tg.TargetGroupArn ?? ''),
    ...listenerArns,
  ].filter(Boolean));

  const conflicts: Conflict[] = [];

  // Load balancers.
  const ownedLbs: LoadBalancer[] = [];
  for (const lb of lbCandidates) {
    const arn = lb.LoadBalancerArn ?? '';
    const o = ownership(tags.get(arn), input.ownerTags);
    const ourName = lb.LoadBalancerName === input.loadBalancerName;
    if (o === 'ours' || (o === 'unowned' && ourName && input.adopt)) ownedLbs.push(lb);
    else if (ourName) conflicts.push({ kind: 'loadbalancer', name: lb.LoadBalancerName ?? '', arn, owner: ownerOf(tags.get(arn)) });
  }

  // Target groups.
  const ownedTgs: Array<{ tg: TargetGroup; key: string }> = [];
  for (const tg of tgCandidates) {
    const arn = tg.TargetGroupArn ?? '';
    const name = tg.TargetGroupName ?? '';
    const t = tags.get(arn);
    const o = ownership(t, input.ownerTags);
    const desiredKey = keyByDesiredName.get(name);
    if (o === 'ours') ownedTgs.push({ tg, key: targetGroupKey(t ?? {}) || desiredKey || '' });
    else if (o === 'unowned' && desiredKey !== undefined && input.adopt) ownedTgs.push({ tg, key: desiredKey });
    else if (desiredKey !== undefined) conflicts.push({ kind: 'targetgroup', name, arn, owner: ownerOf(t) });
  }
  return { loadBalancers: ownedLbs, targetGroups: ownedTgs, listenersByLb, tags, conflicts };
}

export async function observe(api: Elbv2Api, input: ObserveInput): Promise<ActualState> {
  const { loadBalancers: ownedLbs, targetGroups: ownedTgs, listenersByLb, tags, conflicts } = await findOwned(api, input, { listeners: true });

  // Details, in parallel (the shared token bucket paces them).
  const loadBalancers: ActualLoadBalancer[] = await Promise.all(
    ownedLbs.map(async (lb) =>
      loadBalancerFromAws(lb, await api.describeLoadBalancerAttributes(lb.LoadBalancerArn ?? ''), tags.get(lb.LoadBalancerArn ?? '') ?? {}),
    ),
  );
  const current = ownedLbs.find((lb) => lb.LoadBalancerName === input.loadBalancerName);
  const listenerRank = rankIn(input.knownListenerArns ?? []);
  const listeners: ActualListener[] = current
    ? await Promise.all(
        (listenersByLb.get(current.LoadBalancerArn ?? '') ?? []).map(async (l) => {
          const arn = l.ListenerArn ?? '';
          const [rules, certs] = await Promise.all([
            api.describeRules(arn),
            l.Protocol === 'HTTPS' ? api.describeListenerCertificates(arn) : Promise.resolve([]),
          ]);
          return listenerFromAws(l, rules, certs, tags.get(arn) ?? {});
        }),
      )
    : [];
  const targetGroups: ActualTargetGroup[] = await Promise.all(
    ownedTgs.map(async ({ tg, key }) => {
      const arn = tg.TargetGroupArn ?? '';
      const [attributes, health] = await Promise.all([api.describeTargetGroupAttributes(arn), api.describeTargetHealth(arn)]);
      return targetGroupFromAws(tg, key, attributes, tags.get(arn) ?? {}, health);
    }),
  );

  return {
    loadBalancers,
    // On one port, the listener status remembers first (plan.ts keeps the first, deletes the others).
    listeners: listeners.sort((a, b) => a.port - b.port || listenerRank(a.arn) - listenerRank(b.arn)),
    targetGroups: targetGroups.sort((a, b) => a.key.localeCompare(b.key) || a.name.localeCompare(b.name)),
    conflicts,
  };
}
