// The limits proxy's IAM names layer against a stand-in upstream: uploads of one name go one at a
// time, and a caller that went away before its upload got its turn (while an earlier layer held it,
// as the network layer's slow answers do, or while it waited for the name) neither reaches the
// upstream nor keeps the name held: a chaos run once left every later upload of a name waiting.
import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IamNamesLayer } from '../../env/aws-limits/iam-names.ts';
import { AwsLimitsProxy, type ProxyLayer } from '../../env/aws-limits/proxy.ts';

/** Holds requests marked x-test-delay for that many ms, as the network layer's slow answers do. */
const delaying: ProxyLayer = {
  name: 'delay',
  handle: async ({ req }) => {
    const ms = Number(req.headers['x-test-delay'] ?? 0);
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
    return false;
  },
};

let upstream: Server | undefined;
let proxy: AwsLimitsProxy | undefined;

afterEach(async () => {
  await proxy?.stop();
  upstream?.closeAllConnections();
  await new Promise((r) => (upstream ? upstream.close(r) : r(undefined)));
});

const body = (req: IncomingMessage): Promise<URLSearchParams> =>
  new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
  });

/** A stand-in IAM: GetServerCertificate finds only names uploaded; an upload is answered when the test says so. */
async function start(): Promise<{ url: string; uploads: string[]; finishUpload: () => void }> {
  const held = new Set<string>();
  const uploads: string[] = [];
  let finishers: Array<() => void> = [];
  upstream = createServer((req, res) => {
    void body(req).then((form) => {
      const name = form.get('ServerCertificateName') ?? '';
      if (form.get('Action') === 'GetServerCertificate') {
        if (held.has(name)) return res.writeHead(200).end(`<GetServerCertificateResponse><ServerCertificateName>${name}</ServerCertificateName></GetServerCertificateResponse>`);
        return res.writeHead(404).end('<ErrorResponse><Error><Code>NoSuchEntity</Code></Error></ErrorResponse>');
      }
      uploads.push(name);
      finishers.push(() => {
        held.add(name);
        res.writeHead(200).end('<UploadServerCertificateResponse/>');
      });
    });
  });
  await new Promise<void>((r) => upstream!.listen(0, '127.0.0.1', r));
  const up = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  proxy = new AwsLimitsProxy({ upstream: up, enforce: false, layers: [delaying, new IamNamesLayer(up)] });
  await proxy.start();
  return {
    url: proxy.url,
    uploads,
    finishUpload: () => {
      const f = finishers;
      finishers = [];
      f.forEach((x) => x());
    },
  };
}

/** An UploadServerCertificate as the SDK signs it (the proxy reads service and account from the scope). */
function upload(url: string, name: string, signal?: AbortSignal, delayMs = 0): Promise<number> {
  const form = `Action=UploadServerCertificate&Version=2010-05-08&ServerCertificateName=${name}`;
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request(
      {
        host: u.hostname, port: u.port, method: 'POST', path: '/', ...(signal ? { signal } : {}),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(form), authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=x', ...(delayMs ? { 'x-test-delay': String(delayMs) } : {}) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(form);
  });
}

const tick = (ms = 50) => new Promise((r) => setTimeout(r, ms));
/** Waits for what the upstream has seen instead of assuming a tick is enough (a loaded machine is slower). */
async function until(what: () => boolean): Promise<void> {
  while (!what()) await tick(10);
}
// Generous: on a machine at load 15-20 the sockets alone take seconds; the tests bound order, not time.
const TIMEOUT_MS = 30_000;

describe('IamNamesLayer', () => {
  it('a second upload of a name waits for the first and is then refused (409), as IAM refuses it', async () => {
    const s = await start();
    const first = upload(s.url, 'cert-a');
    await until(() => s.uploads.length === 1);
    const second = upload(s.url, 'cert-a');
    await tick();
    expect(s.uploads).toEqual(['cert-a']);
    s.finishUpload();
    expect(await first).toBe(200);
    expect(await second).toBe(409);
    expect(s.uploads).toEqual(['cert-a']);
  }, TIMEOUT_MS);

  it('a caller gone before its turn reaches nothing and does not keep the name held', async () => {
    const s = await start();
    const abort = new AbortController();
    // Held 300 ms by the layer before; the caller gives up after 50 ms (a client timeout, a SIGKILL).
    const early = upload(s.url, 'cert-b', abort.signal, 300).catch((e: unknown) => (e as Error).name);
    await tick();
    abort.abort();
    expect(await early).toBe('AbortError');
    await tick(400);
    expect(s.uploads).toEqual([]);
    // The name is free: the next upload of it goes through, and one after that is refused.
    const next = upload(s.url, 'cert-b');
    await until(() => s.uploads.length === 1);
    s.finishUpload();
    expect(await next).toBe(200);
    expect(await upload(s.url, 'cert-b')).toBe(409);
    expect(s.uploads).toEqual(['cert-b']);
  }, TIMEOUT_MS);

  it('a caller gone while waiting for the name does not keep it held either', async () => {
    const s = await start();
    const first = upload(s.url, 'cert-d');
    await until(() => s.uploads.length === 1);
    const abort = new AbortController();
    const waiting = upload(s.url, 'cert-d', abort.signal).catch((e: unknown) => (e as Error).name);
    await tick();
    abort.abort();
    expect(await waiting).toBe('AbortError');
    s.finishUpload();
    expect(await first).toBe(200);
    expect(await upload(s.url, 'cert-d')).toBe(409);
    expect(s.uploads).toEqual(['cert-d']);
  }, TIMEOUT_MS);
});
