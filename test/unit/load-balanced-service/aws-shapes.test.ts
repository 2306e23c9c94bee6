// The wire shapes AWS and moto actually return map to the same model, and the model maps back to
// what AWS accepts.
import { describe, expect, test } from '@jest/globals';
import {
  actionFromAws,
  actionToAws,
  conditionsFromAws,
  listenerFromAws,
  targetGroupFromAws,
} from '../../../src/reconcilers/load-balanced-service/aws-shapes.ts';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web/1';

describe('aws shapes', () => {
  test('a single forward reads the same whether spelled as TargetGroupArn or a one-entry ForwardConfig', () => {
    const a = actionFromAws([{ Type: 'forward', TargetGroupArn: TG }]);
    const b = actionFromAws([{ Type: 'forward', TargetGroupArn: TG, ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG, Weight: 1 }], TargetGroupStickinessConfig: { Enabled: false } } }]);
    expect(a).toEqual({ type: 'forward', targetGroups: [{ targetGroup: TG, weight: 1 }] });
    expect(b).toEqual(a);
    expect(actionToAws({ type: 'forward', targetGroups: [{ targetGroup: 'web', weight: 1 }] }, () => TG)).toEqual([{ Type: 'forward', TargetGroupArn: TG }]);
  });

  test('conditions read the same from Values or <Field>Config.Values; host headers compare case-insensitively', () => {
    expect(conditionsFromAws([{ Field: 'path-pattern', Values: ['/b', '/a'] }, { Field: 'host-header', HostHeaderConfig: { Values: ['API.example.com'] } }])).toEqual({
      pathPatterns: ['/a', '/b'],
      hostHeaders: ['api.example.com'],
    });
    expect(conditionsFromAws([{ Field: 'some-new-field' }]).other).toEqual(['some-new-field']);
  });

  test('a redirect without explicit parts reads as the AWS defaults', () => {
    expect(actionFromAws([{ Type: 'redirect', RedirectConfig: { StatusCode: 'HTTP_301', Protocol: 'HTTPS', Port: '443' } }])).toEqual({
      type: 'redirect',
      protocol: 'HTTPS',
      port: '443',
      host: '#{host}',
      path: '/#{path}',
      query: '#{query}',
      statusCode: 'HTTP_301',
    });
  });

  test('listener certificates: the default once, SNI sorted, never the default again', () => {
    const l = listenerFromAws(
      { ListenerArn: 'l', Port: 443, Protocol: 'HTTPS', SslPolicy: 'p', Certificates: [{ CertificateArn: 'd' }], DefaultActions: [{ Type: 'forward', TargetGroupArn: TG }] },
      [{ RuleArn: 'r', Priority: 'default', IsDefault: true }],
      [
        { CertificateArn: 'd', IsDefault: true },
        { CertificateArn: 's2', IsDefault: false },
        { CertificateArn: 's1', IsDefault: false },
        { CertificateArn: 'd', IsDefault: false },
      ],
      {},
    );
    expect(l.certificates).toEqual({ default: 'd', sni: ['s1', 's2'] });
    expect(l.rules).toEqual([]);
  });

  test('draining targets count as deregistered; moto leaving attributes out reads as the AWS defaults', () => {
    const tg = targetGroupFromAws(
      { TargetGroupArn: TG, TargetGroupName: 'web', Port: 8080, Protocol: 'HTTP', TargetType: 'ip' },
      'web',
      { 'stickiness.enabled': 'true' },
      {},
      [
        { Target: { Id: '10.0.0.1', Port: 8080 }, TargetHealth: { State: 'healthy' } },
        { Target: { Id: '10.0.0.2', Port: 8080 }, TargetHealth: { State: 'draining' } },
        { Target: { Id: '10.0.0.3', Port: 8080 }, TargetHealth: { State: 'unhealthy' } },
      ],
    );
    expect(tg.targets).toEqual([{ id: '10.0.0.1', port: 8080 }, { id: '10.0.0.3', port: 8080 }]);
    expect(tg.healthy).toBe(1);
    expect(tg.attributes['stickiness.lb_cookie.duration_seconds']).toBe('86400');
    expect(tg.attributes['stickiness.enabled']).toBe('true');
  });
});
