// Which load balancer listeners use which certificates: the read the ServerCertificate reconciler
// does before deleting an old IAM certificate (real AWS refuses with DeleteConflict, moto does not,
// and we must not break a listener either way). Only reads; the LoadBalancedService port is elbv2.ts.
import {
  DescribeListenerCertificatesCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { callAws, sdkClientConfig, type CallOptions } from './call.ts';
import { isAwsErrorKind } from './errors.ts';

export interface CertificateUsageApi {
  /** For each of `certificateArns`, the ARNs of the listeners that use it (default or SNI). */
  listenersUsing(certificateArns: string[]): Promise<Map<string, string[]>>;
}

const PAGE_SIZE = 400;

let sharedClient: ElasticLoadBalancingV2Client | undefined;
function defaultClient(): ElasticLoadBalancingV2Client {
  sharedClient ??= new ElasticLoadBalancingV2Client(sdkClientConfig());
  return sharedClient;
}

export class SdkCertificateUsage implements CertificateUsageApi {
  private readonly client: ElasticLoadBalancingV2Client;
  private readonly opts: CallOptions;

  constructor(opts: CallOptions = {}, client?: ElasticLoadBalancingV2Client) {
    this.client = client ?? defaultClient();
    this.opts = opts;
  }

  withSignal(signal: AbortSignal | undefined): SdkCertificateUsage {
    return new SdkCertificateUsage(signal ? { signal } : {}, this.client);
  }

  private call<T>(operation: string, fn: (signal?: AbortSignal) => Promise<T>): Promise<T> {
    return callAws('elbv2', operation, fn, this.opts);
  }

  /**
   * Walks every load balancer's HTTPS/TLS listeners of the account and region. Costs one call per
   * page of load balancers, per load balancer and per secure listener, so the reconciler calls it
   * only while it has an old certificate to delete.
   */
  async listenersUsing(certificateArns: string[]): Promise<Map<string, string[]>> {
    const wanted = new Set(certificateArns);
    const usage = new Map<string, string[]>(certificateArns.map((a) => [a, []]));
    if (wanted.size === 0) return usage;
    for (const lbArn of await this.loadBalancerArns()) {
      for (const listener of await this.secureListeners(lbArn)) {
        const used = new Set([...listener.defaultCertificates, ...(await this.listenerCertificateArns(listener.arn))]);
        for (const certArn of used) if (wanted.has(certArn)) usage.get(certArn)?.push(listener.arn);
      }
    }
    return usage;
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
    const arns: Array<{ arn: string; defaultCertificates: string[] }> = [];
    let marker: string | undefined;
    try {
      do {
        const page = await this.call('DescribeListeners', (abortSignal) =>
          this.client.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn, PageSize: PAGE_SIZE, ...(marker ? { Marker: marker } : {}) }), { abortSignal }),
        );
        for (const l of page.Listeners ?? []) {
          const defaults = (l.Certificates ?? []).flatMap((c) => (c.CertificateArn ? [c.CertificateArn] : []));
          if (l.ListenerArn && (l.Protocol === 'HTTPS' || l.Protocol === 'TLS' || defaults.length > 0)) {
            arns.push({ arn: l.ListenerArn, defaultCertificates: defaults });
          }
        }
        marker = page.NextMarker;
      } while (marker);
    } catch (err) {
      if (isAwsErrorKind(err, 'not_found')) return arns; // deleted meanwhile
      throw err;
    }
    return arns;
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
