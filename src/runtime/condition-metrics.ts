// albatross_resource_condition{kind,namespace,name,type,status}: the kstatus conditions each object
// has now, like Flux's gotk_reconcile_condition: for Ready, Reconciling and Stalled, 1 on the
// object's current status (True/False/Unknown) and 0 on the other two. Read at scrape time from the
// primary caches (what the apiserver holds), so a reconcile that ends Stalled through status — a
// wrong password, a missing Secret, reported drift — shows here although it counted as a success.
// Only the leader reports (a standby's caches are as full, and would double every alert's count).
// Written straight into the /metrics response, a chunk at a time, instead of through a prom-client
// Gauge: with 3 types x 3 statuses per object, 5000 objects are 45,000 series, which a Gauge keeps
// as label objects and hashed keys between scrapes (14 MB of heap, measured) only to print them.
import type { Condition } from './conditions.ts';
import type { KubeObject } from './types.ts';

export const CONDITION_TYPES = ['Ready', 'Reconciling', 'Stalled'] as const;
const STATUSES = ['True', 'False', 'Unknown'] as const;
const NAME = 'albatross_resource_condition';
const HELP = 'Current kstatus conditions (Ready, Reconciling, Stalled) per object: 1 on the status it has, 0 on the others';

/** One kind's objects, or nothing while this process is not the leader. */
export type ConditionSource = () => Array<{ kind: string; objects: readonly KubeObject[] }>;

const sources = new Set<ConditionSource>();

/** A label value as the Prometheus text format writes it. */
const escape = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** The family in the Prometheus text format: HELP and TYPE, then the series of `perChunk` objects at a time. */
export function* conditionMetricText(perChunk = 500): Generator<string> {
  yield `# HELP ${NAME} ${HELP}\n# TYPE ${NAME} gauge\n`;
  let lines: string[] = [];
  let objectsInChunk = 0;
  for (const source of sources) {
    for (const { kind, objects } of source()) {
      for (const obj of objects) {
        const conditions = (obj as { status?: { conditions?: Condition[] } }).status?.conditions ?? [];
        const labels = `kind="${escape(kind)}",namespace="${escape(obj.metadata?.namespace ?? '')}",name="${escape(obj.metadata?.name ?? '')}"`;
        for (const type of CONDITION_TYPES) {
          const current = conditions.find((c) => c.type === type)?.status;
          if (current === undefined) continue;
          for (const status of STATUSES) lines.push(`${NAME}{${labels},type="${type}",status="${status}"} ${status === current ? 1 : 0}\n`);
        }
        if (++objectsInChunk === perChunk) {
          yield lines.join('');
          lines = [];
          objectsInChunk = 0;
        }
      }
    }
  }
  if (lines.length > 0) yield lines.join('');
}

/** Adds a manager's caches to the gauge; returns the function that removes them again (on stop). */
export function reportConditions(source: ConditionSource): () => void {
  sources.add(source);
  return () => void sources.delete(source);
}
