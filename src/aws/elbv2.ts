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
  ServiceInputTypes,
  ServiceOutputTypes,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AuthenticateOidcActionConfig } from '@aws-sdk/client-elastic-load-balancing-v2';
import { callAws, sdkClientConfig, type CallOptions, type RetriedWrite } from './call.ts';
import { isAwsErrorKind } from './errors.ts';

export type {
  Action,
  AuthenticateOidcActionConfig,
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
  /**
   * Asks AWS. A shared view (inventory.ts) answers from its listing instead, and asks AWS for a name
   * the listing lacks only with `confirmAbsent` (deletion).
   */
  describeLoadBalancersByName(name: string, opts?: { confirmAbsent?: boolean }): Promise<LoadBalancer[]>;
  describeLoadBalancersByArn(arns: string[]): Promise<LoadBalancer[]>;
  /** every load balancer of the account and region (paginated) */
  listLoadBalancers(): Promise<LoadBalancer[]>;
  describeLoadBalancerAttributes(arn: string): Promise<Attributes>;
  describeTags(arns: string[]): Promise<Map<string, Tags>>;
  listTargetGroups(): Promise<TargetGroup[]>;
  /** the target groups of these ARNs that exist (batched; a missing ARN is left out) */
  describeTargetGroupsByArn(arns: string[]): Promise<TargetGroup[]>;
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

function listenerCertificates(listenerArn: string, certificateArns: string[]) {
  return { ListenerArn: listenerArn, Certificates: certificateArns.map((CertificateArn) => ({ CertificateArn })) };
}

/** The one object a Create* call returns; an empty answer is an error naming the operation. */
function created<T>(operation: string, items: T[] | undefined, what: string): T {
  const item = items?.[0];
  if (!item) throw new Error(`${operation} returned no ${what}`);
  return item;
}

/** A command object of this client with input I and output O (the type `client.send` accepts). */
type Elbv2Command<I extends ServiceInputTypes, O extends ServiceOutputTypes> = Parameters<
  typeof ElasticLoadBalancingV2Client.prototype.send<I, O>
>[0];

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

  /** A port bound to an abort signal (e.g. one reconcile's), sharing the same client; `onRetriedWrite`: see CallOptions. */
  withSignal(signal: AbortSignal | undefined, onRetriedWrite?: RetriedWrite): SdkElbv2 {
    return new SdkElbv2({ ...(signal ? { signal } : {}), ...(onRetriedWrite ? { onRetriedWrite } : {}) }, this.client);
  }

  /** One SDK call through callAws, with this port's abort signal. */
  private send<I extends ServiceInputTypes, O extends ServiceOutputTypes>(
    operation: string,
    command: Elbv2Command<I, O>,
  ): Promise<O> {
    return callAws('elbv2', operation, (abortSignal) => this.client.send(command, { abortSignal }), this.opts);
  }

  /** Every page of a Marker/NextMarker listing, one call per page. */
  private async paginate<I extends ServiceInputTypes, O extends ServiceOutputTypes & { NextMarker?: string }, Item>(
    operation: string,
    commandFor: (marker: string | undefined) => Elbv2Command<I, O>,
    itemsOf: (page: O) => Item[] | undefined,
  ): Promise<Item[]> {
    const out: Item[] = [];
    let marker: string | undefined;
    do {
      const page = await this.send(operation, commandFor(marker));
      out.push(...(itemsOf(page) ?? []));
      marker = page.NextMarker;
    } while (marker);
    return out;
  }

  /**
   * A describe by ARNs in batches of ARN_BATCH (duplicates dropped). One missing ARN fails its whole
   * batch with not_found: that batch is retried one ARN at a time, skipping the missing (rare: after deletes).
   */
  private async inArnBatches<T>(arns: string[], describe: (batch: string[]) => Promise<T[]>): Promise<T[]> {
    const out: T[] = [];
    for (const batch of chunks([...new Set(arns)], ARN_BATCH)) {
      try {
        out.push(...(await describe(batch)));
      } catch (err) {
        if (!isAwsErrorKind(err, 'not_found')) throw err;
        if (batch.length > 1) for (const arn of batch) out.push(...(await this.inArnBatches([arn], describe)));
      }
    }
    return out;
  }

  async describeLoadBalancersByName(name: string): Promise<LoadBalancer[]> {
    try {
      const out = await this.send('DescribeLoadBalancers', new DescribeLoadBalancersCommand({ Names: [name] }));
      return (out.LoadBalancers ?? []).filter((lb) => lb.LoadBalancerName === name);
    } catch (err) {
      if (isAwsErrorKind(err, 'not_found')) return [];
      throw err;
    }
  }

  async describeLoadBalancersByArn(arns: string[]): Promise<LoadBalancer[]> {
    return this.inArnBatches(arns, async (batch) => {
      const command = new DescribeLoadBalancersCommand({ LoadBalancerArns: batch });
      const out = await this.send('DescribeLoadBalancers', command);
      return out.LoadBalancers ?? [];
    });
  }

  async listLoadBalancers(): Promise<LoadBalancer[]> {
    return this.paginate(
      'DescribeLoadBalancers',
      (marker) => new DescribeLoadBalancersCommand({ PageSize: PAGE_SIZE, Marker: marker }),
      (page) => page.LoadBalancers,
    );
  }

  async describeLoadBalancerAttributes(arn: string): Promise<Attributes> {
    const out = await this.send(
      'DescribeLoadBalancerAttributes',
      new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }),
    );
    return fromAttributeList(out.Attributes);
  }

  async describeTags(arns: string[]): Promise<Map<string, Tags>> {
    const entries = await this.inArnBatches(arns, async (batch) => {
      const out = await this.send('DescribeTags', new DescribeTagsCommand({ ResourceArns: batch }));
      return (out.TagDescriptions ?? []).flatMap((d) =>
        d.ResourceArn ? [[d.ResourceArn, fromAttributeList(d.Tags)] as const] : [],
      );
    });
    return new Map(entries);
  }

  async listTargetGroups(): Promise<TargetGroup[]> {
    return this.paginate(
      'DescribeTargetGroups',
      (marker) => new DescribeTargetGroupsCommand({ PageSize: PAGE_SIZE, Marker: marker }),
      (page) => page.TargetGroups,
    );
  }

  async describeTargetGroupsByArn(arns: string[]): Promise<TargetGroup[]> {
    return this.inArnBatches(arns, async (batch) => {
      const out = await this.send('DescribeTargetGroups', new DescribeTargetGroupsCommand({ TargetGroupArns: batch }));
      return out.TargetGroups ?? [];
    });
  }

  async describeTargetGroupAttributes(arn: string): Promise<Attributes> {
    const out = await this.send(
      'DescribeTargetGroupAttributes',
      new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn }),
    );
    return fromAttributeList(out.Attributes);
  }

  async describeTargetHealth(arn: string): Promise<TargetHealthDescription[]> {
    const out = await this.send('DescribeTargetHealth', new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    return out.TargetHealthDescriptions ?? [];
  }

  async describeListeners(loadBalancerArn: string): Promise<Listener[]> {
    return this.paginate(
      'DescribeListeners',
      (marker) =>
        new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn, PageSize: PAGE_SIZE, Marker: marker }),
      (page) => page.Listeners,
    );
  }

  async describeListenerCertificates(listenerArn: string): Promise<Certificate[]> {
    return this.paginate(
      'DescribeListenerCertificates',
      (marker) =>
        new DescribeListenerCertificatesCommand({ ListenerArn: listenerArn, PageSize: PAGE_SIZE, Marker: marker }),
      (page) => page.Certificates,
    );
  }

  async describeRules(listenerArn: string): Promise<Rule[]> {
    return this.paginate(
      'DescribeRules',
      (marker) => new DescribeRulesCommand({ ListenerArn: listenerArn, PageSize: PAGE_SIZE, Marker: marker }),
      (page) => page.Rules,
    );
  }

  async createLoadBalancer(input: CreateLoadBalancerInput): Promise<LoadBalancer> {
    const out = await this.send('CreateLoadBalancer', new CreateLoadBalancerCommand(input));
    return created('CreateLoadBalancer', out.LoadBalancers, 'load balancer');
  }

  async modifyLoadBalancerAttributes(arn: string, attributes: Attributes): Promise<void> {
    await this.send(
      'ModifyLoadBalancerAttributes',
      new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: toAttributeList(attributes) }),
    );
  }

  async setSecurityGroups(arn: string, securityGroups: string[]): Promise<void> {
    await this.send(
      'SetSecurityGroups',
      new SetSecurityGroupsCommand({ LoadBalancerArn: arn, SecurityGroups: securityGroups }),
    );
  }

  async setSubnets(arn: string, subnets: string[]): Promise<void> {
    await this.send('SetSubnets', new SetSubnetsCommand({ LoadBalancerArn: arn, Subnets: subnets }));
  }

  async setIpAddressType(arn: string, ipAddressType: string): Promise<void> {
    await this.send(
      'SetIpAddressType',
      new SetIpAddressTypeCommand({ LoadBalancerArn: arn, IpAddressType: ipAddressType as 'ipv4' | 'dualstack' }),
    );
  }

  async deleteLoadBalancer(arn: string): Promise<void> {
    await this.send('DeleteLoadBalancer', new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
  }

  async createTargetGroup(input: CreateTargetGroupInput): Promise<TargetGroup> {
    const out = await this.send('CreateTargetGroup', new CreateTargetGroupCommand(input));
    return created('CreateTargetGroup', out.TargetGroups, 'target group');
  }

  async modifyTargetGroup(input: ModifyTargetGroupInput): Promise<void> {
    await this.send('ModifyTargetGroup', new ModifyTargetGroupCommand(input));
  }

  async modifyTargetGroupAttributes(arn: string, attributes: Attributes): Promise<void> {
    await this.send(
      'ModifyTargetGroupAttributes',
      new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: toAttributeList(attributes) }),
    );
  }

  async registerTargets(arn: string, targets: TargetDescription[]): Promise<void> {
    await this.send('RegisterTargets', new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: targets }));
  }

  async deregisterTargets(arn: string, targets: TargetDescription[]): Promise<void> {
    await this.send('DeregisterTargets', new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: targets }));
  }

  async deleteTargetGroup(arn: string): Promise<void> {
    await this.send('DeleteTargetGroup', new DeleteTargetGroupCommand({ TargetGroupArn: arn }));
  }

  async createListener(input: CreateListenerInput): Promise<Listener> {
    const out = await this.send('CreateListener', new CreateListenerCommand(input));
    return created('CreateListener', out.Listeners, 'listener');
  }

  async modifyListener(input: ModifyListenerInput): Promise<void> {
    await this.send('ModifyListener', new ModifyListenerCommand(input));
  }

  async addListenerCertificates(listenerArn: string, certificateArns: string[]): Promise<void> {
    await this.send(
      'AddListenerCertificates',
      new AddListenerCertificatesCommand(listenerCertificates(listenerArn, certificateArns)),
    );
  }

  async removeListenerCertificates(listenerArn: string, certificateArns: string[]): Promise<void> {
    await this.send(
      'RemoveListenerCertificates',
      new RemoveListenerCertificatesCommand(listenerCertificates(listenerArn, certificateArns)),
    );
  }

  async deleteListener(arn: string): Promise<void> {
    await this.send('DeleteListener', new DeleteListenerCommand({ ListenerArn: arn }));
  }

  async createRule(input: CreateRuleInput): Promise<Rule> {
    const out = await this.send('CreateRule', new CreateRuleCommand(input));
    return created('CreateRule', out.Rules, 'rule');
  }

  async modifyRule(ruleArn: string, conditions: RuleCondition[], actions: Action[]): Promise<void> {
    await this.send(
      'ModifyRule',
      new ModifyRuleCommand({ RuleArn: ruleArn, Conditions: conditions, Actions: actions }),
    );
  }

  async setRulePriorities(pairs: RulePriorityPair[]): Promise<void> {
    await this.send('SetRulePriorities', new SetRulePrioritiesCommand({ RulePriorities: pairs }));
  }

  async deleteRule(arn: string): Promise<void> {
    await this.send('DeleteRule', new DeleteRuleCommand({ RuleArn: arn }));
  }

  async addTags(arns: string[], tags: Tags): Promise<void> {
    for (const batch of chunks(arns, ARN_BATCH)) {
      await this.send('AddTags', new AddTagsCommand({ ResourceArns: batch, Tags: toAttributeList(tags) }));
    }
  }

  async removeTags(arns: string[], keys: string[]): Promise<void> {
    for (const batch of chunks(arns, ARN_BATCH)) {
      await this.send('RemoveTags', new RemoveTagsCommand({ ResourceArns: batch, TagKeys: keys }));
    }
  }
}
