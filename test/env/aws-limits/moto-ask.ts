// One Query-protocol call straight to moto on behalf of a request the proxy holds, signed as that
// request was (moto reads the account from the credential): what a proxy layer asks to answer as
// AWS would where moto does not (iam-names.ts, elbv2-names.ts).
import { request } from 'node:http';
import type { RequestParts } from './classify.ts';

/** moto's status and body; undefined when the call did not get through. */
export function askMoto(upstream: URL, signedAs: RequestParts, params: Record<string, string>): Promise<{ status: number; text: string } | undefined> {
  const body = new URLSearchParams(params).toString();
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) };
  for (const h of ['authorization', 'x-amz-date', 'x-amz-security-token', 'host']) {
    const v = signedAs.headers[h];
    if (typeof v === 'string') headers[h] = v;
  }
  return new Promise((resolve) => {
    const r = request({ host: upstream.hostname, port: upstream.port, method: 'POST', path: '/', headers }, (up) => {
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => resolve({ status: up.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      up.on('error', () => resolve(undefined));
    });
    r.on('error', () => resolve(undefined));
    r.end(body);
  });
}
