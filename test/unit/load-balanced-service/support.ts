// Shared fixtures: the field report's spec, a converge loop over the real observe/plan/apply.
import type { LoadBalancedServiceSpec } from '../../../src/crds/index.ts';
import { apply } from '../../../src/reconcilers/load-balanced-service/apply.ts';
import { build } from '../../../src/reconcilers/load-balanced-service/build.ts';
import type { DesiredModel } from '../../../src/reconcilers/load-balanced-service/model.ts';
import type { ResourceId } from '../../../src/reconcilers/load-balanced-service/names.ts';
import { observe } from '../../../src/reconcilers/load-balanced-service/observe.ts';
import { plan, type Plan, type PlanAction } from '../../../src/reconcilers/load-balanced-service/plan.ts';
import type { FakeElbv2 } from './fake-elbv2.ts';

export const ID: ResourceId = { cluster: 'prod-cluster', namespace: 'prod', name: 'chat' };
export const NETWORK = { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-aaaaaaaa', 'subnet-bbbbbbbb'] };
export const CERT_A = 'arn:aws:iam::123456789012:server-certificate/albatross/prod-cluster/prod/service-example-com-1a2b3c4d';
export const CERT_B = 'arn:aws:iam::123456789012:server-certificate/albatross/prod-cluster/prod/service-example-com-99999999';
export const CERT_SNI = 'arn:aws:iam::123456789012:server-certificate/albatross/prod-cluster/prod/api-example-com-0badcafe';

/** The field report: HTTPS + redirect, /store and /apiv2 routed, stickiness 1860 s, websockets. */
export function exampleSpec(): LoadBalancedServiceSpec {
  return {
    loadBalancer: { scheme: 'internet-facing', idleTimeoutSeconds: 3600, http2: true, xForwardedFor: 'append', tags: { app: 'chat' } },
    listeners: [
      {
        port: 443,
        protocol: 'HTTPS',
        certificateRefs: [{ name: 'service-example-com' }],
        sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        defaultAction: { forward: { targetGroup: 'web' } },
        rules: [
          { priority: 10, conditions: { pathPatterns: ['/store', '/store/*'] }, action: { forward: { targetGroup: 'store' } } },
          { priority: 20, conditions: { pathPatterns: ['/apiv2/*'] }, action: { forward: { targetGroup: 'api' } } },
        ],
      },
      { port: 80, protocol: 'HTTP', defaultAction: { redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } } },
    ],
    targetGroups: [
      {
        name: 'web',
        port: 8080,
        healthCheck: { path: '/healthz', matcher: '200-399' },
        stickiness: { enabled: true, type: 'lb_cookie', durationSeconds: 1860 },
        targets: [{ id: '172.31.1.10' }, { id: '172.31.2.10' }],
      },
      {
        name: 'store',
        port: 8080,
        healthCheck: { path: '/store/healthz', matcher: '200-399' },
        stickiness: { enabled: true, type: 'lb_cookie', durationSeconds: 1860 },
        targets: [{ id: '172.31.1.20' }],
      },
      { name: 'api', port: 9090, targets: [{ id: '172.31.1.30' }] },
    ],
  };
}

export interface Inputs {
  certificateArns?: Map<string, string | undefined>;
  serviceTargets?: Map<string, Array<{ id: string; port: number }>>;
  adopt?: boolean;
  id?: ResourceId;
  /** what status remembers (the reconciler passes status.loadBalancer.arn) */
  knownLoadBalancerArns?: string[];
}

export function desiredOf(spec: LoadBalancedServiceSpec, inputs: Inputs = {}): DesiredModel {
  return build({
    id: inputs.id ?? ID,
    spec,
    defaultNetwork: NETWORK,
    certificateArns: inputs.certificateArns ?? new Map([['service-example-com', CERT_A]]),
    serviceTargets: inputs.serviceTargets ?? new Map(),
  }).model;
}

export async function planAgainst(api: FakeElbv2, spec: LoadBalancedServiceSpec, inputs: Inputs = {}): Promise<Plan> {
  const model = desiredOf(spec, inputs);
  const actual = await observe(api, {
    id: inputs.id ?? ID,
    ownerTags: model.ownerTags,
    loadBalancerName: model.loadBalancer.name,
    targetGroupNames: new Map(model.targetGroups.map((t) => [t.key, t.name])),
    knownLoadBalancerArns: inputs.knownLoadBalancerArns ?? [],
    knownTargetGroupArns: [],
    adopt: inputs.adopt ?? false,
  });
  return plan(model, actual);
}

/** observe -> plan -> apply once; returns the plan that was applied. */
export async function cycle(api: FakeElbv2, spec: LoadBalancedServiceSpec, inputs: Inputs = {}): Promise<Plan> {
  const p = await planAgainst(api, spec, inputs);
  await apply(api, p);
  return p;
}

/** One line per action, for golden tables. */
export function opLine(a: PlanAction): string {
  switch (a.op) {
    case 'createTargetGroup':
      return `createTargetGroup ${a.targetGroup} port=${a.port}`;
    case 'modifyTargetGroup':
    case 'modifyTargetGroupAttributes':
    case 'tagTargetGroup':
      return `${a.op} ${a.targetGroup} ${a.changes.map((c) => `${c.path}=${c.desired}`).join(' ')}`.trim();
    case 'registerTargets':
    case 'deregisterTargets':
      return `${a.op} ${a.targetGroup} ${a.targets.map((t) => `${t.id}:${t.port}`).join(',')}`;
    case 'createLoadBalancer':
      return `createLoadBalancer ${a.scheme}`;
    case 'modifyLoadBalancerAttributes':
      return `modifyLoadBalancerAttributes ${Object.entries(a.attributes).map(([k, v]) => `${k}=${v}`).join(' ')}`;
    case 'setSubnets':
    case 'setSecurityGroups':
    case 'setIpAddressType':
    case 'tagLoadBalancer':
      return `${a.op} ${a.changes.map((c) => `${c.path}=${c.desired}`).join(' ')}`;
    case 'createListener':
    case 'modifyListener':
      return `${a.op} ${a.port} ${a.changes.map((c) => c.path.replace(/^listeners\[\d+\]\.?/, '') || 'new').join(',')}`;
    case 'addListenerCertificates':
    case 'removeListenerCertificates':
      return `${a.op} ${a.port} ${a.certificates.map((c) => c.split('/').pop()).join(',')}`;
    case 'tagListener':
      return `tagListener ${a.port}`;
    case 'setRulePriorities':
      return `setRulePriorities ${a.port} ${a.rules.map((r) => r.priority).join(',')}`;
    case 'modifyRule':
    case 'createRule':
    case 'deleteRule':
      return `${a.op} ${a.port}/${a.priority}`;
    case 'deleteListener':
      return `deleteListener ${a.port}`;
    case 'deleteLoadBalancer':
      return `deleteLoadBalancer ${a.name}${a.disableDeletionProtection ? ' (protection off first)' : ''}`;
    case 'deleteTargetGroup':
      return `deleteTargetGroup ${a.targetGroup}`;
    case 'createSecurityGroup':
    case 'tagSecurityGroup':
      return `${a.op} ${a.role}`;
    case 'authorizeSecurityGroupIngress':
    case 'revokeSecurityGroupIngress':
      return `${a.op} ${a.role} ${a.rules.map((r) => `${r.protocol}/${r.fromPort}/${r.source}`).join(',')}`;
    case 'deleteSecurityGroup':
      return `deleteSecurityGroup ${a.role} ${a.id}`;
    case 'associateWebAcl':
    case 'disassociateWebAcl':
      return `${a.op} ${a.webAclArn.split('/').slice(-2, -1).join('')}`;
  }
}
