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
