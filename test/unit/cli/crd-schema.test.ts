// The CLI applies the CRDs' defaults and structural rules the way the apiserver would.
import { describe, expect, it } from '@jest/globals';
import { applyDefaults, crdSchemas, validate } from '../../../src/cli/crd-schema.ts';

const lbsSchema = () => {
  const s = crdSchemas().get('LoadBalancedService');
  if (!s) throw new Error('no LoadBalancedService CRD');
  return s;
};

describe('CRD schemas in the CLI', () => {
  it('reads the three kinds from deploy/crds', () => {
    expect([...crdSchemas().keys()].sort()).toEqual(['DnsAlias', 'LoadBalancedService', 'ServerCertificate']);
  });

  it('fills defaults like the apiserver: absent fields, objects defaulted to {}, inside array items', () => {
    const obj = applyDefaults(lbsSchema(), {
      spec: { listeners: [{ port: 80, protocol: 'HTTP', defaultAction: { forward: { targetGroup: 'web' } } }], targetGroups: [{ name: 'web', port: 8080 }] },
    }) as { spec: { loadBalancer: Record<string, unknown>; targetGroups: Array<Record<string, unknown>>; driftPolicy: string } };
    expect(obj.spec.loadBalancer).toMatchObject({ scheme: 'internet-facing', ipAddressType: 'ipv4', idleTimeoutSeconds: 60, http2: true, xForwardedFor: 'append' });
    expect(obj.spec.targetGroups[0]).toMatchObject({ protocol: 'HTTP', targetType: 'ip' });
    expect(obj.spec.driftPolicy).toBe('Correct');
  });

  it('keeps values that are set', () => {
    const obj = applyDefaults(lbsSchema(), { spec: { loadBalancer: { idleTimeoutSeconds: 3600 }, listeners: [] } }) as { spec: { loadBalancer: { idleTimeoutSeconds: number } } };
    expect(obj.spec.loadBalancer.idleTimeoutSeconds).toBe(3600);
  });

  it('reports structural problems naming the field', () => {
    const spec = lbsSchema().properties?.['spec'] ?? {};
    const problems = validate(spec, {
      loadBalancer: { idleTimeoutSeconds: 5000, scheme: 'public', colour: 'red' },
      listeners: [{ port: 'eighty', protocol: 'HTTP', defaultAction: {} }],
    }, 'spec');
    expect(problems).toEqual(expect.arrayContaining([
      'spec.loadBalancer.idleTimeoutSeconds: must be at most 4000',
      expect.stringMatching(/^spec\.loadBalancer\.scheme: Unsupported value "public": supported values: "internet-facing", "internal"$/),
      'spec.loadBalancer.colour: unknown field',
      'spec.listeners[0].port: must be an integer',
    ]));
    expect(validate(spec, { listeners: [{ port: 80, protocol: 'HTTP', defaultAction: { forward: { targetGroup: 'x' } } }] }, 'spec')).toEqual([]);
  });
});
