// docs/iam-policy.json grants exactly the AWS actions the controller calls: every SDK command in
// src/aws/ is allowed, and every allowed action is either called or needed by AWS around a call.
import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { REPO } from './tools.ts';

interface Statement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}
const policy = JSON.parse(readFileSync(`${REPO}docs/iam-policy.json`, 'utf8')) as { Version: string; Statement: Statement[] };
const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

const PREFIX: Record<string, string> = {
  'elastic-load-balancing-v2': 'elasticloadbalancing',
  iam: 'iam',
  'route-53': 'route53',
  ec2: 'ec2',
  wafv2: 'wafv2',
};

/** Files of src/aws/ the controller never loads: tooling for the demo and tests (checked below). */
const TOOLING_ONLY = new Set(['route53-zones.ts']);

/** IAM actions of the SDK commands imported by src/aws/*.ts, e.g. elasticloadbalancing:CreateRule. */
function actionsCalledByController(): Set<string> {
  const actions = new Set<string>();
  const dir = `${REPO}src/aws`;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !TOOLING_ONLY.has(f))) {
    const source = readFileSync(`${dir}/${file}`, 'utf8');
    for (const m of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-([a-z0-9-]+)'/g)) {
      const prefix = PREFIX[m[2] ?? ''];
      if (!prefix) throw new Error(`${file} imports @aws-sdk/client-${m[2]}: add its IAM prefix here and its actions to docs/iam-policy.json`);
      for (const name of (m[1] ?? '').split(',').map((s) => s.trim())) {
        const command = /^(\w+)Command$/.exec(name);
        if (command) actions.add(`${prefix}:${command[1]}`);
      }
    }
    // A client loaded on first use (import('@aws-sdk/client-ec2')): every XCommand named in the file.
    for (const m of source.matchAll(/import\(\s*'@aws-sdk\/client-([a-z0-9-]+)'\s*\)/g)) {
      const prefix = PREFIX[m[1] ?? ''];
      if (!prefix) throw new Error(`${file} imports @aws-sdk/client-${m[1]}: add its IAM prefix here and its actions to docs/iam-policy.json`);
      for (const c of source.matchAll(/\b([A-Z]\w+)Command\b/g)) actions.add(`${prefix}:${c[1]}`);
    }
  }
  return actions;
}

/** Actions AWS checks although no SDK command of that name is sent. */
const NEEDED_AROUND_CALLS: Record<string, string> = {
  'iam:CreateServiceLinkedRole': 'CreateLoadBalancer creates the ELB service-linked role the first time in an account',
  'iam:TagServerCertificate': 'UploadServerCertificate with Tags also authorizes iam:TagServerCertificate',
  'elasticloadbalancing:AddTags': 'Create* with Tags also authorizes elasticloadbalancing:AddTags (tag on create)',
  'elasticloadbalancing:SetWebAcl': 'wafv2 AssociateWebACL/DisassociateWebACL of an Application Load Balancer also authorizes elasticloadbalancing:SetWebAcl on it',
  'wafv2:GetWebACL': 'GetWebACLForResource checks wafv2:GetWebACL on the web ACL it returns',
};

const allowedActions = new Set(policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action)));

describe('docs/iam-policy.json', () => {
  it('is an IAM policy document with unique statement ids and no wildcard actions', () => {
    expect(policy.Version).toBe('2012-10-17');
    const sids = policy.Statement.map((s) => s.Sid);
    expect(new Set(sids).size).toBe(sids.length);
    for (const s of policy.Statement) {
      expect(s.Sid).toMatch(/^[A-Za-z0-9]+$/);
      for (const a of list(s.Action)) expect(a).toMatch(/^(elasticloadbalancing|iam|route53|ec2|wafv2):[A-Z][A-Za-z]+$/);
      for (const r of list(s.Resource)) expect(r).toMatch(/^(\*|arn:aws:[a-z0-9-]+:)/);
    }
  });

  it('allows every AWS call the controller makes', () => {
    const called = [...actionsCalledByController()].sort();
    expect(called.length).toBeGreaterThan(20);
    expect(called.filter((a) => !allowedActions.has(a))).toEqual([]);
  });

  it('leaves out only files no controller code imports', () => {
    const importers = (readdirSync(`${REPO}src`, { recursive: true, encoding: 'utf8' }) as string[])
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => [...TOOLING_ONLY].some((t) => readFileSync(`${REPO}src/${f}`, 'utf8').includes(`/${t.replace(/\.ts$/, '')}.ts'`)));
    expect(importers).toEqual([]);
  });

  it('allows nothing the controller does not need', () => {
    const called = actionsCalledByController();
    const unneeded = [...allowedActions].filter((a) => !called.has(a) && !(a in NEEDED_AROUND_CALLS)).sort();
    expect(unneeded).toEqual([]);
  });

  it('conditions every create, modify and delete of load balancers and target groups on this cluster', () => {
    const mutating = /^elasticloadbalancing:(Create(LoadBalancer|TargetGroup)|Delete(LoadBalancer|TargetGroup)|Modify(LoadBalancer|TargetGroup)\w*|Set(Subnets|SecurityGroups|IpAddressType)|RegisterTargets|DeregisterTargets)$/;
    for (const s of policy.Statement) {
      if (!list(s.Action).some((a) => mutating.test(a))) continue;
      const keys = Object.values(s.Condition ?? {}).flatMap((c) => Object.entries(c));
      expect([s.Sid, keys]).toEqual([s.Sid, expect.arrayContaining([
        [expect.stringMatching(/^aws:(Resource|Request)Tag\/albatross\.dev\/cluster$/), 'CLUSTER_NAME'],
      ])]);
    }
  });

  it('conditions every create, change and delete of security groups on this cluster', () => {
    const mutating = /^ec2:(CreateSecurityGroup|AuthorizeSecurityGroupIngress|RevokeSecurityGroupIngress|DeleteSecurityGroup|CreateTags|DeleteTags)$/;
    const sgStatements = policy.Statement.filter((s) => list(s.Action).some((a) => mutating.test(a)));
    expect(sgStatements.length).toBeGreaterThan(0);
    for (const s of sgStatements) {
      // Creating a group is also authorized against its VPC, which carries no tag of ours: that
      // statement may grant CreateSecurityGroup on vpc/* only, nothing else.
      if (list(s.Resource).every((r) => r === 'arn:aws:ec2:*:*:vpc/*')) {
        expect([s.Sid, list(s.Action)]).toEqual([s.Sid, ['ec2:CreateSecurityGroup']]);
        continue;
      }
      expect([s.Sid, list(s.Resource)]).toEqual([s.Sid, ['arn:aws:ec2:*:*:security-group/*']]);
      const keys = Object.values(s.Condition ?? {}).flatMap((c) => Object.entries(c));
      expect([s.Sid, keys]).toEqual([s.Sid, expect.arrayContaining([
        [expect.stringMatching(/^aws:(Resource|Request)Tag\/albatross\.dev\/cluster$/), 'CLUSTER_NAME'],
      ])]);
    }
    // Every security group action the controller calls is granted by one of those statements.
    const called = [...actionsCalledByController()].filter((a) => mutating.test(a)).sort();
    expect(called).toEqual(['ec2:AuthorizeSecurityGroupIngress', 'ec2:CreateSecurityGroup', 'ec2:CreateTags', 'ec2:DeleteSecurityGroup', 'ec2:DeleteTags', 'ec2:RevokeSecurityGroupIngress']);
  });

  it('limits IAM server certificate changes to the controller\'s default path for this cluster', () => {
    const certActions = policy.Statement.filter((s) => list(s.Action).some((a) => /ServerCertificate$/.test(a) && a !== 'iam:ListServerCertificates'));
    expect(certActions.length).toBeGreaterThan(0);
    for (const s of certActions) expect(list(s.Resource)).toEqual(['arn:aws:iam::*:server-certificate/albatross/CLUSTER_NAME/*']);
    const crd = readFileSync(`${REPO}deploy/crds/albatross.dev_servercertificates.yaml`, 'utf8');
    expect(crd).toMatch(/path:\s*\n\s*type: string\s*\n\s*default: \/albatross\//);
  });
});
