import { describe, expect, test } from '@jest/globals';
import type { Route53Client } from '@aws-sdk/client-route-53';
import { fromAwsName, route53Port, toAwsRecordSet } from '../../../src/aws/route53.ts';

/** A client double answering by command name, recording inputs. */
function fakeClient(answer: (command: string, input: Record<string, unknown>) => unknown) {
  const inputs: Array<{ command: string; input: Record<string, unknown> }> = [];
  const client = {
    send: async (cmd: { constructor: { name: string }; input: Record<string, unknown> }) => {
      inputs.push({ command: cmd.constructor.name, input: cmd.input });
      return answer(cmd.constructor.name, cmd.input);
    },
  } as unknown as Route53Client;
  return { client, inputs };
}

describe('Route 53 port', () => {
  test('names come back canonical: no trailing dot, lower case, \\052 decoded', () => {
    expect(fromAwsName('Service.Example.COM.')).toBe('service.example.com');
    expect(fromAwsName('\\052.example.com.')).toBe('*.example.com');
    expect(toAwsRecordSet({ name: 'a.example.com', type: 'CNAME', ttl: 60, values: ['b.example.org'] })).toEqual({
      Name: 'a.example.com.',
      Type: 'CNAME',
      TTL: 60,
      ResourceRecords: [{ Value: 'b.example.org' }],
    });
  });

  test('record listing follows NextRecordName/Type/Identifier until the last page', async () => {
    const { client, inputs } = fakeClient((_, input) => {
      if (!input['StartRecordName']) {
        return { ResourceRecordSets: [{ Name: 'a.example.com.', Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: 'x' }] }], IsTruncated: true, NextRecordName: 'b.example.com.', NextRecordType: 'A', NextRecordIdentifier: 'blue' };
      }
      return { ResourceRecordSets: [{ Name: 'b.example.com.', Type: 'A', SetIdentifier: 'blue', AliasTarget: { DNSName: 'LB.example.org.', HostedZoneId: 'Z1', EvaluateTargetHealth: false } }], IsTruncated: false };
    });
    const records = await route53Port(() => client).listRecordSets('/hostedzone/Z9');
    expect(records).toEqual([
      { name: 'a.example.com', type: 'CNAME', ttl: 60, values: ['x'] },
      { name: 'b.example.com', type: 'A', values: [], alias: { dnsName: 'lb.example.org', hostedZoneId: 'Z1', evaluateTargetHealth: false }, setIdentifier: 'blue' },
    ]);
    expect(inputs.map((i) => i.input)).toEqual([
      { HostedZoneId: 'Z9', MaxItems: 300 },
      { HostedZoneId: 'Z9', MaxItems: 300, StartRecordName: 'b.example.com.', StartRecordType: 'A', StartRecordIdentifier: 'blue' },
    ]);
  });

  test('zones by name: only exact names, across pages, with the private flag', async () => {
    const zone = (id: string, name: string, priv: boolean) => ({ Id: `/hostedzone/${id}`, Name: name, Config: { PrivateZone: priv } });
    const { client } = fakeClient((_, input) =>
      input['HostedZoneId'] === undefined
        ? { HostedZones: [zone('Z1', 'example.com.', false)], IsTruncated: true, NextDNSName: 'example.com.', NextHostedZoneId: 'Z2' }
        : { HostedZones: [zone('Z2', 'example.com.', true), zone('Z3', 'sub.example.com.', false)], IsTruncated: true, NextDNSName: 'zzz.com.', NextHostedZoneId: 'Z4' },
    );
    expect(await route53Port(() => client).findZonesByName('Example.com')).toEqual([
      { id: 'Z1', name: 'example.com', private: false },
      { id: 'Z2', name: 'example.com', private: true },
    ]);
  });
});
