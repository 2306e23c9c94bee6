// Status, finalizer and event helpers against the real apiserver, and the TerminalError path of
// a running controller.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startAlbatross, type Albatross } from '../../../src/app.ts';
import { KubeEventRecorder } from '../../../src/runtime/events.ts';
import { FinalizerPatcher } from '../../../src/runtime/finalizers.ts';
import { RestClient } from '../../../src/runtime/kube/rest.ts';
import { StatusUpdater } from '../../../src/runtime/status.ts';
import { TerminalError, setOutcome, getCondition, type ControllerRegistration, type KubeClient } from '../../../src/runtime/index.ts';
import { createTestNamespace, kubeConfig, waitFor, type TestNamespace } from '../support/index.ts';
import { quietLogger, testConfig } from './helpers.ts';
import { WIDGET, ensureWidgetCrd, type Widget } from './widget-crd.ts';

let ns: TestNamespace;
const kc = kubeConfig();
const custom = kc.makeApiClient(CustomObjectsApi);
const rest = new RestClient(kc);

/** Counts the requests that reach the apiserver, by method. */
function counting(client: RestClient): { kube: KubeClient; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const kube = new Proxy(client, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function' || typeof prop !== 'string') return v;
      return (...args: unknown[]) => {
        calls[prop] = (calls[prop] ?? 0) + 1;
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { kube, calls };
}

async function createWidget(name: string, spec: Widget['spec'] = { size: 1 }): Promise<Widget> {
  return (await custom.createNamespacedCustomObject({ group: WIDGET.group, version: WIDGET.version, namespace: ns.name, plural: WIDGET.plural, body: { apiVersion: `${WIDGET.group}/${WIDGET.version}`, kind: WIDGET.kind, metadata: { name }, spec } })) as Widget;
}

async function readWidget(name: string): Promise<Widget> {
  return (await rest.get<Widget>(WIDGET, ns.name, name))!;
}

beforeAll(async () => {
  [ns] = await Promise.all([createTestNamespace('rt-status'), ensureWidgetCrd(kc)]);
});

afterAll(async () => {
  await ns?.delete();
});

describe('StatusUpdater', () => {
  it('retries a status write that hits a conflict, recomputing from the fresh object, and it lands', async () => {
    const stale = await createWidget('conflict');
    // Someone else writes status first: our copy's resourceVersion is now stale.
    await rest.replace<Widget>(WIDGET, { ...stale, status: { note: 'theirs' } }, { subresource: 'status' });
    const { kube, calls } = counting(rest);
    const seenNotes: (string | undefined)[] = [];
    const result = await new StatusUpdater(kube, quietLogger()).update<Widget>(WIDGET, stale, (cur) => {
      seenNotes.push(cur.status?.note);
      return { ...cur.status, conditions: setOutcome(cur.status?.conditions, { state: 'Ready', reason: 'Done' }, cur.metadata?.generation) };
    });
    expect(result.written).toBe(true);
    expect(seenNotes).toEqual([undefined, 'theirs']); // computed again from what the server had
    expect(calls).toEqual({ replace: 2, get: 1 }); // 409, re-read, success
    const stored = await readWidget('conflict');
    expect(stored.status?.note).toBe('theirs');
    expect(stored.status?.observedGeneration).toBe(1);
    expect(getCondition(stored.status?.conditions, 'Ready')).toMatchObject({ status: 'True', reason: 'Done', observedGeneration: 1 });
  });

  it('sends nothing when the status is unchanged, and keeps lastTransitionTime', async () => {
    await createWidget('unchanged');
    const updater = new StatusUpdater(rest, quietLogger());
    const compute = (cur: Widget): NonNullable<Widget['status']> => ({ ...cur.status, conditions: setOutcome(cur.status?.conditions, { state: 'Ready', reason: 'Done' }, cur.metadata?.generation) });
    const first = await updater.update<Widget>(WIDGET, await readWidget('unchanged'), compute);
    expect(first.written).toBe(true);
    await new Promise((r) => setTimeout(r, 1100)); // a new lastTransitionTime would differ now
    const { kube, calls } = counting(rest);
    const again = await new StatusUpdater(kube, quietLogger()).update<Widget>(WIDGET, await readWidget('unchanged'), compute);
    expect(again.written).toBe(false);
    expect(calls).toEqual({});
    expect((await readWidget('unchanged')).metadata?.resourceVersion).toBe(first.object?.metadata?.resourceVersion);
  });
});

describe('FinalizerPatcher', () => {
  it("adds and removes ours without clobbering another controller's finalizer added meanwhile", async () => {
    const stale = await createWidget('finalizers');
    // Another controller adds its finalizer after we read the object.
    await custom.patchNamespacedCustomObject({ group: WIDGET.group, version: WIDGET.version, namespace: ns.name, plural: WIDGET.plural, name: 'finalizers', body: [{ op: 'add', path: '/metadata/finalizers', value: ['other.example.com/keep'] }] });
    const f = new FinalizerPatcher(rest);
    const added = await f.add(WIDGET, stale, 'albatross.dev/cleanup');
    expect(added.metadata?.finalizers).toEqual(['other.example.com/keep', 'albatross.dev/cleanup']);
    // And again from the stale copy: already there, nothing lost.
    const again = await f.add(WIDGET, await readWidget('finalizers'), 'albatross.dev/cleanup');
    expect(again.metadata?.finalizers).toEqual(['other.example.com/keep', 'albatross.dev/cleanup']);
    // Removing from a copy that predates a third finalizer keeps the third.
    const before = await readWidget('finalizers');
    await custom.patchNamespacedCustomObject({ group: WIDGET.group, version: WIDGET.version, namespace: ns.name, plural: WIDGET.plural, name: 'finalizers', body: [{ op: 'add', path: '/metadata/finalizers/0', value: 'third.example.com/x' }] });
    const removed = await f.remove(WIDGET, before, 'albatross.dev/cleanup');
    expect(removed?.metadata?.finalizers).toEqual(['third.example.com/x', 'other.example.com/keep']);
  });
});

describe('KubeEventRecorder', () => {
  it('aggregates a hot loop of one event into one Event with a count', async () => {
    const w = await readWidget('conflict');
    const { kube, calls } = counting(rest);
    const rec = new KubeEventRecorder({ kube, component: 'albatross-test', instance: 'test', log: quietLogger(), tuning: { flushIntervalMs: 100_000 } });
    for (let i = 0; i < 200; i++) rec.warning(w, 'AwsError', 'throttled');
    rec.normal(w, 'Created', 'made it');
    await rec.flush();
    expect(calls).toEqual({ create: 2, patch: 1 });
    const events = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns.name, fieldSelector: `involvedObject.name=conflict` });
    const byReason = Object.fromEntries(events.items.map((e) => [e.reason, e]));
    expect(byReason.AwsError).toMatchObject({ type: 'Warning', count: 200, message: 'throttled', action: 'Reconcile', involvedObject: { kind: 'Widget', name: 'conflict', uid: w.metadata?.uid } });
    expect(byReason.Created).toMatchObject({ type: 'Normal', count: 1, action: 'Create' });
    // What events.k8s.io/v1 (kubectl events, event exporters) reads: the action and the reporting controller.
    const v1 = JSON.parse((await promisify(execFile)('kubectl', ['get', 'events.v1.events.k8s.io', '-n', ns.name, '-o', 'json'])).stdout) as {
      items: Array<{ reason: string; action?: string; reportingController?: string; regarding: { name: string } }>;
    };
    expect(v1.items.filter((e) => e.regarding.name === 'conflict').map((e) => [e.reason, e.action, e.reportingController]).sort()).toEqual([
      ['AwsError', 'Reconcile', 'albatross-test'],
      ['Created', 'Create', 'albatross-test'],
    ]);
  });
});

describe('a controller whose reconciler throws TerminalError', () => {
  let app: Albatross | undefined;
  afterAll(async () => app?.stop());

  it('writes Stalled=True with the reason, records a Warning event, and does not retry until the spec changes', async () => {
    const calls: string[] = [];
    const widgets: ControllerRegistration = {
      name: 'widget-test',
      resource: WIDGET,
      create: (deps) => ({
        async reconcile(ctx) {
          const w = deps.caches.get<Widget>(WIDGET).get(ctx.namespace, ctx.name);
          if (!w || ctx.name !== 'broken') return {};
          calls.push(`${ctx.name}@${w.metadata?.generation}`);
          if (w.spec?.invalid) throw new TerminalError('InvalidSpec', `spec.size ${w.spec.size} cannot be built`);
          await deps.status.update(WIDGET, w, (cur) => ({ ...cur.status, conditions: setOutcome(cur.status?.conditions, { state: 'Ready', reason: 'Built' }, cur.metadata?.generation) }), ctx.signal);
          return {};
        },
      }),
    };
    await createWidget('broken', { size: 7, invalid: true });
    app = await startAlbatross(testConfig(ns.name, ['--resync-period', '2s']), {
      controllers: [widgets],
      logger: quietLogger(),
      tuning: { backoffBaseMs: 50 },
    });
    const stalled = await waitFor(async () => {
      const w = await readWidget('broken');
      return getCondition(w.status?.conditions, 'Stalled')?.status === 'True' ? w : undefined;
    }, { description: 'Stalled=True on widget broken' });
    expect(getCondition(stalled.status?.conditions, 'Stalled')).toMatchObject({ reason: 'InvalidSpec', message: 'spec.size 7 cannot be built', observedGeneration: 1 });
    expect(getCondition(stalled.status?.conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(stalled.status?.observedGeneration).toBe(1);
    await waitFor(async () => {
      const ev = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns.name, fieldSelector: 'involvedObject.name=broken' });
      return ev.items.find((e) => e.reason === 'InvalidSpec' && e.type === 'Warning' && e.message === 'spec.size 7 cannot be built');
    }, { description: 'a Warning event InvalidSpec on widget broken' });

    // No retries and no resyncs (2s period) while nothing changes.
    await new Promise((r) => setTimeout(r, 5000));
    expect(calls).toEqual(['broken@1']);

    // Fixing the spec bumps the generation: reconciled again, Ready, Stalled cleared.
    await custom.patchNamespacedCustomObject({ group: WIDGET.group, version: WIDGET.version, namespace: ns.name, plural: WIDGET.plural, name: 'broken', body: [{ op: 'replace', path: '/spec/invalid', value: false }] });
    const fixed = await waitFor(async () => {
      const w = await readWidget('broken');
      return getCondition(w.status?.conditions, 'Ready')?.status === 'True' ? w : undefined;
    }, { description: 'Ready=True after the spec was fixed' });
    expect(getCondition(fixed.status?.conditions, 'Stalled')).toMatchObject({ status: 'False', observedGeneration: 2 });
    expect(calls[1]).toBe('broken@2');
    // Healthy objects are resynced every period.
    await waitFor(() => calls.filter((c) => c === 'broken@2').length >= 3, { description: 'periodic resyncs of a healthy object', timeoutMs: 15_000 });
  });
});
