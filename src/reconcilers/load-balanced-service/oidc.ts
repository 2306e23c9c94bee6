// Sign-in at the load balancer: the authenticateOidc step of an action, spec -> model, model <->
// ELBv2, in words, and which client secret version AWS holds. Pure.
//
// AWS never returns the client secret (moto does; it is ignored here). So the model compares
// everything else, and carries only a version marker "<secret>/<key>@<resourceVersion>": the
// desired one is the Secret's current resourceVersion, the observed one is what status records as
// last sent. The secret itself is sent when an action is created, when OIDC is added to an existing
// action, when the client id changes, and when the markers differ; otherwise AWS keeps the one it
// has (UseExistingClientSecret). It never enters a model, a plan, status, an event or a log line.
import type { Action, AuthenticateOidcActionConfig } from '../../aws/elbv2.ts';
import type { LoadBalancedServiceSpec, LoadBalancedServiceStatus } from '../../crds/index.ts';
import type { ActualState, DesiredModel, OidcAuth, RouteAction } from './model.ts';

type ListenerSpec = LoadBalancedServiceSpec['listeners'][number];
type OidcSpec = NonNullable<ListenerSpec['defaultAction']['authenticateOidc']>;
export type SecretVersionEntry = NonNullable<LoadBalancedServiceStatus['oidcSecretVersions']>[number];

/** AWS's defaults for what the spec (or what AWS returns) leaves out. */
export const OIDC_DEFAULTS = {
  scope: 'openid',
  sessionCookieName: 'AWSELBAuthSessionCookie',
  sessionTimeoutSeconds: 604800,
  onUnauthenticatedRequest: 'authenticate',
} as const;

/** What the controller read of a referenced Secret: its version and which keys hold a value. */
export type SecretLookup = { found: false } | { found: true; resourceVersion: string; keys: ReadonlySet<string> };

/** A referenced Secret or key that does not exist: Stalled, reason SecretNotFound. */
export class MissingSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingSecretError';
  }
}

export const secretVersionMarker = (name: string, key: string, resourceVersion: string): string => `${name}/${key}@${resourceVersion}`;

/** Names of the Secrets a spec's authenticateOidc steps read. */
export function oidcSecretNames(spec: LoadBalancedServiceSpec | undefined): string[] {
  const names = new Set<string>();
  for (const l of spec?.listeners ?? []) {
    const d = l.defaultAction?.authenticateOidc?.clientSecretRef?.name;
    if (d) names.add(d);
    for (const r of l.rules ?? []) {
      const n = r.action?.authenticateOidc?.clientSecretRef?.name;
      if (n) names.add(n);
    }
  }
  return [...names].sort();
}

/**
 * spec -> model. `secrets` undefined: the Secrets are not known (albatross plan), the version stays
 * null; otherwise a missing Secret or key throws MissingSecretError naming the field.
 */
export function buildOidc(o: OidcSpec, where: string, secrets: ReadonlyMap<string, SecretLookup> | undefined): OidcAuth {
  const ref = { name: o.clientSecretRef.name, key: o.clientSecretRef.key };
  let version: string | null = null;
  if (secrets) {
    const field = `${where}.authenticateOidc.clientSecretRef`;
    const s = secrets.get(ref.name);
    if (!s || !s.found) throw new MissingSecretError(`${field}: Secret ${ref.name} not found in this namespace`);
    if (!s.keys.has(ref.key)) throw new MissingSecretError(`${field}: Secret ${ref.name} has no key '${ref.key}' (or it is empty)`);
    version = secretVersionMarker(ref.name, ref.key, s.resourceVersion);
  }
  return {
    issuer: o.issuer,
    authorizationEndpoint: o.authorizationEndpoint,
    tokenEndpoint: o.tokenEndpoint,
    userInfoEndpoint: o.userInfoEndpoint,
    clientId: o.clientId,
    scope: o.scope ?? OIDC_DEFAULTS.scope,
    sessionCookieName: o.sessionCookieName ?? OIDC_DEFAULTS.sessionCookieName,
    sessionTimeoutSeconds: o.sessionTimeoutSeconds ?? OIDC_DEFAULTS.sessionTimeoutSeconds,
    onUnauthenticatedRequest: o.onUnauthenticatedRequest ?? OIDC_DEFAULTS.onUnauthenticatedRequest,
    clientSecretRef: ref,
    clientSecretVersion: version,
  };
}

/** ELBv2 config -> model; ClientSecret (which moto returns and AWS does not) is never read. */
export function oidcFromAws(c: AuthenticateOidcActionConfig | undefined): OidcAuth {
  const extra = c?.AuthenticationRequestExtraParams ?? {};
  return {
    issuer: c?.Issuer ?? '',
    authorizationEndpoint: c?.AuthorizationEndpoint ?? '',
    tokenEndpoint: c?.TokenEndpoint ?? '',
    userInfoEndpoint: c?.UserInfoEndpoint ?? '',
    clientId: c?.ClientId ?? '',
    scope: c?.Scope ?? OIDC_DEFAULTS.scope,
    sessionCookieName: c?.SessionCookieName ?? OIDC_DEFAULTS.sessionCookieName,
    sessionTimeoutSeconds: c?.SessionTimeout ?? OIDC_DEFAULTS.sessionTimeoutSeconds,
    onUnauthenticatedRequest: c?.OnUnauthenticatedRequest ?? OIDC_DEFAULTS.onUnauthenticatedRequest,
    ...(Object.keys(extra).length ? { extraParams: { ...extra } } : {}),
    clientSecretRef: null,
    clientSecretVersion: null,
  };
}

/** How the client secret goes with an authenticate-oidc action: the value, or "keep AWS's". */
export type ClientSecretInput = { ClientSecret: string } | { UseExistingClientSecret: true };

export function oidcToAws(a: OidcAuth, secret: ClientSecretInput): Action {
  return {
    Type: 'authenticate-oidc',
    Order: 1,
    AuthenticateOidcConfig: {
      Issuer: a.issuer,
      AuthorizationEndpoint: a.authorizationEndpoint,
      TokenEndpoint: a.tokenEndpoint,
      UserInfoEndpoint: a.userInfoEndpoint,
      ClientId: a.clientId,
      Scope: a.scope,
      SessionCookieName: a.sessionCookieName,
      SessionTimeout: a.sessionTimeoutSeconds,
      OnUnauthenticatedRequest: a.onUnauthenticatedRequest as 'deny' | 'allow' | 'authenticate',
      ...secret,
    },
  };
}

/** The action without its secret markers: what is compared with AWS. */
export function comparable(a: RouteAction): RouteAction {
  if (!a.authenticateOidc) return a;
  return { ...a, authenticateOidc: { ...a.authenticateOidc, clientSecretRef: null, clientSecretVersion: null } };
}

/**
 * Must the client secret be sent with this desired action, AWS holding `have`? Yes when OIDC is new
 * there, its client id changed, or the version AWS was sent is not the Secret's current one (or is
 * not recorded). Never for an unknown desired version (albatross plan).
 */
export function needsClientSecret(want: RouteAction, have: RouteAction | undefined): boolean {
  const w = want.authenticateOidc;
  if (!w) return false;
  const h = have?.authenticateOidc;
  if (!h || h.clientId !== w.clientId) return true;
  return w.clientSecretVersion !== null && w.clientSecretVersion !== h.clientSecretVersion;
}

/** Words for a change of the secret version (never the secret). */
export function describeSecretVersion(v: string | null): string {
  if (v === null) return '(not recorded)';
  const at = v.lastIndexOf('@');
  return `Secret ${v.slice(0, at)} resourceVersion ${v.slice(at + 1)}`;
}

export function describeOidc(a: OidcAuth): string {
  const extra = a.extraParams ? ` params ${Object.keys(a.extraParams).sort().join(',')}` : '';
  return (
    `authenticate-oidc ${a.issuer} client ${a.clientId} (authorize ${a.authorizationEndpoint}, token ${a.tokenEndpoint}, ` +
    `userinfo ${a.userInfoEndpoint}, scope ${a.scope}, cookie ${a.sessionCookieName}, ${a.sessionTimeoutSeconds}s, ` +
    `unauthenticated ${a.onUnauthenticatedRequest}${extra})`
  );
}

// ---------- status.oidcSecretVersions ----------

const locationKey = (listener: number, rule: number | undefined): string => `${listener}/${rule ?? 'default'}`;

/** status.oidcSecretVersions for a desired model that AWS now holds. */
export function secretVersionsOf(model: DesiredModel): SecretVersionEntry[] {
  const out: SecretVersionEntry[] = [];
  const push = (listener: number, rule: number | undefined, a: RouteAction): void => {
    const o = a.authenticateOidc;
    if (!o?.clientSecretRef || o.clientSecretVersion === null) return;
    const rv = o.clientSecretVersion.slice(o.clientSecretVersion.lastIndexOf('@') + 1);
    out.push({ listener, ...(rule === undefined ? {} : { rule }), secret: o.clientSecretRef.name, key: o.clientSecretRef.key, resourceVersion: rv });
  };
  for (const l of model.listeners) {
    push(l.port, undefined, l.defaultAction);
    for (const r of l.rules) push(l.port, r.priority, r.action);
  }
  return out;
}

/** The observed state with the versions status records as sent put on its authenticate-oidc steps. */
export function withSentSecretVersions(actual: ActualState, recorded: SecretVersionEntry[] | undefined): ActualState {
  const byLocation = new Map<string, string>();
  for (const e of recorded ?? []) {
    if (e.listener === undefined || !e.secret || !e.key || !e.resourceVersion) continue;
    byLocation.set(locationKey(e.listener, e.rule), secretVersionMarker(e.secret, e.key, e.resourceVersion));
  }
  if (byLocation.size === 0) return actual;
  const put = (a: RouteAction, key: string): RouteAction =>
    a.authenticateOidc ? { ...a, authenticateOidc: { ...a.authenticateOidc, clientSecretVersion: byLocation.get(key) ?? null } } : a;
  return {
    ...actual,
    listeners: actual.listeners.map((l) => ({
      ...l,
      defaultAction: put(l.defaultAction, locationKey(l.port, undefined)),
      rules: l.rules.map((r) => ({ ...r, action: put(r.action, locationKey(l.port, r.priority)) })),
    })),
  };
}
