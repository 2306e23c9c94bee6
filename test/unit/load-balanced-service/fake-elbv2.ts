// An in-memory ELBv2 with AWS's rules (not moto's leniency): unique load balancer and target group
// names, one listener per port, unique rule priorities, a target group in use cannot be deleted.
// Used to run the real apply + observe in unit tests, and to inject crashes.
import type {
  Action,
  Attributes,
  Certificate,
  CreateListenerInput,
  CreateLoadBalancerInput,
  CreateRuleInput,
  CreateTargetGroupInput,
  Elbv2Api,
  Listener,
  LoadBalancer,
  ModifyListenerInput,
  ModifyTargetGroupInput,
  Rule,
  RuleCondition,
  RulePriorityPair,
  Tags,
  TargetDescription,
  TargetGroup,
  TargetHealthDescription,
} from '../../../src/aws/elbv2.ts';
import { AwsError } from '../../../src/aws/errors.ts';

const PREFIX = 'arn:aws:elasticloadbalancing:us-east-1:123456789012';

/** The health check settings of a Create/ModifyTargetGroup input, as the target group holds them. */
function healthCheckOf(input: CreateTargetGroupInput | ModifyTargetGroupInput): Partial<TargetGroup> {
  return {
    HealthCheckProtocol: input.HealthCheckProtocol,
    HealthCheckPort: input.HealthCheckPort,
    HealthCheckPath: input.HealthCheckPath,
    HealthCheckIntervalSeconds: input.HealthCheckIntervalSeconds,
    HealthCheckTimeoutSeconds: input.HealthCheckTimeoutSeconds,
    HealthyThresholdCount: input.HealthyThresholdCount,
    UnhealthyThresholdCount: input.UnhealthyThresholdCount,
    Matcher: input.Matcher,
  };
}

interface FakeListener {
  listener: Listener;
  certificates: string[];
  rules: Rule[];
}

export class FakeElbv2 implements Elbv2Api {
  private seq = 0;
  readonly lbs = new Map<string, { lb: LoadBalancer; attributes: Attributes }>();
  readonly tgs = new Map<string, { tg: TargetGroup; attributes: Attributes; targets: TargetDescription[] }>();
  readonly listeners = new Map<string, FakeListener>();
  readonly tags = new Map<string, Tags>();
  /** every call by operation name */
  readonly calls: string[] = [];
  /** throw a crash before the Nth mutating call (1-based); 0 = never */
  crashAtMutation = 0;
  /**
   * CreateLoadBalancer of a name the fake holds: refused (AWS, other settings) or answered with the
   * load balancer of that name (AWS, the same settings: the create is idempotent by name).
   */
  existingName: 'refuse' | 'answer' = 'refuse';
  private mutations = 0;

  private id(): string {
    this.seq += 1;
    return this.seq.toString(16).padStart(16, '0');
  }

  private err(code: string, kind: AwsError['kind']): AwsError {
    return new AwsError('elbv2', 'fake', code, kind, code);
  }

  private read(op: string): void {
    this.calls.push(op);
  }

  private write(op: string): void {
    this.calls.push(op);
    this.mutations += 1;
    if (this.crashAtMutation && this.mutations === this.crashAtMutation) throw new Error(`crash before ${op}`);
  }

  private rulesUsing(tgArn: string): boolean {
    return this.loadBalancersUsing(tgArn).length > 0;
  }

  // ---- reads ----
  async describeLoadBalancersByName(name: string): Promise<LoadBalancer[]> {
    this.read('DescribeLoadBalancers');
    return [...this.lbs.values()].filter((x) => x.lb.LoadBalancerName === name).map((x) => structuredClone(x.lb));
  }
  async describeLoadBalancersByArn(arns: string[]): Promise<LoadBalancer[]> {
    this.read('DescribeLoadBalancers');
    return arns.flatMap((a) => {
      const x = this.lbs.get(a);
      return x ? [structuredClone(x.lb)] : [];
    });
  }
  async listLoadBalancers(): Promise<LoadBalancer[]> {
    this.read('DescribeLoadBalancers');
    return [...this.lbs.values()].map((x) => structuredClone(x.lb));
  }
  async describeLoadBalancerAttributes(arn: string): Promise<Attributes> {
    this.read('DescribeLoadBalancerAttributes');
    const x = this.lbs.get(arn);
    if (!x) throw this.err('LoadBalancerNotFound', 'not_found');
    return { ...x.attributes };
  }
  async describeTags(arns: string[]): Promise<Map<string, Tags>> {
    this.read('DescribeTags');
    return new Map(arns.filter((a) => this.tags.has(a)).map((a) => [a, { ...this.tags.get(a) }]));
  }
  async listTargetGroups(): Promise<TargetGroup[]> {
    this.read('DescribeTargetGroups');
    return [...this.tgs.values()].map((x) => ({ ...structuredClone(x.tg), LoadBalancerArns: this.loadBalancersUsing(x.tg.TargetGroupArn ?? '') }));
  }
  /** The port's contract (SdkElbv2 retries a batch AWS failed for a missing ARN one by one): the missing are left out. */
  async describeTargetGroupsByArn(arns: string[]): Promise<TargetGroup[]> {
    this.read('DescribeTargetGroups');
    return arns.flatMap((a) => {
      const x = this.tgs.get(a);
      return x ? [{ ...structuredClone(x.tg), LoadBalancerArns: this.loadBalancersUsing(a) }] : [];
    });
  }
  private loadBalancersUsing(tgArn: string): string[] {
    const uses = (actions: Action[] | undefined): boolean =>
      (actions ?? []).some(
        (a) => a.TargetGroupArn === tgArn || (a.ForwardConfig?.TargetGroups ?? []).some((t) => t.TargetGroupArn === tgArn),
      );
    const out = new Set<string>();
    for (const l of this.listeners.values()) {
      if (uses(l.listener.DefaultActions) || l.rules.some((r) => uses(r.Actions))) out.add(l.listener.LoadBalancerArn ?? '');
    }
    return [...out];
  }
  async describeTargetGroupAttributes(arn: string): Promise<Attributes> {
    this.read('DescribeTargetGroupAttributes');
    const x = this.tgs.get(arn);
    if (!x) throw this.err('TargetGroupNotFound', 'not_found');
    return { ...x.attributes };
  }
  async describeTargetHealth(arn: string): Promise<TargetHealthDescription[]> {
    this.read('DescribeTargetHealth');
    const x = this.tgs.get(arn);
    if (!x) throw this.err('TargetGroupNotFound', 'not_found');
    return x.targets.map((t) => ({ Target: { ...t }, TargetHealth: { State: 'healthy' } }));
  }
  async describeListeners(loadBalancerArn: string): Promise<Listener[]> {
    this.read('DescribeListeners');
    return [...this.listeners.values()]
      .filter((l) => l.listener.LoadBalancerArn === loadBalancerArn)
      .map((l) => structuredClone(l.listener));
  }
  async describeListenerCertificates(listenerArn: string): Promise<Certificate[]> {
    this.read('DescribeListenerCertificates');
    const l = this.mustListener(listenerArn);
    return l.certificates.map((c, i) => ({ CertificateArn: c, IsDefault: i === 0 }));
  }
  async describeRules(listenerArn: string): Promise<Rule[]> {
    this.read('DescribeRules');
    const l = this.mustListener(listenerArn);
    return [
      ...l.rules.map((r) => structuredClone(r)),
      { RuleArn: `${listenerArn}/default`, Priority: 'default', IsDefault: true, Actions: l.listener.DefaultActions, Conditions: [] },
    ];
  }

  private mustListener(arn: string): FakeListener {
    const l = this.listeners.get(arn);
    if (!l) throw this.err('ListenerNotFound', 'not_found');
    return l;
  }
  private mustTg(arn: string): { tg: TargetGroup; attributes: Attributes; targets: TargetDescription[] } {
    const x = this.tgs.get(arn);
    if (!x) throw this.err('TargetGroupNotFound', 'not_found');
    return x;
  }
  private checkTargetGroups(actions: Action[] | undefined): void {
    for (const a of actions ?? []) {
      for (const arn of [a.TargetGroupArn, ...(a.ForwardConfig?.TargetGroups ?? []).map((t) => t.TargetGroupArn)]) {
        if (arn && !this.tgs.has(arn)) throw this.err('TargetGroupNotFound', 'not_found');
      }
    }
  }

  // ---- writes ----
  async createLoadBalancer(input: CreateLoadBalancerInput): Promise<LoadBalancer> {
    this.write('CreateLoadBalancer');
    const existing = [...this.lbs.values()].find((x) => x.lb.LoadBalancerName === input.Name);
    if (existing && this.existingName === 'answer') return structuredClone(existing.lb);
    if (existing) throw this.err('DuplicateLoadBalancerName', 'duplicate');
    const arn = `${PREFIX}:loadbalancer/app/${input.Name}/${this.id()}`;
    const lb: LoadBalancer = {
      LoadBalancerArn: arn,
      LoadBalancerName: input.Name,
      CreatedTime: new Date(),
      DNSName: `${input.Name}-1.us-east-1.elb.amazonaws.com`,
      CanonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
      Scheme: input.Scheme ?? 'internet-facing',
      IpAddressType: input.IpAddressType ?? 'ipv4',
      State: { Code: 'active' },
      VpcId: 'vpc-1',
      AvailabilityZones: (input.Subnets ?? []).map((s) => ({ SubnetId: s, ZoneName: `zone-${s}` })),
      SecurityGroups: input.SecurityGroups ?? ['sg-default'],
    };
    this.lbs.set(arn, {
      lb,
      attributes: { 'deletion_protection.enabled': 'false', 'idle_timeout.timeout_seconds': '60', 'routing.http2.enabled': 'true', 'routing.http.xff_header_processing.mode': 'append' },
    });
    this.tags.set(arn, Object.fromEntries((input.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])));
    return structuredClone(lb);
  }
  async modifyLoadBalancerAttributes(arn: string, attributes: Attributes): Promise<void> {
    this.write('ModifyLoadBalancerAttributes');
    const x = this.lbs.get(arn);
    if (!x) throw this.err('LoadBalancerNotFound', 'not_found');
    Object.assign(x.attributes, attributes);
  }
  async setSecurityGroups(arn: string, securityGroups: string[]): Promise<void> {
    this.write('SetSecurityGroups');
    const x = this.lbs.get(arn);
    if (!x) throw this.err('LoadBalancerNotFound', 'not_found');
    x.lb.SecurityGroups = [...securityGroups];
  }
  async setSubnets(arn: string, subnets: string[]): Promise<void> {
    this.write('SetSubnets');
    const x = this.lbs.get(arn);
    if (!x) throw this.err('LoadBalancerNotFound', 'not_found');
    x.lb.AvailabilityZones = subnets.map((s) => ({ SubnetId: s, ZoneName: `zone-${s}` }));
  }
  async setIpAddressType(arn: string, ipAddressType: string): Promise<void> {
    this.write('SetIpAddressType');
    const x = this.lbs.get(arn);
    if (!x) throw this.err('LoadBalancerNotFound', 'not_found');
    x.lb.IpAddressType = ipAddressType as 'ipv4' | 'dualstack';
  }
  async deleteLoadBalancer(arn: string): Promise<void> {
    this.write('DeleteLoadBalancer');
    const x = this.lbs.get(arn);
    if (!x) throw this.err('LoadBalancerNotFound', 'not_found');
    if (x.attributes['deletion_protection.enabled'] === 'true') throw this.err('OperationNotPermitted', 'terminal');
    this.lbs.delete(arn);
    this.tags.delete(arn);
    for (const [larn, l] of this.listeners) if (l.listener.LoadBalancerArn === arn) this.listeners.delete(larn);
  }

  async createTargetGroup(input: CreateTargetGroupInput): Promise<TargetGroup> {
    this.write('CreateTargetGroup');
    if ([...this.tgs.values()].some((x) => x.tg.TargetGroupName === input.Name)) throw this.err('DuplicateTargetGroupName', 'duplicate');
    const arn = `${PREFIX}:targetgroup/${input.Name}/${this.id()}`;
    const tg: TargetGroup = {
      TargetGroupArn: arn,
      TargetGroupName: input.Name,
      Port: input.Port,
      Protocol: input.Protocol,
      ProtocolVersion: input.ProtocolVersion,
      TargetType: input.TargetType,
      VpcId: input.VpcId,
      ...healthCheckOf(input),
    };
    this.tgs.set(arn, {
      tg,
      attributes: {
        'deregistration_delay.timeout_seconds': '300',
        'load_balancing.algorithm.type': 'round_robin',
        'stickiness.enabled': 'false',
        'stickiness.type': 'lb_cookie',
        'stickiness.lb_cookie.duration_seconds': '86400',
        'stickiness.app_cookie.duration_seconds': '86400',
        'stickiness.app_cookie.cookie_name': '',
      },
      targets: [],
    });
    this.tags.set(arn, Object.fromEntries((input.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])));
    return structuredClone(tg);
  }
  async modifyTargetGroup(input: ModifyTargetGroupInput): Promise<void> {
    this.write('ModifyTargetGroup');
    const x = this.mustTg(input.TargetGroupArn ?? '');
    Object.assign(x.tg, healthCheckOf(input));
  }
  async modifyTargetGroupAttributes(arn: string, attributes: Attributes): Promise<void> {
    this.write('ModifyTargetGroupAttributes');
    const x = this.mustTg(arn);
    const next = { ...x.attributes, ...attributes };
    if (next['stickiness.type'] === 'app_cookie' && !next['stickiness.app_cookie.cookie_name']) {
      throw this.err('InvalidConfigurationRequest', 'invalid');
    }
    x.attributes = next;
  }
  async registerTargets(arn: string, targets: TargetDescription[]): Promise<void> {
    this.write('RegisterTargets');
    const x = this.mustTg(arn);
    for (const t of targets) {
      const port = t.Port ?? x.tg.Port;
      if (!x.targets.some((h) => h.Id === t.Id && h.Port === port)) x.targets.push({ Id: t.Id, Port: port });
    }
  }
  async deregisterTargets(arn: string, targets: TargetDescription[]): Promise<void> {
    this.write('DeregisterTargets');
    const x = this.mustTg(arn);
    x.targets = x.targets.filter((h) => !targets.some((t) => t.Id === h.Id && (t.Port ?? x.tg.Port) === h.Port));
  }
  async deleteTargetGroup(arn: string): Promise<void> {
    this.write('DeleteTargetGroup');
    this.mustTg(arn);
    if (this.rulesUsing(arn)) throw this.err('ResourceInUse', 'in_use');
    this.tgs.delete(arn);
    this.tags.delete(arn);
  }

  async createListener(input: CreateListenerInput): Promise<Listener> {
    this.write('CreateListener');
    const lbArn = input.LoadBalancerArn ?? '';
    if (!this.lbs.has(lbArn)) throw this.err('LoadBalancerNotFound', 'not_found');
    if ([...this.listeners.values()].some((l) => l.listener.LoadBalancerArn === lbArn && l.listener.Port === input.Port)) {
      throw this.err('DuplicateListener', 'duplicate');
    }
    if (input.Protocol === 'HTTPS' && !input.Certificates?.length) throw this.err('ValidationError', 'invalid');
    this.checkTargetGroups(input.DefaultActions);
    const arn = lbArn.replace(':loadbalancer/', ':listener/') + `/${this.id()}`;
    const listener: Listener = {
      ListenerArn: arn,
      LoadBalancerArn: lbArn,
      Port: input.Port,
      Protocol: input.Protocol,
      SslPolicy: input.Protocol === 'HTTPS' ? input.SslPolicy : undefined,
      Certificates: input.Certificates?.slice(0, 1),
      DefaultActions: structuredClone(input.DefaultActions),
    };
    this.listeners.set(arn, { listener, certificates: (input.Certificates ?? []).map((c) => c.CertificateArn ?? ''), rules: [] });
    this.tags.set(arn, Object.fromEntries((input.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])));
    return structuredClone(listener);
  }
  async modifyListener(input: ModifyListenerInput): Promise<void> {
    this.write('ModifyListener');
    const l = this.mustListener(input.ListenerArn ?? '');
    this.checkTargetGroups(input.DefaultActions);
    if (input.Protocol) l.listener.Protocol = input.Protocol;
    if (input.Port) l.listener.Port = input.Port;
    if (input.SslPolicy) l.listener.SslPolicy = input.SslPolicy;
    if (input.Certificates?.length) {
      const def = input.Certificates[0]?.CertificateArn ?? '';
      l.listener.Certificates = [{ CertificateArn: def }];
      l.certificates = [def, ...l.certificates.slice(1).filter((c) => c !== def)];
    }
    if (l.listener.Protocol === 'HTTPS' && !l.certificates.length) throw this.err('ValidationError', 'invalid');
    if (l.listener.Protocol === 'HTTP') {
      l.listener.SslPolicy = undefined;
      l.listener.Certificates = undefined;
      l.certificates = [];
    }
    if (input.DefaultActions?.length) l.listener.DefaultActions = structuredClone(input.DefaultActions);
  }
  async addListenerCertificates(listenerArn: string, certificateArns: string[]): Promise<void> {
    this.write('AddListenerCertificates');
    const l = this.mustListener(listenerArn);
    for (const c of certificateArns) if (!l.certificates.includes(c)) l.certificates.push(c);
  }
  async removeListenerCertificates(listenerArn: string, certificateArns: string[]): Promise<void> {
    this.write('RemoveListenerCertificates');
    const l = this.mustListener(listenerArn);
    l.certificates = l.certificates.filter((c, i) => i === 0 || !certificateArns.includes(c));
  }
  async deleteListener(arn: string): Promise<void> {
    this.write('DeleteListener');
    this.mustListener(arn);
    this.listeners.delete(arn);
    this.tags.delete(arn);
  }

  async createRule(input: CreateRuleInput): Promise<Rule> {
    this.write('CreateRule');
    const l = this.mustListener(input.ListenerArn ?? '');
    if (l.rules.some((r) => r.Priority === String(input.Priority))) throw this.err('PriorityInUse', 'duplicate');
    this.checkTargetGroups(input.Actions);
    const rule: Rule = {
      RuleArn: (input.ListenerArn ?? '').replace(':listener/', ':listener-rule/') + `/${this.id()}`,
      Priority: String(input.Priority),
      Conditions: structuredClone(input.Conditions),
      Actions: structuredClone(input.Actions),
      IsDefault: false,
    };
    l.rules.push(rule);
    return structuredClone(rule);
  }
  private findRule(arn: string): { l: FakeListener; r: Rule } {
    for (const l of this.listeners.values()) {
      const r = l.rules.find((x) => x.RuleArn === arn);
      if (r) return { l, r };
    }
    throw this.err('RuleNotFound', 'not_found');
  }
  async modifyRule(ruleArn: string, conditions: RuleCondition[], actions: Action[]): Promise<void> {
    this.write('ModifyRule');
    const { r } = this.findRule(ruleArn);
    this.checkTargetGroups(actions);
    r.Conditions = structuredClone(conditions);
    r.Actions = structuredClone(actions);
  }
  async setRulePriorities(pairs: RulePriorityPair[]): Promise<void> {
    this.write('SetRulePriorities');
    const found = pairs.map((p) => ({ ...this.findRule(p.RuleArn ?? ''), priority: String(p.Priority) }));
    for (const f of found) {
      const moving = new Set(found.filter((g) => g.l === f.l).map((g) => g.r.RuleArn));
      if (f.l.rules.some((r) => !moving.has(r.RuleArn) && r.Priority === f.priority)) throw this.err('PriorityInUse', 'duplicate');
    }
    for (const f of found) f.r.Priority = f.priority;
  }
  async deleteRule(arn: string): Promise<void> {
    this.write('DeleteRule');
    const { l } = this.findRule(arn);
    l.rules = l.rules.filter((r) => r.RuleArn !== arn);
  }

  async addTags(arns: string[], tags: Tags): Promise<void> {
    this.write('AddTags');
    for (const a of arns) this.tags.set(a, { ...(this.tags.get(a) ?? {}), ...tags });
  }
  async removeTags(arns: string[], keys: string[]): Promise<void> {
    this.write('RemoveTags');
    for (const a of arns) {
      const t = { ...(this.tags.get(a) ?? {}) };
      for (const k of keys) delete t[k];
      this.tags.set(a, t);
    }
  }

  // ---- test helpers ----
  resetCounters(): void {
    this.calls.length = 0;
    this.mutations = 0;
  }
  mutatingCalls(): string[] {
    return this.calls.filter((c) => !/^(Describe|List|Get)/.test(c));
  }
}
