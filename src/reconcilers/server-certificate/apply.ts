// Runs a plan against IAM: uploads first, then deletions. Idempotent: an upload whose name already
// exists under our path (a crash between upload and status write, or IAM's eventual consistency)
// counts as done; a deletion IAM refuses because the certificate is in use stays pending.
import { AwsError } from '../../aws/errors.ts';
import type { IamApi, ServerCertificateSummary } from '../../aws/iam.ts';
import type { DesiredCertificate } from './build.ts';
import type { CertificatePlan, PendingDeletion } from './plan.ts';

export interface ApplyResult {
  uploaded?: ServerCertificateSummary;
  /** The upload found the name already ours in IAM (not listed yet, or uploaded before a crash). */
  uploadFoundExisting?: boolean;
  deleted: string[];
  /** Deletions AWS refused with DeleteConflict: still in use. */
  stillInUse: PendingDeletion[];
}

/** The name is taken by a certificate that is not ours (another path: another cluster or namespace). */
export class NameTakenError extends Error {
  override name = 'NameTakenError';
}

/**
 * Test-only fault hook: ALBATROSS_TEST_FAULT=exit-after-iam-upload makes the process exit right after
 * an upload, before status is written, so a test can show the restart does not upload twice.
 */
function faultAfterUpload(): void {
  if (process.env.ALBATROSS_TEST_FAULT === 'exit-after-iam-upload') process.exit(86);
}

export async function apply(iam: IamApi, plan: CertificatePlan, desired: DesiredCertificate): Promise<ApplyResult> {
  const result: ApplyResult = { deleted: [], stillInUse: [] };
  for (const action of plan.actions) {
    if (action.type === 'upload') {
      if (!desired.bundle || desired.name !== action.name) throw new Error(`no certificate material for upload of ${action.name}`);
      const { summary, existing } = await upload(iam, desired, action.name);
      result.uploaded = summary;
      if (existing) result.uploadFoundExisting = true;
      faultAfterUpload();
    } else {
      try {
        await iam.deleteServerCertificate(action.name);
        result.deleted.push(action.name);
      } catch (err) {
        if (err instanceof AwsError && err.kind === 'in_use') {
          result.stillInUse.push({ name: action.name, arn: action.arn, reason: 'in use (IAM refused the deletion: DeleteConflict)' });
          continue;
        }
        throw err;
      }
    }
  }
  return result;
}

async function upload(iam: IamApi, desired: DesiredCertificate, name: string): Promise<{ summary: ServerCertificateSummary; existing: boolean }> {
  const bundle = desired.bundle;
  if (!bundle) throw new Error(`no certificate material for upload of ${name}`);
  try {
    const summary = await iam.uploadServerCertificate({
      name,
      path: desired.path,
      certificateBody: bundle.certificateBody,
      certificateChain: bundle.certificateChain,
      privateKey: bundle.privateKey,
      tags: desired.tags,
    });
    return { summary, existing: false };
  } catch (err) {
    if (!(err instanceof AwsError && err.kind === 'duplicate')) throw err;
    // Already there: ours (uploaded before a crash, or not yet listed) or someone else's.
    const existing = await iam.getServerCertificate(name);
    if (existing && existing.path === desired.path) return { summary: existing, existing: true };
    if (existing) throw new NameTakenError(`IAM server certificate name ${name} is already used under path ${existing.path} (${existing.arn}); it is not ours. Set spec.iam.name to another base name`);
    throw err; // EntityAlreadyExists but not readable yet: retry later
  }
}
