// desired + actual → ordered actions. Pure and JSON-serialisable (no key material: an upload names
// the certificate; apply takes the PEM from the desired bundle). Uploads come before deletions, and
// a certificate a listener still uses is never deleted: it stays pending until unused.
import type { DesiredCertificate } from './build.ts';
import type { ActualCertificates, OwnedCertificate } from './observe.ts';

export type CertificateAction =
  | { type: 'upload'; name: string; path: string; why: 'create' | 'rotate' | 'restore' | 'replace' }
  | { type: 'delete'; name: string; arn: string; why: 'superseded' | 'replaced' | 'cleanup' };

export interface PendingDeletion {
  name: string;
  arn: string;
  reason: string;
}

export interface DriftEntry {
  path: string;
  desired: string;
  actual: string;
}

export interface CertificatePlan {
  actions: CertificateAction[];
  /** Old certificates kept because listeners still use them. */
  pending: PendingDeletion[];
  /** Differences from what we last uploaded that the spec did not cause. */
  drift: DriftEntry[];
  /** Drift found under driftPolicy Report (or not correctable): nothing is done about it. */
  reportOnly: boolean;
  /** Why drift could not be corrected, when it could not. */
  blocked?: string;
}

export interface PlanInput {
  desired: DesiredCertificate;
  actual: ActualCertificates;
  /** status.serverCertificateName: the certificate listeners were told to use. */
  current: string | undefined;
}

function usedBy(c: OwnedCertificate): string {
  const n = c.inUseBy.length;
  return `in use by ${n} listener${n === 1 ? '' : 's'}: ${c.inUseBy.slice(0, 3).join(', ')}${n > 3 ? ', …' : ''}`;
}

/** Delete what nobody uses; keep the rest pending. */
function retire(certs: OwnedCertificate[], why: 'superseded' | 'cleanup'): Pick<CertificatePlan, 'actions' | 'pending'> {
  const actions: CertificateAction[] = [];
  const pending: PendingDeletion[] = [];
  for (const c of certs) {
    if (c.inUseBy.length > 0) pending.push({ name: c.name, arn: c.arn, reason: usedBy(c) });
    else actions.push({ type: 'delete', name: c.name, arn: c.arn, why });
  }
  return { actions, pending };
}

export function plan({ desired, actual, current }: PlanInput): CertificatePlan {
  const drift: DriftEntry[] = [];
  const actions: CertificateAction[] = [];
  const pending: PendingDeletion[] = [];
  const correct = desired.driftPolicy === 'Correct';
  let blocked: string | undefined;

  if (desired.name && desired.bundle) {
    const name = desired.name;
    const found = actual.desired;
    if (found) {
      const wantChain = desired.bundle.chainSha256;
      const sameLeaf = found.leafSha256 === desired.bundle.leafSha256;
      const sameChain = found.chainSha256.join(',') === wantChain.join(',');
      if (!sameLeaf) drift.push({ path: `iam:${name}.certificateBody`, desired: `leaf sha256 ${desired.bundle.leafSha256.slice(0, 16)}…`, actual: `leaf sha256 ${(found.leafSha256 || 'unreadable').slice(0, 16)}…` });
      if (!sameChain) drift.push({ path: `iam:${name}.certificateChain`, desired: `${wantChain.length} certificates`, actual: `${found.chainSha256.length} certificates (different)` });
      if ((!sameLeaf || !sameChain) && correct) {
        // Replaced behind our back under our name: only replaceable while no listener uses it.
        if (found.inUseBy.length > 0) blocked = `IAM server certificate ${name} was replaced outside Albatross and is ${usedBy(found)}; it cannot be re-uploaded while in use`;
        else actions.push({ type: 'delete', name, arn: found.arn, why: 'replaced' }, { type: 'upload', name, path: desired.path, why: 'replace' });
      }
    } else if (current === name) {
      // We uploaded it and published it; now IAM does not have it.
      drift.push({ path: `iam:${name}`, desired: 'present', actual: 'absent (deleted outside Albatross)' });
      if (correct) actions.push({ type: 'upload', name, path: desired.path, why: 'restore' });
    } else {
      actions.push({ type: 'upload', name, path: desired.path, why: current ? 'rotate' : 'create' });
    }
    const r = retire(actual.others, 'superseded');
    actions.push(...r.actions);
    pending.push(...r.pending);
  } else {
    // Nothing valid to upload: keep the certificate in use, retire only older ones.
    const inUse = actual.others.find((o) => o.name === current);
    if (current && !inUse) {
      drift.push({ path: `iam:${current}`, desired: 'present', actual: 'absent (deleted outside Albatross)' });
      blocked = `IAM server certificate ${current} was deleted outside Albatross and cannot be re-uploaded until the Secret is valid`;
    }
    const r = retire(actual.others.filter((o) => o.name !== current), 'superseded');
    actions.push(...r.actions);
    pending.push(...r.pending);
  }

  return { actions, pending, drift, reportOnly: drift.length > 0 && (!correct || blocked !== undefined), ...(blocked ? { blocked } : {}) };
}

/** deletionPolicy Delete: every certificate we own goes once no listener uses it. */
export function planDeletion(actual: ActualCertificates): CertificatePlan {
  const all = [...(actual.desired ? [actual.desired] : []), ...actual.others];
  return { ...retire(all, 'cleanup'), drift: [], reportOnly: false };
}
