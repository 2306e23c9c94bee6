// Which AWS service, operation and account a request to the limits proxy is for, read the way AWS
// reads it: the SigV4 credential scope (access key, region, service) and the protocol's own way of
// naming the operation (query `Action=`, JSON `X-Amz-Target`, Route 53's REST paths).

export interface AwsCall {
  /** elbv2, iam, route53, ec2, sts, ... (the names albatross_aws_api_calls_total uses) */
  service: string;
  /** e.g. DescribeLoadBalancers, ChangeResourceRecordSets */
  operation: string;
  /** The access key id: AWS's buckets are per account, and an access key stands for one here. */
  account: string;
  region: string;
  /** Route 53 calls that address one hosted zone */
  hostedZoneId?: string;
  /** how the service speaks, which decides the shape of an error answer */
  protocol: 'query' | 'ec2' | 'rest-xml' | 'json' | 'unknown';
}

export interface RequestParts {
  method: string;
  /** path and query string, as in IncomingMessage.url */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const SERVICE_NAMES: Record<string, string> = { elasticloadbalancing: 'elbv2' };

function header(h: RequestParts['headers'], name: string): string {
  const v = h[name];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

/** Credential=AKID/20260101/us-east-1/elasticloadbalancing/aws4_request */
function credentialScope(auth: string): { account: string; region: string; signingName: string } | undefined {
  const m = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth);
  return m ? { account: m[1]!, region: m[2]!, signingName: m[3]! } : undefined;
}

/** Route 53's REST operations by method and path (the subset any client of this project uses, and their neighbours). */
function route53Operation(method: string, path: string): { operation: string; hostedZoneId?: string } {
  const p = path.replace(/^\/\d{4}-\d{2}-\d{2}/, '').replace(/\/$/, '');
  let m: RegExpExecArray | null;
  if ((m = /^\/hostedzone\/([^/]+)\/rrset$/.exec(p))) return { operation: method === 'POST' ? 'ChangeResourceRecordSets' : 'ListResourceRecordSets', hostedZoneId: m[1]! };
  if ((m = /^\/hostedzone\/([^/]+)$/.exec(p))) {
    const op = method === 'GET' ? 'GetHostedZone' : method === 'DELETE' ? 'DeleteHostedZone' : 'UpdateHostedZoneComment';
    return { operation: op, hostedZoneId: m[1]! };
  }
  if (p === '/hostedzone') return { operation: method === 'POST' ? 'CreateHostedZone' : 'ListHostedZones' };
  if (p === '/hostedzonesbyname') return { operation: 'ListHostedZonesByName' };
  if (p === '/hostedzonecount') return { operation: 'GetHostedZoneCount' };
  if (/^\/change\/[^/]+$/.test(p)) return { operation: 'GetChange' };
  if ((m = /^\/tags\/hostedzone\/([^/]+)$/.exec(p))) return { operation: method === 'POST' ? 'ChangeTagsForResource' : 'ListTagsForResource', hostedZoneId: m[1]! };
  if (/^\/tags\/[^/]+$/.test(p)) return { operation: 'ListTagsForResources' };
  if (/^\/healthcheck/.test(p)) return { operation: `${method} healthcheck` };
  return { operation: `${method} ${p || '/'}` };
}

/** What the request is, or undefined for one that is not a signed AWS API call (moto's own pages). */
export function classify(req: RequestParts): AwsCall | undefined {
  const scope = credentialScope(header(req.headers, 'authorization'));
  if (!scope) return undefined;
  const service = SERVICE_NAMES[scope.signingName] ?? scope.signingName;
  const [path = '/', query = ''] = req.url.split('?', 2);
  const base = { service, account: scope.account, region: scope.region };
  if (service === 'route53') return { ...base, ...route53Operation(req.method, path), protocol: 'rest-xml' };
  const target = header(req.headers, 'x-amz-target');
  if (target) return { ...base, operation: target.split('.').pop() ?? target, protocol: 'json' };
  const form = new URLSearchParams(req.method === 'GET' ? query : req.body.toString('utf8'));
  const action = form.get('Action') ?? new URLSearchParams(query).get('Action');
  if (action) return { ...base, operation: action, protocol: service === 'ec2' ? 'ec2' : 'query' };
  return { ...base, operation: `${req.method} ${path}`, protocol: 'unknown' };
}
