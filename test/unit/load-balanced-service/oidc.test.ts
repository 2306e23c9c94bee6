// Sign-in at the load balancer (authenticateOidc): the spec becomes an authenticate-oidc action
// (order 1) before the forward (order 2); the client secret is sent on create and when the Secret's
// resourceVersion changes, otherwise AWS keeps its own (UseExistingClientSecret); everything else is
// compared for drift; the secret never enters a model, a plan or a message.
import { describe, expect, test } from '@jest/globals';
import type { LoadBalancedServiceSpec } from '../../../src/crds/index.ts';
import { apply } from '../../../src/reconcilers/load-balanced-service/apply.ts';
import { actionFromAws, actionToAws } from '../../../src/reconcilers/load-balanced-service/aws-shapes.ts';
import { build, InvalidSpecError } from '../../../src/reconcilers/load-balanced-service/build.ts';
import type { DesiredModel } from '../../../src/reconcilers/load-balanced-service/model.ts';
import { observe } from '../../../src/reconcilers/load-balanced-service/observe.ts';
import {
  MissingSecretError,
  secretVersionsOf,
  withSentSecretVersions,
  type SecretLookup,
} from '../../../src/reconcilers/load-balanced-service/oidc.ts';
import { canonical, plan, type Plan } from '../../../src/reconcilers/load-balanced-service/plan.ts';
import { FakeElbv2 } from './fake-elbv2.ts';
import { CERT_A, ID, NETWORK, exampleSpec } from './support.ts';

const SECRET_VALUE = 'sEcReT-vAlUe-0123456789';
const OIDC = {
  issuer: 'https://adfs.example.com/adfs',
  authorizationEndpoint: 'https://adfs.example.com/adfs/oauth2/authorize',
  tokenEndpoint: 'https://adfs.example.com/adfs/oauth2/token',
  userInfoEndpoint: 'https://adfs.example.com/adfs/userinfo',
  clientId: 'chat-alb',
  clientSecretRef: { name: 'adfs-client', key: 'client-secret' },
};

function oidcSpec(extra: Partial<typeof OIDC & { scope: string; onUnauthenticatedRequest: 'deny' | 'allow' | 'authenticate' }> = {}): LoadBalancedServiceSpec {
  const spec = exampleSpec();
  const https = spec.listeners[0]!;
  https.defaultAction = { authenticateOidc: { ...OIDC, ...extra }, forward: { targetGroup: 'web' } };
  https.rules![0]!.action = { authenticateOidc: { ...OIDC, ...extra }, forward: { targetGroup: 'store' } };
  return spec;
}

const secrets = (rv: string, keys = ['client-secret']): Map<string, SecretLookup> => new Map([['adfs-client', { found: true, resourceVersion: rv, keys: new Set(keys) }]]);

function desired(spec: LoadBalancedServiceSpec, lookups: Map<string, SecretLookup> | undefined): DesiredModel {
  return build({ id: ID, spec, defaultNetwork: NETWORK, certificateArns: new Map([['service-example-com', CERT_A]]), serviceTargets: new Map(), ...(lookups ? { clientSecrets: lookups } : {}) }).model;
}

/** observe -> versions from "status" -> plan, as the reconciler does. */
async function planFor(api: FakeElbv2, model: DesiredModel, recorded: ReturnType<typeof secretVersionsOf> | undefined): Promise<Plan> {
  const actual = await observe(api, {
    id: ID,
    ownerTags: model.ownerTags,
    loadBalancerName: model.loadBalancer.name,
    targetGroupNames: new Map(model.targetGroups.map((t) => [t.key, t.name])),
    knownLoadBalancerArns: [],
    knownTargetGroupArns: [],
    adopt: false,
  });
  return plan(model, withSentSecretVersions(actual, recorded));
}

const hooks = (value = SECRET_VALUE) => ({ clientSecret: () => value });

function oidcActions(api: FakeElbv2): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const l of api.listeners.values()) {
    for (const a of l.listener.DefaultActions ?? []) if (a.Type === 'authenticate-oidc') out.push({ where: 'default', ...a.AuthenticateOidcConfig });
    for (const r of l.rules) for (const a of r.Actions ?? []) if (a.Type === 'authenticate-oidc') out.push({ where: r.Priority, ...a.AuthenticateOidcConfig });
  }
  return out;
}

describe('authenticateOidc', () => {
  test('becomes authenticate-oidc (order 1, AWS defaults filled in) then the forward (order 2)', () => {
    const model = desired(oidcSpec(), secrets('7'));
    const action = model.listeners.find((l) => l.port === 443)!.defaultAction;
    expect(actionToAws(action, () => 'arn:tg', { ClientSecret: 'x' })).toEqual([
      {
        Type: 'authenticate-oidc',
        Order: 1,
        AuthenticateOidcConfig: {
          Issuer: OIDC.issuer,
          AuthorizationEndpoint: OIDC.authorizationEndpoint,
          TokenEndpoint: OIDC.tokenEndpoint,
          UserInfoEndpoint: OIDC.userInfoEndpoint,
          ClientId: 'chat-alb',
          Scope: 'openid',
          SessionCookieName: 'AWSELBAuthSessionCookie',
          SessionTimeout: 604800,
          OnUnauthenticatedRequest: 'authenticate',
          ClientSecret: 'x',
        },
      },
      { Type: 'forward', TargetGroupArn: 'arn:tg', Order: 2 },
    ]);
    // The model names the Secret and its version, never the value.
    expect(canonical(model)).toContain('adfs-client/client-secret@7');
  });

  test('what AWS (or moto, which also returns ClientSecret) reports reads back equal, and never carries the secret', () => {
    const model = desired(oidcSpec(), secrets('7'));
    const action = model.listeners.find((l) => l.port === 443)!.defaultAction;
    const back = actionFromAws(actionToAws(action, (k) => k, { ClientSecret: SECRET_VALUE }));
    expect(JSON.stringify(back)).not.toContain(SECRET_VALUE);
    expect({ ...back, authenticateOidc: { ...back.authenticateOidc!, clientSecretRef: null, clientSecretVersion: null } }).toEqual({
      ...action,
      authenticateOidc: { ...action.authenticateOidc!, clientSecretRef: null, clientSecretVersion: null },
    });
  });

  test('a missing Secret or key names the field; on an HTTP listener it is InvalidSpec', () => {
    expect(() => desired(oidcSpec(), new Map([['adfs-client', { found: false }]]))).toThrow(
      new MissingSecretError('listeners[443].rules[10].action.authenticateOidc.clientSecretRef: Secret adfs-client not found in this namespace'),
    );
    expect(() => desired(oidcSpec(), secrets('7', ['other']))).toThrow("Secret adfs-client has no key 'client-secret'");
    const http = oidcSpec();
    http.listeners[1]!.defaultAction = { authenticateOidc: OIDC, forward: { targetGroup: 'web' } };
    expect(() => desired(http, secrets('7'))).toThrow(new InvalidSpecError('listeners[80].defaultAction.authenticateOidc requires protocol HTTPS (AWS authenticates users only on HTTPS listeners)'));
  });

  test('the secret is sent on create, kept while the Secret is unchanged, sent again after it changed', async () => {
    const api = new FakeElbv2();
    const v7 = desired(oidcSpec(), secrets('7'));
    const created = await planFor(api, v7, undefined);
    expect(JSON.stringify(created)).not.toContain(SECRET_VALUE);
    await apply(api, created, hooks());
    expect(oidcActions(api).map((a) => [a['where'], a['ClientSecret']])).toEqual([['default', SECRET_VALUE], ['10', SECRET_VALUE]]);
    let recorded = secretVersionsOf(v7);
    expect(recorded).toEqual([
      { listener: 443, secret: 'adfs-client', key: 'client-secret', resourceVersion: '7' },
      { listener: 443, rule: 10, secret: 'adfs-client', key: 'client-secret', resourceVersion: '7' },
    ]);

    // Converged: nothing to do (the secret AWS does not return is not a difference).
    expect((await planFor(api, v7, recorded)).actions).toEqual([]);

    // Scope changed in the spec, Secret unchanged: the action is modified, the secret not sent.
    const scoped = desired(oidcSpec({ scope: 'openid email' }), secrets('7'));
    const p = await planFor(api, scoped, recorded);
    expect(p.actions.map((a) => a.op)).toEqual(['modifyListener', 'modifyRule']);
    expect(p.actions.every((a) => 'sendClientSecret' in a && a.sendClientSecret === false)).toBe(true);
    await apply(api, p, hooks('must-not-be-sent'));
    expect(oidcActions(api).map((a) => [a['Scope'], a['ClientSecret'], a['UseExistingClientSecret']])).toEqual([
      ['openid email', undefined, true],
      ['openid email', undefined, true],
    ]);

    // The Secret changed (resourceVersion 9): sent again, and the change says so without the value.
    const v9 = desired(oidcSpec({ scope: 'openid email' }), secrets('9'));
    const rotated = await planFor(api, v9, recorded);
    expect(rotated.actions.map((a) => a.op)).toEqual(['modifyListener', 'modifyRule']);
    expect(rotated.actions.flatMap((a) => a.changes)).toEqual([
      { path: 'listeners[443].defaultAction.authenticateOidc.clientSecretRef', desired: 'Secret adfs-client/client-secret resourceVersion 9', actual: 'Secret adfs-client/client-secret resourceVersion 7' },
      { path: 'listeners[443].rules[10].action.authenticateOidc.clientSecretRef', desired: 'Secret adfs-client/client-secret resourceVersion 9', actual: 'Secret adfs-client/client-secret resourceVersion 7' },
    ]);
    await apply(api, rotated, hooks('rotated-value'));
    expect(oidcActions(api).map((a) => a['ClientSecret'])).toEqual(['rotated-value', 'rotated-value']);
    recorded = secretVersionsOf(v9);
    expect((await planFor(api, v9, recorded)).actions).toEqual([]);
  });

  test('drift in AWS (onUnauthenticatedRequest allow) is put back without resending the secret; no record means resend', async () => {
    const api = new FakeElbv2();
    const model = desired(oidcSpec(), secrets('7'));
    await apply(api, await planFor(api, model, undefined), hooks());
    const listener = [...api.listeners.values()].find((l) => l.listener.Port === 443)!;
    listener.listener.DefaultActions = listener.listener.DefaultActions!.map((a) =>
      a.Type === 'authenticate-oidc' ? { ...a, AuthenticateOidcConfig: { ...a.AuthenticateOidcConfig!, OnUnauthenticatedRequest: 'allow' } } : a,
    );
    const p = await planFor(api, model, secretVersionsOf(model));
    expect(p.actions.map((a) => a.op)).toEqual(['modifyListener']);
    expect(p.actions[0]!.changes[0]!.path).toBe('listeners[443].defaultAction');
    expect(p.actions[0]!.changes[0]!.actual).toContain('unauthenticated allow');
    expect(p.actions[0]).toMatchObject({ sendClientSecret: false });

    // Status lost (or adopted): versions unknown, so the secret is sent.
    const unknown = await planFor(api, model, undefined);
    expect(unknown.actions.filter((a) => 'sendClientSecret' in a && a.sendClientSecret).length).toBe(2);
  });

  test('albatross plan (Secrets unknown) shows no difference for a converged action', async () => {
    const api = new FakeElbv2();
    const model = desired(oidcSpec(), secrets('7'));
    await apply(api, await planFor(api, model, undefined), hooks());
    expect((await planFor(api, desired(oidcSpec(), undefined), undefined)).actions).toEqual([]);
  });

  test('a listener that must become HTTPS for sign-in is left alone until its certificate is Ready', async () => {
    const api = new FakeElbv2();
    const plain = exampleSpec();
    plain.listeners[0] = { port: 443, protocol: 'HTTP', defaultAction: { forward: { targetGroup: 'web' } } };
    const first = build({ id: ID, spec: plain, defaultNetwork: NETWORK, certificateArns: new Map(), serviceTargets: new Map() }).model;
    await apply(api, await planFor(api, first, undefined), hooks());
    const waiting = build({ id: ID, spec: oidcSpec(), defaultNetwork: NETWORK, certificateArns: new Map(), serviceTargets: new Map(), clientSecrets: secrets('7') }).model;
    const p = await planFor(api, waiting, undefined);
    expect(p.actions.filter((a) => 'port' in a && a.port === 443)).toEqual([]);
    expect(p.waiting).toEqual(['listeners[443] waits for its default certificate to be Ready before it becomes HTTPS (authenticateOidc needs HTTPS)']);
  });
});
