// /metrics streams albatross_resource_condition in chunks, waiting whenever the response's buffer
// is full. Each wait must leave no listener behind: a scrape of thousands of objects waits many
// times on one response (5,000 objects: MaxListenersExceededWarning before).
import { afterEach, describe, expect, it } from '@jest/globals';
import { reportConditions } from '../../../src/runtime/condition-metrics.ts';
import { EventEmitter } from 'node:events';
import { drainedOrClosed, startServers, type RunningServers } from '../../../src/runtime/http.ts';
import type { KubeObject } from '../../../src/runtime/types.ts';

const obj = (name: string): KubeObject =>
  ({ apiVersion: 'albatross.dev/v1alpha1', kind: 'DnsAlias', metadata: { name, namespace: 'team-a' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }) as unknown as KubeObject;

let servers: RunningServers | undefined;
afterEach(async () => {
  await servers?.close();
  servers = undefined;
});

describe('/metrics with many objects', () => {
  it('a wait for a full buffer leaves no listener behind, whichever event ends it', async () => {
    const res = new EventEmitter();
    for (let i = 0; i < 30; i++) {
      const waited = drainedOrClosed(res);
      res.emit(i % 10 === 9 ? 'close' : 'drain');
      await waited;
    }
    expect({ drain: res.listenerCount('drain'), close: res.listenerCount('close'), error: res.listenerCount('error') }).toEqual({ drain: 0, close: 0, error: 0 });
  });

  it('streams every series to a slow reader', async () => {
    const objects = Array.from({ length: 20_000 }, (_, i) => obj(`object-with-a-long-name-${i}`));
    const stop = reportConditions(() => [{ kind: 'DnsAlias', objects }]);
    try {
      servers = await startServers('127.0.0.1:0', '0', { ready: () => true, role: () => 'leader' });
      const res = await fetch(`${servers.metricsUrl}/metrics`);
      const reader = res.body!.getReader();
      let text = '';
      const decoder = new TextDecoder();
      // A slow reader: the server's buffer fills again and again.
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        await new Promise((r) => setImmediate(r));
      }
      expect(text).toContain('name="object-with-a-long-name-19999",type="Ready",status="True"} 1\n');
    } finally {
      stop();
    }
  });
});
