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
}

const CACHE_MS = 10 * 60_000;
/** The pool's name in albatross_worker_jobs_total / albatross_worker_queue_depth. */
export const EC2_POOL = 'aws-ec2';

let cached: { at: number; value: Promise<DefaultNetwork> } | undefined;
const cidrCache = new Map<string, { at: number; value: Promise<string[]> }>();
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
function send<O extends Ec2Result['op']>(job: Ec2Job & { op: O }, signal?: AbortSignal): Promise<Ec2Result & { op: O }> {
  // One thread: lookups are rare (cached) and each is a single request.
  pool ??= new WorkerPool<Ec2Job, Ec2Result>({ file: workerFile(), size: 1, name: EC2_POOL });
  return abortable(pool.run(job, signal ? { signal } : {}), signal) as Promise<Ec2Result & { op: O }>;
}

/** A VPC's IPv4 CIDR blocks: the primary and every associated secondary block. */
function cidrsOf(vpc: Ec2Vpc | undefined): string[] {
  const associated = (vpc?.associations ?? [])
    .filter((a) => a.state === undefined || a.state === 'associated')
    .flatMap((a) => (a.cidrBlock ? [a.cidrBlock] : []));
  return [...new Set([...(vpc?.cidrBlock ? [vpc.cidrBlock] : []), ...associated])];
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
    return { vpcId, subnetIds };
  }
}
