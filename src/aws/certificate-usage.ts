// Which load balancer listeners use which certificates: the read the ServerCertificate reconciler
// does before deleting an old IAM certificate (real AWS refuses with DeleteConflict, moto does not,
// and we must not break a listener either way). Only reads; the LoadBalancedService port is elbv2.ts.
//
// There is no reverse lookup in ELB, so this walks every load balancer of the account and region:
// one call per page of load balancers, per load balancer and per secure listener. One walk (a
// snapshot) is shared by every reconcile of the process for a few seconds, and concurrent callers
// wait for the same walk.
import {
  DescribeListenerCertificatesCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { callAws, sdkClientConfig, type CallOptions } from './call.ts';
import { isAwsErrorKind } from './errors.ts';

export interface UsageOptions {
  /** Only a scan started after this moment will do (e.g. after the new ARN was published). */
  takenAfter?: Date;
}

export interface CertificateUsageApi {
  /** For each of `certificateArns`, the ARNs of the listeners that use it (default or SNI). */
  listenersUsing(certificateArns: string[], opts?: UsageOptions): Promise<Map<string, string[]>>;
}

const PAGE_SIZE = 400;
/** A scan is reused this long (a renewal day with many certificates scans once, not once each). */
export const DEFAULT_SNAPSHOT_TTL_MS = 10_000;

interface Snapshot {
  startedAt: number;
  /** certificate ARN -> listener ARNs */
  usage: Map<string, string[]>;
}

/** Shared by the instances withSignal() derives, so every reconcile sees the same snapshot. */
interface SharedState {
  ttlMs: number;
  latest?: Snapshot;
  inFlight?: { startedAt: number; promise: Promise<Snapshot> };
}

let sharedClient: ElasticLoadBalancingV2Client | undefined;
function defaultClient(): ElasticLoadBalancingV2Client {
  sharedClient ??= new ElasticLoadBalancingV2Client(sdkClientConfig());
  return sharedClient;
}

export class SdkCertificateUsage implements CertificateUsageApi {
  private readonly client: ElasticLoadBalancingV2Client;
  private readonly signal: AbortSignal | undefined;
  private readonly state: SharedState;

  constructor(opts: CallOptions & { snapshotTtlMs?: number } = {}, client?: ElasticLoadBalancingV2Client, state?: SharedState) {
    this.client = client ?? defaultClient();
    this.signal = opts.signal;
    this.state = state ?? { ttlMs: opts.snapshotTtlMs ?? DEFAULT_SNAPSHOT_TTL_MS };
  }

  withSignal(signal: AbortSignal | undefined): SdkCertificateUsage {
    return new SdkCertificateUsage(signal ? { signal } : {}, this.client, this.state);
  }

  async listenersUsing(certificateArns: string[], opts: UsageOptions = {}): Promise<Map<string, string[]>> {
    const snapshot = await abortable(this.snapshot(opts.takenAfter?.getTime() ?? 0), this.signal);
    return new Map(certificateArns.map((a) => [a, snapshot.usage.get(a) ?? []]));
  }

  private snapshot(notBefore: number): Promise<Snapshot> {
    const now = Date.now();
    const { latest, inFlight, ttlMs } = this.state;
    if (latest && now - latest.startedAt < ttlMs && latest.startedAt > notBefore) return Promise.resolve(latest);
    if (inFlight && inFlight.startedAt > notBefore) return inFlight.promise;
    const startedAt = now;
    const promise = this.scan(startedAt).then(
      (s) => {
        this.state.latest = s;
        if (this.state.inFlight?.promise === promise) this.state.inFlight = undefined;
        return s;
      },
      (err: unknown) => {
        if (this.state.inFlight?.promise === promise) this.state.inFlight = undefined;
        throw err;
      },
    );
    this.state.inFlight = { startedAt, promise };
    return promise;
  }

  // The walk is shared, so it runs without any one reconcile's abort signal.
  private call<T>(operation: string, fn: (signal?: AbortSignal) => Promise<T>): Promise<T> {
    return callAws('elbv2', operation, fn);
  }

  private async scan(startedAt: number): Promise<Snapshot> {
    const usage = new Map<string, string[]>();
    for (const lbArn of await this.loadBalancerArns()) {
      for (const listener of await this.secureListeners(lbArn)) {
        const used = new Set([...listener.defaultCertificates, ...(await this.listenerCertificateArns(listener.arn))]);
        for (const certArn of used) usage.set(certArn, [...(usage.get(certArn) ?? []), listener.arn]);
      }
    }
    return { startedAt, usage };
  }

  private async loadBalancerArns(): Promise<string[]> {
    const arns: string[] = [];
    let marker: string | undefined;
    do {
      const page = await this.call('DescribeLoadBalancers', (abortSignal) =>
        this.client.send(new DescribeLoadBalancersCommand({ PageSize: PAGE_SIZE, ...(marker ? { Marker: marker } : {}) }), { abortSignal }),
      );
      for (const lb of page.LoadBalancers ?? []) if (lb.LoadBalancerArn) arns.push(lb.LoadBalancerArn);
      marker = page.NextMarker;
    } while (marker);
    return arns;
  }

  /** Listeners that can carry certificates, with the default certificate DescribeListeners shows. */
  private async secureListeners(loadBalancerArn: string): Promise<Array<{ arn: string; defaultCertificates: string[] }>> {
    const out: Array<{ arn: string; defaultCertificates: string[] }> = [];
    let marker: string | undefined;
    try {
      do {
        const page = await this.call('DescribeListeners', (abortSignal) =>
          this.client.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn, PageSize: PAGE_SIZE, ...(marker ? { Marker: marker } : {}) }), { abortSignal }),
        );
        for (const l of page.Listeners ?? []) {
          const defaults = (l.Certificates ?? []).flatMap((c) => (c.CertificateArn ? [c.CertificateArn] : []));
          if (l.ListenerArn && (l.Protocol === 'HTTPS' || l.Protocol === 'TLS' || defaults.length > 0)) {
            out.push({ arn: l.ListenerArn, defaultCertificates: defaults });
          }
        }
        marker = page.NextMarker;
      } while (marker);
    } catch (err) {
      if (isAwsErrorKind(err, 'not_found')) return out; // deleted meanwhile
      throw err;
    }
    return out;
  }

  /** The default certificate and the SNI certificates of one listener. */
  private async listenerCertificateArns(listenerArn: string): Promise<string[]> {
    const arns: string[] = [];
    let marker: string | undefined;
    try {
      do {
        const page = await this.call('DescribeListenerCertificates', (abortSignal) =>
          this.client.send(new DescribeListenerCertificatesCommand({ ListenerArn: listenerArn, PageSize: PAGE_SIZE, ...(marker ? { Marker: marker } : {}) }), { abortSignal }),
        );
        for (const c of page.Certificates ?? []) if (c.CertificateArn) arns.push(c.CertificateArn);
        marker = page.NextMarker;
      } while (marker);
    } catch (err) {
      if (isAwsErrorKind(err, 'not_found')) return arns;
      throw err;
    }
    return arns;
  }
}

/** Waits for `promise`, but gives up (rejects) when `signal` aborts; the promise itself runs on. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
