// Classifies AWS SDK errors into the few kinds reconcilers act on.

export type AwsErrorKind =
  | 'throttled'
  | 'not_found'
  | 'in_use'
  | 'duplicate'
  | 'eventually_consistent'
  | 'invalid'
  | 'transient'
  | 'terminal';

const BY_CODE: Record<string, AwsErrorKind> = {
  Throttling: 'throttled',
  ThrottlingException: 'throttled',
  TooManyRequestsException: 'throttled',
  RequestLimitExceeded: 'throttled',
  PriorRequestNotComplete: 'throttled',
  NoSuchEntity: 'not_found',
  NoSuchEntityException: 'not_found',
  LoadBalancerNotFound: 'not_found',
  LoadBalancerNotFoundException: 'not_found',
  TargetGroupNotFound: 'not_found',
  TargetGroupNotFoundException: 'not_found',
  ListenerNotFound: 'not_found',
  ListenerNotFoundException: 'not_found',
  RuleNotFound: 'not_found',
  RuleNotFoundException: 'not_found',
  NoSuchHostedZone: 'not_found',
  'InvalidGroup.NotFound': 'not_found',
  'InvalidPermission.NotFound': 'not_found',
  'InvalidPermission.Duplicate': 'duplicate',
  'InvalidGroup.Duplicate': 'duplicate',
  // A security group still used by a network interface (a load balancer's, for minutes after it
  // was deleted) or referenced by another group's rule.
  DependencyViolation: 'in_use',
  'InvalidGroup.InUse': 'in_use',
  CertificateNotFound: 'eventually_consistent',
  CertificateNotFoundException: 'eventually_consistent',
  DeleteConflict: 'in_use',
  DeleteConflictException: 'in_use',
  ResourceInUse: 'in_use',
  ResourceInUseException: 'in_use',
  EntityAlreadyExists: 'duplicate',
  EntityAlreadyExistsException: 'duplicate',
  DuplicateLoadBalancerName: 'duplicate',
  DuplicateLoadBalancerNameException: 'duplicate',
  DuplicateTargetGroupName: 'duplicate',
  DuplicateTargetGroupNameException: 'duplicate',
  DuplicateListener: 'duplicate',
  DuplicateListenerException: 'duplicate',
  PriorityInUse: 'duplicate',
  PriorityInUseException: 'duplicate',
  MalformedCertificate: 'invalid',
  MalformedCertificateException: 'invalid',
  KeyPairMismatch: 'invalid',
  KeyPairMismatchException: 'invalid',
  ValidationError: 'invalid',
  InvalidInput: 'invalid',
  InvalidChangeBatch: 'invalid',
  InvalidConfigurationRequest: 'invalid',
  InvalidConfigurationRequestException: 'invalid',
  // WAFv2: a web ACL created a moment ago may not be usable yet (AWS documents the propagation delay).
  WAFUnavailableEntityException: 'eventually_consistent',
  WAFInvalidParameterException: 'invalid',
  AccessDenied: 'terminal',
  AccessDeniedException: 'terminal',
  UnauthorizedOperation: 'terminal',
};

/** An AWS error with the service, operation and a kind reconcilers can switch on. */
export class AwsError extends Error {
  readonly kind: AwsErrorKind;
  readonly code: string;
  readonly service: string;
  readonly operation: string;

  constructor(service: string, operation: string, code: string, kind: AwsErrorKind, message: string, cause?: unknown) {
    super(`${service}.${operation}: ${code}: ${message}`, { cause });
    this.name = 'AwsError';
    this.kind = kind;
    this.code = code;
    this.service = service;
    this.operation = operation;
  }
}

interface SdkLikeError {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** The error code the SDK reports (`name` in v3, sometimes `Code` for query protocols). */
export function awsErrorCode(err: unknown): string {
  const e = (err ?? {}) as SdkLikeError;
  for (const c of [e.Code, e.name, e.code]) if (typeof c === 'string' && c !== 'Error') return c;
  return 'Unknown';
}

export function classifyAwsError(err: unknown): AwsErrorKind {
  if (err instanceof AwsError) return err.kind;
  const code = awsErrorCode(err);
  const known = BY_CODE[code];
  if (known) return known;
  const status = (err as SdkLikeError | undefined)?.$metadata?.httpStatusCode;
  if (status === 429) return 'throttled';
  if (status !== undefined && status >= 500) return 'transient';
  if (code === 'TimeoutError' || code === 'ECONNRESET' || code === 'ECONNREFUSED') return 'transient';
  return 'terminal';
}

export function isAwsErrorKind(err: unknown, kind: AwsErrorKind): boolean {
  return classifyAwsError(err) === kind;
}
