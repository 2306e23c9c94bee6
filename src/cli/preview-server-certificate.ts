// ServerCertificate: the Secret from the manifests -> build (parse, repair, validate the chain) ->
// observe IAM -> plan, with the controller's own functions.
import type { CertificateUsageApi } from '../aws/certificate-usage.ts';
import type { IamApi } from '../aws/iam.ts';
import type { ServerCertificate } from '../crds/index.ts';
import { build } from '../reconcilers/server-certificate/build.ts';
import { observe } from '../reconcilers/server-certificate/observe.ts';
import { plan, type CertificateAction } from '../reconcilers/server-certificate/plan.ts';
import { knownAfterApply, type ResourcePreview, type Step } from './preview.ts';

export interface ServerCertificatePreview extends ResourcePreview {
  /** The ARN listeners would use: known when IAM already holds the desired certificate. */
  arn: string | undefined;
}

function step(a: CertificateAction): Step {
  if (a.type === 'upload') {
    const words = { create: 'upload', rotate: 'upload (rotation: a new leaf)', restore: 'upload again (deleted outside Albatross)', replace: 'upload again (replaced outside Albatross)' };
    return { kind: a.why === 'replace' ? 'replace' : 'create', what: `IAM server certificate ${a.path}${a.name}`, details: [words[a.why]] };
  }
  const words = { superseded: 'superseded and no longer used by any listener', replaced: 'replaced outside Albatross; uploaded again under the same name', cleanup: 'cleanup' };
  return { kind: a.why === 'replaced' ? 'replace' : 'delete', what: `IAM server certificate ${a.name}`, details: [words[a.why]] };
}

export async function previewServerCertificate(
  sc: ServerCertificate,
  ctx: { cluster: string; secrets: ReadonlyMap<string, Record<string, Uint8Array>>; iam: IamApi; usage: CertificateUsageApi },
): Promise<ServerCertificatePreview> {
  const namespace = sc.metadata?.namespace ?? 'default';
  const name = sc.metadata?.name ?? '';
  const base = { kind: 'ServerCertificate' as const, namespace, name, steps: [] as Step[], notes: [] as string[], arn: undefined as string | undefined };
  const secretData = ctx.secrets.get(`${namespace}/${sc.spec.secretRef.name}`);
  const desired = build({ sc, cluster: ctx.cluster, secretData });
  if (desired.problem) {
    const hint = desired.problem.reason === 'SecretNotFound' ? ' (pass the Secret with -f; albatross plan reads Secrets from the manifests only)' : '';
    return { ...base, error: `${desired.problem.reason}: ${desired.problem.message}${hint}` };
  }
  if (desired.evaluation?.ok && desired.evaluation.reason === 'Repaired') base.notes.push(`chain repaired: ${desired.evaluation.repairs.join('; ')}`);

  const actual = await observe(ctx.iam, ctx.usage, { desired, knownNames: [], onlyKnownNames: false, withUsage: true });
  if (actual.conflict) return { ...base, error: `Conflict: ${actual.conflict}` };
  const p = plan({ desired, actual, current: undefined });
  const uploads = p.actions.some((a) => a.type === 'upload');
  const arn = !uploads && actual.desired ? actual.desired.arn : knownAfterApply(`ARN of ServerCertificate ${name}`);
  const notes = [...base.notes, ...p.pending.map((d) => `kept until unused: ${d.name} (${d.reason})`)];
  if (p.drift.length) notes.push(...p.drift.map((d) => `drift: ${d.path}: ${d.actual} -> ${d.desired}`));
  if (p.blocked) return { ...base, notes, error: `Blocked: ${p.blocked}`, plan: p };
  // JSON plan without key material: the plan itself never holds any; the bundle is not included.
  return { ...base, arn, notes, steps: p.actions.map(step), plan: p };
}
