// Packs change units for one zone into as few ChangeResourceRecordSets batches as Route 53 allows.
// A unit (a record and its ownership TXT) is never split: the TXT must not lag its record.
import type { RecordChange } from '../../aws/route53.ts';
import { valueChars, valueCount } from './records.ts';

/** Route 53's per-request limits; UPSERT counts twice against each of them. */
export interface BatchLimits {
  maxChanges: number;
  maxValueElements: number;
  maxValueChars: number;
}

export const ROUTE53_LIMITS: BatchLimits = { maxChanges: 1000, maxValueElements: 1000, maxValueChars: 32_000 };

export interface BatchCost {
  changes: number;
  elements: number;
  chars: number;
}

export function changeCost(c: RecordChange): BatchCost {
  const weight = c.action === 'UPSERT' ? 2 : 1;
  return { changes: weight, elements: weight * valueCount(c.record), chars: weight * valueChars(c.record) };
}

function add(a: BatchCost, b: BatchCost): BatchCost {
  return { changes: a.changes + b.changes, elements: a.elements + b.elements, chars: a.chars + b.chars };
}

function fits(c: BatchCost, l: BatchLimits): boolean {
  return c.changes <= l.maxChanges && c.elements <= l.maxValueElements && c.chars <= l.maxValueChars;
}

export interface Batch<U> {
  units: U[];
  changes: RecordChange[];
  cost: BatchCost;
}

/**
 * First-fit packing in submission order. A unit that alone exceeds the limits cannot be sent at all
 * and is returned in `oversized` so its owner can be told.
 */
export function packBatches<U extends { changes: readonly RecordChange[] }>(
  units: readonly U[],
  limits: BatchLimits = ROUTE53_LIMITS,
): { batches: Array<Batch<U>>; oversized: U[] } {
  const batches: Array<Batch<U>> = [];
  const oversized: U[] = [];
  for (const unit of units) {
    if (unit.changes.length === 0) continue;
    const cost = unit.changes.map(changeCost).reduce(add);
    if (!fits(cost, limits)) {
      oversized.push(unit);
      continue;
    }
    const target = batches.find((b) => fits(add(b.cost, cost), limits));
    if (target) {
      target.units.push(unit);
      target.changes.push(...unit.changes);
      target.cost = add(target.cost, cost);
    } else {
      batches.push({ units: [unit], changes: [...unit.changes], cost });
    }
  }
  return { batches, oversized };
}

/** The lower bound the packing aims at: total cost over the per-batch limit, per dimension. */
export function minimumBatches(units: ReadonlyArray<{ changes: readonly RecordChange[] }>, limits: BatchLimits = ROUTE53_LIMITS): number {
  const total = units.flatMap((u) => u.changes.map(changeCost)).reduce(add, { changes: 0, elements: 0, chars: 0 });
  return Math.max(
    Math.ceil(total.changes / limits.maxChanges),
    Math.ceil(total.elements / limits.maxValueElements),
    Math.ceil(total.chars / limits.maxValueChars),
  );
}
