// Rule conditions beyond paths and hosts (issue 14 item 4): http-header, query-string, source-ip and
// http-request-method conditions are created as the spec says (read back from moto with
// DescribeRules), drift made through the AWS API is put back, and what AWS would refuse is refused
// by `kubectl apply`, naming the field.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ModifyRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { stringify } from 'yaml';
import type { LoadBalancedService } from '../../../src/crds/index.ts';
import { kubectl } from '../deploy/tools.ts';
import { awsClients, conditionOf } from '../support/index.ts';
import { applyLbs, awsView, installCrds, listenerOn, setup, teardown, waitForCondition, waitReady, type Env } from './harness.ts';

let env: Env | undefined;

beforeAll(async () => {
  await installCrds();
  env = await setup('lbs-conditions', { resyncPeriod: '2s' });
});

afterAll(async () => {
  await teardown(env);
});

const ns = (): string => env!.ns.name;

type Rule = NonNullable<LoadBalancedService['spec']['listeners'][number]['rules']>[number];
const spec = (rules: Rule[]): LoadBalancedService['spec'] => ({
  listeners: [{ port: 80, protocol: 'HTTP', defaultAction: { forward: { targetGroup: 'web' } }, rules }],
  targetGroups: [
    { name: 'web', port: 8080, targets: [] },
    { name: 'beta', port: 8081, targets: [] },
  ],
});

const RULES: Rule[] = [
  {
    priority: 10,
    conditions: {
      httpHeaders: [{ name: 'X-Canary', values: ['yes', 'true'] }],
      queryStrings: [{ key: 'version', value: 'beta*' }],
      httpRequestMethods: ['GET', 'HEAD'],
    },
    action: { forward: { targetGroup: 'beta' } },
  },
  { priority: 20, conditions: { sourceIps: ['10.0.0.0/8', '2001:DB8::/32'], pathPatterns: ['/admin/*'] }, action: { fixedResponse: { statusCode: '403' } } },
];

async function rulesInAws(): Promise<Map<string, Array<Record<string, unknown>>>> {
  const view = await awsView(env!.controller.clusterName);
  const rules = listenerOn(view, 80).rules;
  return new Map(rules.map((r) => [r.Priority!, (r.Conditions ?? []).map((c) => ({ ...c }) as Record<string, unknown>)]));
}

describe('rule conditions', () => {
  test('created as the spec says, and drift in them is corrected', async () => {
    await applyLbs(ns(), 'routes', spec(RULES));
    await waitReady(ns(), 'routes', 90_000);

    const rules = await rulesInAws();
    expect(rules.get('10')).toEqual(
      expect.arrayContaining([
        { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Canary', Values: ['true', 'yes'] } },
        { Field: 'query-string', QueryStringConfig: { Values: [{ Key: 'version', Value: 'beta*' }] } },
        { Field: 'http-request-method', HttpRequestMethodConfig: { Values: ['GET', 'HEAD'] } },
      ]),
    );
    expect(rules.get('10')).toHaveLength(3);
    expect(rules.get('20')).toEqual(
      expect.arrayContaining([
        { Field: 'source-ip', SourceIpConfig: { Values: ['10.0.0.0/8', '2001:db8::/32'] } },
        { Field: 'path-pattern', PathPatternConfig: { Values: ['/admin/*'] } },
      ]),
    );

    // Someone widens the admin rule to the whole internet and drops the method condition.
    const view = await awsView(env!.controller.clusterName);
    const byPriority = new Map(listenerOn(view, 80).rules.map((r) => [r.Priority!, r]));
    const { elbv2 } = awsClients();
    await elbv2.send(new ModifyRuleCommand({ RuleArn: byPriority.get('20')!.RuleArn, Conditions: [{ Field: 'source-ip', SourceIpConfig: { Values: ['0.0.0.0/0'] } }, { Field: 'path-pattern', PathPatternConfig: { Values: ['/admin/*'] } }] }));
    await elbv2.send(new ModifyRuleCommand({ RuleArn: byPriority.get('10')!.RuleArn, Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Canary', Values: ['true', 'yes'] } }] }));

    const corrected = await waitForCondition(ns(), 'routes', 'Drifted', 'False', 'Corrected', 30_000);
    const message = conditionOf(corrected, 'Drifted')?.message ?? '';
    expect(message).toContain('listeners[80].rules[20]: path /admin/* source 0.0.0.0/0 -> fixed-response 403 -> path /admin/* source 10.0.0.0/8,2001:db8::/32');
    expect(message).toContain('listeners[80].rules[10]');
    const after = await rulesInAws();
    expect(after.get('20')).toEqual(expect.arrayContaining([{ Field: 'source-ip', SourceIpConfig: { Values: ['10.0.0.0/8', '2001:db8::/32'] } }]));
    expect(after.get('10')).toEqual(expect.arrayContaining([{ Field: 'http-request-method', HttpRequestMethodConfig: { Values: ['GET', 'HEAD'] } }]));
    expect(after.get('10')).toHaveLength(3);
  });
});

/** `kubectl apply --server-side` of one LoadBalancedService, as a user would run it. */
async function kubectlApply(name: string, rules: Rule[], extra: string[] = []): Promise<{ code: number; stderr: string }> {
  const manifest = stringify({ apiVersion: 'albatross.dev/v1alpha1', kind: 'LoadBalancedService', metadata: { name, namespace: ns() }, spec: spec(rules) });
  return kubectl(['apply', '--server-side', '--field-manager=albatross-test', ...extra, '-f', '-'], manifest);
}

const rule = (conditions: Rule['conditions']): Rule[] => [{ priority: 1, conditions, action: { forward: { targetGroup: 'web' } } }];

describe('refused at apply, naming the field', () => {
  test.each([
    ['more than 5 values in a rule', { httpHeaders: [{ name: 'X-A', values: ['1', '2', '3'] }], sourceIps: ['10.0.0.0/8'], httpRequestMethods: ['GET', 'PUT'] }, 'spec.listeners[0].rules[0].conditions', 'at most 5 values in total'],
    ['more than 5 wildcards in a rule', { pathPatterns: ['/a*'], httpHeaders: [{ name: 'X-A', values: ['*?*'] }], queryStrings: [{ value: '??' }] }, 'spec.listeners[0].rules[0].conditions', 'at most 5 wildcards'],
    ['an IPv4 prefix longer than 32', { sourceIps: ['10.0.0.0/33'] }, 'spec.listeners[0].rules[0].conditions.sourceIps[0]', 'should match'],
    ['an address without prefix', { sourceIps: ['10.1.2.3'] }, 'spec.listeners[0].rules[0].conditions.sourceIps[0]', 'should match'],
    ['an IPv6 block with two ::', { sourceIps: ['2001::db8::/32'] }, 'spec.listeners[0].rules[0].conditions.sourceIps[0]', 'should match'],
    ['a lower-case method', { httpRequestMethods: ['get'] }, 'spec.listeners[0].rules[0].conditions.httpRequestMethods[0]', 'should match'],
    ['a method longer than 40', { httpRequestMethods: ['A'.repeat(41)] }, 'spec.listeners[0].rules[0].conditions.httpRequestMethods[0]', 'Too long'],
    ['a header name with a space', { httpHeaders: [{ name: 'X Env', values: ['a'] }] }, 'spec.listeners[0].rules[0].conditions.httpHeaders[0].name', 'should match'],
    ['a Host header condition', { httpHeaders: [{ name: 'Host', values: ['a'] }] }, 'spec.listeners[0].rules[0].conditions.httpHeaders[0].name', 'use hostHeaders'],
    ['a header value longer than 128', { httpHeaders: [{ name: 'X-A', values: ['v'.repeat(129)] }] }, 'spec.listeners[0].rules[0].conditions.httpHeaders[0].values[0]', 'Too long'],
    ['a query string pair without value', { queryStrings: [{ key: 'k' } as never] }, 'spec.listeners[0].rules[0].conditions.queryStrings[0].value', 'Required value'],
    ['no value at all', { httpHeaders: [] }, 'spec.listeners[0].rules[0].conditions', 'needs at least one value'],
  ])('%s', async (_what, conditions, field, rule_) => {
    const r = await kubectlApply('bad-conditions', rule(conditions as Rule['conditions']));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(field);
    expect(r.stderr).toContain(rule_);
  });

  test('the largest rule AWS takes is accepted', async () => {
    const r = await kubectlApply('max-conditions', rule({ httpHeaders: [{ name: "x-a!#$%&'*+.^_`|~", values: ['a*'] }], queryStrings: [{ key: 'k?', value: 'v*' }], sourceIps: ['::/0', 'fe80::1/128'], httpRequestMethods: ['CUSTOM_METHOD-X'] }), ['--dry-run=server']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
