// Thin EC2 port: the default VPC and its default subnets, used when a LoadBalancedService leaves
// loadBalancer.subnets or targetGroups[].vpcId empty, and a VPC's CIDR blocks, to refuse IP targets
// AWS would refuse before anything is created. Cached per process (a region's default VPC and a
// VPC's CIDR blocks practically never change), so N resources cost one lookup, not N.
// The SDK client is imported on the first lookup, not at start-up: most installations name their
// subnets and VPC, and a process that never asks never loads EC2's code (its schemas alone are
// about 1 MB, parsed and kept for the life of the process once imported).
import type * as Ec2Sdk from '@aws-sdk/client-ec2';
import { abortable } from './abortable.ts';
import { callAws, sdkClientConfig, type CallOptions } from './call.ts';

export interface DefaultNetwork {
  vpcId: string;
  /** The default subnet of each Availability Zone, sorted by zone. */
  subnetIds: string[];
}

export interface Ec2Api {
  defaultNetwork(): Promise<DefaultNetwork>;
  /** The IPv4 CIDR blocks associated with a VPC (primary and secondary). */
  vpcCidrs(vpcId: string): Promise<string[]>;
}

const CACHE_MS = 10 * 60_000;

let sdk: Promise<{ sdk: typeof Ec2Sdk; client: Ec2Sdk.EC2Client }> | undefined;
let cached: { at: number; value: Promise<DefaultNetwork> } | undefined;
const cidrCache = new Map<string, { at: number; value: Promise<string[]> }>();

/** The SDK module and the process's one client, imported on first use. */
function loadSdk(): Promise<{ sdk: typeof Ec2Sdk; client: Ec2Sdk.EC2Client }> {
  sdk ??= import('@aws-sdk/client-ec2').then((m) => ({ sdk: m, client: new m.EC2Client(sdkClientConfig()) }));
  return sdk;
}

/** A VPC's IPv4 CIDR blocks: the primary and every associated secondary block. */
function cidrsOf(vpc: Ec2Sdk.Vpc | undefined): string[] {
  const associated = (vpc?.CidrBlockAssociationSet ?? [])
    .filter((a) => a.CidrBlockState?.State === undefined || a.CidrBlockState.State === 'associated')
    .flatMap((a) => (a.CidrBlock ? [a.CidrBlock] : []));
  return [...new Set([...(vpc?.CidrBlock ? [vpc.CidrBlock] : []), ...associated])];
}

export class SdkEc2 implements Ec2Api {
  private readonly client: Ec2Sdk.EC2Client | undefined;
  private readonly opts: CallOptions;

  constructor(opts: CallOptions = {}, client?: Ec2Sdk.EC2Client) {
    this.client = client;
    this.opts = opts;
  }

  defaultNetwork(): Promise<DefaultNetwork> {
    const now = Date.now();
    // Another caller's lookup may be under way: wait for it only as long as our own signal allows.
    if (cached && now - cached.at < CACHE_MS) return abortable(cached.value, this.opts.signal);
    const value = this.lookup();
    cached = { at: now, value };
    value.catch(() => {
      if (cached?.value === value) cached = undefined;
    });
    return value;
  }

  vpcCidrs(vpcId: string): Promise<string[]> {
    const now = Date.now();
    const hit = cidrCache.get(vpcId);
    if (hit && now - hit.at < CACHE_MS) return abortable(hit.value, this.opts.signal);
    const value = this.lookupCidrs(vpcId);
    cidrCache.set(vpcId, { at: now, value });
    value.catch(() => {
      if (cidrCache.get(vpcId)?.value === value) cidrCache.delete(vpcId);
    });
    return value;
  }

  private async lookupCidrs(vpcId: string): Promise<string[]> {
    const loaded = await loadSdk();
    const client = this.client ?? loaded.client;
    const out = await callAws(
      'ec2',
      'DescribeVpcs',
      (abortSignal) => client.send(new loaded.sdk.DescribeVpcsCommand({ VpcIds: [vpcId] }), { abortSignal }),
      this.opts,
    );
    return cidrsOf(out.Vpcs?.[0]);
  }

  private async lookup(): Promise<DefaultNetwork> {
    const loaded = await loadSdk();
    const { DescribeSubnetsCommand, DescribeVpcsCommand } = loaded.sdk;
    const client = this.client ?? loaded.client;
    const vpcs = await callAws(
      'ec2',
      'DescribeVpcs',
      (abortSignal) =>
        client.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }), {
          abortSignal,
        }),
      this.opts,
    );
    const vpcId = vpcs.Vpcs?.[0]?.VpcId;
    if (!vpcId) throw new Error('the region has no default VPC: set loadBalancer.subnets and targetGroups[].vpcId');
    // The same answer carries the VPC's CIDR blocks: no second DescribeVpcs for its IP targets.
    if (!cidrCache.has(vpcId)) cidrCache.set(vpcId, { at: Date.now(), value: Promise.resolve(cidrsOf(vpcs.Vpcs?.[0])) });
    const subnets: Array<{ id: string; zone: string; isDefault: boolean }> = [];
    let token: string | undefined;
    do {
      const page = await callAws(
        'ec2',
        'DescribeSubnets',
        (abortSignal) =>
          client.send(
            new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }], NextToken: token }),
            { abortSignal },
          ),
        this.opts,
      );
      for (const s of page.Subnets ?? []) {
        if (s.SubnetId && s.AvailabilityZone) {
          subnets.push({ id: s.SubnetId, zone: s.AvailabilityZone, isDefault: s.DefaultForAz === true });
        }
      }
      token = page.NextToken;
    } while (token);
    // One subnet per zone (an ALB accepts only one per zone), preferring the zone's default subnet.
    const byZone = new Map<string, string>();
    for (const s of [...subnets].sort((a, b) => Number(b.isDefault) - Number(a.isDefault))) {
      if (!byZone.has(s.zone)) byZone.set(s.zone, s.id);
    }
    const subnetIds = [...byZone.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, id]) => id);
    if (subnetIds.length < 2) throw new Error(`the default VPC ${vpcId} has subnets in fewer than two zones`);
    return { vpcId, subnetIds };
  }
}
