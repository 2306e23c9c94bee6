// Thin WAFv2 port: which web ACL protects a load balancer, and (dis)associating one. Used only for
// LoadBalancedServices with spec.loadBalancer.webAclArn (or that had one), so the SDK client runs
// on a worker thread (./wafv2-worker.ts) started at the first call and stopped after 30 s idle: a
// controller without web ACLs never loads it (issue 11: idle memory), and loading it does not stall
// the event loop. Every call still goes through callAws here (wafv2 budget, retries, metrics).
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkerPool } from '../runtime/worker-pool.ts';
import { abortable } from './abortable.ts';
import { callAws, type CallOptions } from './call.ts';
import type { Wafv2Job, Wafv2Result } from './wafv2-jobs.ts';

export interface Wafv2Api {
  /** ARN of the web ACL associated with the resource, or null when none is. */
  webAclFor(resourceArn: string): Promise<string | null>;
  /** Associates the web ACL (AWS replaces an association the resource already has). */
  associate(webAclArn: string, resourceArn: string): Promise<void>;
  disassociate(resourceArn: string): Promise<void>;
}

/** The pool's name in albatross_worker_jobs_total / albatross_worker_queue_depth. */
export const WAFV2_POOL = 'aws-wafv2';

let pool: WorkerPool<Wafv2Job, Wafv2Result> | undefined;

/** From source: wafv2-worker.ts beside this module; from the bundle: dist/wafv2-worker.js (this code is in dist/ or dist/chunks/). */
function workerFile(): URL {
  if (extname(fileURLToPath(import.meta.url)) === '.ts') return new URL('./wafv2-worker.ts', import.meta.url);
  const candidates = [new URL('./wafv2-worker.js', import.meta.url), new URL('../wafv2-worker.js', import.meta.url)];
  return candidates.find((u) => existsSync(u)) ?? candidates[0]!;
}

function send<O extends Wafv2Result['op']>(job: Wafv2Job & { op: O }, signal?: AbortSignal): Promise<Wafv2Result & { op: O }> {
  // One thread: a few calls per load balancer with a web ACL per re-check.
  pool ??= new WorkerPool<Wafv2Job, Wafv2Result>({ file: workerFile(), size: 1, name: WAFV2_POOL });
  return abortable(pool.run(job, signal ? { signal } : {}), signal) as Promise<Wafv2Result & { op: O }>;
}

export class SdkWafv2 implements Wafv2Api {
  private readonly opts: CallOptions;

  constructor(opts: CallOptions = {}) {
    this.opts = opts;
  }

  async webAclFor(resourceArn: string): Promise<string | null> {
    const out = await callAws('wafv2', 'GetWebACLForResource', (signal) => send({ op: 'GetWebACLForResource', resourceArn }, signal), this.opts);
    return out.webAclArn;
  }

  async associate(webAclArn: string, resourceArn: string): Promise<void> {
    await callAws('wafv2', 'AssociateWebACL', (signal) => send({ op: 'AssociateWebACL', webAclArn, resourceArn }, signal), this.opts);
  }

  async disassociate(resourceArn: string): Promise<void> {
    await callAws('wafv2', 'DisassociateWebACL', (signal) => send({ op: 'DisassociateWebACL', resourceArn }, signal), this.opts);
  }
}
