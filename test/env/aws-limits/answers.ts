// The error answers AWS gives, in each protocol's own shape, so the SDK parses them exactly as it
// parses AWS's: code, message, HTTP status and request id.
import { randomUUID } from 'node:crypto';
import type { AwsCall } from './classify.ts';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type ErrorKind =
  | 'throttling'
  | 'prior-request-not-complete'
  | 'server-error'
  | 'invalid-change-batch'
  | 'entity-already-exists'
  | 'dependency-violation'
  | 'duplicate-load-balancer-name';

const NAMESPACES: Record<string, string> = {
  elbv2: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/',
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  route53: 'https://route53.amazonaws.com/doc/2013-04-01/',
};

interface ErrorShape {
  status: number;
  code: string;
  message: string;
  type: 'Sender' | 'Receiver';
}

function shapeOf(call: AwsCall, kind: ErrorKind): ErrorShape {
  if (kind === 'server-error') {
    return call.protocol === 'ec2' || call.service === 'route53'
      ? { status: 503, code: 'ServiceUnavailable', message: 'Service is unavailable. Please try again.', type: 'Receiver' }
      : { status: 500, code: 'InternalFailure', message: 'We encountered an internal error. Please try again.', type: 'Receiver' };
  }
  if (kind === 'invalid-change-batch') {
    return { status: 400, code: 'InvalidChangeBatch', message: 'The request contains an invalid set of changes.', type: 'Sender' };
  }
  if (kind === 'entity-already-exists') {
    return { status: 409, code: 'EntityAlreadyExists', message: 'The request was rejected because it attempted to create a resource that already exists.', type: 'Sender' };
  }
  if (kind === 'duplicate-load-balancer-name') {
    return { status: 400, code: 'DuplicateLoadBalancerName', message: 'A load balancer with the same name exists, but with different settings', type: 'Sender' };
  }
  if (kind === 'dependency-violation') {
    return { status: 400, code: 'DependencyViolation', message: 'resource has a dependent object', type: 'Sender' };
  }
  if (kind === 'prior-request-not-complete') {
    return { status: 400, code: 'PriorRequestNotComplete', message: 'The request was rejected because Route 53 was still processing a prior request.', type: 'Sender' };
  }
  // EC2 has its own code and answers it with 503; ELBv2, IAM and Route 53 say Throttling with 400.
  if (call.protocol === 'ec2') return { status: 503, code: 'RequestLimitExceeded', message: 'Request limit exceeded.', type: 'Sender' };
  if (call.protocol === 'json') return { status: 400, code: 'ThrottlingException', message: 'Rate exceeded', type: 'Sender' };
  return { status: 400, code: 'Throttling', message: 'Rate exceeded', type: 'Sender' };
}

const escapeXml = (s: string): string => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The error answer of `kind`; `message` replaces the default text (Route 53 says what it refused). */
export function errorAnswer(call: AwsCall, kind: ErrorKind, message?: string): Answer {
  const e = { ...shapeOf(call, kind), ...(message !== undefined ? { message } : {}) };
  const requestId = randomUUID();
  const headers = { 'x-amzn-requestid': requestId, 'x-albatross-aws-limits': kind };
  if (call.protocol === 'json') {
    return { status: e.status, headers: { ...headers, 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': e.code }, body: JSON.stringify({ __type: e.code, message: e.message }) };
  }
  if (call.protocol === 'ec2') {
    return {
      status: e.status,
      headers: { ...headers, 'content-type': 'text/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${e.code}</Code><Message>${escapeXml(e.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
    };
  }
  const ns = NAMESPACES[call.service];
  return {
    status: e.status,
    headers: { ...headers, 'content-type': 'text/xml' },
    body: `<?xml version="1.0"?>\n<ErrorResponse${ns ? ` xmlns="${ns}"` : ''}><Error><Type>${e.type}</Type><Code>${e.code}</Code><Message>${escapeXml(e.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}
