// The Albatross API: types generated from deploy/crds/*.yaml plus the constants every reconciler shares.
// Refer to nested spec types by indexed access (LoadBalancedServiceSpec['listeners'][number]).
import type { DnsAlias, LoadBalancedService, ServerCertificate } from './generated.ts';

export type {
  Condition,
  DnsAlias,
  DnsAliasSpec,
  DnsAliasStatus,
  LoadBalancedService,
  LoadBalancedServiceSpec,
  LoadBalancedServiceStatus,
  ServerCertificate,
  ServerCertificateSpec,
  ServerCertificateStatus,
} from './generated.ts';

export const GROUP = 'albatross.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}` as const;

export const KIND = {
  loadBalancedService: 'LoadBalancedService',
  serverCertificate: 'ServerCertificate',
  dnsAlias: 'DnsAlias',
} as const;
export type Kind = (typeof KIND)[keyof typeof KIND];

export type AlbatrossObject = LoadBalancedService | ServerCertificate | DnsAlias;

export interface ResourceInfo {
  group: typeof GROUP;
  version: typeof VERSION;
  plural: string;
  kind: Kind;
}

export const RESOURCES = {
  loadBalancedService: { group: GROUP, version: VERSION, plural: 'loadbalancedservices', kind: KIND.loadBalancedService },
  serverCertificate: { group: GROUP, version: VERSION, plural: 'servercertificates', kind: KIND.serverCertificate },
  dnsAlias: { group: GROUP, version: VERSION, plural: 'dnsaliases', kind: KIND.dnsAlias },
} as const satisfies Record<string, ResourceInfo>;

/** Finalizer through which deletionPolicy Delete removes the AWS objects a resource owns. */
export const FINALIZER = 'albatross.dev/cleanup';
/** Tag naming the cluster (the controller's --cluster-name) that owns an AWS object. */
export const TAG_CLUSTER = 'albatross.dev/cluster';
/** Tag naming the resource that owns an AWS object; value from ownerValue(). */
export const TAG_OWNER = 'albatross.dev/owner';
/** User tag keys with this prefix are refused by the CRD schema. */
export const RESERVED_TAG_PREFIX = 'albatross.dev/';

/** Value of the owner tag (and of the Route 53 ownership TXT record's owner): `<Kind>/<namespace>/<name>`. */
export function ownerValue(kind: Kind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

export const ConditionType = {
  Ready: 'Ready',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
  Drifted: 'Drifted',
  /** ServerCertificate only. */
  ChainValid: 'ChainValid',
  /** ServerCertificate only. */
  ExpiringSoon: 'ExpiringSoon',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** Condition reasons (CamelCase, as metav1.Condition requires). */
export const Reason = {
  // Ready / Reconciling / Stalled
  Reconciled: 'Reconciled',
  Progressing: 'Progressing',
  ReferenceNotReady: 'ReferenceNotReady',
  Conflict: 'Conflict',
  // Stalled: spec.adopt asks to take over an unowned AWS object, but the operator did not allow
  // adoption in this namespace (--adopt-namespaces)
  AdoptionNotAllowed: 'AdoptionNotAllowed',
  InvalidSpec: 'InvalidSpec',
  SecretNotFound: 'SecretNotFound',
  AwsError: 'AwsError',
  Deleting: 'Deleting',
  Blocked: 'Blocked',
  // Stalled (LoadBalancedService): the spec relies on a default VPC the region does not have
  NoDefaultVpc: 'NoDefaultVpc',
  // Reconciling (LoadBalancedService): a managed security group AWS still holds in use (a deleted
  // load balancer's network interfaces, targets still in the backend group); retried with backoff
  SecurityGroupInUse: 'SecurityGroupInUse',
  // Stalled (DnsAlias)
  HostedZoneNotFound: 'HostedZoneNotFound',
  HostedZoneAmbiguous: 'HostedZoneAmbiguous',
  ChainLoop: 'ChainLoop',
  // Drifted
  NoDrift: 'NoDrift',
  Drifted: 'Drifted',
  Corrected: 'Corrected',
  // ChainValid (ServerCertificate)
  Valid: 'Valid',
  Repaired: 'Repaired',
  IncompleteChain: 'IncompleteChain',
  KeyMismatch: 'KeyMismatch',
  Expired: 'Expired',
  NotYetValid: 'NotYetValid',
  WrongPassword: 'WrongPassword',
  Unparseable: 'Unparseable',
  // ExpiringSoon (ServerCertificate)
  ExpiresSoon: 'ExpiresSoon',
  NotExpiring: 'NotExpiring',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

/** Reasons of the Kubernetes Events recorded for every change. */
export const EventReason = {
  Created: 'Created',
  Updated: 'Updated',
  DriftCorrected: 'DriftCorrected',
  Deleted: 'Deleted',
  Conflict: 'Conflict',
  InvalidSpec: 'InvalidSpec',
  AwsError: 'AwsError',
} as const;
export type EventReason = (typeof EventReason)[keyof typeof EventReason];
