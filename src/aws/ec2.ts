// Thin EC2 port: the default VPC and its default subnets, used when a LoadBalancedService leaves
// loadBalancer.subnets or targetGroups[].vpcId empty, and a VPC's CIDR blocks, to refuse IP targets
// AWS would refuse before anything is created. Cached per process (a region's default VPC and a
// VPC's CIDR blocks practically never change), so N resources cost one lookup, not N.
// The SDK client runs on a worker thread (./ec2-worker.ts), started on the first lookup and stopped
// when idle: importing it costs 150-250 ms of CPU in one synchronous step (about 1 MB of schemas),
// which on the event loop stalled /healthz and lease renewals as a new leader began its first sync,
// and its code is not kept for the life of the process. Each call still goes through callAws here
// (budgets, retries, metrics).
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkerPool } from '../runtime/worker-pool.ts';
import { abortable } from './abortable.ts';
import { callAws, type CallOptions } from './call.ts';
import type { Ec2Job, Ec2Result, Ec2Vpc } from './ec2-jobs.ts';

export interface DefaultNetwork {
  vpcId: string;
  /** The default subnet of each Availability Zone, sorted by zone. */
  subnetIds: string[];
}

export interface Ec2Api {
  defaultNetwork(): Promise<DefaultNetwork>;
  /** The IPv4 CIDR blocks associated with a VPC (primary and secondary). */
  vpcCidrs(vpcId: string): Promise<string[]>;
  /** The IPv6 CIDR blocks associated with a VPC (none unless IPv6 was added to it). */
  vpcIpv6Cidrs(vpcId: string): Promise<string[]>;
  /** The VPC of these subnets (a load balancer's subnets are all in one VPC). */
  subnetsVpc(subnetIds: readonly string[]): Promise<string>;
}

const CACHE_MS = 10 * 60_000;
/** The pool's name in albatross_worker_jobs_total / albatross_worker_queue_depth. */
export const EC2_POOL = 'aws-ec2';

interface VpcBlocks {
  ipv4: string[];
  ipv6: string[];
}

let cached: { at: number; value: Promise<DefaultNetwork> } | undefined;
const cidrCache = new Map<string, { at: number; value: Promise<VpcBlocks> }>();
const subnetVpcCache = new Map<string, { at: number; value: Promise<string> }>();
let pool: WorkerPool<Ec2Job, Ec2Result> | undefined;

/**
 * From source: ec2-worker.ts beside this module. From the bundle (scripts/build.ts emits
 * dist/ec2-worker.js as its own entry): this code is in dist/ or in dist/chunks/.
 */
function workerFile(): URL {
  if (extname(fileURLToPath(import.meta.url)) === '.ts') return new URL('./ec2-worker.ts', import.meta.url);
  const candidates = [new URL('./ec2-worker.js', import.meta.url), new URL('../ec2-worker.js', import.meta.url)];
  return candidates.find((u) => existsSync(u)) ?? candidates[0]!;
}

/** One EC2 call on the worker thread; `signal` stops the wait (the call itself is one short request). */
export function ec2Send<O extends Ec2Result['op']>(job: Ec2Job & { op: O }, signal?: AbortSignal): Promise<Ec2Result & { op: O }> {
  // One thread: lookups are rare (cached) and each is a single request.
  pool ??= new WorkerPool<Ec2Job, Ec2Result>({ file: workerFile(), size: 1, name: EC2_POOL });
  return abortable(pool.run(job, signal ? { signal } : {}), signal) as Promise<Ec2Result & { op: O }>;
}

const send = ec2Send;

/** A VPC's CIDR blocks: IPv4 (the primary and every associated secondary block) and IPv6. */
function cidrsOf(vpc: Ec2Vpc | undefined): VpcBlocks {
  const live = (list: Array<{ cidrBlock?: string; state?: string }> | undefined): string[] =>
    (list ?? []).filter((a) => a.state === undefined || a.state === 'associated').flatMap((a) => (a.cidrBlock ? [a.cidrBlock] : []));
  return { ipv4: [...new Set([...(vpc?.cidrBlock ? [vpc.cidrBlock] : []), ...live(vpc?.associations)])], ipv6: [...new Set(live(vpc?.ipv6Associations))] };
}

/** A cached lookup: callers within CACHE_MS share one answer; a failed lookup is forgotten. */
function cachedLookup<T>(cache: Map<string, { at: number; value: Promise<T> }>, key: string, signal: AbortSignal | undefined, lookup: () => Promise<T>): Promise<T> {
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && now - hit.at < CACHE_MS) return abortable(hit.value, signal);
  const value = lookup();
  cache.set(key, { at: now, value });
  value.catch(() => {
    if (cache.get(key)?.value === value) cache.delete(key);
  });
  return value;
}

export class SdkEc2 implements Ec2Api {
  private readonly opts: CallOptions;

  constructor(opts: CallOptions = {}) {
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
    return this.vpcBlocks(vpcId).then((b) => b.ipv4);
  }

  vpcIpv6Cidrs(vpcId: string): Promise<string[]> {
    return this.vpcBlocks(vpcId).then((b) => b.ipv6);
  }

  subnetsVpc(subnetIds: readonly string[]): Promise<string> {
    const ids = [...subnetIds].sort();
    return cachedLookup(subnetVpcCache, ids.join(','), this.opts.signal, async () => {
      const out = await callAws('ec2', 'DescribeSubnets', (signal) => send({ op: 'DescribeSubnets', input: { SubnetIds: ids } }, signal), this.opts);
      const vpcs = [...new Set(out.subnets.flatMap((s) => (s.vpcId ? [s.vpcId] : [])))];
      if (vpcs.length !== 1) throw new Error(`subnets ${ids.join(', ')} are in ${vpcs.length ? `several VPCs (${vpcs.join(', ')})` : 'no VPC AWS reports'}: a load balancer's subnets must share one VPC`);
      return vpcs[0]!;
    });
  }

  private vpcBlocks(vpcId: string): Promise<VpcBlocks> {
    return cachedLookup(cidrCache, vpcId, this.opts.signal, () => this.lookupCidrs(vpcId));
  }

  private async lookupCidrs(vpcId: string): Promise<VpcBlocks> {
    const out = await callAws('ec2', 'DescribeVpcs', (signal) => send({ op: 'DescribeVpcs', input: { VpcIds: [vpcId] } }, signal), this.opts);
    return cidrsOf(out.vpcs[0]);
  }

  private async lookup(): Promise<DefaultNetwork> {
    const vpcs = await callAws('ec2', 'DescribeVpcs', (signal) => send({ op: 'DescribeVpcs', input: { Filters: [{ Name: 'is-default', Values: ['true'] }] } }, signal), this.opts);
    const vpcId = vpcs.vpcs[0]?.vpcId;
    if (!vpcId) throw new Error('the region has no default VPC: set loadBalancer.subnets and targetGroups[].vpcId');
    // The same answer carries the VPC's CIDR blocks: no second DescribeVpcs for its IP targets.
    if (!cidrCache.has(vpcId)) cidrCache.set(vpcId, { at: Date.now(), value: Promise.resolve(cidrsOf(vpcs.vpcs[0])) });
    const subnets: Array<{ id: string; zone: string; isDefault: boolean }> = [];
    let token: string | undefined;
    do {
      const page = await callAws(
        'ec2',
        'DescribeSubnets',
        (signal) => send({ op: 'DescribeSubnets', input: { Filters: [{ Name: 'vpc-id', Values: [vpcId] }], ...(token ? { NextToken: token } : {}) } }, signal),
        this.opts,
      );
      for (const s of page.subnets) {
        if (s.subnetId && s.zone) subnets.push({ id: s.subnetId, zone: s.zone, isDefault: s.defaultForAz });
      }
      token = page.nextToken;
    } while (token);
    // One subnet per zone (an ALB accepts only one per zone), preferring the zone's default subnet.
    const byZone = new Map<string, string>();
    for (const s of [...subnets].sort((a, b) => Number(b.isDefault) - Number(a.isDefault))) {
      if (!byZone.has(s.zone)) byZone.set(s.zone, s.id);
    }
    const subnetIds = [...byZone.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, id]) => id);
    if (subnetIds.length < 2) throw new Error(`the default VPC ${vpcId} has subnets in fewer than two zones`);
    subnetVpcCache.set([...subnetIds].sort().join(','), { at: Date.now(), value: Promise.resolve(vpcId) });
    return { vpcId, subnetIds };
  }
}
