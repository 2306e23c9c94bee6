// The /metrics server and the /healthz, /readyz server (one server when both use one address).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseBindAddress } from '../config.ts';
import { once, type EventEmitter } from 'node:events';
import { conditionMetricText } from './condition-metrics.ts';
import { register } from './metrics.ts';

export interface Probes {
  /** Ready = every cache has synced. */
  ready(): boolean;
  /** 'leader' | 'standby' (or 'leader' when leader election is off and controllers run). */
  role(): string;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>;

const metricsHandler: Handler = async (req, res) => {
  if (req.url?.split('?')[0] !== '/metrics') return false;
  const body = await register.metrics();
  res.writeHead(200, { 'content-type': register.contentType });
  res.write(body);
  // Per-object series are streamed after the registry's families (see condition-metrics.ts).
  for (const chunk of conditionMetricText()) {
    if (res.destroyed) return true; // the scraper went away
    if (!res.write(chunk)) await drainedOrClosed(res);
  }
  res.end();
  return true;
};

/**
 * Waits for the response to take more, or to go away. The wait that did not happen is removed
 * (with the 'error' listener each `once` adds): racing two bare `once`s left three listeners per
 * full buffer, and a scrape of 5,000 objects passed Node's limit of 10 (MaxListenersExceededWarning).
 */
export async function drainedOrClosed(res: EventEmitter): Promise<void> {
  const done = new AbortController();
  const wait = (event: string): Promise<unknown> => once(res, event, { signal: done.signal }).catch(() => undefined);
  try {
    await Promise.race([wait('drain'), wait('close')]);
  } finally {
    done.abort();
  }
}

function probeHandler(probes: Probes): Handler {
  return async (req, res) => {
    const path = req.url?.split('?')[0];
    if (path === '/healthz' || path === '/livez') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
      return true;
    }
    if (path === '/readyz') {
      const ready = probes.ready();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(ready ? `ok: caches synced, ${probes.role()}\n` : `not ready: caches not synced, ${probes.role()}\n`);
      return true;
    }
    return false;
  };
}

export interface RunningServers {
  metricsUrl: string | undefined;
  healthUrl: string | undefined;
  close(): Promise<void>;
}

/** Starts the servers; rejects (e.g. EADDRINUSE) before anything else starts. */
export async function startServers(metricsAddr: string, healthAddr: string, probes: Probes): Promise<RunningServers> {
  const servers: http.Server[] = [];
  const listen = async (addr: string, handlers: Handler[]): Promise<string> => {
    const parsed = parseBindAddress(addr);
    if (!parsed) throw new Error(`invalid bind address ${addr}`);
    const server = http.createServer((req, res) => {
      void (async () => {
        for (const h of handlers) if (await h(req, res)) return;
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found\n');
      })().catch((err: unknown) => {
        res.writeHead(500);
        res.end(String(err));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(parsed.port, parsed.host, () => resolve());
    });
    server.keepAliveTimeout = 5000;
    servers.push(server);
    const a = server.address() as AddressInfo;
    const host = a.family === 'IPv6' ? (a.address === '::' ? '127.0.0.1' : `[${a.address}]`) : a.address === '0.0.0.0' ? '127.0.0.1' : a.address;
    return `http://${host}:${a.port}`;
  };
  const close = async (): Promise<void> => {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => {
      s.closeAllConnections();
      s.close(() => resolve());
    })));
  };
  try {
    let metricsUrl: string | undefined;
    let healthUrl: string | undefined;
    if (metricsAddr !== '0' && metricsAddr === healthAddr && !metricsAddr.endsWith(':0')) {
      metricsUrl = healthUrl = await listen(metricsAddr, [metricsHandler, probeHandler(probes)]);
    } else {
      if (metricsAddr !== '0') metricsUrl = await listen(metricsAddr, [metricsHandler]);
      if (healthAddr !== '0') healthUrl = await listen(healthAddr, [probeHandler(probes)]);
    }
    return { metricsUrl, healthUrl, close };
  } catch (err) {
    await close();
    throw err;
  }
}
