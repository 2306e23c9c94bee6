// spec.loadBalancer.accessLogs -> the load balancer's access_logs.s3.* attributes. Absent means
// logging off: only access_logs.s3.enabled=false is written, and AWS keeps whatever bucket and
// prefix it had (they do nothing while logging is off, so they are not managed then). Pure.
import type { Attributes } from './model.ts';

export const ACCESS_LOGS_ENABLED = 'access_logs.s3.enabled';
export const ACCESS_LOGS_BUCKET = 'access_logs.s3.bucket';
export const ACCESS_LOGS_PREFIX = 'access_logs.s3.prefix';

export function accessLogAttributes(accessLogs: { bucket: string; prefix?: string } | undefined): Attributes {
  if (!accessLogs) return { [ACCESS_LOGS_ENABLED]: 'false' };
  return { [ACCESS_LOGS_ENABLED]: 'true', [ACCESS_LOGS_BUCKET]: accessLogs.bucket, [ACCESS_LOGS_PREFIX]: accessLogs.prefix ?? '' };
}
