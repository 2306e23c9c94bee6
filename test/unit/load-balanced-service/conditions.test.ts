// Rule conditions: what the spec says maps to the ELBv2 conditions AWS takes, reads back from what
// AWS (and moto) return as the same model, and the per-rule limits are refused naming the rule.
import { describe, expect, test } from '@jest/globals';
import {
  buildConditions,
  conditionsFromAws,
  conditionsToAws,
  describeConditions,
  wildcardCount,
} from '../../../src/reconcilers/load-balanced-service/conditions.ts';
import { canonical } from '../../../src/reconcilers/load-balanced-service/plan.ts';

const WHERE = 'listeners[443].rules[10]';

describe('rule conditions', () => {
  const spec = {
    httpHeaders: [{ name: 'X-Env', values: ['green', 'blu?'] }],
    queryStrings: [{ key: 'v', value: '2' }],
    sourceIps: ['2001:DB8::/32'],
    httpRequestMethods: ['GET'],
  };

  test('each kind becomes its ELBv2 condition; query-string pairs share one condition; a pair without key has no Key', () => {
    expect(conditionsToAws(buildConditions({ queryStrings: [{ key: 'v', value: '2' }, { value: 'beta' }] }, WHERE))).toEqual([
      { Field: 'query-string', QueryStringConfig: { Values: [{ Value: 'beta' }, { Key: 'v', Value: '2' }] } },
    ]);
    const model = buildConditions(spec, WHERE);
    expect(conditionsToAws(model)).toEqual([
      { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Env', Values: ['blu?', 'green'] } },
      { Field: 'query-string', QueryStringConfig: { Values: [{ Key: 'v', Value: '2' }] } },
      { Field: 'source-ip', SourceIpConfig: { Values: ['2001:db8::/32'] } },
      { Field: 'http-request-method', HttpRequestMethodConfig: { Values: ['GET'] } },
    ]);
  });

  test('what AWS returns for a rule reads back as the model it was built from, whatever the order', () => {
    const model = buildConditions(spec, WHERE);
    const returned = [...conditionsToAws(model)].reverse().map((c) => structuredClone(c));
    expect(canonical(conditionsFromAws(returned))).toBe(canonical(model));
  });

  test('paths and hosts alone keep the model they always had (no empty new kinds)', () => {
    expect(buildConditions({ pathPatterns: ['/b', '/a'], hostHeaders: ['A.example.com'] }, WHERE)).toEqual({
      pathPatterns: ['/a', '/b'],
      hostHeaders: ['a.example.com'],
    });
  });

  test('a drifted value reads differently', () => {
    const model = buildConditions(spec, WHERE);
    const aws = conditionsToAws(model).map((c) => (c.Field === 'source-ip' ? { ...c, SourceIpConfig: { Values: ['0.0.0.0/0'] } } : c));
    expect(canonical(conditionsFromAws(aws))).not.toBe(canonical(model));
    expect(describeConditions(conditionsFromAws(aws))).toContain('source 0.0.0.0/0');
  });

  test('more than 5 values in a rule, counting every kind, is refused naming the rule', () => {
    expect(() => buildConditions({ httpHeaders: [{ name: 'a', values: ['1', '2', '3'] }], sourceIps: ['10.0.0.0/8', '10.1.0.0/16'], httpRequestMethods: ['GET'] }, WHERE)).toThrow(
      'listeners[443].rules[10].conditions has 6 values; AWS allows at most 5 per rule',
    );
    expect(() => buildConditions({}, WHERE)).toThrow('listeners[443].rules[10].conditions needs at least one value');
  });

  test('wildcards: at most 5 per rule, query strings count unescaped ones in keys and values', () => {
    expect(wildcardCount('a\\*b*', true)).toBe(1);
    expect(wildcardCount('a\\*b*')).toBe(2);
    expect(() => buildConditions({ pathPatterns: ['/a*'], queryStrings: [{ key: 'k**', value: '*??' }] }, WHERE)).toThrow(
      'listeners[443].rules[10].conditions has 6 wildcards',
    );
    expect(() => buildConditions({ pathPatterns: ['/a*'], queryStrings: [{ key: 'k\\*', value: '*??\\?' }] }, WHERE)).not.toThrow();
  });

  test('Host is not an http-header condition', () => {
    expect(() => buildConditions({ httpHeaders: [{ name: 'HOST', values: ['x'] }] }, WHERE)).toThrow('httpHeaders[].name must not be Host');
  });

  test('in words', () => {
    expect(describeConditions(buildConditions(spec, WHERE))).toBe('header X-Env=blu?,green query v=2 source 2001:db8::/32 method GET');
  });
});
