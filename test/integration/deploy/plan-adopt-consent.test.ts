// `albatross plan` knows the operator's consent to adoption as the controller does
// (--adopt-namespaces / ALBATROSS_ADOPT_NAMESPACES, parsed by src/config.ts): spec.adopt: true on an
// unowned ALB and an unowned CNAME previews as AdoptionNotAllowed (exit 1, nothing to apply) unless
// the manifests' namespace is allowed; then it previews the takeover (exit 2). Nothing is changed
// either way.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { stringify } from 'yaml';
import { awsClients, defaultNetwork, uniqueClusterName, uniqueName } from '../support/index.ts';
import { changeRecords, cname, createZone, zoneRecords, type TestZone } from '../dns-alias/harness.ts';
import { cliArgv } from '../../support/dist.ts';
import { run } from './tools.ts';
import { awsView } from '../load-balanced-service/harness.ts';

const albatross = (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return run(process.execPath, cliArgv(args));
  } finally {
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
};

const cluster = uniqueClusterName();
const namespace = uniqueName('plan-adopt');
let dir: string;
let zone: TestZone;
let albName: string;
let albArn: string;
let fingerprint: () => Promise<string>;

beforeAll(async () => {
  const { elbv2 } = awsClients();
  const { subnetIds } = await defaultNetwork();
  albName = uniqueName('legacy');
  // An ALB someone made by hand (no albatross.dev tags), with a listener, and a CNAME nobody owns.
  const lb = await elbv2.send(new CreateLoadBalancerCommand({ Name: albName, Subnets: subnetIds.slice(0, 2), Tags: [{ Key: 'team', Value: 'legacy' }] }));
  albArn = lb.LoadBalancers![0]!.LoadBalancerArn!;
  await elbv2.send(new CreateListenerCommand({ LoadBalancerArn: albArn, Port: 80, Protocol: 'HTTP', DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200', ContentType: 'text/plain', MessageBody: 'legacy' } }] }));
  zone = await createZone(`${uniqueName('adopt')}.example.test`);
  await changeRecords(zone.id, [{ Action: 'CREATE', ResourceRecordSet: cname(`www.${zone.name}`, 'legacy.example.net', 60) }]);
  // Everything AWS says about the ALB (tags, listeners), this cluster's objects and the zone.
  fingerprint = async () => JSON.stringify([
    (await elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [albArn] }))).LoadBalancers,
    (await elbv2.send(new DescribeTagsCommand({ ResourceArns: [albArn] }))).TagDescriptions,
    (await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: albArn }))).Listeners,
    await awsView(cluster),
    await zoneRecords(zone.id),
  ]);

  dir = mkdtempSync(`${tmpdir()}/albatross-plan-adopt-`);
  const manifests = [
    {
      apiVersion: 'albatross.dev/v1alpha1',
      kind: 'LoadBalancedService',
      metadata: { name: 'legacy', namespace },
      spec: {
        adopt: true,
        loadBalancer: { name: albName },
        listeners: [{ port: 80, protocol: 'HTTP', defaultAction: { forward: { targetGroup: 'web' } } }],
        targetGroups: [{ name: 'web', port: 8080, targets: [{ id: '172.31.7.10' }] }],
      },
    },
    {
      apiVersion: 'albatross.dev/v1alpha1',
      kind: 'DnsAlias',
      metadata: { name: 'www', namespace },
      spec: { adopt: true, names: [{ name: `www.${zone.name}`, hostedZone: { name: zone.name } }], target: { hostname: 'new-lb.us-east-1.elb.amazonaws.com' } },
    },
  ];
  writeFileSync(`${dir}/adopt.yaml`, manifests.map((m) => stringify(m)).join('---\n'));
}, 60_000);

afterAll(async () => {
  await awsClients().elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: albArn })).catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('albatross plan and the consent to adoption', () => {
  it('without --adopt-namespaces: both previews are AdoptionNotAllowed naming the flag, exit 1, nothing changed', async () => {
    const before = await fingerprint();
    const r = await albatross(['plan', '-f', dir, '--cluster-name', cluster]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`AdoptionNotAllowed: load balancer ${albName} (${albArn}) is owned by nobody`);
    expect(r.stdout).toContain(`AdoptionNotAllowed: nothing would be written: www.${zone.name} (zone ${zone.id}) holds unowned CNAME legacy.example.net ttl 60`);
    expect(r.stdout).toContain(`the operator has not allowed adoption in namespace ${namespace}`);
    expect(r.stdout).toContain('--adopt-namespaces');
    expect(r.stdout).not.toContain('Conflict');
    expect(r.code).toBe(1);
    expect(await fingerprint()).toBe(before);
  });

  it('consent for another namespace changes nothing: still AdoptionNotAllowed', async () => {
    const r = await albatross(['plan', '-f', dir, '--cluster-name', cluster, '--adopt-namespaces', 'someone-else,kube-system']);
    expect(r.stdout.match(/AdoptionNotAllowed/g)).toHaveLength(2);
    expect(r.code).toBe(1);
  });

  it.each([
    ['--adopt-namespaces <ns>', ['--adopt-namespaces', `other,${namespace}`], {}],
    ["--adopt-namespaces '*'", ['--adopt-namespaces', '*'], {}],
    ['ALBATROSS_ADOPT_NAMESPACES', [], { ALBATROSS_ADOPT_NAMESPACES: namespace }],
  ])('with consent (%s): the takeover is previewed, exit 2, nothing changed', async (_, flags, env) => {
    const before = await fingerprint();
    const r = await albatross(['plan', '-f', dir, '--cluster-name', cluster, ...flags], env);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain('AdoptionNotAllowed');
    expect(r.stdout).not.toMatch(/error|Conflict/i);
    // The existing ALB is taken over in place, not created; the CNAME is rewritten, not created.
    expect(r.stdout).not.toMatch(/\+ {3}load balancer /);
    expect(r.stdout).toContain(`loadBalancer.tags.albatross.dev/owner: (absent) -> LoadBalancedService/${namespace}/legacy`);
    expect(r.stdout).toContain('listeners[80].defaultAction: fixed-response 200 -> forward web');
    expect(r.stdout).toContain(`~   www.${zone.name} CNAME new-lb.us-east-1.elb.amazonaws.com ttl 300`);
    expect(r.stdout).toContain('was: CNAME legacy.example.net ttl 60');
    expect(r.code).toBe(2);
    expect(await fingerprint()).toBe(before);
  });

  it('a bad namespace in the consent is a usage error naming the flag or variable, as the controller says it', async () => {
    const flag = await albatross(['plan', '-f', dir, '--cluster-name', cluster, '--adopt-namespaces', 'Bad_NS']);
    expect(flag.stderr).toContain(`invalid namespace "Bad_NS" for --adopt-namespaces: must be a DNS label (lower-case a-z, 0-9, '-') or '*' for all namespaces`);
    expect(flag.code).toBe(1);
    const env = await albatross(['plan', '-f', dir, '--cluster-name', cluster], { ALBATROSS_ADOPT_NAMESPACES: 'ok,Bad_NS' });
    expect(env.stderr).toContain('invalid namespace "Bad_NS" for ALBATROSS_ADOPT_NAMESPACES');
    expect(env.code).toBe(1);
  });
});
