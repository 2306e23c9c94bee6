// What the bundle (dist/, scripts/build.ts) loads when the controller starts, and what it leaves
// until used (issue 11: code that is loaded but never run still holds its source and objects).
// Run in a child process on the bundle itself, as the image runs it.
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './tools.ts';

const appChunk = join(REPO, 'dist', 'chunks', readdirSync(join(REPO, 'dist', 'chunks')).find((f) => /^app-.*\.js$/.test(f)) ?? 'missing');

/** Runs `body` (an ES module) with the controller's app chunk imported as `app`; returns its JSON output. */
function inBundle(body: string): Record<string, unknown> {
  const script = `
    const before = new Set(process.moduleLoadList);
    const app = await import(${JSON.stringify(appChunk)});
    const loaded = () => process.moduleLoadList.filter((m) => !before.has(m));
    const { createRequire } = await import('node:module');
    const required = () => Object.keys(createRequire(import.meta.url).cache);
    ${body}
  `;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: REPO })) as Record<string, unknown>;
}

describe('the bundle', () => {
  it("does not load Node's own fetch/WebSocket (undici) nor client-node's undici at start", () => {
    const out = inBundle(`console.log(JSON.stringify({ loaded: loaded(), required: required() }));`);
    expect((out['loaded'] as string[]).filter((m) => m.includes('undici'))).toEqual([]);
    expect((out['required'] as string[]).filter((m) => m.includes('undici'))).toEqual([]);
  });

  it("loads client-node's undici on first use and it works (a ProxyAgent from KubeConfig.createDispatcher for a cluster behind a proxy)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'albatross-bundle-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      ['apiVersion: v1', 'kind: Config', 'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", proxy-url: "http://127.0.0.1:3128"}}]', 'users: [{name: u, user: {token: t}}]', 'contexts: [{name: x, context: {cluster: c, user: u}}]', 'current-context: x', ''].join('\n'),
    );
    const out = inBundle(`
      const kc = app.loadKubeConfig(${JSON.stringify(kubeconfig)});
      const dispatcher = kc.createDispatcher(kc.getCurrentCluster(), {});
      console.log(JSON.stringify({ dispatch: typeof dispatcher.dispatch, close: typeof dispatcher.close, required: required().filter((m) => m.includes('undici')) }));
      await dispatcher.close();
    `);
    expect(out['dispatch']).toBe('function');
    expect(out['close']).toBe('function');
    expect(out['required']).toEqual([join(REPO, 'dist', 'vendor', 'undici.cjs')]);
  });
});
