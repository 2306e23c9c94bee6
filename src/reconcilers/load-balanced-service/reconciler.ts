// Wires build -> observe -> plan -> apply -> status for LoadBalancedService on the runtime.
// Level-based: every reconcile enforces the whole spec. Drift is a non-empty plan while the desired
// model is the one last converged; driftPolicy Report then only records it.
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { SdkEc2, type Ec2Api } from '../../aws/ec2.ts';
import { SdkElbv2, type Elbv2Api } from '../../aws/elbv2.ts';
import { SdkWafv2, type Wafv2Api } from '../../aws/wafv2.ts';
import type { RetriedWrite } from '../../aws/call.ts';
import { AwsError } from '../../aws/errors.ts';
import { SdkSecurityGroups, type SecurityGroupApi } from '../../aws/security-groups.ts';
import { adoptionAllowed } from '../../config.ts';
import {
  ConditionType,
  EventReason,
  FINALIZER,
  RESOURCES,
  Reason,
  type LoadBalancedService,
  type LoadBalancedServiceStatus,
  type ServerCertificate,
} from '../../crds/index.ts';
import {
  CORE,
  SERVICE_NAME_LABEL,
  TerminalError,
  getCondition,
  indexKey,
  isDeleting,
  keyOf,
  referenceIndex,
  setCondition,
  watchReferenced,
  setOutcome,
  errorMessage,
  type ControllerDeps,
  type ControllerRegistration,
  type Outcome,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
} from '../../runtime/index.ts';
import { apply, type ApplyHooks, type ApplyResult } from './apply.ts';
import { appliedState, type StatusState } from './applied.ts';
import { conflictError } from './conflicts.ts';
import { PreExistingLoadBalancerError } from './create-guard.ts';
import { deletionPlan } from './delete.ts';
import { Elbv2Inventory, INVENTORY_MAX_AGE_MS } from './inventory.ts';
import { knownArns, resyncDelayMs, tagsDueNext } from './read-ahead.ts';
import { build, InvalidSpecError, needsDefaultNetwork, ownerTags } from './build.ts';
import { serviceTargets } from './endpoints.ts';
import { describeApplied } from './events.ts';
import type { ActualState, DesiredModel, Target } from './model.ts';
import { loadBalancerName, type ResourceId } from './names.ts';
import { ipTargetGroupsToCheck, ipTargetProblems } from './ip-targets.ts';
import { INDEX_LOAD_BALANCER_NAME, explicitName, loadBalancerNameIndex, nameClaimConflict, watchNameReleases } from './name-claims.ts';
import { findOwned, observeDesired } from './observe.ts';
import { MissingSecretError, oidcSecretNames, secretVersionsOf, withSentSecretVersions, type SecretVersionEntry } from './oidc.ts';
import { readClientSecrets, type ClientSecrets } from './client-secrets.ts';
import { canonical, driftOf, plan, type Plan } from './plan.ts';
import { DEFAULT_DRAIN_SECONDS, finishesReplacement, retirement } from './retire.ts';
import { targetGroupDrain } from './tg-drain.ts';
import { rememberedAfter, webAclActions, webAclManaged, withWebAcl, type WebAclInput } from './web-acl.ts';
import { driftStatus, observedStatus, summarizeChanges } from './status.ts';
import { managesSecurityGroups, type SecurityGroupNetwork } from './security-groups.ts';
import { observeSecurityGroups } from './security-groups-observe.ts';
import { resolveSecurityGroupNetwork } from './security-groups-network.ts';
import { securityGroupDeletions } from './security-groups-plan.ts';
import { SecurityGroupInUseError } from './security-groups-apply.ts';
import { SecurityGroupInventory, type SecurityGroupView } from './sg-inventory.ts';

const LBS = RESOURCES.loadBalancedService;
const SC = RESOURCES.serverCertificate;

/** Index names (unique per kind across controllers). */
export const INDEX_SERVICE_REF = 'lbs.spec.targetGroups.serviceRef';
export const INDEX_CERTIFICATE_REF = 'lbs.spec.listeners.certificateRefs';
export const INDEX_OIDC_SECRET_REF = 'lbs.spec.listeners.authenticateOidc.clientSecretRef';
export const INDEX_SLICE_SERVICE = 'endpointslice.service';

/**
 * While AWS catches up (an ALB takes minutes to provision), look again this soon. Each look is a
 * full observation, so not too often.
 */
const PROVISIONING_REQUEUE_MS = 30_000;
/** After an apply whose result AWS does not show yet (eventual consistency). */
const CATCH_UP_REQUEUE_MS = 5_000;

/** A write that, done twice, may have made two objects (its retry after a transient error is doubted). */
const noteRetried =
  (into: string[]): RetriedWrite =>
  (operation, code) => {
    if (operation.startsWith('Create')) into.push(`${operation} (${code})`);
  };
/** A new load balancer's state is looked at again after these delays (then every PROVISIONING_REQUEUE_MS). */
const PROVISIONING_CHECKS_MS = [5_000, 10_000, 20_000];

/** Hash of the canonical desired model: equal means every input (spec, certificate ARNs, endpoints) is the same. */
function inputsHash(desiredKey: string): string {
  return createHash('sha256').update(desiredKey).digest('hex').slice(0, 32);
}

interface Settling {
  desiredKey: string;
  generation: number | undefined;
  /** the load balancer, when its state is not active yet */
  arn: string | undefined;
  /** logical name -> ARN of target groups whose targets changed */
  health: Record<string, string>;
  checks: number;
}

/** A stable fraction in [0, 1) per key, to spread re-checks of many objects over a period. */
function spreadOf(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32;
}

export interface LbsControllerOptions {
  /** `onRetriedWrite`: see CallOptions (a mutating call sent again after a transient error). */
  elbv2?: (signal: AbortSignal, onRetriedWrite?: RetriedWrite) => Elbv2Api;
  ec2?: (signal: AbortSignal) => Ec2Api;
  /** The EC2 security group port (managed frontend/backend groups); `onRetriedWrite` as for elbv2. */
  securityGroups?: (signal: AbortSignal, onRetriedWrite?: RetriedWrite) => SecurityGroupApi;
  wafv2?: (signal: AbortSignal) => Wafv2Api;
  /**
   * How long a replaced load balancer keeps serving after the switch (ALBATROSS_LB_DRAIN_SECONDS,
   * default 300 s = the DnsAlias default TTL).
   */
  drainSeconds?: number;
  /** clock (tests) */
  now?: () => number;
}

function envSeconds(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${v}: expected a non-negative number of seconds`);
  return n;
}

/**
 * status.oidcSecretVersions: what AWS now holds after a converging reconcile (`model`), or, with
 * nothing sent (drift reported, plan blocked: model undefined), the record as it was. Left out for
 * resources that never used authenticateOidc.
 */
function sentVersions(model: DesiredModel | undefined, recorded: SecretVersionEntry[] | undefined): { oidcSecretVersions?: SecretVersionEntry[] } {
  const versions = model ? secretVersionsOf(model) : (recorded ?? []);
  return versions.length || recorded?.length ? { oidcSecretVersions: versions } : {};
}

export function createLoadBalancedServiceController(options: LbsControllerOptions = {}): ControllerRegistration {
  return {
    name: 'loadbalancedservice',
    resource: LBS,
    // status.lastHeartbeatTime: a status still working toward the spec is confirmed at least once
    // a minute, also while the object waits behind a throttled AWS (issue 10).
    statusHeartbeat: true,
    indexes: [
      referenceIndex<LoadBalancedService>(LBS, INDEX_SERVICE_REF, (o) =>
        (o.spec.targetGroups ?? []).map((tg) => tg.serviceRef?.name),
      ),
      referenceIndex<LoadBalancedService>(LBS, INDEX_CERTIFICATE_REF, (o) =>
        o.spec.listeners.flatMap((l) => (l.certificateRefs ?? []).map((r) => r.name)),
      ),
      referenceIndex<LoadBalancedService>(LBS, INDEX_OIDC_SECRET_REF, (o) => oidcSecretNames(o.spec)),
      loadBalancerNameIndex,
      {
        resource: CORE.endpointSlice,
        name: INDEX_SLICE_SERVICE,
        indexFn: (o) => {
          const service = o.metadata?.labels?.[SERVICE_NAME_LABEL];
          return service ? [indexKey(o.metadata?.namespace ?? '', service)] : [];
        },
      },
    ],
    watches: [
      {
        resource: CORE.endpointSlice,
        mapToKeys: (o, caches) => {
          const service = o.metadata?.labels?.[SERVICE_NAME_LABEL];
          if (!service) return [];
          return caches.get(LBS).byIndex(INDEX_SERVICE_REF, indexKey(o.metadata?.namespace ?? '', service)).map(keyOf);
        },
      },
      watchReferenced(CORE.service, LBS, INDEX_SERVICE_REF),
      watchReferenced(SC, LBS, INDEX_CERTIFICATE_REF),
      // A client secret Secret changed, appeared or went away (metadata-only cache: no data here).
      watchReferenced(CORE.secret, LBS, INDEX_OIDC_SECRET_REF),
      watchNameReleases,
    ],
    create: (deps) => new LbsReconciler(deps, options),
  };
}

export const loadBalancedServiceController = createLoadBalancedServiceController;

class LbsReconciler implements Reconciler {
  private readonly deps: ControllerDeps;
  private readonly elbv2: (signal: AbortSignal, onRetriedWrite?: RetriedWrite) => Elbv2Api;
  private readonly ec2: (signal: AbortSignal) => Ec2Api;
  private readonly securityGroups: (signal: AbortSignal, onRetriedWrite?: RetriedWrite) => SecurityGroupApi;
  /** one reconcile -> the writes it sent again after a transient error (ELBv2 and EC2) */
  private readonly retriedBy = new WeakMap<ReconcileContext, string[]>();
  private readonly wafv2: (signal: AbortSignal) => Wafv2Api;
  /** key -> hash of the canonical desired model last converged (not the model: ~6 KB a resource): the same model with a non-empty plan is drift. */
  private readonly converged = new Map<string, string>();
  private readonly drainMs: number;
  private readonly now: () => number;
  /** The account's load balancers and target groups, shared by every reconcile of this controller. */
  private readonly inventory: Elbv2Inventory;
  /** This cluster's managed security groups, shared likewise. */
  private readonly sgInventory: SecurityGroupInventory;
  /**
   * key -> what AWS still fills in after this process's apply (a load balancer provisioning,
   * health of targets just registered), for the light re-check of those fields only.
   */
  private readonly provisioning = new Map<string, Settling>();
  /**
   * key -> the load balancer and listener ARNs a reconcile published after a create it sent again
   * (AWS may hold a duplicate): the next observation keeps these, even if its cached status predates
   * that write. Until a reconcile settles.
   */
  private readonly published = new Map<string, { loadBalancerArn: string | undefined; listenerArns: string[] }>();

  constructor(deps: ControllerDeps, options: LbsControllerOptions) {
    this.deps = deps;
    this.drainMs = (options.drainSeconds ?? envSeconds('ALBATROSS_LB_DRAIN_SECONDS') ?? DEFAULT_DRAIN_SECONDS) * 1000;
    this.now = options.now ?? Date.now;
    const sdk = new SdkElbv2();
    this.elbv2 = options.elbv2 ?? ((signal, onRetriedWrite) => sdk.withSignal(signal, onRetriedWrite));
    this.ec2 = options.ec2 ?? ((signal) => new SdkEc2({ signal }));
    this.securityGroups = options.securityGroups ?? ((signal, onRetriedWrite) => new SdkSecurityGroups({ signal, ...(onRetriedWrite ? { onRetriedWrite } : {}) }));
    this.wafv2 = options.wafv2 ?? ((signal) => new SdkWafv2({ signal }));
    // Tags and security groups changed outside Albatross are seen within this (the listing's
    // 5 min, or the resync period if shorter: drift there is then seen at the next re-check).
    const sharedMaxAgeMs = Math.min(INVENTORY_MAX_AGE_MS, deps.config.resyncPeriodMs);
    this.sgInventory = new SecurityGroupInventory(
      options.securityGroups ? options.securityGroups(new AbortController().signal) : new SdkSecurityGroups(),
      deps.config.clusterName,
      { maxAgeMs: sharedMaxAgeMs },
    );
    this.inventory = new Elbv2Inventory(options.elbv2 ? options.elbv2(new AbortController().signal) : sdk, {
      tagMaxAgeMs: sharedMaxAgeMs,
      readAhead: (horizonMs) => tagsDueNext(this.deps.caches.get<LoadBalancedService>(LBS).list(), { now: this.now(), resyncPeriodMs: this.deps.config.resyncPeriodMs, horizonMs }),
    });
  }

  async reconcile(ctx: ReconcileContext): Promise<ReconcileResult> {
    const lbs = this.deps.caches.get<LoadBalancedService>(LBS).get(ctx.namespace, ctx.name);
    if (!lbs) {
      this.converged.delete(ctx.key);
      this.published.delete(ctx.key);
      return {};
    }
    const id: ResourceId = { cluster: this.deps.config.clusterName, namespace: ctx.namespace, name: ctx.name };
    // ELBv2 writes sent again after a transient error (AWS may have done the first one too).
    // Only creates can leave a second object behind; a Modify, Register or Set sent twice is the same change.
    const retried: string[] = [];
    this.retriedBy.set(ctx, retried);
    const api = this.inventory.view(this.elbv2(ctx.signal, noteRetried(retried)), ctx.signal);
    try {
      if (isDeleting(lbs)) return await this.finalize(ctx, lbs, id, api);
      const current = await this.deps.finalizers.add(LBS, lbs, FINALIZER, ctx.signal);
      // Adding the finalizer changes the object, which queues this key again: do the AWS work once,
      // then, rather than twice (a full observation each).
      if (current.metadata?.resourceVersion !== lbs.metadata?.resourceVersion) return { requeueAfterMs: 1 };
      return await this.converge(ctx, current, id, api, retried);
    } catch (err) {
      // What such a write made may be missing from the shared inventory: list again.
      if (retried.length) this.inventory.invalidate();
      // A create sent again after a transient error, answered "already exists": the first try
      // made it and its answer was lost. That is the reason to give, not a conflict; AWS is looked
      // at again soon (both inventories list again), not after an error's backoff.
      if (err instanceof AwsError && err.kind === 'duplicate' && retried.some((r) => r.startsWith(`${err.operation} (`)) && !ctx.signal.aborted) {
        this.sgInventory.invalidate();
        await this.reportLostAnswer(ctx, lbs, err, retried);
        return { requeueAfterMs: CATCH_UP_REQUEUE_MS };
      }
      // Whatever step failed (the first observation included), status says so with the real
      // reason; terminal errors are the runtime's to report (Stalled).
      if (!(err instanceof TerminalError) && !ctx.signal.aborted) await this.reportFailure(ctx, lbs, err);
      throw err;
    }
  }

  private async reportLostAnswer(ctx: ReconcileContext, lbs: LoadBalancedService, err: AwsError, retried: readonly string[]): Promise<void> {
    const first = retried.find((r) => r.startsWith(`${err.operation} (`)) ?? err.operation;
    const message = `${err.service}.${first.replace(' (', ' got a transient error (')} and was sent again; AWS then answered ${err.code} (the first try made it, its answer was lost): looking at AWS again`;
    await this.deps.status
      .update(LBS, lbs, (cur) => ({ ...cur.status, conditions: setOutcome(cur.status?.conditions, { state: 'Reconciling', reason: Reason.AwsError, message }, lbs.metadata?.generation) }), ctx.signal)
      .catch((e: unknown) => ctx.log.warn({ err: errorMessage(e) }, 'status update after a lost answer failed'));
  }

  private async reportFailure(ctx: ReconcileContext, lbs: LoadBalancedService, err: unknown): Promise<void> {
    await this.deps.status
      .update(
        LBS,
        lbs,
        (cur) => ({
          ...cur.status,
          conditions: setOutcome(
            cur.status?.conditions,
            err instanceof SecurityGroupInUseError
              ? { state: 'Reconciling', reason: Reason.SecurityGroupInUse, message: errorMessage(err) }
              : { state: 'Reconciling', reason: Reason.AwsError, message: `${errorMessage(err)}; retrying` },
            lbs.metadata?.generation,
          ),
        }),
        ctx.signal,
      )
      .catch((e: unknown) => ctx.log.warn({ err: errorMessage(e) }, 'status update after a failed reconcile failed'));
  }

  private async finalize(ctx: ReconcileContext, lbs: LoadBalancedService, id: ResourceId, api: Elbv2Api): Promise<ReconcileResult> {
    this.converged.delete(ctx.key);
    if (!lbs.metadata?.finalizers?.includes(FINALIZER)) return {};
    if ((lbs.spec.deletionPolicy ?? 'Delete') === 'Delete') {
      // Only what is owned, no details: deleting the load balancer removes its listeners and rules.
      const owned = await findOwned(
        api,
        {
          id,
          ownerTags: ownerTags(id),
          loadBalancerName: lbs.spec.loadBalancer?.name ?? loadBalancerName(id, lbs.spec.loadBalancer?.scheme ?? 'internet-facing'),
          targetGroupNames: new Map(),
          ...knownArns(lbs),
          adopt: false,
        },
        { listeners: false, confirmRemembered: true },
      );
      const p = deletionPlan(owned, lbs.spec.loadBalancer?.deletionProtection === true);
      if (p.actions.length) {
        await this.runApply(ctx, lbs, api, p, {
          disablingDeletionProtection: (name) =>
            this.deps.events.warning(
              lbs,
              'DeletionProtectionDisabled',
              `turning off deletion protection of load balancer ${name}: the resource is being deleted with deletionPolicy Delete`,
            ),
        });
        const d = describeApplied(p.actions);
        this.deps.events.normal(lbs, EventReason.Deleted, `deleted ${d.deleted.join(', ')}`);
      }
      // Managed security groups last, once the load balancer is gone (AWS refuses while its
      // network interfaces linger: SecurityGroupInUseError, retried with backoff, said in status).
      if (managesSecurityGroups(lbs.spec) || lbs.status?.securityGroups) {
        // From the shared inventory: only groups it shows as ours, no read of our own.
        const sgApi = this.sgView(ctx);
        const { groups } = await observeSecurityGroups(sgApi, { id, ownerTags: ownerTags(id), vpcId: undefined, adopt: false });
        const sgDeletes = securityGroupDeletions(groups);
        if (sgDeletes.length) {
          await this.runApply(ctx, lbs, api, { refs: { loadBalancer: null, listeners: {}, targetGroups: {} }, actions: sgDeletes, waiting: [], blocked: [] }, {});
          this.deps.events.normal(lbs, EventReason.Deleted, `deleted ${describeApplied(sgDeletes).deleted.join(', ')}`);
        }
      }
    } else {
      this.deps.events.normal(lbs, EventReason.Deleted, 'deletionPolicy Retain: AWS objects left in place');
    }
    await this.deps.finalizers.remove(LBS, lbs, FINALIZER, ctx.signal);
    return {};
  }

  private async converge(ctx: ReconcileContext, lbs: LoadBalancedService, id: ResourceId, api: Elbv2Api, retried: readonly string[]): Promise<ReconcileResult> {
    const spec = lbs.spec;
    const generation = lbs.metadata?.generation;

    // Inputs from Kubernetes: certificate ARNs and endpoint targets.
    const certificateArns = new Map<string, string | undefined>();
    const notReadyCertificates: string[] = [];
    const certs = this.deps.caches.get<ServerCertificate>(SC);
    for (const l of spec.listeners) {
      for (const ref of l.certificateRefs ?? []) {
        const sc = certs.get(ctx.namespace, ref.name);
        // A certificate that is not Ready but still publishes an ARN (e.g. a bad renewal) keeps
        // serving with the certificate already in IAM; the LBS still reports ReferenceNotReady.
        certificateArns.set(ref.name, sc?.status?.arn || undefined);
        const ready = getCondition(sc?.status?.conditions, ConditionType.Ready)?.status === 'True';
        if (!ready && !notReadyCertificates.includes(ref.name)) notReadyCertificates.push(ref.name);
      }
    }
    const serviceTargetsByTg = new Map<string, Target[]>();
    for (const tg of spec.targetGroups ?? []) {
      if (!tg.serviceRef) continue;
      const service = this.deps.caches.get<V1Service & { metadata?: { name?: string } }>(CORE.service).get(ctx.namespace, tg.serviceRef.name);
      const slices = this.deps.caches
        .get<V1EndpointSlice & { metadata?: { name?: string } }>(CORE.endpointSlice)
        .byIndex(INDEX_SLICE_SERVICE, indexKey(ctx.namespace, tg.serviceRef.name));
      serviceTargetsByTg.set(tg.name, serviceTargets(service, slices, tg.serviceRef.port));
    }

    // authenticateOidc client secrets: read now, held for this reconcile's apply only.
    const clientSecrets = await readClientSecrets(this.deps.kube, ctx.namespace, spec, ctx.signal);
    let model: DesiredModel;
    try {
      const defaultNetwork = needsDefaultNetwork(spec) ? await this.defaultNetwork(ctx) : undefined;
      const securityGroupNetwork = managesSecurityGroups(spec) ? await this.securityGroupNetwork(ctx, spec, defaultNetwork) : undefined;
      ({ model } = build({ id, spec, defaultNetwork, certificateArns, serviceTargets: serviceTargetsByTg, securityGroupNetwork, clientSecrets: clientSecrets.lookups }));
    } catch (err) {
      if (err instanceof InvalidSpecError) throw new TerminalError(Reason.InvalidSpec, err.message);
      // Nothing in AWS is touched; the Secret watch brings the resource back when it appears.
      if (err instanceof MissingSecretError) throw new TerminalError(Reason.SecretNotFound, `${err.message}; nothing in AWS was changed`, { recheck: true });
      throw err;
    }

    const desiredKey = canonical(model);
    const hash = inputsHash(desiredKey);
    // Restart without a storm: in sync with these very inputs not long ago -> no AWS call until
    // the re-check is due (spread over the resync period as the syncs were).
    if (!this.converged.has(ctx.key)) {
      const dueInMs = this.unchangedSinceSync(lbs, hash);
      if (dueInMs !== undefined) {
        this.converged.set(ctx.key, hash);
        ctx.log.debug({ dueInMs }, 'in sync with these inputs at the last check: not looking at AWS before the re-check');
        return { resyncAfterMs: dueInMs };
      }
    }
    // IP targets AWS would refuse: InvalidSpec before anything in ELBv2 is read or changed.
    const badTargets = await this.ipTargetProblems(ctx, spec, model);
    if (badTargets.length) throw new TerminalError(Reason.InvalidSpec, badTargets.join('; '), { recheck: true });

    const pending = this.provisioning.get(ctx.key);
    const draining = (lbs.status?.previousLoadBalancers ?? []).length + (lbs.status?.previousTargetGroups ?? []).length > 0;
    if (pending && pending.desiredKey === desiredKey && pending.generation === generation && !draining) {
      const settledNow = await this.recheckProvisioning(ctx, lbs, model, api, pending, hash);
      if (settledNow) return settledNow;
    }
    this.provisioning.delete(ctx.key);

    // AWS never returns client secrets: status says which Secret version each was sent from.
    const actual = withSentSecretVersions(await this.observeFor(api, id, lbs, model, this.published.get(ctx.key)), lbs.status?.oidcSecretVersions);
    // Managed groups (and, once the spec names its own, the ones left to delete): one EC2 read.
    if (model.securityGroups?.length || lbs.status?.securityGroups) {
      const observed = await observeSecurityGroups(this.sgView(ctx), {
        id,
        ownerTags: model.ownerTags,
        vpcId: model.securityGroups?.[0]?.vpcId,
        adopt: lbs.spec.adopt === true && adoptionAllowed(this.deps.config, id.namespace),
      });
      actual.securityGroups = observed.groups;
      actual.conflicts.push(...observed.conflicts);
    }
    const claimed = nameClaimConflict(lbs, this.rivalsFor(lbs), actual, id.cluster);
    if (claimed) throw new TerminalError(Reason.Conflict, claimed, { recheck: true });
    if (actual.conflicts.length) throw conflictError(actual.conflicts, { adoptRequested: lbs.spec.adopt === true, namespace: ctx.namespace });

    const previous = lbs.status?.previousLoadBalancers ?? [];
    const previousTgs = lbs.status?.previousTargetGroups ?? [];
    const webAcl = await this.observeWebAcl(ctx, lbs, model, actual);
    const planFor = (state: Pick<ActualState, 'loadBalancers' | 'targetGroups'>): Plan =>
      withWebAcl(
        plan(model, actual, {
          retain: retirement(model, state, previous, this.now(), this.drainMs).keep,
          retainTargetGroups: targetGroupDrain(model, state, previousTgs, this.now()).keep,
        }),
        webAclActions(webAcl),
      );
    const p = planFor(actual);
    const drift = driftOf(p);
    const wasConverged = this.converged.has(ctx.key) ? this.converged.get(ctx.key) === hash : this.lastRunConverged(lbs);
    // Deleting a replaced load balancer (or target group) once it is due finishes a spec change: not drift.
    const isDrift = p.actions.some((a) => !finishesReplacement(a, model)) && wasConverged;
    const report = isDrift && (spec.driftPolicy ?? 'Correct') === 'Report';
    ctx.log.debug({ actions: p.actions.length, drift: isDrift, waiting: p.waiting, blocked: p.blocked }, 'planned');

    let final: StatusState = actual;
    let applied = false;
    let managedGroups = p.refs.securityGroups;
    if (report) {
      this.deps.events.warning(
        lbs,
        'Drifted',
        `AWS differs from the spec (driftPolicy Report, nothing changed): ${summarizeChanges(drift)}`,
      );
    } else if (p.actions.length) {
      const result = await this.runApply(ctx, lbs, api, p, { clientSecret: (ref) => clientSecrets.value(ref), wafv2: this.wafv2(ctx.signal) }, clientSecrets);
      applied = true;
      managedGroups = result.refs.securityGroups;
      const d = describeApplied(p.actions);
      if (isDrift) {
        this.deps.events.normal(lbs, EventReason.DriftCorrected, `changed back: ${summarizeChanges(drift)}`);
      } else {
        if (d.created.length) this.deps.events.normal(lbs, EventReason.Created, `created ${d.created.join(', ')}`);
        if (d.updated.length) this.deps.events.normal(lbs, EventReason.Updated, `updated ${d.updated.join(', ')}`);
        if (d.deleted.length) this.deps.events.normal(lbs, EventReason.Deleted, `deleted ${d.deleted.join(', ')}`);
      }
      // No full re-read: every call succeeded, so status is built from what apply returned.
      final = appliedState(model, actual, p, result);
    }

    // A create sent again after a transient error may have been done twice (moto makes a second
    // load balancer of the name, a second listener on the port): not in sync until AWS has been
    // observed again in full, soon, with the inventory listed again; the plan then deletes an owned
    // duplicate, keeping the one status remembers (observe.ts puts it first).
    const doubted = [...new Set(retried)];
    if (doubted.length) {
      this.inventory.invalidate();
      this.sgInventory.invalidate();
      const o = observedStatus(model, final);
      this.published.set(ctx.key, { loadBalancerArn: o.loadBalancer?.arn, listenerArns: (o.listeners ?? []).flatMap((l) => (l.arn ? [l.arn] : [])) });
    }

    const retiring = retirement(model, final, previous, this.now(), this.drainMs);
    const tgDrain = targetGroupDrain(model, final, previousTgs, this.now());
    // What is left to do: nothing after a successful apply (checked again at the next re-check).
    const remaining = report ? p : applied ? { ...p, actions: [] } : planFor(final);
    const settled = !report && remaining.actions.length === 0 && doubted.length === 0;
    if (settled && p.blocked.length === 0) this.converged.set(ctx.key, hash);
    if (settled) this.published.delete(ctx.key);

    const lbState = observedStatus(model, final).loadBalancer?.state;
    let outcome: Outcome;
    if (p.blocked.length) outcome = { state: 'Stalled', reason: 'Blocked', message: p.blocked.join('; ') };
    else if (doubted.length) {
      outcome = {
        state: 'Reconciling',
        reason: Reason.AwsError,
        message: `${doubted.join(', ')}: a transient error, and sent again: AWS may have done it twice; looking at AWS again in full`,
      };
    } else if (notReadyCertificates.length) {
      const waits = p.waiting.length ? `; ${p.waiting.join('; ')}` : '';
      outcome = {
        state: 'Reconciling',
        reason: Reason.ReferenceNotReady,
        message: `ServerCertificate ${notReadyCertificates.join(', ')} not Ready${waits}; everything else is built`,
      };
    } else if (!settled) {
      outcome = { state: 'Reconciling', reason: Reason.Progressing, message: `AWS is catching up: ${summarizeChanges(driftOf(remaining), 3)}` };
    } else if (lbState && lbState !== 'active') {
      outcome = { state: 'Reconciling', reason: Reason.Progressing, message: `load balancer is ${lbState}` };
    } else {
      const drains = [retiring.message, tgDrain.message].filter(Boolean).map((m) => `; ${m}`).join('');
      outcome = { state: 'Ready', reason: Reason.Reconciled, message: `load balancer ${model.loadBalancer.name} matches the spec${drains}` };
    }

    const inSync = outcome.state === 'Ready' && !report;
    const syncTime = new Date(this.now()).toISOString();
    await this.deps.status.update(
      LBS,
      lbs,
      (cur) => {
        let conditions = cur.status?.conditions;
        if (report) {
          // Drifted, Report: a human decides, so Stalled=True reason Drifted (kstatus Failed, Argo CD Degraded).
          const message = `AWS differs from the spec (driftPolicy Report): ${summarizeChanges(drift)}`;
          conditions = setOutcome(conditions, { state: 'Stalled', reason: Reason.Drifted, message }, generation);
          conditions = setCondition(conditions, { type: ConditionType.Drifted, status: 'True', reason: Reason.Drifted, message }, generation);
        } else {
          conditions = setOutcome(conditions, outcome, generation);
          if (isDrift) {
            conditions = setCondition(
              conditions,
              { type: ConditionType.Drifted, status: 'False', reason: Reason.Corrected, message: `changed back: ${summarizeChanges(drift)}` },
              generation,
            );
          } else if (getCondition(conditions, ConditionType.Drifted)?.reason !== Reason.Corrected || drift.length) {
            conditions = setCondition(conditions, { type: ConditionType.Drifted, status: 'False', reason: Reason.NoDrift, message: 'AWS matches the spec' }, generation);
          }
        }
        const observed = observedStatus(model, final);
        const webAclArn = rememberedAfter(webAcl, applied);
        if (observed.loadBalancer) {
          delete observed.loadBalancer.webAclArn;
          if (webAclArn !== undefined) observed.loadBalancer.webAclArn = webAclArn;
        }
        const status: LoadBalancedServiceStatus = {
          ...cur.status,
          ...observed,
          previousLoadBalancers: retiring.previous,
          securityGroups: model.securityGroups?.length && managedGroups ? { frontend: managedGroups['frontend'], backend: managedGroups['backend'] } : undefined,
          ...sentVersions(report || p.blocked.length > 0 ? undefined : model, cur.status?.oidcSecretVersions),
          previousTargetGroups: tgDrain.previous,
          drift: isDrift ? driftStatus(drift) : [],
          conditions,
          ...(inSync ? { inSync: { observedGeneration: generation, inputsHash: hash, time: syncTime } } : {}),
        };
        return status;
      },
      ctx.signal,
    );

    if (!settled && !report) return { requeueAfterMs: CATCH_UP_REQUEUE_MS };
    // What AWS fills in after the apply: the state of a provisioning load balancer, the health of
    // targets just (de)registered. Looked at again soon, those fields only.
    const provisioningArn = lbState && lbState !== 'active' ? final.loadBalancers.find((l) => l.name === model.loadBalancer.name)?.arn : undefined;
    const health: Record<string, string> = {};
    if (applied) {
      for (const a of p.actions) {
        if (a.op !== 'registerTargets' && a.op !== 'deregisterTargets') continue;
        const arn = final.targetGroups.find((t) => t.key === a.targetGroup)?.arn;
        if (arn) health[a.targetGroup] = arn;
      }
    }
    if (settled && p.blocked.length === 0 && (provisioningArn || Object.keys(health).length)) {
      this.provisioning.set(ctx.key, { desiredKey, generation, arn: provisioningArn, health, checks: 0 });
      return { requeueAfterMs: PROVISIONING_CHECKS_MS[0] };
    }
    if (lbState && lbState !== 'active') return { requeueAfterMs: PROVISIONING_REQUEUE_MS };
    // Come back when the next replaced load balancer or target group is due for deletion.
    const dues = [retiring.dueInMs, tgDrain.dueInMs].filter((d): d is number => d !== null);
    if (dues.length) return { requeueAfterMs: Math.max(1_000, Math.min(...dues)) };
    if (retiring.keep.size) return { requeueAfterMs: PROVISIONING_REQUEUE_MS };
    // In sync: the periodic re-check at a time the shared inventory can foresee (read-ahead).
    return inSync ? { resyncAfterMs: resyncDelayMs(lbs, syncTime, this.deps.config.resyncPeriodMs) } : {};
  }

  /**
   * What web-acl.ts needs: the spec's web ACL, the one status remembers, and (only when one of them
   * is set, so WAFv2 is never loaded otherwise) the one associated with the current load balancer.
   */
  private async observeWebAcl(ctx: ReconcileContext, lbs: LoadBalancedService, model: DesiredModel, actual: ActualState): Promise<WebAclInput> {
    const desired = model.loadBalancer.webAclArn;
    const remembered = lbs.status?.loadBalancer?.webAclArn || undefined;
    if (!webAclManaged(desired, remembered)) return { desired, remembered, observed: undefined };
    const want = model.loadBalancer;
    const current = actual.loadBalancers.find((lb) => lb.name === want.name && lb.scheme === want.scheme);
    return { desired, remembered, observed: current ? await this.wafv2(ctx.signal).webAclFor(current.arn) : undefined };
  }

  /**
   * The region's default VPC and subnets. Their absence (or too few zones) is a spec problem the
   * user fixes by naming the network: Stalled, not retried; AWS errors (throttling ...) are retried.
   */
  private async defaultNetwork(ctx: ReconcileContext): Promise<{ vpcId: string; subnetIds: string[] }> {
    try {
      return await this.ec2(ctx.signal).defaultNetwork();
    } catch (err) {
      if (err instanceof AwsError || ctx.signal.aborted) throw err;
      throw new TerminalError(
        Reason.NoDefaultVpc,
        `${errorMessage(err)}; set spec.loadBalancer.subnets and spec.targetGroups[].vpcId (the default VPC is used only when they are empty)`,
        { cause: err, recheck: true },
      );
    }
  }

  /**
   * Where the managed groups live and whom they admit by default: the load balancer's VPC (the
   * default VPC, or the spec's subnets' VPC) and, for an internal scheme without inboundCidrs, its
   * CIDR blocks. Cached EC2 reads; subnets in several VPCs are a spec problem (Stalled).
   */
  private async securityGroupNetwork(
    ctx: ReconcileContext,
    spec: LoadBalancedService['spec'],
    defaultNetwork: { vpcId: string; subnetIds: string[] } | undefined,
  ): Promise<SecurityGroupNetwork> {
    try {
      return await resolveSecurityGroupNetwork(this.ec2(ctx.signal), spec, async () => defaultNetwork ?? (await this.defaultNetwork(ctx)));
    } catch (err) {
      if (err instanceof AwsError || err instanceof TerminalError || ctx.signal.aborted) throw err;
      throw new TerminalError(Reason.InvalidSpec, `spec.loadBalancer.subnets: ${errorMessage(err)}`, { cause: err, recheck: true });
    }
  }

  /** ip-targets.ts's judgement, with the CIDR blocks of each VPC concerned (one cached EC2 read per VPC). */
  private async ipTargetProblems(ctx: ReconcileContext, spec: LoadBalancedService['spec'], model: DesiredModel): Promise<string[]> {
    const groups = ipTargetGroupsToCheck(spec);
    if (!groups.length) return [];
    const vpcOf = (tg: (typeof groups)[number]): string => model.targetGroups.find((t) => t.key === tg.name)?.vpcId ?? tg.vpcId ?? '';
    const vpcIds = [...new Set(groups.map(vpcOf).filter(Boolean))];
    const ec2 = this.ec2(ctx.signal);
    const cidrs = new Map(await Promise.all(vpcIds.map(async (v) => [v, await ec2.vpcCidrs(v)] as const)));
    return ipTargetProblems(spec, vpcOf, cidrs);
  }

  /** Other LoadBalancedServices (any watched namespace) with the same explicit load balancer name. */
  private rivalsFor(lbs: LoadBalancedService): LoadBalancedService[] {
    const name = explicitName(lbs);
    if (!name) return [];
    return this.deps.caches.get<LoadBalancedService>(LBS).byIndex(INDEX_LOAD_BALANCER_NAME, name).filter((o) => keyOf(o) !== keyOf(lbs));
  }

  /** `published`: what this process published after a create it sent again, preferred to status (which may be older). */
  private observeFor(
    api: Elbv2Api,
    id: ResourceId,
    lbs: LoadBalancedService,
    model: DesiredModel,
    published?: { loadBalancerArn: string | undefined; listenerArns: string[] },
  ): Promise<ActualState> {
    const known = knownArns(lbs);
    return observeDesired(api, id, model, {
      ...known,
      knownLoadBalancerArns: [...(published?.loadBalancerArn ? [published.loadBalancerArn] : []), ...known.knownLoadBalancerArns],
      knownListenerArns: [...(published?.listenerArns ?? []), ...(lbs.status?.listeners ?? []).flatMap((l) => (l.arn ? [l.arn] : []))],
      // spec.adopt counts only where the operator consented (--adopt-namespaces).
      adopt: lbs.spec.adopt === true && adoptionAllowed(this.deps.config, id.namespace),
    });
  }

  /**
   * Without memory of this key (a fresh process): did the last status write describe this
   * generation as converged (Ready, or drift reported)? Then differences now are drift.
   */
  private lastRunConverged(lbs: LoadBalancedService): boolean {
    const gen = lbs.metadata?.generation;
    const conditions = lbs.status?.conditions;
    if (gen === undefined || lbs.status?.observedGeneration !== gen) return false;
    const ready = getCondition(conditions, ConditionType.Ready);
    const drifted = getCondition(conditions, ConditionType.Drifted);
    return (ready?.status === 'True' && ready.observedGeneration === gen) || (drifted?.status === 'True' && drifted.observedGeneration === gen);
  }

  /**
   * In a fresh process: was this object in sync with exactly these inputs (same generation, same
   * inputs hash, Ready) less than a resync period ago? Then the ms until its re-check is due.
   */
  private unchangedSinceSync(lbs: LoadBalancedService, hash: string): number | undefined {
    const gen = lbs.metadata?.generation;
    const s = lbs.status?.inSync;
    if (!s || gen === undefined || s.observedGeneration !== gen || s.inputsHash !== hash || lbs.status?.observedGeneration !== gen) return undefined;
    const ready = getCondition(lbs.status?.conditions, ConditionType.Ready);
    if (ready?.status !== 'True' || ready.observedGeneration !== gen) return undefined;
    const period = this.deps.config.resyncPeriodMs;
    let due = Date.parse(s.time ?? '') + resyncDelayMs(lbs, s.time ?? '', period) - this.now();
    if (!Number.isFinite(due)) return undefined;
    // A replaced load balancer or target group still draining is deleted when due, not at the re-check.
    const drainEnds = [
      ...(lbs.status?.previousLoadBalancers ?? []).map((l) => Date.parse(l.since ?? '') + this.drainMs),
      ...(lbs.status?.previousTargetGroups ?? []).map((t) => Date.parse(t.until ?? '')),
    ].filter(Number.isFinite);
    if (drainEnds.length) due = Math.min(due, Math.max(1_000, Math.min(...drainEnds) - this.now()));
    // Overdue (down for longer than a period): soon, but spread over a tenth of the period, not all at once.
    return due > 0 ? due : Math.max(1_000, Math.round(spreadOf(lbs.metadata?.uid ?? lbs.metadata?.name ?? '') * period * 0.1));
  }

  /**
   * The light re-check after this process's apply, with nothing else to do: the load balancer's
   * state and DNS name (read in a batch shared with other reconciles) while it is not active, and
   * the health of target groups whose targets changed. Returns the result when done, undefined to
   * fall back to a full reconcile (the load balancer is gone, or failed).
   */
  private async recheckProvisioning(
    ctx: ReconcileContext,
    lbs: LoadBalancedService,
    model: DesiredModel,
    api: Elbv2Api,
    pending: Settling,
    hash: string,
  ): Promise<ReconcileResult | undefined> {
    const lb = pending.arn ? (await api.describeLoadBalancersByArn([pending.arn]))[0] : undefined;
    const state = pending.arn ? lb?.State?.Code : 'active';
    if (!state || state === 'failed') return undefined;
    const healthy = new Map<string, number>();
    await Promise.all(
      Object.entries(pending.health).map(async ([key, arn]) => {
        healthy.set(key, (await api.describeTargetHealth(arn)).filter((h) => h.TargetHealth?.State === 'healthy').length);
      }),
    );
    pending.health = {};
    const generation = lbs.metadata?.generation;
    const active = state === 'active';
    if (active) pending.arn = undefined;
    const outcome: Outcome = active
      ? { state: 'Ready', reason: Reason.Reconciled, message: `load balancer ${model.loadBalancer.name} matches the spec` }
      : { state: 'Reconciling', reason: Reason.Progressing, message: `load balancer is ${state}` };
    const syncTime = new Date(this.now()).toISOString();
    await this.deps.status.update(
      LBS,
      lbs,
      (cur) => ({
        ...cur.status,
        ...(lb ? { loadBalancer: { ...cur.status?.loadBalancer, arn: lb.LoadBalancerArn, name: lb.LoadBalancerName, dnsName: lb.DNSName, canonicalHostedZoneId: lb.CanonicalHostedZoneId, state } } : {}),
        targetGroups: (cur.status?.targetGroups ?? []).map((t) => {
          const h = t.name === undefined ? undefined : healthy.get(t.name);
          return h === undefined ? t : { ...t, healthy: h };
        }),
        conditions: setOutcome(cur.status?.conditions, outcome, generation),
        ...(active ? { inSync: { observedGeneration: generation, inputsHash: hash, time: syncTime } } : {}),
      }),
      ctx.signal,
    );
    if (active) {
      this.provisioning.delete(ctx.key);
      this.converged.set(ctx.key, inputsHash(pending.desiredKey));
      return { resyncAfterMs: resyncDelayMs(lbs, syncTime, this.deps.config.resyncPeriodMs) };
    }
    pending.checks += 1;
    return { requeueAfterMs: PROVISIONING_CHECKS_MS[pending.checks] ?? PROVISIONING_REQUEUE_MS };
  }

  /** The security group port of one reconcile, through the shared inventory. */
  private sgView(ctx: ReconcileContext): SecurityGroupView {
    const retried = this.retriedBy.get(ctx);
    return this.sgInventory.view(this.securityGroups(ctx.signal, retried ? noteRetried(retried) : undefined), ctx.signal);
  }

  private async runApply(
    ctx: ReconcileContext,
    lbs: LoadBalancedService,
    api: Elbv2Api,
    p: Plan,
    hooks: ApplyHooks,
    secrets?: ClientSecrets,
  ): Promise<ApplyResult> {
    try {
      return await apply(
        api,
        p,
        {
          ...hooks,
          applied: (a) => ctx.log.info({ op: a.op, changes: a.changes }, 'applied'),
        },
        this.sgView(ctx),
      );
    } catch (err) {
      secrets?.redact(err);
      // A group AWS still holds in use: the reconcile is retried with backoff; status says why.
      if (err instanceof SecurityGroupInUseError) throw err;
      // The create answered with a load balancer not ours (create-guard.ts): the Conflict an
      // observation would have found. Unowned, with adoption allowed: retried, the observation adopts it.
      if (err instanceof PreExistingLoadBalancerError) {
        const adopt = lbs.spec.adopt === true;
        const adoptable = adopt && err.conflict.owner.startsWith('nobody') && adoptionAllowed(this.deps.config, ctx.namespace);
        if (!adoptable) throw conflictError([err.conflict], { adoptRequested: adopt, namespace: ctx.namespace });
      }
      if (err instanceof AwsError && (err.kind === 'terminal' || err.kind === 'invalid')) {
        throw new TerminalError(Reason.AwsError, err.message, { cause: err, recheck: true });
      }
      // Status says so: reconcile()'s catch writes the outcome.
      this.deps.events.warning(lbs, EventReason.AwsError, errorMessage(err));
      throw err;
    }
  }
}
