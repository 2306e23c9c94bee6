// Status and condition shapes for DnsAlias (pure): what a user sees in `kubectl get/describe`.
import { Reason, type DnsAliasStatus } from '../../crds/index.ts';
import { setCondition, setOutcome, type Condition, type Outcome } from '../../runtime/index.ts';
import type { DriftEntry, RecordStatus } from './plan.ts';

/** Condition reasons DnsAlias writes: the shared list in src/crds (docs/api.md names each). */
export const DnsReason = Reason;

export function chainSummary(chain: readonly string[]): string {
  return chain.join(' -> ');
}

export function describeDrift(drift: readonly DriftEntry[]): string {
  return drift.map((d) => `${d.path}: ${d.actual} -> ${d.desired}`).join('; ');
}

type Conditions = Condition[] | undefined;

/** Ready/Reconciling/Stalled per the outcome, keeping every other field of the status. */
export function withOutcome(cur: DnsAliasStatus | undefined, outcome: Outcome, generation: number | undefined, extra: Partial<DnsAliasStatus> = {}): DnsAliasStatus {
  return { ...cur, ...extra, conditions: setOutcome(cur?.conditions as Conditions, outcome, generation) };
}

export interface SyncedState {
  chain: string[];
  records: RecordStatus[];
  /** drift found at this observation (Correct: just changed back; Report: left as is) */
  drift: DriftEntry[];
  driftPolicy: 'Correct' | 'Report';
}

/**
 * The status after an observation with nothing left to write (Correct), or with drift left alone
 * (Report): chain, records, drift and the four conditions.
 */
export function syncedStatus(cur: DnsAliasStatus | undefined, s: SyncedState, generation: number | undefined): DnsAliasStatus {
  let conditions = cur?.conditions as Conditions;
  const base = { ...cur, chain: s.chain, chainSummary: chainSummary(s.chain), records: s.records, drift: s.drift };
  if (s.drift.length > 0 && s.driftPolicy === 'Report') {
    const message = `Route 53 differs from the spec (driftPolicy Report, nothing changed): ${describeDrift(s.drift)}`;
    conditions = setCondition(conditions, { type: 'Drifted', status: 'True', reason: DnsReason.Drifted, message }, generation);
    // A human decides: Stalled=True reason Drifted (kstatus Failed, Argo CD Degraded).
    conditions = setOutcome(conditions, { state: 'Stalled', reason: DnsReason.Drifted, message }, generation);
    return { ...base, conditions };
  }
  if (s.drift.length > 0) {
    conditions = setCondition(
      conditions,
      { type: 'Drifted', status: 'False', reason: DnsReason.Corrected, message: `changed back: ${describeDrift(s.drift)}` },
      generation,
    );
  } else {
    const prev = conditions?.find((c) => c.type === 'Drifted');
    // Keep the record of the last correction; otherwise say there is none.
    if (!prev || prev.status === 'True' || prev.reason !== DnsReason.Corrected) {
      conditions = setCondition(conditions, { type: 'Drifted', status: 'False', reason: DnsReason.NoDrift, message: 'Route 53 matches the spec' }, generation);
    }
  }
  const message = `${s.records.length} record(s) in sync: ${chainSummary(s.chain)}`;
  conditions = setOutcome(conditions, { state: 'Ready', reason: DnsReason.Reconciled, message }, generation);
  return { ...base, conditions };
}
