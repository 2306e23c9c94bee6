// createHostedZone (src/aws/route53-zones.ts), used by scripts/create-demo-zones.ts: idempotent by name,
// public or private, and for a private zone by VPC, against moto.
import { describe, expect, it } from '@jest/globals';
import { CreateVpcCommand } from '@aws-sdk/client-ec2';
import { GetHostedZoneCommand } from '@aws-sdk/client-route-53';
import { createHostedZone } from '../../../src/aws/route53-zones.ts';
import { createDemoZones, DEMO_ZONES } from '../../../scripts/create-demo-zones.ts';
import { awsClients, defaultNetwork, uniqueName } from '../support/index.ts';

const region = process.env['AWS_REGION'] ?? 'us-east-1';

describe('createHostedZone', () => {
  it('creates a public zone once; the same call again returns it unchanged', async () => {
    const name = `${uniqueName('zone')}.test`;
    const first = await createHostedZone({ name, comment: 'albatross test' });
    expect(first).toMatchObject({ name, private: false, created: true });
    expect(first.id).toMatch(/^[A-Z0-9]+$/);
    expect(await createHostedZone({ name: `${name.toUpperCase()}.` })).toEqual({ ...first, created: false });
  });

  it('tells a private zone from a public one of the same name, and private zones apart by VPC', async () => {
    const name = `${uniqueName('zone')}.internal`;
    const { vpcId } = await defaultNetwork();
    const pub = await createHostedZone({ name });
    const inDefault = await createHostedZone({ name, vpc: { id: vpcId, region } });
    expect(inDefault).toMatchObject({ name, private: true, created: true });
    expect(inDefault.id).not.toBe(pub.id);
    expect(await createHostedZone({ name, vpc: { id: vpcId, region } })).toEqual({ ...inDefault, created: false });

    const { ec2, route53 } = awsClients();
    const other = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.77.0.0/16' }))).Vpc?.VpcId ?? '';
    const inOther = await createHostedZone({ name, vpc: { id: other, region } });
    expect(inOther).toMatchObject({ private: true, created: true });
    expect(new Set([pub.id, inDefault.id, inOther.id]).size).toBe(3);
    const got = await route53.send(new GetHostedZoneCommand({ Id: inOther.id }));
    expect(got.VPCs?.map((v) => v.VPCId)).toEqual([other]);
  });
});

describe('scripts/create-demo-zones.ts', () => {
  it('ensures example.com (public) and aws.corp.internal (private, default VPC), idempotently', async () => {
    const first = await createDemoZones(region);
    expect(first.map(({ name, private: p }) => ({ name, private: p }))).toEqual(DEMO_ZONES);
    expect(await createDemoZones(region)).toEqual(first);
    const { route53 } = awsClients();
    const priv = await route53.send(new GetHostedZoneCommand({ Id: first[1]?.id ?? '' }));
    expect(priv.VPCs?.map((v) => v.VPCId)).toEqual([(await defaultNetwork()).vpcId]);
  });
});
