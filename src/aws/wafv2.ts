// Thin WAFv2 port: which web ACL protects a load balancer, and (dis)associating one. Used only for
// LoadBalancedServices with spec.loadBalancer.webAclArn (or that had one), so the SDK client is
// loaded on first use (import('@aws-sdk/client-wafv2')): a controller without web ACLs never
// loads it (issue 11: idle memory). Measured (docs/performance.md § Footprint): loading it on the
// main thread costs ~6 MiB RSS and one 63-68 ms step, where a worker thread like the EC2 client's
// (src/aws/ec2-worker.ts, whose import blocks 150-250 ms) cost 31-38 MiB while alive and left
// 10-20 MiB after it stopped. Every call goes through callAws (wafv2 budget, retries, metrics).
import type * as WafSdk from '@aws-sdk/client-wafv2';
import { callAws, sdkClientConfig, type CallOptions } from './call.ts';

export interface Wafv2Api {
  /** ARN of the web ACL associated with the resource, or null when none is. */
  webAclFor(resourceArn: string): Promise<string | null>;
  /** Associates the web ACL (AWS replaces an association the resource already has). */
  associate(webAclArn: string, resourceArn: string): Promise<void>;
  disassociate(resourceArn: string): Promise<void>;
}

type Sdk = typeof WafSdk;
let loaded: Promise<{ sdk: Sdk; client: WafSdk.WAFV2Client }> | undefined;

/** The SDK module and one client for the process, loaded at the first WAFv2 call. */
function sdk(): Promise<{ sdk: Sdk; client: WafSdk.WAFV2Client }> {
  if (!loaded) {
    const p = import('@aws-sdk/client-wafv2').then((m) => ({ sdk: m, client: new m.WAFV2Client(sdkClientConfig()) }));
    // A failed load (it should not fail) is tried again at the next call.
    p.catch(() => {
      if (loaded === p) loaded = undefined;
    });
    loaded = p;
  }
  return loaded;
}

export class SdkWafv2 implements Wafv2Api {
  private readonly opts: CallOptions;

  constructor(opts: CallOptions = {}) {
    this.opts = opts;
  }

  async webAclFor(resourceArn: string): Promise<string | null> {
    const { sdk: m, client } = await sdk();
    const out = await callAws('wafv2', 'GetWebACLForResource', (signal) => client.send(new m.GetWebACLForResourceCommand({ ResourceArn: resourceArn }), { abortSignal: signal }), this.opts);
    return out.WebACL?.ARN ?? null;
  }

  async associate(webAclArn: string, resourceArn: string): Promise<void> {
    const { sdk: m, client } = await sdk();
    await callAws('wafv2', 'AssociateWebACL', (signal) => client.send(new m.AssociateWebACLCommand({ WebACLArn: webAclArn, ResourceArn: resourceArn }), { abortSignal: signal }), this.opts);
  }

  async disassociate(resourceArn: string): Promise<void> {
    const { sdk: m, client } = await sdk();
    await callAws('wafv2', 'DisassociateWebACL', (signal) => client.send(new m.DisassociateWebACLCommand({ ResourceArn: resourceArn }), { abortSignal: signal }), this.opts);
  }
}
