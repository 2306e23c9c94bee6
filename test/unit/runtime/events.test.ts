// The event recorder writes Events behind the controller's own work: at most maxInFlight at once
// (a burst of 500 deletions is 500 Events), and drops new Events rather than queue without bound.
import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { KubeEventRecorder } from '../../../src/runtime/events.ts';
import type { KubeClient, KubeObject } from '../../../src/runtime/types.ts';

/** A kube client whose creates wait until released, counting how many are in flight. */
function slowKube() {
  let inFlight = 0;
  let maxInFlight = 0;
  const created: string[] = [];
  const waiting: Array<() => void> = [];
  const kube = {
    create: async (_resource: unknown, body: { involvedObject: { name: string } }) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise<void>((resolve) => waiting.push(resolve));
      inFlight--;
      created.push(body.involvedObject.name);
      return body;
    },
  } as unknown as KubeClient;
  const releaseAll = async (): Promise<void> => {
    // Each released write lets a waiting one start: release until nothing is left.
    for (let i = 0; i < 1000 && (waiting.length > 0 || inFlight > 0); i++) {
      waiting.splice(0).forEach((r) => r());
      await new Promise((r) => setImmediate(r));
    }
  };
  return { kube, created, waiting, releaseAll, maxInFlight: () => maxInFlight };
}

const obj = (name: string): KubeObject => ({ apiVersion: 'albatross.dev/v1alpha1', kind: 'DnsAlias', metadata: { name, namespace: 'team-a', uid: `uid-${name}` } });
const settle = () => new Promise((r) => setImmediate(r));

describe('KubeEventRecorder write bounds', () => {
  it('writes at most maxInFlight Events at once, and every one in the end', async () => {
    const k = slowKube();
    const rec = new KubeEventRecorder({ kube: k.kube, component: 'test', instance: 'i', log: pino({ level: 'silent' }), tuning: { maxInFlight: 2 } });
    for (let i = 0; i < 20; i++) rec.normal(obj(`a-${i}`), 'Deleted', 'deleted svc');
    await settle();
    expect(k.waiting).toHaveLength(2);
    await k.releaseAll();
    await rec.flush();
    expect(k.maxInFlight()).toBe(2);
    expect(k.created.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `a-${i}`).sort());
  });

  it('drops new Events while more than maxQueued wait, and writes again once they are through', async () => {
    const k = slowKube();
    const rec = new KubeEventRecorder({ kube: k.kube, component: 'test', instance: 'i', log: pino({ level: 'silent' }), tuning: { maxInFlight: 1, maxQueued: 3 } });
    for (let i = 0; i < 10; i++) {
      rec.normal(obj(`b-${i}`), 'Created', 'created svc');
      await settle();
    }
    await k.releaseAll();
    await rec.flush();
    // one in flight + three waiting; the other six were dropped
    expect(k.created.sort()).toEqual(['b-0', 'b-1', 'b-2', 'b-3']);
    rec.normal(obj('c-0'), 'Created', 'created svc');
    await settle();
    await k.releaseAll();
    await rec.flush();
    expect(k.created).toContain('c-0');
  });
});
