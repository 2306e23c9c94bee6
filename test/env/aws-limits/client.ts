// For tests, benchmarks and the chaos campaign: the limits proxy's admin API as functions.
import type { ExistingNameMode } from './elbv2-names.ts';
import type { FaultConfig } from './faults.ts';
import type { LimitRule } from './limits.ts';
import type { NetworkFaultConfig, NetworkFaultCounts } from './network-faults.ts';
import type { Refusal } from './route53-changes.ts';
import { ADMIN_PREFIX, type CallCounts, type Counts } from './proxy.ts';

export interface SecurityGroupDepsView {
  holdSeconds: number;
  held: Array<{ group: string; until: string }>;
  counts: { checked: number; refused: number };
}

export interface Elbv2NamesView {
  existingName: Record<string, ExistingNameMode>;
  counts: { checked: number; answered: number; refused: number };
}

/** The proxy's URL: the environment exports it (AWS_LIMITS_PROXY_URL; AWS_ENDPOINT_URL is the same). */
export function limitsProxyUrl(): string {
  const url = process.env['AWS_LIMITS_PROXY_URL'];
  if (!url) throw new Error('AWS_LIMITS_PROXY_URL is not set: bring the environment up (npm run env -- up) or run under the integration setup');
  return url;
}

async function call<T>(method: string, path: string, body?: unknown, base = limitsProxyUrl()): Promise<T> {
  const res = await fetch(`${base}${ADMIN_PREFIX}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await res.text();
  if (!res.ok) {
    const why = ((): string => {
      try {
        return (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        return text;
      }
    })();
    throw new Error(`aws limits proxy: ${method} ${path}: ${res.status}: ${why}`);
  }
  return JSON.parse(text) as T;
}

export const limitsProxy = {
  counts: (account?: string): Promise<Counts> => call('GET', `/counts${account ? `?account=${encodeURIComponent(account)}` : ''}`),
  resetCounts: (): Promise<Counts> => call('POST', '/counts/reset'),
  faults: (): Promise<FaultConfig> => call('GET', '/faults'),
  setFaults: (f: Partial<FaultConfig>): Promise<FaultConfig> => call('PUT', '/faults', f),
  clearFaults: (): Promise<FaultConfig> => call('DELETE', '/faults'),
  networkFaults: (): Promise<{ config: NetworkFaultConfig; counts: NetworkFaultCounts }> => call('GET', '/network'),
  setNetworkFaults: (f: Partial<NetworkFaultConfig>): Promise<{ config: NetworkFaultConfig; counts: NetworkFaultCounts }> => call('PUT', '/network', f),
  clearNetworkFaults: (): Promise<{ config: NetworkFaultConfig; counts: NetworkFaultCounts }> => call('DELETE', '/network'),
  route53Refusals: (): Promise<{ refuse: Refusal[]; counts: { overLimit: number; refused: number } }> => call('GET', '/route53'),
  setRoute53Refusals: (refuse: Refusal[]): Promise<{ refuse: Refusal[]; counts: { overLimit: number; refused: number } }> => call('PUT', '/route53', { refuse }),
  clearRoute53Refusals: (): Promise<{ refuse: Refusal[]; counts: { overLimit: number; refused: number } }> => call('DELETE', '/route53'),
  iamNames: (): Promise<{ counts: { checked: number; refused: number } }> => call('GET', '/iam'),
  elbv2Names: (): Promise<Elbv2NamesView> => call('GET', '/elbv2'),
  /** How CreateLoadBalancer of a name moto holds is answered for `account` (AWS's two answers; moto's own: a second load balancer). */
  setElbv2ExistingName: (account: string, existingName: ExistingNameMode): Promise<Elbv2NamesView> => call('PUT', '/elbv2', { account, existingName }),
  clearElbv2ExistingName: (account: string): Promise<Elbv2NamesView> => call('DELETE', '/elbv2', { account }),
  securityGroupDeps: (): Promise<SecurityGroupDepsView> => call('GET', '/ec2'),
  /** Deleted load balancers' groups stay in use this long (EC2's DependencyViolation), as AWS holds them for minutes. */
  setSecurityGroupHold: (holdSeconds: number): Promise<SecurityGroupDepsView> => call('PUT', '/ec2', { holdSeconds }),
  clearSecurityGroupHold: (): Promise<SecurityGroupDepsView> => call('DELETE', '/ec2'),
  limits: (): Promise<{ enforce: boolean; priorRequestNotComplete: boolean; rules: LimitRule[] }> => call('GET', '/limits'),
  setLimits: (l: { enforce?: boolean; priorRequestNotComplete?: boolean; rules?: LimitRule[] }): Promise<{ enforce: boolean; priorRequestNotComplete: boolean; rules: LimitRule[] }> =>
    call('PUT', '/limits', l),
};

/** b - a per key (calls made between two readings); keys with no difference left out. */
export function countsDelta(a: CallCounts, b: CallCounts): CallCounts {
  const out: CallCounts = {};
  for (const [k, v] of Object.entries(b)) if (v - (a[k] ?? 0) > 0) out[k] = v - (a[k] ?? 0);
  return out;
}

export function sumCounts(c: CallCounts, filter: (key: string) => boolean = () => true): number {
  return Object.entries(c).reduce((n, [k, v]) => (filter(k) ? n + v : n), 0);
}

/** Mutating: anything but Describe*, List*, Get* (the same split as the controller's budgets). */
export const isMutatingCall = (key: string): boolean => !/\.(Describe|List|Get)/.test(key);
