// desired + actual → ordered actions. Pure and JSON-serialisable (no key material: an upload names
// the certificate; apply takes the PEM from the desired bundle). Uploads come before deletions, and
// a certificate a listener still uses is never deleted: it stays pending until unused. A superseded
// certificate is first only recorded as pending (status publishes the new ARN and listeners move);
// it is deleted in a later reconcile, after a listener scan taken since then shows it unused.
import type { DesiredCertificate } from './build.ts';
import type { ActualCertificates, OwnedCertificate } from './observe.ts';

export type CertificateAction =
  | { type: 'upload'; name: string; path: string; why: 'create' | 'rotate' | 'restore' | 'replace'; note?: string }
  | { type: 'delete'; name: string; arn: string; why: 'superseded' | 'replaced' | 'cleanup'; note?: string };

/** `note` of the delete + upload that change the chain of an unchanged leaf (not drift: our own change). */
export const RECHAIN_NOTE = 'the chain changed for the same leaf; IAM cannot change a chain in place, so it is deleted and uploaded again';

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
  /** Why the spec cannot be met without a human (drift that cannot be corrected, a chain change in use). */
  blocked?: string;
}

/** What status says we uploaded under the current name (to tell our own change from drift). */
export interface LastUpload {
  leafSha256: string;
  chainSha1: string[];
}

export interface PlanInput {
  desired: DesiredCertificate;
  actual: ActualCertificates;
  /** status.serverCertificateName: the certificate listeners were told to use. */
  current: string | undefined;
  /** From status, when it describes `current`. */
  lastUpload?: LastUpload;
  /**
   * status.pendingDeletion names: superseded in an earlier reconcile, so they may be deleted now.
   * Undefined: every superseded certificate may be deleted now (a one-shot preview).
   */
  alreadyPending?: string[];
}

function usedBy(listeners: string[]): string {
  const n = listeners.length;
  return `in use by ${n} listener${n === 1 ? '' : 's'}: ${listeners.slice(0, 3).join(', ')}${n > 3 ? ', …' : ''}`;
}

/** Unknown usage counts as in use: nothing is deleted without a listener scan saying it is unused. */
function inUse(c: OwnedCertificate): boolean {
  return c.inUseBy === undefined || c.inUseBy.length > 0;
}

function usageReason(c: OwnedCertificate): string {
  return c.inUseBy === undefined ? 'listener usage not checked yet' : usedBy(c.inUseBy);
}

/** Delete what was already pending and nobody uses; keep the rest pending. */
function retire(certs: OwnedCertificate[], alreadyPending: string[] | undefined, why: 'superseded' | 'cleanup'): Pick<CertificatePlan, 'actions' | 'pending'> {
  const actions: CertificateAction[] = [];
  const pending: PendingDeletion[] = [];
  for (const c of certs) {
    if (why === 'superseded' && alreadyPending && !alreadyPending.includes(c.name)) {
      pending.push({ name: c.name, arn: c.arn, reason: 'superseded; deleted once no listener uses it' });
    } else if (inUse(c)) {
      pending.push({ name: c.name, arn: c.arn, reason: usageReason(c) });
    } else {
      actions.push({ type: 'delete', name: c.name, arn: c.arn, why });
    }
  }
  return { actions, pending };
}

/** The certificates whose listener usage the plan needs (the scan is costly: ask only for these). */
export function usageNeeded(input: Omit<PlanInput, 'lastUpload'>): OwnedCertificate[] {
  const { desired, actual, current, alreadyPending } = input;
  const retiring = desired.name ? actual.others : actual.others.filter((o) => o.name !== current);
  const ready = retiring.filter((o) => !alreadyPending || alreadyPending.includes(o.name));
  const found = actual.desired;
  const differs = found && desired.bundle &&
    (found.leafSha256 !== desired.bundle.leafSha256 || found.chainSha256.join(',') !== desired.bundle.chainSha256.join(','));
  return [...ready, ...(found && differs ? [found] : [])];
}

export function plan({ desired, actual, current, lastUpload, alreadyPending }: PlanInput): CertificatePlan {
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
      const last = current === name ? lastUpload : undefined;
      const asWeLeftIt = last === undefined || (found.leafSha256 === last.leafSha256 && found.chainSha1.join(',') === last.chainSha1.join(','));
      if (sameLeaf && !sameChain && asWeLeftIt) {
        // The Secret or spec changed the chain of the same leaf (an added intermediate, includeRoot).
        // IAM cannot change a chain in place and the name is fixed by the leaf: delete and re-upload.
        if (inUse(found)) {
          blocked = `the chain of ${name} changed, but IAM cannot change a certificate's chain in place and it is ${usageReason(found)}; ` +
            'renew the leaf (a new leaf is uploaded under a new name and rotated without downtime) or detach it from its listeners';
        } else {
          actions.push(
            { type: 'delete', name, arn: found.arn, why: 'replaced', note: RECHAIN_NOTE },
            { type: 'upload', name, path: desired.path, why: 'replace', note: RECHAIN_NOTE },
          );
        }
      } else if (!sameLeaf || !sameChain) {
        // Replaced behind our back under our name.
        if (!sameLeaf) drift.push({ path: `iam:${name}.certificateBody`, desired: `leaf sha256 ${desired.bundle.leafSha256.slice(0, 16)}…`, actual: `leaf sha256 ${(found.leafSha256 || 'unreadable').slice(0, 16)}…` });
        if (!sameChain) drift.push({ path: `iam:${name}.certificateChain`, desired: `${wantChain.length} certificates`, actual: `${found.chainSha256.length} certificates (different)` });
        if (correct) {
          if (inUse(found)) blocked = `IAM server certificate ${name} was replaced outside Albatross and is ${usageReason(found)}; it cannot be re-uploaded while in use`;
          else actions.push({ type: 'delete', name, arn: found.arn, why: 'replaced' }, { type: 'upload', name, path: desired.path, why: 'replace' });
        }
      }
    } else if (current === name) {
      // We uploaded it and published it; now IAM does not have it.
      drift.push({ path: `iam:${name}`, desired: 'present', actual: 'absent (deleted outside Albatross)' });
      if (correct) actions.push({ type: 'upload', name, path: desired.path, why: 'restore' });
    } else {
      actions.push({ type: 'upload', name, path: desired.path, why: current ? 'rotate' : 'create' });
    }
    const r = retire(actual.others, alreadyPending, 'superseded');
    actions.push(...r.actions);
    pending.push(...r.pending);
  } else {
    // Nothing valid to upload: keep the certificate in use, retire only older ones.
    const inUse = actual.others.find((o) => o.name === current);
    if (current && !inUse) {
      drift.push({ path: `iam:${current}`, desired: 'present', actual: 'absent (deleted outside Albatross)' });
      blocked = `IAM server certificate ${current} was deleted outside Albatross and cannot be re-uploaded until the Secret is valid`;
    }
    const r = retire(actual.others.filter((o) => o.name !== current), alreadyPending, 'superseded');
    actions.push(...r.actions);
    pending.push(...r.pending);
  }

  return { actions, pending, drift, reportOnly: drift.length > 0 && (!correct || blocked !== undefined), ...(blocked ? { blocked } : {}) };
}

/** deletionPolicy Delete: every certificate we own goes once no listener uses it (usage attached to all). */
export function planDeletion(actual: ActualCertificates): CertificatePlan {
  return { ...retire(ownedCertificates(actual), [], 'cleanup'), drift: [], reportOnly: false };
}

export function ownedCertificates(actual: ActualCertificates): OwnedCertificate[] {
  return [...(actual.desired ? [actual.desired] : []), ...actual.others];
}
