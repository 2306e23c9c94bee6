// Leader election on a coordination.k8s.io/v1 Lease, client-go's algorithm: a lease held by someone
// else is valid until leaseDuration has passed since WE last saw it change (local clock only, so
// clock skew between nodes does not matter); the leader renews every retryPeriod and gives up when
// it could not renew for renewDeadline; release() empties holderIdentity so a standby takes over at
// its next retry instead of waiting out the lease.
import type { Logger } from 'pino';
import { errorMessage, KubeApiError } from './errors.ts';
import { leaderStatus } from './metrics.ts';
import { sleep } from './reflector.ts';
import { CORE } from './resources.ts';
import type { KubeClient, KubeObject } from './types.ts';

interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}

interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export interface LeaderElectorOptions {
  kube: KubeClient;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  log: Logger;
}

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

export class LeaderElector {
  private readonly o: LeaderElectorOptions;
  private leader = false;
  private observed: { holder: string; renewTime: string; leaseDurationSeconds: number } | undefined;
  private observedAt = 0;
  private lease: Lease | undefined;

  constructor(opts: LeaderElectorOptions) {
    this.o = opts;
    leaderStatus.set({ name: opts.name }, 0);
  }

  isLeader(): boolean {
    return this.leader;
  }

  /** Resolves true once this process holds the lease, false if signal aborted first. */
  async acquire(signal: AbortSignal): Promise<boolean> {
    this.o.log.info({ lease: `${this.o.namespace}/${this.o.name}`, identity: this.o.identity }, 'waiting for leadership');
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew(signal)) {
        this.leader = true;
        leaderStatus.set({ name: this.o.name }, 1);
        this.o.log.info({ identity: this.o.identity }, 'became leader');
        return true;
      }
      await sleep(this.o.retryPeriodMs * (1 + Math.random() * 0.2), signal);
    }
    return false;
  }

  /** Renews until renewal fails for renewDeadline (resolves 'lost') or signal aborts ('stopped'). */
  async holdLeadership(signal: AbortSignal): Promise<'lost' | 'stopped'> {
    let lastRenew = Date.now();
    while (!signal.aborted) {
      await sleep(this.o.retryPeriodMs, signal);
      if (signal.aborted) break;
      const attempt = AbortSignal.any([signal, AbortSignal.timeout(Math.max(1, lastRenew + this.o.renewDeadlineMs - Date.now()))]);
      const ok = await this.tryAcquireOrRenew(attempt);
      if (ok) {
        lastRenew = Date.now();
        continue;
      }
      if (signal.aborted) break;
      if (Date.now() - lastRenew >= this.o.renewDeadlineMs) {
        this.leader = false;
        leaderStatus.set({ name: this.o.name }, 0);
        this.o.log.error({ identity: this.o.identity }, `leadership lost: lease not renewed within ${this.o.renewDeadlineMs} ms`);
        return 'lost';
      }
    }
    return 'stopped';
  }

  /** Gives the lease up at once (holder emptied), if we hold it; waits at most timeoutMs for the apiserver. */
  async release(timeoutMs = 5000): Promise<void> {
    if (!this.leader) return;
    this.leader = false;
    leaderStatus.set({ name: this.o.name }, 0);
    const lease = this.lease;
    if (!lease?.spec || lease.spec.holderIdentity !== this.o.identity) return;
    const now = Date.now();
    try {
      await this.o.kube.replace(CORE.lease, {
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(now), acquireTime: microTime(now) },
      }, {}, AbortSignal.timeout(Math.max(1, timeoutMs)));
      this.o.log.info('released leadership');
    } catch (err) {
      this.o.log.warn({ err: errorMessage(err) }, 'could not release the lease; the standby takes over when it expires');
    }
  }

  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const { kube, namespace, name, identity } = this.o;
    const now = Date.now();
    const leaseDurationSeconds = Math.max(1, Math.ceil(this.o.leaseDurationMs / 1000));
    try {
      const lease = await kube.get<Lease>(CORE.lease, namespace, name, signal);
      if (!lease) {
        const created = await kube.create<Lease>(CORE.lease, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
        }, signal);
        this.remember(created, now);
        return true;
      }
      const spec = lease.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      const seen = { holder, renewTime: spec.renewTime ?? '', leaseDurationSeconds: spec.leaseDurationSeconds ?? leaseDurationSeconds };
      if (!this.observed || this.observed.holder !== seen.holder || this.observed.renewTime !== seen.renewTime) {
        this.observed = seen;
        this.observedAt = now;
      }
      const heldByOther = holder !== '' && holder !== identity;
      if (heldByOther && this.observedAt + seen.leaseDurationSeconds * 1000 > now) return false;
      const mine = holder === identity;
      const updated = await kube.replace<Lease>(CORE.lease, {
        ...lease,
        spec: {
          holderIdentity: identity,
          leaseDurationSeconds,
          acquireTime: mine && spec.acquireTime ? spec.acquireTime : microTime(now),
          renewTime: microTime(now),
          leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
        },
      }, {}, signal);
      this.remember(updated, now);
      return true;
    } catch (err) {
      if (!(err instanceof KubeApiError && err.statusCode === 409)) {
        this.o.log.warn({ err: errorMessage(err) }, 'lease acquire/renew failed');
      }
      return false;
    }
  }

  private remember(lease: Lease, now: number): void {
    this.lease = lease;
    const spec = lease.spec ?? {};
    this.observed = { holder: spec.holderIdentity ?? '', renewTime: spec.renewTime ?? '', leaseDurationSeconds: spec.leaseDurationSeconds ?? 0 };
    this.observedAt = now;
  }
}
