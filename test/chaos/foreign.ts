// AWS objects that belong to someone else, seeded straight in moto before the campaign and
// fingerprinted (SHA-256 of everything AWS returns about them), so the campaign can show they came
// through byte-identical: an unowned ALB (the one the adopt case names) with a listener, a rule and
// a target group, an ALB tagged as another cluster's, an IAM certificate under another cluster's
// path, and records of another owner and of nobody in the campaign's hosted zone.
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DeleteServerCertificateCommand, GetServerCertificateCommand, UploadServerCertificateCommand } from '@aws-sdk/client-iam';
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { awsClients, defaultNetwork } from '../integration/support/index.ts';
import { changeRecords, cname, zoneRecords } from '../integration/dns-alias/harness.ts';
import { createPki } from '../support/pki.ts';
import { sha256 } from './fingerprint.ts';

export interface ForeignObject {
  label: string;
  /** Everything AWS says about it, canonical JSON hashed; undefined when it is gone. */
  fingerprint(): Promise<string | undefined>;
  /** Removes it (after the campaign), best effort. */
  remove(): Promise<void>;
}

async function seedAlb(name: string, tags: Record<string, string>): Promise<ForeignObject> {
  const { elbv2 } = awsClients();
  const net = await defaultNetwork();
  const lb = (await elbv2.send(new CreateLoadBalancerCommand({ Name: name, Subnets: net.subnetIds.slice(0, 2), Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }))).LoadBalancers![0]!;
  const tg = (await elbv2.send(new CreateTargetGroupCommand({ Name: `${name}-tg`.slice(0, 32), Protocol: 'HTTP', Port: 8080, VpcId: net.vpcId, TargetType: 'ip', Tags: [{ Key: 'team', Value: 'other' }] }))).TargetGroups![0]!;
  await elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: '172.31.99.99', Port: 8080 }] }));
  const listener = (await elbv2.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] }))).Listeners![0]!;
  await elbv2.send(new CreateRuleCommand({ ListenerArn: listener.ListenerArn, Priority: 5, Conditions: [{ Field: 'path-pattern', Values: ['/theirs/*'] }], Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '418', ContentType: 'text/plain', MessageBody: 'not yours' } }] }));
  const lbArn = lb.LoadBalancerArn!;
  const tgArn = tg.TargetGroupArn!;
  return {
    label: `ALB ${name} (${tags['albatross.dev/cluster'] ? `cluster ${tags['albatross.dev/cluster']}` : 'unowned'}) + listener, rule, target group`,
    fingerprint: async () => {
      const lbs = await elbv2.send(new DescribeLoadBalancersCommand({ Names: [name] })).catch(() => undefined);
      const found = lbs?.LoadBalancers?.[0];
      if (!found) return undefined;
      // State moves from provisioning to active by itself; everything else is the owner's.
      const { State: _state, ...stable } = found;
      const listeners = (await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }))).Listeners ?? [];
      const rules = await Promise.all(listeners.map(async (l) => (await elbv2.send(new DescribeRulesCommand({ ListenerArn: l.ListenerArn }))).Rules));
      const tgs = (await elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tgArn] })).catch(() => undefined))?.TargetGroups;
      return sha256({
        lb: stable,
        lbAttributes: (await elbv2.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn }))).Attributes,
        tags: (await elbv2.send(new DescribeTagsCommand({ ResourceArns: [lbArn, tgArn] }))).TagDescriptions,
        listeners,
        rules,
        tgs,
        tgAttributes: tgs ? (await elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tgArn }))).Attributes : undefined,
        targets: tgs ? (await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))).TargetHealthDescriptions?.map((t) => t.Target) : undefined,
      });
    },
    remove: async () => {
      await elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lbArn })).catch(() => undefined);
      await elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: tgArn })).catch(() => undefined);
    },
  };
}

async function seedIamCertificate(name: string, path: string): Promise<ForeignObject> {
  const { iam } = awsClients();
  const pki = await createPki();
  await iam.send(new UploadServerCertificateCommand({ ServerCertificateName: name, Path: path, CertificateBody: pki.leaf.certPem, PrivateKey: pki.leaf.keyPem, CertificateChain: pki.chain.map((c) => c.certPem).join('') }));
  return {
    label: `IAM certificate ${path}${name}`,
    fingerprint: async () => {
      const got = await iam.send(new GetServerCertificateCommand({ ServerCertificateName: name })).catch(() => undefined);
      return got?.ServerCertificate ? sha256(got.ServerCertificate) : undefined;
    },
    remove: async () => void (await iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: name })).catch(() => undefined)),
  };
}

async function seedRecords(zoneId: string, label: string, records: ResourceRecordSet[]): Promise<ForeignObject> {
  await changeRecords(zoneId, records.map((r) => ({ Action: 'CREATE', ResourceRecordSet: r })));
  const names = new Set(records.map((r) => `${r.Name}.`));
  return {
    label,
    fingerprint: async () => {
      const now = (await zoneRecords(zoneId)).filter((r) => names.has(r.Name ?? ''));
      return now.length ? sha256(now) : undefined;
    },
    remove: async () => {
      const now = (await zoneRecords(zoneId)).filter((r) => names.has(r.Name ?? ''));
      if (now.length) await changeRecords(zoneId, now.map((r) => ({ Action: 'DELETE', ResourceRecordSet: r }))).catch(() => undefined);
    },
  };
}

/** Seeds the foreign objects; the ALB named `unownedAlbName` is the one the adopt case claims. */
export async function seedForeign(opts: { suffix: string; unownedAlbName: string; zone: { id: string; name: string }; namespace: string }): Promise<{ objects: ForeignObject[]; recordNames: string[] }> {
  const { suffix, zone } = opts;
  const txt = (name: string, value: string): ResourceRecordSet => ({ Name: name, Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: `"${value}"` }] });
  const theirs: ResourceRecordSet[] = [
    cname(`theirs.${zone.name}`, 'elsewhere.example.net'),
    txt(`_albatross.theirs.${zone.name}`, `albatross-owner=other-${suffix}/DnsAlias/${opts.namespace}/app-0`),
  ];
  const unowned: ResourceRecordSet[] = [cname(`legacy.${zone.name}`, 'legacy.example.net'), { Name: `mail.${zone.name}`, Type: 'MX', TTL: 300, ResourceRecords: [{ Value: '10 mx.example.net' }] }];
  const objects = await Promise.all([
    seedAlb(opts.unownedAlbName, { team: 'other' }),
    seedAlb(`chaos-other-${suffix}`, { 'albatross.dev/cluster': `other-${suffix}`, 'albatross.dev/owner': `LoadBalancedService/${opts.namespace}/app-0` }),
    seedIamCertificate(`${opts.namespace}-shared-00000000`, `/albatross/other-${suffix}/${opts.namespace}/`),
    seedRecords(zone.id, `records of another owner in ${zone.name}`, theirs),
    seedRecords(zone.id, `unowned records in ${zone.name}`, unowned),
  ]);
  return { objects, recordNames: [...theirs, ...unowned].map((r) => r.Name!) };
}
