// What moto holds per owner for one cluster name, read straight from moto (not through the limits
// proxy, so neither its limits nor its faults apply): load balancers, target groups, listeners,
// non-default rules and security groups, counted by their albatross.dev/owner tag. The fault run's
// "nothing duplicated" is these counts against the example's shape.
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { DescribeListenersCommand, DescribeRulesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { TAG_CLUSTER, TAG_OWNER } from '../../src/crds/index.ts';
import { awsClients } from '../integration/support/index.ts';
import { listAllElbv2, tagsOf } from '../integration/load-balanced-service/harness.ts';

export interface OwnedCounts {
  loadBalancers: number;
  targetGroups: number;
  listeners: number;
  rules: number;
  securityGroups: number;
}

/** The example's shape: 1 load balancer, 3 target groups, 2 listeners, 2 rules, 2 managed security groups. */
export const EXAMPLE_SHAPE: OwnedCounts = { loadBalancers: 1, targetGroups: 3, listeners: 2, rules: 2, securityGroups: 2 };

const zero = (): OwnedCounts => ({ loadBalancers: 0, targetGroups: 0, listeners: 0, rules: 0, securityGroups: 0 });

/** owner tag value -> counts, for every object tagged with `cluster`. */
export async function ownedByCluster(cluster: string): Promise<Map<string, OwnedCounts>> {
  const { elbv2, ec2 } = awsClients();
  const { lbs, tgs } = await listAllElbv2();
  const owner = new Map<string, string>();
  for (const [arn, tags] of await tagsOf([...lbs.map((l) => l.LoadBalancerArn!), ...tgs.map((t) => t.TargetGroupArn!)])) {
    if (tags[TAG_CLUSTER] === cluster) owner.set(arn, tags[TAG_OWNER] ?? '(no owner tag)');
  }
  const out = new Map<string, OwnedCounts>();
  const of = (o: string): OwnedCounts => {
    let c = out.get(o);
    if (!c) out.set(o, (c = zero()));
    return c;
  };
  for (const tg of tgs) {
    const o = owner.get(tg.TargetGroupArn!);
    if (o) of(o).targetGroups += 1;
  }
  for (const lb of lbs) {
    const o = owner.get(lb.LoadBalancerArn!);
    if (!o) continue;
    const c = of(o);
    c.loadBalancers += 1;
    const listeners = (await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners ?? [];
    c.listeners += listeners.length;
    for (const l of listeners) c.rules += ((await elbv2.send(new DescribeRulesCommand({ ListenerArn: l.ListenerArn }))).Rules ?? []).filter((r) => !r.IsDefault).length;
  }
  let token: string | undefined;
  do {
    const page = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: `tag:${TAG_CLUSTER}`, Values: [cluster] }], NextToken: token }));
    for (const g of page.SecurityGroups ?? []) of(g.Tags?.find((t) => t.Key === TAG_OWNER)?.Value ?? '(no owner tag)').securityGroups += 1;
    token = page.NextToken;
  } while (token);
  return out;
}

/** Owners whose counts differ from `shape` (or who are not among `expected`), with what they hold. */
export function duplicates(owned: Map<string, OwnedCounts>, expected: string[], shape: OwnedCounts = EXAMPLE_SHAPE): Array<{ owner: string; counts: OwnedCounts }> {
  const want = new Set(expected);
  const out: Array<{ owner: string; counts: OwnedCounts }> = [];
  for (const [owner, counts] of owned) {
    const same = (Object.keys(shape) as Array<keyof OwnedCounts>).every((k) => counts[k] === shape[k]);
    if (!want.has(owner) || !same) out.push({ owner, counts });
  }
  for (const o of expected) if (!owned.has(o)) out.push({ owner: o, counts: zero() });
  return out.sort((a, b) => a.owner.localeCompare(b.owner));
}
