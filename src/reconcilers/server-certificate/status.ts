// The next status from what this reconcile found and did. Pure. A bad Secret never erases what
// status says about the certificate in use: arn, name, certificate and chain describe the last good
// upload until a new one replaces it.
import { ConditionType, Reason, type ServerCertificateStatus } from '../../crds/index.ts';
import { boundList, joinBounded, setCondition, setOutcome, getCondition, type Condition, type Outcome } from '../../runtime/index.ts';
import type { DesiredCertificate } from './build.ts';
import { rfc3339 } from './fingerprints.ts';
import type { CertificatePlan, DriftEntry, PendingDeletion } from './plan.ts';

const DAY_MS = 86_400_000;

export interface InUse {
  name: string;
  arn: string;
  id: string;
}

export interface StatusInput {
  desired: DesiredCertificate;
  /** The certificate listeners should use now, when IAM has it and it is the desired one. */
  inUse?: InUse;
  pending: PendingDeletion[];
  plan: CertificatePlan;
  /** Drift was found and changed back in this reconcile. */
  corrected: boolean;
  outcome: Outcome;
  generation: number | undefined;
  now: Date;
}

export function nextStatus(cur: ServerCertificateStatus | undefined, input: StatusInput): ServerCertificateStatus {
  const { desired, inUse, generation, now } = input;
  const fresh = inUse && desired.bundle && inUse.name === desired.name;
  const status: ServerCertificateStatus = {
    ...cur,
    ...(fresh && desired.bundle
      ? {
          arn: inUse.arn,
          serverCertificateName: inUse.name,
          serverCertificateId: inUse.id,
          certificate: desired.bundle.leaf,
          chain: desired.bundle.chain,
          repairs: boundList(desired.evaluation?.repairs ?? []),
        }
      : {}),
    pendingDeletion: withSince(input.pending, cur?.pendingDeletion, now),
    drift: input.plan.drift.map(clipDrift),
  };

  let conditions: Condition[] | undefined = cur?.conditions as Condition[] | undefined;
  if (input.plan.reportOnly && !input.plan.blocked && input.outcome.state !== 'Stalled') {
    // driftPolicy Report: a human decides, so Stalled=True reason Drifted (kstatus Failed, Argo CD Degraded).
    const message = `IAM differs from what was uploaded (driftPolicy Report): ${summarizeDrift(input.plan.drift)}`;
    conditions = setOutcome(conditions, { state: 'Stalled', reason: Reason.Drifted, message }, generation, now);
  } else {
    conditions = setOutcome(conditions, input.outcome, generation, now);
  }
  conditions = setCondition(conditions, chainValid(desired), generation, now);
  conditions = setCondition(conditions, drifted(input, getCondition(conditions, ConditionType.Drifted)), generation, now);
  conditions = setCondition(conditions, expiringSoon(status.certificate?.notAfter, desired.renewBeforeDays, now), generation, now);
  status.conditions = conditions;
  return status;
}

function chainValid(desired: DesiredCertificate): { type: string; status: 'True' | 'False' | 'Unknown'; reason: string; message: string } {
  const e = desired.evaluation;
  if (e?.ok) return { type: ConditionType.ChainValid, status: 'True', reason: e.reason, message: e.message };
  if (e) return { type: ConditionType.ChainValid, status: 'False', reason: e.reason, message: e.message };
  return { type: ConditionType.ChainValid, status: 'Unknown', reason: Reason.SecretNotFound, message: desired.problem?.message ?? 'the Secret was not read' };
}

function drifted(input: StatusInput, previous: Condition | undefined): { type: string; status: 'True' | 'False'; reason: string; message: string } {
  const drift = input.plan.drift;
  if (drift.length > 0 && input.corrected) {
    return { type: ConditionType.Drifted, status: 'False', reason: Reason.Corrected, message: `changed back: ${summarizeDrift(drift)}` };
  }
  if (drift.length > 0) {
    const why = input.plan.blocked ?? 'driftPolicy Report: nothing changed';
    return { type: ConditionType.Drifted, status: 'True', reason: Reason.Drifted, message: `${summarizeDrift(drift)} (${why})` };
  }
  // Keep the last correction visible until something else happens.
  if (previous?.reason === Reason.Corrected && previous.status === 'False') {
    return { type: ConditionType.Drifted, status: 'False', reason: Reason.Corrected, message: previous.message };
  }
  return { type: ConditionType.Drifted, status: 'False', reason: Reason.NoDrift, message: 'IAM holds what was uploaded' };
}

function expiringSoon(notAfter: string | undefined, renewBeforeDays: number, now: Date): { type: string; status: 'True' | 'False' | 'Unknown'; reason: string; message: string } {
  const end = notAfter ? Date.parse(notAfter) : NaN;
  if (Number.isNaN(end)) return { type: ConditionType.ExpiringSoon, status: 'Unknown', reason: Reason.NotExpiring, message: 'no certificate uploaded yet' };
  const days = Math.floor((end - now.getTime()) / DAY_MS);
  const when = rfc3339(new Date(end));
  if (end - now.getTime() < renewBeforeDays * DAY_MS) {
    const left = end <= now.getTime() ? 'has expired' : `expires in ${days} day${days === 1 ? '' : 's'}`;
    return { type: ConditionType.ExpiringSoon, status: 'True', reason: Reason.ExpiresSoon, message: `the certificate ${left} (${when}), within renewBeforeDays ${renewBeforeDays}: renew it` };
  }
  return { type: ConditionType.ExpiringSoon, status: 'False', reason: Reason.NotExpiring, message: `the certificate expires in ${days} days (${when})` };
}

type PendingStatus = NonNullable<ServerCertificateStatus['pendingDeletion']>;

/** Pending deletions sorted by name, each keeping the `since` it was first recorded with. */
export function withSince(pending: PendingDeletion[], previous: PendingStatus | undefined, now: Date): PendingStatus {
  const first = new Map((previous ?? []).map((p) => [p.name, p.since]));
  return [...pending]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((p) => ({ name: p.name, arn: p.arn, reason: p.reason, since: first.get(p.name) ?? rfc3339(now) }));
}

export function summarizeDrift(drift: DriftEntry[]): string {
  return joinBounded(drift.map((d) => `${d.path}: ${d.actual} -> ${d.desired}`), '; ');
}

function clipDrift(d: DriftEntry): DriftEntry {
  const clip = (s: string) => (s.length > 256 ? `${s.slice(0, 255)}…` : s);
  return { path: d.path, desired: clip(d.desired), actual: clip(d.actual) };
}
