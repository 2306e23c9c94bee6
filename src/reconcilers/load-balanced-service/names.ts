// Deterministic AWS names (<= 32 chars, [A-Za-z0-9-], no leading/trailing/double '-').
// Derived from cluster/namespace/name so two resources (or two clusters) never share a name, and
// stable across restarts, which is what lets a restarted controller find what it created.
import { createHash } from 'node:crypto';

const MAX = 32;

function hex(...parts: Array<string | number>): string {
  return createHash('sha256').update(parts.map(String).join('\0')).digest('hex');
}

/** Lower-case, [a-z0-9-] only, no repeated/leading/trailing '-', cut to `max` characters. */
export function sanitize(s: string, max: number): string {
  const cleaned = s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+/, '');
  return cleaned.slice(0, max).replace(/-+$/, '');
}

export interface ResourceId {
  cluster: string;
  namespace: string;
  name: string;
}

/**
 * Default load balancer name: `<namespace>-<name>` cut to fit, plus 8 hex of a hash of
 * cluster/namespace/name/scheme. The scheme is in the hash because AWS cannot change it in place:
 * a new scheme means a new load balancer, which needs a free name while the old one still serves.
 */
export function loadBalancerName(id: ResourceId, scheme: string): string {
  const suffix = hex('lb', id.cluster, id.namespace, id.name, scheme).slice(0, 8);
  let prefix = sanitize(`${id.namespace}-${id.name}`, MAX - 9);
  // AWS reserves the prefix "internal-" for load balancer names.
  if (prefix.startsWith('internal-') || prefix === 'internal') prefix = sanitize(`lbs-${prefix}`, MAX - 9);
  return prefix ? `${prefix}-${suffix}` : `lbs-${suffix}`;
}

/** 6 hex identifying the resource inside every target group name (used to find candidates). */
export function resourceMarker(id: ResourceId): string {
  return hex('res', id.cluster, id.namespace, id.name).slice(0, 6);
}

export interface TargetGroupIdentity {
  key: string;
  port: number;
  protocol: string;
  protocolVersion: string;
  targetType: string;
  vpcId: string;
  /** the load balancer it is attached to: an ALB target group serves one load balancer only */
  loadBalancerName: string;
}

/**
 * Target group name: `<name>-<key>` cut to 19 chars, '-', 6 hex of the resource, 6 hex of the fields
 * AWS cannot change (port, protocol, protocolVersion, targetType, vpcId, load balancer). Changing one
 * of them yields a new name, so the replacement can be created while the old one still serves.
 */
export function targetGroupName(id: ResourceId, tg: TargetGroupIdentity): string {
  const h = hex(
    'tg',
    tg.key,
    tg.port,
    tg.protocol,
    tg.protocolVersion,
    tg.targetType,
    tg.vpcId,
    tg.loadBalancerName,
  ).slice(0, 6);
  const prefix = sanitize(`${id.name}-${tg.key}`, MAX - 13) || 'tg';
  return `${prefix}-${resourceMarker(id)}${h}`;
}

/** Does this target group name look like one of this resource's? (Ownership is still checked by tags.) */
export function isCandidateTargetGroupName(id: ResourceId, name: string): boolean {
  return new RegExp(`-${resourceMarker(id)}[0-9a-f]{6}$`).test(name);
}

/**
 * Managed security group name: `albatross-<namespace>-<name>-<8 hex of cluster/namespace/name>-<role>`
 * (group names are unique per VPC, up to 255 characters, and may not start with "sg-"). The hash
 * keeps two clusters, or two resources whose names sanitize alike, apart.
 */
export function securityGroupName(id: ResourceId, role: 'frontend' | 'backend'): string {
  const suffix = hex('sg', id.cluster, id.namespace, id.name).slice(0, 8);
  const prefix = sanitize(`${id.namespace}-${id.name}`, 200);
  return `albatross-${prefix ? `${prefix}-` : ''}${suffix}-${role}`;
}
