import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { Controller } from '../../../src/runtime/controller.ts';
import { CORE } from '../../../src/runtime/resources.ts';
import { Store } from '../../../src/runtime/store.ts';
import { TerminalError, type EventRecorder, type KubeObject, type ReconcileResult, type StatusWriter } from '../../../src/runtime/index.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function harness(reconcile: (n: number) => Promise<ReconcileResult | void>, opts: { resyncPeriodMs?: number; statusConditions?: boolean } = {}) {
  const recorded: Array<{ rv: string | undefined; basedOn: string | undefined }> = [];
  const store = new Store(CORE.configMap);
  store.set({ metadata: { namespace: 'ns', name: 'a', resourceVersion: '1', generation: 1 } });
  const calls: number[] = [];
  const statusWrites: unknown[] = [];
  const events: string[] = [];
  const status: StatusWriter = {
    update: async (_r, obj, compute) => {
      statusWrites.push(compute(obj));
      return { written: true, object: { ...obj, metadata: { ...obj.metadata, resourceVersion: '2' } }, basedOn: obj.metadata?.resourceVersion };
    },
  };
  const recorder: EventRecorder = {
    record: (_o: KubeObject, type, reason) => void events.push(`${type}/${reason}`),
    normal: (_o, reason) => void events.push(`Normal/${reason}`),
    warning: (_o, reason) => void events.push(`Warning/${reason}`),
  };
  const controller = new Controller({
    name: `unit-${Math.random()}`,
    resource: CORE.configMap,
    reconciler: { reconcile: async () => { calls.push(Date.now()); return reconcile(calls.length); } },
    store, status, events: recorder, log: pino({ level: 'silent' }), workers: 2,
    resyncPeriodMs: opts.resyncPeriodMs ?? 3_600_000, backoffBaseMs: 40, backoffMaxMs: 1000,
    statusConditions: opts.statusConditions ?? false,
    recordWrite: (written, basedOn) => void recorded.push({ rv: written.metadata?.resourceVersion, basedOn }),
  });
  const abort = new AbortController();
  controller.start(abort.signal);
  return { controller, calls, statusWrites, events, recorded, stop: async () => { await controller.drain(); abort.abort(); } };
}

describe('Controller', () => {
  it('with status conditions, writes Reconciling=True on first sight before the reconciler runs', async () => {
    let writesBeforeReconcile = -1;
    const h = harness(async () => { writesBeforeReconcile = h.statusWrites.length; }, { statusConditions: true });
    h.controller.enqueue('ns/a');
    await sleep(100);
    expect(h.calls).toHaveLength(1);
    expect(writesBeforeReconcile).toBe(1);
    expect(h.statusWrites).toEqual([{ conditions: [
      expect.objectContaining({ type: 'Ready', status: 'False', reason: 'Progressing', observedGeneration: 1 }),
      expect.objectContaining({ type: 'Reconciling', status: 'True', reason: 'Progressing' }),
      expect.objectContaining({ type: 'Stalled', status: 'False', reason: 'Progressing' }),
    ] }]);
    // The cache hears of the written object at once (the reconcile's next write starts from it).
    expect(h.recorded).toEqual([{ rv: '2', basedOn: '1' }]);
    await h.stop();
  });

  it('retries a throwing reconcile with growing backoff until it succeeds, then stops', async () => {
    const h = harness(async (n) => { if (n < 3) throw new Error('transient'); });
    h.controller.enqueue('ns/a');
    await sleep(400);
    expect(h.calls).toHaveLength(3);
    const gaps = [h.calls[1]! - h.calls[0]!, h.calls[2]! - h.calls[1]!];
    expect(gaps[0]).toBeGreaterThanOrEqual(35);
    expect(gaps[1]).toBeGreaterThanOrEqual(75);
    expect(h.statusWrites).toEqual([]);
    await h.stop();
  });

  it('comes back after requeueAfterMs', async () => {
    const h = harness(async (n) => (n === 1 ? { requeueAfterMs: 100 } : {}));
    h.controller.enqueue('ns/a');
    await sleep(300);
    expect(h.calls).toHaveLength(2);
    expect(h.calls[1]! - h.calls[0]!).toBeGreaterThanOrEqual(95);
    await h.stop();
  });

  it('resyncs a healthy object every period', async () => {
    const h = harness(async () => ({}), { resyncPeriodMs: 100 });
    h.controller.enqueue('ns/a');
    await sleep(380);
    expect(h.calls.length).toBeGreaterThanOrEqual(3);
    expect(h.calls.length).toBeLessThanOrEqual(5);
    await h.stop();
  });

  it('on TerminalError writes Stalled, records a Warning, and neither retries nor resyncs', async () => {
    const h = harness(async () => { throw new TerminalError('InvalidSpec', 'bad'); }, { resyncPeriodMs: 50 });
    h.controller.enqueue('ns/a');
    await sleep(300);
    expect(h.calls).toHaveLength(1);
    expect(h.events).toEqual(['Warning/InvalidSpec']);
    expect(h.statusWrites).toEqual([{ conditions: [
      expect.objectContaining({ type: 'Ready', status: 'False', reason: 'InvalidSpec', message: 'bad', observedGeneration: 1 }),
      expect.objectContaining({ type: 'Reconciling', status: 'False' }),
      expect.objectContaining({ type: 'Stalled', status: 'True', reason: 'InvalidSpec' }),
    ] }]);
    // A change re-queues it.
    h.controller.enqueue('ns/a');
    await sleep(50);
    expect(h.calls).toHaveLength(2);
    await h.stop();
  });

  it('on TerminalError with recheck writes Stalled and re-checks at the resync period, without backoff retries', async () => {
    const h = harness(async () => { throw new TerminalError('Conflict', 'held by someone else', { recheck: true }); }, { resyncPeriodMs: 150 });
    h.controller.enqueue('ns/a');
    await sleep(120);
    // A thrown error would have been retried at 40 and 120 ms (backoff base 40 ms); a terminal one is not.
    expect(h.calls).toHaveLength(1);
    await sleep(300);
    // Re-checked at ~150 ms (±10%) intervals.
    expect(h.calls.length).toBeGreaterThanOrEqual(2);
    expect(h.calls.length).toBeLessThanOrEqual(4);
    expect(h.events.every((e) => e === 'Warning/Conflict')).toBe(true);
    await h.stop();
  });
});

describe('Controller status heartbeat', () => {
  type Obj = KubeObject & { status?: Record<string, unknown> };
  const cond = (type: string, status: string, gen: number) => ({ type, status, reason: 'R', message: '', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: gen });
  function heartbeatHarness(objects: Obj[], reconcile: () => Promise<ReconcileResult | void>) {
    const store = new Store(CORE.configMap);
    for (const o of objects) store.set(o);
    const writes: Array<{ name: string; status: Record<string, unknown> }> = [];
    let rv = 100;
    const status: StatusWriter = {
      update: async (_r, obj, compute) => {
        const next = { ...(compute(obj) as Record<string, unknown>), observedGeneration: obj.metadata?.generation };
        writes.push({ name: obj.metadata?.name ?? '', status: next });
        const written = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++rv) }, status: next };
        store.set(written);
        return { written: true, object: written };
      },
    };
    const recorder: EventRecorder = { record: () => undefined, normal: () => undefined, warning: () => undefined };
    const controller = new Controller({
      name: `unit-hb-${Math.random()}`,
      resource: CORE.configMap,
      reconciler: { reconcile },
      store, status, events: recorder, log: pino({ level: 'silent' }), workers: 1,
      resyncPeriodMs: 3_600_000, backoffBaseMs: 40, backoffMaxMs: 1000,
      statusConditions: true, statusHeartbeat: true, statusHeartbeatMs: 150, statusHeartbeatTickMs: 30,
    });
    const abort = new AbortController();
    controller.start(abort.signal);
    return { controller, store, writes, stop: async () => { await controller.drain(); abort.abort(); } };
  }
  const meta = (name: string, gen = 1) => ({ namespace: 'ns', name, resourceVersion: `${name}-1`, generation: gen });

  it('confirms a not-Ready status at least every heartbeat period; never a Ready, Stalled or deleting one', async () => {
    const working = { metadata: meta('working'), status: { observedGeneration: 1, conditions: [cond('Ready', 'False', 1), cond('Reconciling', 'True', 1), cond('Stalled', 'False', 1)] } };
    const ready = { metadata: meta('ready'), status: { observedGeneration: 1, conditions: [cond('Ready', 'True', 1)] } };
    const stalled = { metadata: meta('stalled'), status: { observedGeneration: 1, conditions: [cond('Ready', 'False', 1), cond('Stalled', 'True', 1)] } };
    const deleting = { metadata: { ...meta('deleting'), deletionTimestamp: new Date() }, status: { observedGeneration: 1, conditions: [cond('Ready', 'False', 1)] } };
    const h = heartbeatHarness([working, ready, stalled, deleting], async () => undefined);
    await sleep(600);
    const names = new Set(h.writes.map((w) => w.name));
    expect([...names]).toEqual(['working']);
    // ~150 ms apart over 600 ms (the first one once unchanged for 150 ms): 2-4 writes
    expect(h.writes.length).toBeGreaterThanOrEqual(2);
    expect(h.writes.length).toBeLessThanOrEqual(4);
    // conditions kept as the last real outcome; the time added
    expect(h.writes[0]!.status['conditions']).toEqual(working.status.conditions);
    expect(typeof h.writes[0]!.status['lastHeartbeatTime']).toBe('string');
    await h.stop();
  });

  it('writes nothing for a status that changes anyway (the reconciler writes it)', async () => {
    const working = { metadata: meta('busy'), status: { observedGeneration: 1, conditions: [cond('Ready', 'False', 1)] } };
    const h = heartbeatHarness([working], async () => undefined);
    let n = 1;
    const t = setInterval(() => {
      const cur = h.store.getByKey('ns/busy') as Obj;
      n += 1;
      const next: Obj = { ...cur, metadata: { ...cur.metadata, resourceVersion: `busy-${n}` }, status: { ...cur.status, conditions: [{ ...cond('Ready', 'False', 1), message: `attempt ${n}` }] } };
      h.store.set(next);
    }, 50);
    await sleep(500);
    clearInterval(t);
    expect(h.writes).toEqual([]);
    await h.stop();
  });

  it('metadata-only writes (a finalizer, a label) do not hold the heartbeat back: what a user reads is the status', async () => {
    // The fault run's 55-60 s gaps (heartbeat 30 s): a worker adding its finalizer changed the
    // resourceVersion, not the status, and the heartbeat's clock restarted on it.
    const working = { metadata: meta('labelled'), status: { observedGeneration: 1, conditions: [cond('Ready', 'False', 1), cond('Stalled', 'False', 1)] } };
    const h = heartbeatHarness([working], async () => undefined);
    let n = 1;
    const t = setInterval(() => {
      const cur = h.store.getByKey('ns/labelled') as Obj;
      n += 1;
      h.store.set({ ...cur, metadata: { ...cur.metadata, resourceVersion: `labelled-${n}`, labels: { touched: String(n) } } });
    }, 50);
    await sleep(600);
    clearInterval(t);
    // every ~150 ms, as if nothing had been written: 2-4 over 600 ms
    expect(h.writes.length).toBeGreaterThanOrEqual(2);
    expect(h.writes.length).toBeLessThanOrEqual(4);
    await h.stop();
  });

  it('a new generation (or an object) no worker has reached yet is said to be in progress for that generation within a tick', async () => {
    // Ready for generation 1, spec now at 2; the one worker is busy with another object.
    const changed = { metadata: meta('changed', 2), status: { observedGeneration: 1, conditions: [cond('Ready', 'True', 1), cond('Reconciling', 'False', 1), cond('Stalled', 'False', 1)] } };
    const fresh = { metadata: meta('fresh') };
    const blocker = { metadata: meta('blocker'), status: { observedGeneration: 1, conditions: [cond('Ready', 'True', 1)] } };
    const h = heartbeatHarness([changed, fresh, blocker], () => sleep(2000));
    h.controller.enqueue('ns/blocker');
    await sleep(20);
    h.controller.enqueue('ns/changed');
    h.controller.enqueue('ns/fresh');
    await sleep(150);
    const byName = new Map(h.writes.map((w) => [w.name, w.status]));
    for (const name of ['changed', 'fresh']) {
      const s = byName.get(name) as { observedGeneration: number; conditions: Array<{ type: string; status: string; observedGeneration: number }> } | undefined;
      expect(s).toBeDefined();
      const gen = name === 'changed' ? 2 : 1;
      expect(s!.observedGeneration).toBe(gen);
      expect(s!.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', observedGeneration: gen });
      expect(s!.conditions.find((c) => c.type === 'Reconciling')).toMatchObject({ status: 'True', observedGeneration: gen });
    }
    await h.stop();
  });
});
