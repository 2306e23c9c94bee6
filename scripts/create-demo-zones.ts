// Creates the hosted zones the example DnsAlias needs, if missing (idempotent), in whatever AWS the
// SDK's standard env vars point at (the demo: moto, via `source .albatross/env.sh`):
//   example.com         public
//   aws.corp.internal   private, associated with the account's default VPC
//   node scripts/create-demo-zones.ts        prints "<zone name> <id> public|private" per zone
// A dev/demo script, not controller code; Route 53 zone creation is not something Albatross does.
// AWS calls go through src/aws/ (the only place that imports the SDK).
import { pathToFileURL } from 'node:url';
import { SdkEc2 } from '../src/aws/ec2.ts';
import { createHostedZone } from '../src/aws/route53-zones.ts';

export interface DemoZone {
  name: string;
  id: string;
  private: boolean;
}

export const DEMO_ZONES: ReadonlyArray<{ name: string; private: boolean }> = [
  { name: 'example.com', private: false },
  { name: 'aws.corp.internal', private: true },
];

/** Ensures the demo's hosted zones exist and returns them. */
export async function createDemoZones(region = process.env.AWS_REGION ?? 'us-east-1'): Promise<DemoZone[]> {
  const zones: DemoZone[] = [];
  for (const wanted of DEMO_ZONES) {
    const vpc = wanted.private ? { id: (await new SdkEc2().defaultNetwork()).vpcId, region } : undefined;
    const zone = await createHostedZone({ name: wanted.name, ...(vpc ? { vpc } : {}), comment: 'albatross demo zone' });
    zones.push({ name: wanted.name, id: zone.id, private: zone.private });
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
