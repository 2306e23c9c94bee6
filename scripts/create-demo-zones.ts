// Creates the hosted zones the example DnsAlias needs, if missing (idempotent), in whatever AWS the
// SDK's standard env vars point at (the demo: moto, via `source .albatross/env.sh`):
//   example.com         public
//   aws.corp.internal   private, associated with the account's default VPC
//   node scripts/create-demo-zones.ts        prints "<zone name> <id> public|private" per zone
// A dev/demo script, not controller code; Route 53 zone creation is not something Albatross does.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import {
  CreateHostedZoneCommand,
  ListHostedZonesByNameCommand,
  Route53Client,
  type VPCRegion,
} from '@aws-sdk/client-route-53';
import { callAws, sdkClientConfig } from '../src/aws/call.ts';
import { SdkEc2 } from '../src/aws/ec2.ts';

export interface DemoZone {
  name: string;
  id: string;
  private: boolean;
}

export const DEMO_ZONES: ReadonlyArray<{ name: string; private: boolean }> = [
  { name: 'example.com', private: false },
  { name: 'aws.corp.internal', private: true },
];

async function findZone(client: Route53Client, name: string, isPrivate: boolean): Promise<DemoZone | undefined> {
  const page = await callAws('route53', 'ListHostedZonesByName', (abortSignal) =>
    client.send(new ListHostedZonesByNameCommand({ DNSName: name, MaxItems: 100 }), { abortSignal }),
  );
  const zone = (page.HostedZones ?? []).find(
    (z) => z.Name?.replace(/\.$/, '') === name && (z.Config?.PrivateZone ?? false) === isPrivate,
  );
  return zone?.Id ? { name, id: zone.Id.replace(/^\/hostedzone\//, ''), private: isPrivate } : undefined;
}

/** Ensures the demo's hosted zones exist and returns them. */
export async function createDemoZones(region = process.env.AWS_REGION ?? 'us-east-1'): Promise<DemoZone[]> {
  const client = new Route53Client(sdkClientConfig());
  const zones: DemoZone[] = [];
  for (const wanted of DEMO_ZONES) {
    const existing = await findZone(client, wanted.name, wanted.private);
    if (existing) {
      zones.push(existing);
      continue;
    }
    const vpc = wanted.private
      ? { VPCId: (await new SdkEc2().defaultNetwork()).vpcId, VPCRegion: region as VPCRegion }
      : undefined;
    const created = await callAws('route53', 'CreateHostedZone', (abortSignal) =>
      client.send(
        new CreateHostedZoneCommand({
          Name: wanted.name,
          CallerReference: randomUUID(),
          HostedZoneConfig: { Comment: 'albatross demo zone', PrivateZone: wanted.private },
          ...(vpc ? { VPC: vpc } : {}),
        }),
        { abortSignal },
      ),
    );
    const id = created.HostedZone?.Id?.replace(/^\/hostedzone\//, '');
    if (!id) throw new Error(`CreateHostedZone ${wanted.name} returned no id`);
    zones.push({ name: wanted.name, id, private: wanted.private });
  }
  return zones;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  createDemoZones().then(
    (zones) => {
      for (const z of zones) console.log(`${z.name} ${z.id} ${z.private ? 'private' : 'public'}`);
    },
    (err: unknown) => {
      console.error(`create-demo-zones: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    },
  );
}
