// Thin port over Elastic Load Balancing v2: only the calls the LoadBalancedService reconciler uses,
// with pagination and batched reads (DescribeLoadBalancers / DescribeTags take at most 20 ARNs).
// Every call goes through callAws (shared budget, metrics, error classification).
import {
  AddListenerCertificatesCommand,
  AddTagsCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenerCertificatesCommand,
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyLoadBalancerAttributesCommand,
  ModifyRuleCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  RegisterTargetsCommand,
  RemoveListenerCertificatesCommand,
  RemoveTagsCommand,
  SetIpAddressTypeCommand,
  SetRulePrioritiesCommand,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type {
  Action,
  Certificate,
  CreateListenerInput,
  CreateLoadBalancerInput,
  CreateRuleInput,
  CreateTargetGroupInput,
  Listener,
  LoadBalancer,
  ModifyListenerInput,
  ModifyTargetGroupInput,
  Rule,
  RuleCondition,
  RulePriorityPair,
  TargetDescription,
  TargetGroup,
  TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { callAws, sdkClientConfig, type CallOptions } from './call.ts';
import { isAwsErrorKind } from './errors.ts';

export type {
  Action,
  Certificate,
  CreateListenerInput,
  CreateLoadBalancerInput,
  CreateRuleInput,
  CreateTargetGroupInput,
  Listener,
  LoadBalancer,
  ModifyListenerInput,
  ModifyTargetGroupInput,
  Rule,
  RuleCondition,
  RulePriorityPair,
  TargetDescription,
  TargetGroup,
  TargetHealthDescription,
};

export type Tags = Record<string, string>;
export type Attributes = Record<string, string>;

/** AWS accepts at most 20 ARNs per DescribeLoadBalancers / DescribeTags call. */
export const ARN_BATCH = 20;
const PAGE_SIZE = 400;

/** The operations the reconciler needs; implemented over the SDK here and by fakes in unit tests. */
export interface Elbv2Api {
  describeLoadBalancersByName(name: string): Promise<LoadBalancer[]>;
  describeLoadBalancersByArn(arns: string[]): Promise<LoadBalancer[]>;
  describeLoadBalancerAttributes(arn: string): Promise<Attributes>;
  describeTags(arns: string[]): Promise<Map<string, Tags>>;
  listTargetGroups(): Promise<TargetGroup[]>;
  describeTargetGroupAttributes(arn: string): Promise<Attributes>;
  describeTargetHealth(arn: string): Promise<TargetHealthDescription[]>;
  describeListeners(loadBalancerArn: string): Promise<Listener[]>;
  describeListenerCertificates(listenerArn: string): Promise<Certificate[]>;
  describeRules(listenerArn: string): Promise<Rule[]>;

  createLoadBalancer(input: CreateLoadBalancerInput): Promise<LoadBalancer>;
  modifyLoadBalancerAttributes(arn: string, attributes: Attributes): Promise<void>;
  setSecurityGroups(arn: string, securityGroups: string[]): Promise<void>;
  setSubnets(arn: string, subnets: string[]): Promise<void>;
  setIpAddressType(arn: string, ipAddressType: string): Promise<void>;
  deleteLoadBalancer(arn: string): Promise<void>;

  createTargetGroup(input: CreateTargetGroupInput): Promise<TargetGroup>;
  modifyTargetGroup(input: ModifyTargetGroupInput): Promise<void>;
  modifyTargetGroupAttributes(arn: string, attributes: Attributes): Promise<void>;
  registerTargets(arn: string, targets: TargetDescription[]): Promise<void>;
  deregisterTargets(arn: string, targets: TargetDescription[]): Promise<void>;
  deleteTargetGroup(arn: string): Promise<void>;

  createListener(input: CreateListenerInput): Promise<Listener>;
  modifyListener(input: ModifyListenerInput): Promise<void>;
  addListenerCertificates(listenerArn: string, certificateArns: string[]): Promise<void>;
  removeListenerCertificates(listenerArn: string, certificateArns: string[]): Promise<void>;
  deleteListener(arn: string): Promise<void>;

  createRule(input: CreateRuleInput): Promise<Rule>;
  modifyRule(ruleArn: string, conditions: RuleCondition[], actions: Action[]): Promise<void>;
  setRulePriorities(pairs: RulePriorityPair[]): Promise<void>;
  deleteRule(arn: string): Promise<void>;

  addTags(arns: string[], tags: Tags): Promise<void>;
  removeTags(arns: string[], keys: string[]): Promise<void>;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function toAttributeList(attributes: Attributes): Array<{ Key: string; Value: string }> {
  return Object.entries(attributes).map(([Key, Value]) => ({ Key, Value }));
}

function fromAttributeList(list: Array<{ Key?: string; Value?: string }> | undefined): Attributes {
  const out: Attributes = {};
  for (const a of list ?? []) if (a.Key !== undefined) out[a.Key] = a.Value ?? '';
  return out;
}

let sharedClient: ElasticLoadBalancingV2Client | undefined;
function defaultClient(): ElasticLoadBalancingV2Client {
  sharedClient ??= new ElasticLoadBalancingV2Client(sdkClientConfig());
  return sharedClient;
}

/** The real port: one SDK client per process, every call through callAws. */
export class SdkElbv2 implements Elbv2Api {
  private readonly client: ElasticLoadBalancingV2Client;
  private readonly opts: CallOptions;

  constructor(opts: CallOptions = {}, client?: ElasticLoadBalancingV2Client) {
    this.client = client ?? defaultClient();
    this.opts = opts;
  }

  /** A port bound to an abort signal (e.g. one reconcile's), sharing the same client. */
  withSignal(signal: AbortSignal | undefined): SdkElbv2 {
    return new SdkElbv2(signal ? { signal } : {}, this.client);
  }

  private call<T>(operation: string, fn: (signal?: AbortSignal) => Promise<T>): Promise<T> {
    return callAws('elbv2', operation, fn, this.opts);
  }

  async describeLoadBalancersByName(name: string): Promise<LoadBalancer[]> {
    try {
      const out = await this.call('DescribeLoadBalancers', (abortSignal) =>
        this.client.send(new DescribeLoadBalancersCommand({ Names: [name] }), { abortSignal }),
      );
      return (out.LoadBalancers ?? []).filter((lb) => lb.LoadBalancerName === name);
    } catch (err) {
      if (isAwsErrorKind(err, 'not_found')) return [];
      throw err;
    }
  }

  async describeLoadBalancersByArn(arns: string[]): Promise<LoadBalancer[]> {
    const out: LoadBalancer[] = [];
    for (const batch of chunks([...new Set(arns)], ARN_BATCH)) {
      try {
        const res = await this.call('DescribeLoadBalancers', (abortSignal) =>
          this.client.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: batch }), { abortSignal }),
        );
        out.push(...(res.LoadBalancers ?? []));
      } catch (err) {
        if (!isAwsErrorKind(err, 'not_found')) throw err;
        // One missing ARN fails the whole batch: fall back to one at a time (rare: after deletes).
        if (batch.length === 1) continue;
        out.push(...(await this.describeLoadBalancersOneByOne(batch)));
      }
    }
    return out;
  }

  private async describeLoadBalancersOneByOne(arns: string[]): Promise<LoadBalancer[]> {
    const out: LoadBalancer[] = [];
    for (const arn of arns) out.push(...(await this.describeLoadBalancersByArn([arn])));
    return out;
  }

  async describeLoadBalancerAttributes(arn: string): Promise<Attributes> {
    const out = await this.call('DescribeLoadBalancerAttributes', (abortSignal) =>
      this.client.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }), { abortSignal }),
    );
    return fromAttributeList(out.Attributes);
  }

  async describeTags(arns: string[]): Promise<Map<string, Tags>> {
    const result = new Map<string, Tags>();
    for (const batch of chunks([...new Set(arns)], ARN_BATCH)) {
      let descriptions;
      try {
        descriptions = (
          await this.call('DescribeTags', (abortSignal) =>
            this.client.send(new DescribeTagsCommand({ ResourceArns: batch }), { abortSignal }),
          )
        ).TagDescriptions;
      } catch (err) {
        if (!isAwsErrorKind(err, 'not_found')) throw err;
        // A deleted ARN fails the whole batch: fall back to one at a time, skipping the missing.
        if (batch.length > 1) for (const [arn, tags] of await this.describeTagsOneByOne(batch)) result.set(arn, tags);
        continue;
      }
      for (const d of descriptions ?? []) {
        if (!d.ResourceArn) continue;
        result.set(d.ResourceArn, fromAttributeList(d.Tags));
      }
    }
    return result;
  }

  private async describeTagsOneByOne(arns: string[]): Promise<Map<string, Tags>> {
    const out = new Map<string, Tags>();
    for (const arn of arns) for (const [k, v] of await this.describeTags([arn])) out.set(k, v);
    return out;
  }

  async listTargetGroups(): Promise<TargetGroup[]> {
    const out: TargetGroup[] = [];
    let marker: string | undefined;
    do {
      const page = await this.call('DescribeTargetGroups', (abortSignal) =>
        this.client.send(new DescribeTargetGroupsCommand({ PageSize: PAGE_SIZE, Marker: marker }), { abortSignal }),
      );
      out.push(...(page.TargetGroups ?? []));
      marker = page.NextMarker;
    } while (marker);
    return out;
  }

  async describeTargetGroupAttributes(arn: string): Promise<Attributes> {
    const out = await this.call('DescribeTargetGroupAttributes', (abortSignal) =>
      this.client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn }), { abortSignal }),
    );
    return fromAttributeList(out.Attributes);
  }

  async describeTargetHealth(arn: string): Promise<TargetHealthDescription[]> {
    const out = await this.call('DescribeTargetHealth', (abortSignal) =>
      this.client.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }), { abortSignal }),
    );
    return out.TargetHealthDescriptions ?? [];
  }

  async describeListeners(loadBalancerArn: string): Promise<Listener[]> {
    const out: Listener[] = [];
    let marker: string | undefined;
    do {
      const page = await this.call('DescribeListeners', (abortSignal) =>
        this.client.send(
          new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn, PageSize: PAGE_SIZE, Marker: marker }),
          { abortSignal },
        ),
      );
      out.push(...(page.Listeners ?? []));
      marker = page.NextMarker;
    } while (marker);
    return out;
  }

  async describeListenerCertificates(listenerArn: string): Promise<Certificate[]> {
    const out: Certificate[] = [];
    let marker: string | undefined;
    do {
      const page = await this.call('DescribeListenerCertificates', (abortSignal) =>
        this.client.send(
          new DescribeListenerCertificatesCommand({ ListenerArn: listenerArn, PageSize: PAGE_SIZE, Marker: marker }),
          { abortSignal },
        ),
      );
      out.push(...(page.Certificates ?? []));
      marker = page.NextMarker;
    } while (marker);
    return out;
  }

  async describeRules(listenerArn: string): Promise<Rule[]> {
    const out: Rule[] = [];
    let marker: string | undefined;
    do {
      const page = await this.call('DescribeRules', (abortSignal) =>
        this.client.send(new DescribeRulesCommand({ ListenerArn: listenerArn, PageSize: PAGE_SIZE, Marker: marker }), {
          abortSignal,
        }),
      );
      out.push(...(page.Rules ?? []));
      marker = page.NextMarker;
    } while (marker);
    return out;
  }

  async createLoadBalancer(input: CreateLoadBalancerInput): Promise<LoadBalancer> {
    const out = await this.call('CreateLoadBalancer', (abortSignal) =>
      this.client.send(new CreateLoadBalancerCommand(input), { abortSignal }),
    );
    const lb = out.LoadBalancers?.[0];
    if (!lb) throw new Error('CreateLoadBalancer returned no load balancer');
    return lb;
  }

  async modifyLoadBalancerAttributes(arn: string, attributes: Attributes): Promise<void> {
    await this.call('ModifyLoadBalancerAttributes', (abortSignal) =>
      this.client.send(
        new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: toAttributeList(attributes) }),
        { abortSignal },
      ),
    );
  }

  async setSecurityGroups(arn: string, securityGroups: string[]): Promise<void> {
    await this.call('SetSecurityGroups', (abortSignal) =>
      this.client.send(new SetSecurityGroupsCommand({ LoadBalancerArn: arn, SecurityGroups: securityGroups }), {
        abortSignal,
      }),
    );
  }

  async setSubnets(arn: string, subnets: string[]): Promise<void> {
    await this.call('SetSubnets', (abortSignal) =>
      this.client.send(new SetSubnetsCommand({ LoadBalancerArn: arn, Subnets: subnets }), { abortSignal }),
    );
  }

  async setIpAddressType(arn: string, ipAddressType: string): Promise<void> {
    await this.call('SetIpAddressType', (abortSignal) =>
      this.client.send(
        new SetIpAddressTypeCommand({ LoadBalancerArn: arn, IpAddressType: ipAddressType as 'ipv4' | 'dualstack' }),
        { abortSignal },
      ),
    );
  }

  async deleteLoadBalancer(arn: string): Promise<void> {
    await this.call('DeleteLoadBalancer', (abortSignal) =>
      this.client.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }), { abortSignal }),
    );
  }

  async createTargetGroup(input: CreateTargetGroupInput): Promise<TargetGroup> {
    const out = await this.call('CreateTargetGroup', (abortSignal) =>
      this.client.send(new CreateTargetGroupCommand(input), { abortSignal }),
    );
    const tg = out.TargetGroups?.[0];
    if (!tg) throw new Error('CreateTargetGroup returned no target group');
    return tg;
  }

  async modifyTargetGroup(input: ModifyTargetGroupInput): Promise<void> {
    await this.call('ModifyTargetGroup', (abortSignal) =>
      this.client.send(new ModifyTargetGroupCommand(input), { abortSignal }),
    );
  }

  async modifyTargetGroupAttributes(arn: string, attributes: Attributes): Promise<void> {
    await this.call('ModifyTargetGroupAttributes', (abortSignal) =>
      this.client.send(
        new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: toAttributeList(attributes) }),
        { abortSignal },
      ),
    );
  }

  async registerTargets(arn: string, targets: TargetDescription[]): Promise<void> {
    await this.call('RegisterTargets', (abortSignal) =>
      this.client.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: targets }), { abortSignal }),
    );
  }

  async deregisterTargets(arn: string, targets: TargetDescription[]): Promise<void> {
    await this.call('DeregisterTargets', (abortSignal) =>
      this.client.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: targets }), { abortSignal }),
    );
  }

  async deleteTargetGroup(arn: string): Promise<void> {
    await this.call('DeleteTargetGroup', (abortSignal) =>
      this.client.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn }), { abortSignal }),
    );
  }

  async createListener(input: CreateListenerInput): Promise<Listener> {
    const out = await this.call('CreateListener', (abortSignal) =>
      this.client.send(new CreateListenerCommand(input), { abortSignal }),
    );
    const listener = out.Listeners?.[0];
    if (!listener) throw new Error('CreateListener returned no listener');
    return listener;
  }

  async modifyListener(input: ModifyListenerInput): Promise<void> {
    await this.call('ModifyListener', (abortSignal) =>
      this.client.send(new ModifyListenerCommand(input), { abortSignal }),
    );
  }

  async addListenerCertificates(listenerArn: string, certificateArns: string[]): Promise<void> {
    await this.call('AddListenerCertificates', (abortSignal) =>
      this.client.send(
        new AddListenerCertificatesCommand({
          ListenerArn: listenerArn,
          Certificates: certificateArns.map((CertificateArn) => ({ CertificateArn })),
        }),
        { abortSignal },
      ),
    );
  }

  async removeListenerCertificates(listenerArn: string, certificateArns: string[]): Promise<void> {
    await this.call('RemoveListenerCertificates', (abortSignal) =>
      this.client.send(
        new RemoveListenerCertificatesCommand({
          ListenerArn: listenerArn,
          Certificates: certificateArns.map((CertificateArn) => ({ CertificateArn })),
        }),
        { abortSignal },
      ),
    );
  }

  async deleteListener(arn: string): Promise<void> {
    await this.call('DeleteListener', (abortSignal) =>
      this.client.send(new DeleteListenerCommand({ ListenerArn: arn }), { abortSignal }),
    );
  }

  async createRule(input: CreateRuleInput): Promise<Rule> {
    const out = await this.call('CreateRule', (abortSignal) =>
      this.client.send(new CreateRuleCommand(input), { abortSignal }),
    );
    const rule = out.Rules?.[0];
    if (!rule) throw new Error('CreateRule returned no rule');
    return rule;
  }

  async modifyRule(ruleArn: string, conditions: RuleCondition[], actions: Action[]): Promise<void> {
    await this.call('ModifyRule', (abortSignal) =>
      this.client.send(new ModifyRuleCommand({ RuleArn: ruleArn, Conditions: conditions, Actions: actions }), {
        abortSignal,
      }),
    );
  }

  async setRulePriorities(pairs: RulePriorityPair[]): Promise<void> {
    await this.call('SetRulePriorities', (abortSignal) =>
      this.client.send(new SetRulePrioritiesCommand({ RulePriorities: pairs }), { abortSignal }),
    );
  }

  async deleteRule(arn: string): Promise<void> {
    await this.call('DeleteRule', (abortSignal) =>
      this.client.send(new DeleteRuleCommand({ RuleArn: arn }), { abortSignal }),
    );
  }

  async addTags(arns: string[], tags: Tags): Promise<void> {
    for (const batch of chunks(arns, ARN_BATCH)) {
      await this.call('AddTags', (abortSignal) =>
        this.client.send(
          new AddTagsCommand({
            ResourceArns: batch,
            Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
          }),
          { abortSignal },
        ),
      );
    }
  }

  async removeTags(arns: string[], keys: string[]): Promise<void> {
    for (const batch of chunks(arns, ARN_BATCH)) {
      await this.call('RemoveTags', (abortSignal) =>
        this.client.send(new RemoveTagsCommand({ ResourceArns: batch, TagKeys: keys }), { abortSignal }),
      );
    }
  }
}
