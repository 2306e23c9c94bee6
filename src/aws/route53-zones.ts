// Creating hosted zones, for the demo (scripts/create-demo-zones.ts) and tests. The controller never
// creates zones, so this file is not part of what docs/iam-policy.json grants (see its test).
import { randomUUID } from 'node:crypto';
import { CreateHostedZoneCommand, GetHostedZoneCommand, type Route53Client, type VPCRegion } from '@aws-sdk/client-route-53';
import { callAws } from './call.ts';
import { client, fromAwsName, route53Port, toZone, type HostedZone } from './route53.ts';

export interface NewHostedZone {
  name: string;
  /** Set for a private zone: the VPC it is associated with. Absent: a public zone. */
  vpc?: { id: string; region: string };
  comment?: string;
}

/**
 * Ensures a hosted zone exists, idempotently: an existing zone of that name, public, or private and
 * associated with that VPC, is returned as it is (created: false); otherwise one is created.
 * Not used by the controller (Albatross never creates zones): for the demo and tests.
 */
export async function createHostedZone(
  want: NewHostedZone,
  signal?: AbortSignal,
  c: () => Route53Client = client,
): Promise<HostedZone & { created: boolean }> {
  const isPrivate = want.vpc !== undefined;
  const candidates = (await route53Port(c).findZonesByName(want.name, signal)).filter((z) => z.private === isPrivate);
  for (const zone of candidates) {
    if (!want.vpc) return { ...zone, created: false };
    const out = await callAws('route53', 'GetHostedZone', (s) => c().send(new GetHostedZoneCommand({ Id: zone.id }), { abortSignal: s }), { signal });
    if ((out.VPCs ?? []).some((v) => v.VPCId === want.vpc?.id)) return { ...zone, created: false };
  }
  const out = await callAws(
    'route53',
    'CreateHostedZone',
    (s) =>
      c().send(
        new CreateHostedZoneCommand({
          Name: fromAwsName(want.name),
          CallerReference: randomUUID(),
          HostedZoneConfig: { PrivateZone: isPrivate, ...(want.comment ? { Comment: want.comment } : {}) },
          ...(want.vpc ? { VPC: { VPCId: want.vpc.id, VPCRegion: want.vpc.region as VPCRegion } } : {}),
        }),
        { abortSignal: s },
      ),
    { signal },
  );
  if (!out.HostedZone?.Id) throw new Error(`CreateHostedZone ${want.name} returned no zone id`);
  return { ...toZone(out.HostedZone), created: true };
}
