// Wires build → observe → plan → apply → status for ServerCertificate on the runtime.
// Level-based: every reconcile reads the Secret, validates it, and makes IAM hold exactly one
// current certificate (plus older ones until no listener uses them). A bad Secret changes nothing in
// IAM: the last good certificate stays in use and status says why the new one was refused.
import { SdkCertificateUsage, type CertificateUsageApi } from '../../aws/certificate-usage.ts';
import { AwsError } from '../../aws/errors.ts';
import { SdkIam, type IamApi } from '../../aws/iam.ts';
import {
  EventReason,
  FINALIZER,
  RESOURCES,
  Reason,
  type ServerCertificate,
} from '../../crds/index.ts';
import {
  CORE,
  TerminalError,
  isDeleting,
  referenceIndex,
  setOutcome,
  watchReferenced,
  type ControllerDeps,
  type ControllerRegistration,
  type KubeObject,
  type Outcome,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
} from '../../runtime/index.ts';
import { apply, NameTakenError, type ApplyResult } from './apply.ts';
import { baseNameOf, baseNameProblem, build, iamPath, type DesiredCertificate } from './build.ts';
import { expiryGauge } from './metrics.ts';
import { attachUsage, observe, type ActualCertificates, type OwnedCertificate } from './observe.ts';
import { ownedCertificates, plan, planDeletion, usageNeeded, type CertificatePlan, type LastUpload } from './plan.ts';
import type { DecodedSecret } from './decode.ts';
import { resolveSecretKeys } from './read-secret.ts';
import { SecretDecoder, type SecretVersion } from './secret-decoder.ts';
import { SharedCertificateListing } from './shared-listing.ts';
import { nextStatus, summarizeDrift, withSince, type InUse } from './status.ts';

const SC = RESOURCES.serverCertificate;

/** Index name (unique per kind across controllers): the Secret a ServerCertificate reads. */
export const INDEX_SECRET_REF = 'scert.spec.secretRef';

/** The oldest shared listing of a path prefix a check uses (also at most the resync period). */
const LISTING_MAX_AGE_MS = 5 * 60_000;

/** While an old certificate waits for listeners to let go of it, look again this soon. */
const PENDING_REQUEUE_MS = 20_000;

export interface ServerCertificateControllerOptions {
  iam?: (signal: AbortSignal) => IamApi;
  usage?: (signal: AbortSignal) => CertificateUsageApi;
  now?: () => Date;
  /** How soon to look again while an old certificate waits for listeners (default 20 s). */
  pendingRequeueMs?: number;
  /** Worker threads decoding keystores (default: defaultDecodeThreads()). */
  decodeThreads?: number;
}

interface SecretObject extends KubeObject {
  data?: Record<string, string>;
}

export function createServerCertificateController(options: ServerCertificateControllerOptions = {}): ControllerRegistration {
  return {
    name: 'servercertificate',
    resource: SC,
    indexes: [referenceIndex<ServerCertificate>(SC, INDEX_SECRET_REF, (sc) => [sc.spec?.secretRef?.name])],
    // The Secret changed, appeared or went away: reconcile the certificates that read it, at once.
    watches: [watchReferenced(CORE.secret, SC, INDEX_SECRET_REF)],
    create: (deps) => new ServerCertificateReconciler(deps, options),
  };
}

export const serverCertificateController = createServerCertificateController;

class ServerCertificateReconciler implements Reconciler {
  private readonly deps: ControllerDeps;
  private readonly iam: (signal: AbortSignal) => IamApi;
  private readonly usage: (signal: AbortSignal) => CertificateUsageApi;
  private readonly now: () => Date;
  private readonly pendingRequeueMs: number;
  private readonly decoder: SecretDecoder;

  constructor(deps: ControllerDeps, options: ServerCertificateControllerOptions) {
    this.deps = deps;
    this.decoder = new SecretDecoder(options.decodeThreads ? { threads: options.decodeThreads } : {});
    const iam = new SdkIam();
    const usage = new SdkCertificateUsage();
    const port = options.iam ?? ((signal) => iam.withSignal(signal));
    // One listing per path prefix for all checks within a resync period (shared-listing.ts).
    const listing = new SharedCertificateListing({ maxAgeMs: Math.min(deps.config.resyncPeriodMs, LISTING_MAX_AGE_MS) });
    const base = port(new AbortController().signal);
    this.iam = (signal) => listing.view(base, port(signal), signal);
    this.usage = options.usage ?? ((signal) => usage.withSignal(signal));
    this.now = options.now ?? (() => new Date());
    this.pendingRequeueMs = options.pendingRequeueMs ?? PENDING_REQUEUE_MS;
  }

  async reconcile(ctx: ReconcileContext): Promise<ReconcileResult> {
    const sc = this.deps.caches.get<ServerCertificate>(SC).get(ctx.namespace, ctx.name);
    if (!sc) {
      expiryGauge().remove({ namespace: ctx.namespace, name: ctx.name });
      return {};
    }
    if (isDeleting(sc)) return this.finalize(ctx, sc);
    const current = await this.deps.finalizers.add(SC, sc, FINALIZER, ctx.signal);
    return this.converge(ctx, current);
  }

  private async converge(ctx: ReconcileContext, sc: ServerCertificate): Promise<ReconcileResult> {
    const now = this.now();
    const badName = baseNameProblem(sc);
    if (badName) throw new TerminalError(Reason.InvalidSpec, `${badName}; nothing was uploaded`);
    const sibling = this.olderSibling(sc);
    if (sibling) {
      throw new TerminalError(Reason.Conflict,
        `ServerCertificate ${sibling} in this namespace already uploads under IAM name ${baseNameOf(sc)}-… at path ${iamPath(sc, this.deps.config.clusterName, ctx.namespace)}; set a different spec.iam.name`, { recheck: true });
    }
    const secret = await this.deps.kube.get<SecretObject>(CORE.secret, ctx.namespace, sc.spec.secretRef.name, ctx.signal);
    let decoded: DecodedSecret | undefined;
    if (secret) {
      const request = this.decoder.request(secretVersion(secret), resolveSecretKeys(sc.spec.keys), decodeData(secret.data));
      const { enqueue } = this.deps;
      if (request.state === 'pending' && enqueue) {
        // Do not hold a reconcile worker while a thread derives keys: come back when it is done.
        void request.done.then(() => enqueue(ctx.key));
        return this.reportDecoding(ctx, sc, request.ahead);
      }
      decoded = request.state === 'ready' ? request.decoded : await request.done;
    }
    const desired = build({ sc, cluster: this.deps.config.clusterName, decoded, now });
    const currentName = sc.status?.serverCertificateName || undefined;

    const iam = this.iam(ctx.signal);
    const actual = await observe(iam, this.usage(ctx.signal), { desired, knownNames: knownNames(sc), onlyKnownNames: false });
    if (actual.conflict) throw new TerminalError(Reason.Conflict, `${actual.conflict}; nothing was changed`, { recheck: true });

    const since = pendingSince(sc);
    const planInput = { desired, actual, current: currentName, alreadyPending: [...since.keys()], ...lastUploadOf(sc) };
    const needed = usageNeeded(planInput);
    if (needed.length > 0) await attachUsage(this.usage(ctx.signal), needed, scanAfter(needed, since));
    let p = plan(planInput);
    ctx.log.debug({
      desired: desired.name ?? null,
      found: actual.desired?.name ?? null,
      others: actual.others.map((o) => o.name),
      actions: p.actions.map((a) => `${a.type} ${a.name}`),
      pending: p.pending.map((x) => x.name),
      drift: p.drift.length,
    }, 'planned');
    const result = await this.applyPlan(ctx, sc, iam, p, desired);
    if (result.uploadFoundExisting && p.actions.some((a) => a.type === 'upload' && a.why === 'restore')) {
      // "Deleted outside Albatross" was IAM not listing it yet (eventual consistency): no drift.
      p = { ...p, drift: [], reportOnly: false };
    }

    const inUse = inUseAfter(desired, actual, result);
    const pending = [...p.pending, ...result.stillInUse];
    const corrected = p.drift.length > 0 && !p.reportOnly && p.actions.length > 0;
    this.recordEvents(sc, desired, p, result, corrected);

    const outcome = outcomeOf(desired, p, inUse, pending, currentName);
    const written = await this.deps.status.update(
      SC,
      sc,
      (cur) => nextStatus(cur.status, { desired, ...(inUse ? { inUse } : {}), pending, plan: p, corrected, outcome, generation: cur.metadata?.generation, now }),
      ctx.signal,
    );
    const notAfter = written.object?.status?.certificate?.notAfter;
    if (notAfter) expiryGauge().set({ namespace: ctx.namespace, name: ctx.name }, Date.parse(notAfter) / 1000);

    if (desired.problem) {
      ctx.log.info({ reason: desired.problem.reason }, 'certificate material refused; nothing uploaded');
    }
    return pending.length > 0 ? { requeueAfterMs: this.pendingRequeueMs } : {};
  }

  /** Reconciling/Progressing while the Secret's material is decoded on a worker thread. */
  private async reportDecoding(ctx: ReconcileContext, sc: ServerCertificate, ahead: number): Promise<ReconcileResult> {
    const queue = ahead > 0 ? ` (${ahead} ahead of it)` : '';
    const message = `decoding the certificate material of Secret ${sc.spec.secretRef.name} on a worker thread${queue}; nothing changed yet`;
    await this.deps.status.update(
      SC,
      sc,
      (cur) => ({ ...cur.status, conditions: setOutcome(cur.status?.conditions, { state: 'Reconciling', reason: Reason.Progressing, message }, cur.metadata?.generation) }),
      ctx.signal,
    );
    return {};
  }

  close(): Promise<void> {
    return this.decoder.close();
  }

  private async applyPlan(ctx: ReconcileContext, sc: ServerCertificate, iam: IamApi, p: CertificatePlan, desired: DesiredCertificate): Promise<ApplyResult> {
    if (p.actions.length === 0) return { deleted: [], stillInUse: [] };
    try {
      const result = await apply(iam, p, desired);
      if (result.uploaded) ctx.log.info({ name: result.uploaded.name, arn: result.uploaded.arn }, 'uploaded IAM server certificate');
      for (const name of result.deleted) ctx.log.info({ name }, 'deleted IAM server certificate');
      return result;
    } catch (err) {
      if (err instanceof NameTakenError) throw new TerminalError(Reason.Conflict, err.message, { recheck: true });
      if (err instanceof AwsError && (err.kind === 'invalid' || err.kind === 'terminal')) {
        this.deps.events.warning(sc, EventReason.AwsError, err.message);
        throw new TerminalError(Reason.AwsError, `${err.message}; the certificate already in IAM stays in use`, { cause: err, recheck: true });
      }
      throw err;
    }
  }

  private recordEvents(sc: ServerCertificate, desired: DesiredCertificate, p: CertificatePlan, result: ApplyResult, corrected: boolean): void {
    if (desired.problem) {
      const keep = sc.status?.serverCertificateName ? `; ${sc.status.serverCertificateName} stays in use` : '';
      this.deps.events.warning(sc, desired.problem.reason, `${desired.problem.message}; nothing uploaded${keep}`);
    }
    const upload = p.actions.find((a) => a.type === 'upload');
    if (result.uploaded) {
      if (corrected) {
        this.deps.events.normal(sc, EventReason.DriftCorrected, `re-uploaded IAM server certificate ${result.uploaded.name}: ${summarizeDrift(p.drift)}`);
      } else if (upload?.note) {
        this.deps.events.normal(sc, EventReason.Updated, `re-uploaded IAM server certificate ${result.uploaded.name}: ${upload.note}`);
      } else {
        const verb = upload?.why === 'rotate' ? EventReason.Updated : EventReason.Created;
        this.deps.events.normal(sc, verb, `uploaded IAM server certificate ${result.uploaded.name} (${result.uploaded.arn})`);
      }
    }
    const retired = result.deleted.filter((name) => name !== upload?.name);
    if (retired.length > 0) {
      this.deps.events.normal(sc, EventReason.Deleted, `deleted IAM server certificate ${retired.join(', ')}: no listener uses it`);
    }
    if (p.reportOnly && p.drift.length > 0) {
      this.deps.events.warning(sc, 'Drifted', `IAM differs from what was uploaded: ${summarizeDrift(p.drift)} (${p.blocked ?? 'driftPolicy Report, nothing changed'})`);
    }
  }

  private async finalize(ctx: ReconcileContext, sc: ServerCertificate): Promise<ReconcileResult> {
    if (!sc.metadata?.finalizers?.includes(FINALIZER)) return {};
    if (sc.spec.deletionPolicy === 'Retain') {
      this.deps.events.normal(sc, EventReason.Deleted, 'deletionPolicy Retain: IAM server certificates left in place');
    } else {
      const desired = build({ sc, cluster: this.deps.config.clusterName, secretData: undefined });
      const iam = this.iam(ctx.signal);
      const actual = await observe(iam, this.usage(ctx.signal), {
        desired,
        knownNames: knownNames(sc),
        // A younger ServerCertificate with our base name owns nothing but what its status names.
        onlyKnownNames: this.olderSibling(sc) !== undefined,
      });
      // Only a listener scan started after the deletion began counts (deletionTimestamp has whole seconds).
      const deletedAt = Date.parse(String(sc.metadata?.deletionTimestamp ?? ''));
      await attachUsage(this.usage(ctx.signal), ownedCertificates(actual), new Date(Number.isNaN(deletedAt) ? Date.now() : deletedAt + 1000));
      const p = planDeletion(actual);
      const result = p.actions.length > 0 ? await apply(iam, p, desired) : { deleted: [], stillInUse: [] };
      if (result.deleted.length > 0) {
        this.deps.events.normal(sc, EventReason.Deleted, `deleted IAM server certificate ${result.deleted.join(', ')}`);
      }
      const pending = [...p.pending, ...result.stillInUse];
      if (pending.length > 0) {
        const message = `waiting to delete ${pending.map((x) => `${x.name} (${x.reason})`).join('; ')}`;
        await this.deps.status.update(
          SC,
          sc,
          (cur) => ({
            ...cur.status,
            pendingDeletion: withSince(pending, cur.status?.pendingDeletion, this.now()),
            conditions: setOutcome(cur.status?.conditions, { state: 'Reconciling', reason: Reason.Deleting, message }, cur.metadata?.generation),
          }),
          ctx.signal,
        );
        return { requeueAfterMs: this.pendingRequeueMs };
      }
    }
    expiryGauge().remove({ namespace: ctx.namespace, name: ctx.name });
    await this.deps.finalizers.remove(SC, sc, FINALIZER, ctx.signal);
    return {};
  }

  /** Another, older ServerCertificate in this namespace with the same IAM base name and path. */
  private olderSibling(sc: ServerCertificate): string | undefined {
    const ns = sc.metadata?.namespace ?? '';
    const cluster = this.deps.config.clusterName;
    const path = iamPath(sc, cluster, ns);
    const base = baseNameOf(sc);
    const mine = `${sc.metadata?.creationTimestamp ?? ''}/${sc.metadata?.name ?? ''}`;
    const older = this.deps.caches
      .get<ServerCertificate>(SC)
      .list(ns)
      .filter((o) => o.metadata?.name !== sc.metadata?.name && baseNameOf(o) === base && iamPath(o, cluster, ns) === path)
      .filter((o) => `${o.metadata?.creationTimestamp ?? ''}/${o.metadata?.name ?? ''}` < mine);
    return older[0]?.metadata?.name;
  }
}

function secretVersion(secret: SecretObject): SecretVersion {
  const m = secret.metadata ?? {};
  return { namespace: m.namespace ?? '', name: m.name ?? '', uid: m.uid ?? '', resourceVersion: m.resourceVersion ?? '' };
}

function decodeData(data: Record<string, string> | undefined): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(data ?? {})) out[k] = Buffer.from(v, 'base64');
  return out;
}

function knownNames(sc: ServerCertificate): string[] {
  const names = [sc.status?.serverCertificateName, ...(sc.status?.pendingDeletion ?? []).map((p) => p.name)];
  return [...new Set(names.filter((n): n is string => typeof n === 'string' && n !== ''))];
}

/** status.pendingDeletion: name -> when it was superseded. */
function pendingSince(sc: ServerCertificate): Map<string, string | undefined> {
  return new Map((sc.status?.pendingDeletion ?? []).map((p) => [p.name, p.since]));
}

/**
 * A listener scan is good for deleting these only if it started after each was recorded as pending
 * (status had published the new ARN by then). `since` has whole seconds: add one.
 */
function scanAfter(certs: OwnedCertificate[], since: Map<string, string | undefined>): Date | undefined {
  const times = certs.map((c) => since.get(c.name)).filter((t): t is string => t !== undefined).map((t) => Date.parse(t)).filter((t) => !Number.isNaN(t));
  if (certs.some((c) => since.has(c.name) && !since.get(c.name))) return new Date(); // recorded without a time: scan now
  return times.length > 0 ? new Date(Math.max(...times) + 1000) : undefined;
}

/** What status recorded about the certificate it names (to tell our own changes from drift). */
function lastUploadOf(sc: ServerCertificate): { lastUpload?: LastUpload } {
  const s = sc.status;
  const leaf = s?.certificate?.sha256Fingerprint;
  if (!s?.serverCertificateName || !leaf) return {};
  return { lastUpload: { leafSha256: leaf.replace(/ /g, ''), chainSha1: (s.chain ?? []).map((c) => c.sha1Thumbprint ?? '') } };
}

/** The certificate listeners should use after this reconcile: IAM holds exactly the desired one. */
function inUseAfter(desired: DesiredCertificate, actual: ActualCertificates, result: ApplyResult): InUse | undefined {
  if (!desired.name || !desired.bundle) return undefined;
  const found = actual.desired;
  const matches = found && !result.deleted.includes(found.name) && found.leafSha256 === desired.bundle.leafSha256 &&
    found.chainSha256.join(',') === desired.bundle.chainSha256.join(',');
  const cert = result.uploaded ?? (matches ? found : undefined);
  return cert ? { name: cert.name, arn: cert.arn, id: cert.id } : undefined;
}

function outcomeOf(desired: DesiredCertificate, p: CertificatePlan, inUse: InUse | undefined, pending: { name: string; reason: string }[], currentName: string | undefined): Outcome {
  if (desired.problem) {
    const keep = currentName ? `; nothing uploaded, ${currentName} stays in use` : '; nothing uploaded';
    return { state: 'Stalled', reason: desired.problem.reason, message: `${desired.problem.message}${keep}` };
  }
  if (p.blocked) return { state: 'Stalled', reason: 'Blocked', message: p.blocked };
  if (!inUse) {
    return { state: 'Reconciling', reason: Reason.Progressing, message: `IAM server certificate ${desired.name ?? ''} is not in IAM yet` };
  }
  const waiting = pending.length > 0
    ? `; ${pending.length} older certificate${pending.length === 1 ? '' : 's'} kept until unused: ${pending.map((p) => p.name).join(', ')}`
    : '';
  return { state: 'Ready', reason: Reason.Reconciled, message: `IAM server certificate ${inUse.name} is uploaded${waiting}` };
}
