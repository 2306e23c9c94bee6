// Minimal HTTP(S) GET used for health checks, so they need neither a client library nor credentials
// beyond what is given.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface TlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
}

export function get(url: string, tls: TlsOptions = {}, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  return new Promise((resolveGet, reject) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method: 'GET', timeout: timeoutMs, ...tls }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolveGet({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
