// albatross_resource_condition{kind,namespace,name,type,status}: the kstatus conditions each object
// has now, like Flux's gotk_reconcile_condition: for Ready, Reconciling and Stalled, 1 on the
// object's current status (True/False/Unknown) and 0 on the other two. Read at scrape time from the
// primary caches (what the apiserver holds), so a reconcile that ends Stalled through status — a
// wrong password, a missing Secret, reported drift — shows here although it counted as a success.
// Only the leader reports (a standby's caches are as full, and would double every alert's count).
import { Gauge } from 'prom-client';
import type { Condition } from './conditions.ts';
import { once } from './metrics.ts';
import type { KubeObject } from './types.ts';

export const CONDITION_TYPES = ['Ready', 'Reconciling', 'Stalled'] as const;
const STATUSES = ['True', 'False', 'Unknown'] as const;

/** One kind's objects, or nothing while this process is not the leader. */
export type ConditionSource = () => Array<{ kind: string; objects: readonly KubeObject[] }>;

const sources = new Set<ConditionSource>();

export const resourceCondition = once('albatross_resource_condition', () => new Gauge({
  name: 'albatross_resource_condition',
  help: 'Current kstatus conditions (Ready, Reconciling, Stalled) per object: 1 on the status it has, 0 on the others',
  labelNames: ['kind', 'namespace', 'name', 'type', 'status'],
  collect() {
    this.reset();
    for (const source of sources) {
      for (const { kind, objects } of source()) {
        for (const obj of objects) {
          const conditions = (obj as { status?: { conditions?: Condition[] } }).status?.conditions ?? [];
          const labels = { kind, namespace: obj.metadata?.namespace ?? '', name: obj.metadata?.name ?? '' };
          for (const type of CONDITION_TYPES) {
            const current = conditions.find((c) => c.type === type)?.status;
            if (current === undefined) continue;
            for (const status of STATUSES) this.set({ ...labels, type, status }, status === current ? 1 : 0);
          }
        }
      }
    }
  },
}));

/** Adds a manager's caches to the gauge; returns the function that removes them again (on stop). */
export function reportConditions(source: ConditionSource): () => void {
  sources.add(source);
  return () => void sources.delete(source);
}
