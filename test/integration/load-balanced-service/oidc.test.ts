// Sign-in at the load balancer (issue 14 item 2) on the real apiserver + moto: authenticateOidc
// becomes an authenticate-oidc action (order 1) before the forward (order 2) with the spec's fields
// (read back with DescribeListeners/DescribeRules); the client secret comes from a Secret and is sent
// again when that Secret changes, and not when only other fields change (moto echoes what it was
// sent: ClientSecret, or UseExistingClientSecret); a missing Secret or key is Stalled naming the
// field with AWS untouched; bad input is refused at apply; the secret is never in logs, events or status.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CoreV1Api } from '@kubernetes/client-node';
import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { stringify } from 'yaml';
import type { LoadBalancedService } from '../../../src/crds/index.ts';
import { kubectl } from '../deploy/tools.ts';
import { conditionOf, kubeConfig, waitFor } from '../support/index.ts';
import { applyLbs, awsView, getLbs, installCrds, listenerOn, readyCertificate, setup, teardown, waitForCondition, waitReady, type Env } from './harness.ts';

let env: Env | undefined;
const logLines: string[] = [];
const core = () => kubeConfig().makeApiClient(CoreV1Api);

beforeAll(async () => {
  await installCrds();
  // Everything the controller logs, at the most verbose level, to search for the secret afterwards.
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => { logLines.push(chunk.toString('utf8')); done(); } });
  env = await setup('lbs-oidc', { resyncPeriod: '1h', logger: pino({ level: 'trace' }, sink) });
  await readyCertificate(env.ns.name, 'service-example-com');
});

afterAll(async () => {
  await teardown(env);
});

const ns = (): string => env!.ns.name;
const secretValues: string[] = [];
const newSecretValue = (): string => {
  const v = `oidc-secret-${randomBytes(12).toString('hex')}`;
  secretValues.push(v);
  return v;
};

async function putSecret(name: string, data: Record<string, string>): Promise<void> {
  const body = { metadata: { name, namespace: ns() }, stringData: data };
  try {
    await core().replaceNamespacedSecret({ name, namespace: ns(), body: { ...body, data: {} } });
  } catch {
    await core().createNamespacedSecret({ namespace: ns(), body });
  }
}

const OIDC = {
  issuer: 'https://adfs.example.com/adfs',
  authorizationEndpoint: 'https://adfs.example.com/adfs/oauth2/authorize',
  tokenEndpoint: 'https://adfs.example.com/adfs/oauth2/token',
  userInfoEndpoint: 'https://adfs.example.com/adfs/userinfo',
  clientId: 'chat-alb',
  clientSecretRef: { name: 'adfs-client', key: 'client-secret' },
};

type Oidc = NonNullable<LoadBalancedService['spec']['listeners'][number]['defaultAction']['authenticateOidc']>;
const spec = (rule: Partial<Oidc> = {}, secretName = 'adfs-client'): LoadBalancedService['spec'] => ({
  listeners: [
    {
      port: 443,
      protocol: 'HTTPS',
      certificateRefs: [{ name: 'service-example-com' }],
      defaultAction: { authenticateOidc: { ...OIDC, clientSecretRef: { name: secretName, key: 'client-secret' } }, forward: { targetGroup: 'web' } },
      rules: [
        {
          priority: 10,
          conditions: { pathPatterns: ['/admin/*'] },
          action: { authenticateOidc: { ...OIDC, clientSecretRef: { name: secretName, key: 'client-secret' }, onUnauthenticatedRequest: 'deny', sessionTimeoutSeconds: 3600, ...rule }, forward: { targetGroup: 'web' } },
        },
      ],
    },
  ],
  targetGroups: [{ name: 'web', port: 8080, targets: [] }],
});

/** The authenticate-oidc configs AWS (moto) holds for this cluster: the default action's and rule 10's. */
async function oidcInAws(): Promise<{ listener: Action[]; rule: Action[] }> {
  const https = listenerOn(await awsView(env!.controller.clusterName), 443);
  return { listener: https.listener.DefaultActions ?? [], rule: https.rules.find((r) => r.Priority === '10')?.Actions ?? [] };
}
const oidcOf = (actions: Action[]) => actions.find((a) => a.Type === 'authenticate-oidc')?.AuthenticateOidcConfig;

async function events(name: string): Promise<string> {
  const list = await core().listNamespacedEvent({ namespace: ns() });
  return JSON.stringify(list.items.filter((e) => e.involvedObject.name === name));
}

describe('authenticateOidc', () => {
  test('created with the spec fields before the forward; the secret sent again only when the Secret changes', async () => {
    const first = newSecretValue();
    await putSecret('adfs-client', { 'client-secret': first });
    await applyLbs(ns(), 'signin', spec());
    const ready = await waitReady(ns(), 'signin', 90_000);

    const created = await oidcInAws();
    expect(created.rule.map((a) => [a.Type, a.Order])).toEqual([['authenticate-oidc', 1], ['forward', 2]]);
    expect(created.listener.map((a) => [a.Type, a.Order])).toEqual([['authenticate-oidc', 1], ['forward', 2]]);
    expect(oidcOf(created.rule)).toEqual({
      Issuer: OIDC.issuer,
      AuthorizationEndpoint: OIDC.authorizationEndpoint,
      TokenEndpoint: OIDC.tokenEndpoint,
      UserInfoEndpoint: OIDC.userInfoEndpoint,
      ClientId: 'chat-alb',
      ClientSecret: first,
      Scope: 'openid',
      SessionCookieName: 'AWSELBAuthSessionCookie',
      SessionTimeout: 3600,
      OnUnauthenticatedRequest: 'deny',
    });
    expect(oidcOf(created.listener)).toMatchObject({ ClientSecret: first, SessionTimeout: 604800, OnUnauthenticatedRequest: 'authenticate' });
    const secret = await core().readNamespacedSecret({ name: 'adfs-client', namespace: ns() });
    expect(ready.status?.oidcSecretVersions).toEqual([
      { listener: 443, secret: 'adfs-client', key: 'client-secret', resourceVersion: secret.metadata!.resourceVersion },
      { listener: 443, rule: 10, secret: 'adfs-client', key: 'client-secret', resourceVersion: secret.metadata!.resourceVersion },
    ]);

    // Only the scope changes: the rule is modified, AWS keeps its secret (moto stores what it is sent).
    await applyLbs(ns(), 'signin', spec({ scope: 'openid email' }));
    await waitFor(async () => oidcOf((await oidcInAws()).rule)?.Scope === 'openid email', { description: 'scope openid email in AWS' });
    const scoped = await oidcInAws();
    expect(oidcOf(scoped.rule)).toMatchObject({ UseExistingClientSecret: true });
    expect(oidcOf(scoped.rule)?.ClientSecret).toBeUndefined();
    expect(oidcOf(scoped.listener)?.ClientSecret).toBe(first);
    await waitReady(ns(), 'signin');

    // The Secret is rotated: the Secret watch brings the resource back and both actions get the new one.
    const second = newSecretValue();
    await putSecret('adfs-client', { 'client-secret': second });
    await waitFor(
      async () => {
        const now = await oidcInAws();
        return oidcOf(now.rule)?.ClientSecret === second && oidcOf(now.listener)?.ClientSecret === second;
      },
      { description: 'the rotated client secret in AWS', timeoutMs: 30_000 },
    );
    const rotated = await core().readNamespacedSecret({ name: 'adfs-client', namespace: ns() });
    const after = await waitFor(
      async () => {
        const o = await getLbs(ns(), 'signin');
        return o.status?.oidcSecretVersions?.every((v) => v.resourceVersion === rotated.metadata!.resourceVersion) ? o : undefined;
      },
      { description: 'status records the rotated Secret version' },
    );
    expect(conditionOf(after, 'Ready')?.status).toBe('True');
    expect(await events('signin')).toContain('authenticateOidc.clientSecretRef');
  });

  test('a key removed from the Secret: Stalled naming the field, AWS keeps what it has; back when the key returns', async () => {
    const before = await oidcInAws();
    const value = newSecretValue();
    await putSecret('adfs-client', { other: value });
    const stalled = await waitForCondition(ns(), 'signin', 'Stalled', 'True', 'SecretNotFound', 30_000);
    expect(conditionOf(stalled, 'Stalled')?.message).toBe(
      "listeners[443].rules[10].action.authenticateOidc.clientSecretRef: Secret adfs-client has no key 'client-secret' (or it is empty); nothing in AWS was changed",
    );
    expect(await oidcInAws()).toEqual(before);
    await putSecret('adfs-client', { 'client-secret': value });
    await waitFor(async () => oidcOf((await oidcInAws()).rule)?.ClientSecret === value, { description: 'the restored key sent', timeoutMs: 30_000 });
    await waitReady(ns(), 'signin');
  });

  test('a Secret that does not exist: Stalled naming it, nothing created; created once the Secret appears', async () => {
    await applyLbs(ns(), 'nosecret', spec({}, 'not-yet'));
    const stalled = await waitForCondition(ns(), 'nosecret', 'Stalled', 'True', 'SecretNotFound', 30_000);
    expect(conditionOf(stalled, 'Stalled')?.message).toContain('listeners[443].rules[10].action.authenticateOidc.clientSecretRef: Secret not-yet not found in this namespace');
    expect(conditionOf(stalled, 'Ready')?.status).toBe('False');
    const owner = `LoadBalancedService/${ns()}/nosecret`;
    expect((await awsView(env!.controller.clusterName, owner)).loadBalancers).toEqual([]);
    await putSecret('not-yet', { 'client-secret': newSecretValue() });
    await waitReady(ns(), 'nosecret', 90_000);
  });

  test('the client secret is in no log line, event or status', async () => {
    expect(secretValues.length).toBeGreaterThanOrEqual(4);
    expect(logLines.length).toBeGreaterThan(10);
    const haystacks = {
      logs: logLines.join(''),
      events: (await events('signin')) + (await events('nosecret')),
      status: JSON.stringify([await getLbs(ns(), 'signin'), await getLbs(ns(), 'nosecret')]),
    };
    // The search can fail: the Secret's name and AWS's fields are there, the values are not.
    expect(haystacks.logs).toContain('authenticateOidc');
    for (const [where, text] of Object.entries(haystacks)) {
      for (const v of secretValues) expect({ where, leaked: text.includes(v) }).toEqual({ where, leaked: false });
    }
  });
});

/** `kubectl apply --server-side` of one LoadBalancedService. */
async function kubectlApply(s: LoadBalancedService['spec']): Promise<{ code: number; stderr: string }> {
  const manifest = stringify({ apiVersion: 'albatross.dev/v1alpha1', kind: 'LoadBalancedService', metadata: { name: 'bad-oidc', namespace: ns() }, spec: s });
  return kubectl(['apply', '--server-side', '--field-manager=albatross-test', '--dry-run=server', '-f', '-'], manifest);
}

describe('refused at apply, naming the field', () => {
  const withRule = (o: Record<string, unknown>): LoadBalancedService['spec'] => spec(o as Partial<Oidc>);
  test.each([
    ['an http:// issuer', withRule({ issuer: 'http://adfs.example.com/adfs' }), 'spec.listeners[0].rules[0].action.authenticateOidc.issuer', 'should match'],
    ['a token endpoint that is no URL', withRule({ tokenEndpoint: 'adfs token' }), 'spec.listeners[0].rules[0].action.authenticateOidc.tokenEndpoint', 'should match'],
    ['an unknown onUnauthenticatedRequest', withRule({ onUnauthenticatedRequest: 'maybe' }), 'spec.listeners[0].rules[0].action.authenticateOidc.onUnauthenticatedRequest', 'Unsupported value: "maybe"'],
    ['a session longer than 7 days', withRule({ sessionTimeoutSeconds: 604801 }), 'spec.listeners[0].rules[0].action.authenticateOidc.sessionTimeoutSeconds', 'less than or equal to 604800'],
    ['a session of 0 seconds', withRule({ sessionTimeoutSeconds: 0 }), 'spec.listeners[0].rules[0].action.authenticateOidc.sessionTimeoutSeconds', 'greater than or equal to 1'],
    ['no clientSecretRef key', withRule({ clientSecretRef: { name: 'adfs-client' } }), 'spec.listeners[0].rules[0].action.authenticateOidc.clientSecretRef.key', 'Required value'],
  ])('%s', async (_what, s, field, rule) => {
    const r = await kubectlApply(s);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(field);
    expect(r.stderr).toContain(rule);
  });

  test('authenticateOidc alone (no forward, redirect or fixed response)', async () => {
    const s = spec();
    s.listeners[0]!.rules![0]!.action = { authenticateOidc: OIDC } as never;
    const r = await kubectlApply(s);
    expect(r.stderr).toContain('spec.listeners[0].rules[0].action');
    expect(r.stderr).toContain('exactly one of forward, redirect or fixedResponse');
  });

  test('on an HTTP listener', async () => {
    const http: LoadBalancedService['spec'] = { listeners: [{ port: 80, protocol: 'HTTP', defaultAction: { authenticateOidc: OIDC, forward: { targetGroup: 'web' } } }], targetGroups: [{ name: 'web', port: 8080, targets: [] }] };
    const r = await kubectlApply(http);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.listeners[0].defaultAction.authenticateOidc');
    expect(r.stderr).toContain('requires protocol HTTPS');
    const rules: LoadBalancedService['spec'] = { ...http, listeners: [{ port: 80, protocol: 'HTTP', defaultAction: { forward: { targetGroup: 'web' } }, rules: spec().listeners[0]!.rules! }] };
    const r2 = await kubectlApply(rules);
    expect(r2.stderr).toContain('spec.listeners[0].rules');
    expect(r2.stderr).toContain('rules[].action.authenticateOidc requires protocol HTTPS');
  });

  test('the example spec is accepted', async () => {
    const r = await kubectlApply(spec());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
