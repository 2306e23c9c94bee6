// The CRDs against the real kube-apiserver: they install and become Established, every example is
// accepted (with the documented defaults filled in), bad manifests are refused at apply time with a
// message that names the field, `kubectl explain` has a description for every field, and
// `kubectl get` shows the printer columns.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiextensionsV1Api, CustomObjectsApi, type KubernetesObject, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { request, type RequestOptions } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RESOURCES, type DnsAlias, type LoadBalancedService, type ServerCertificate } from '../../src/crds/index.ts';
import { exampleKeystoreSecret } from '../../scripts/generate-example-keystore.ts';
import { applyManifests, createTestNamespace, kubeConfig, readManifests, waitFor, type TestNamespace } from './support/index.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CRD_DIR = join(ROOT, 'deploy', 'crds');
const EXAMPLES_DIR = join(ROOT, 'examples');

const crdFiles = readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml'));
const exampleFiles = readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.yaml'));

function example<T>(kind: string): T {
  for (const file of exampleFiles) {
    const found = readManifests(join(EXAMPLES_DIR, file)).find((o) => o.kind === kind);
    if (found) return found as T;
  }
  throw new Error(`no ${kind} in examples/`);
}

const resourceOf = (kind: string): { group: string; version: string; plural: string } => {
  const r = Object.values(RESOURCES).find((x) => x.kind === kind);
  if (!r) throw new Error(`unknown kind ${kind}`);
  return r;
};

/** The apiserver's message for a refused request, or '' when it was accepted. */
async function refusal(kind: string, namespace: string, body: object): Promise<string> {
  const api = kubeConfig().makeApiClient(CustomObjectsApi);
  try {
    await api.createNamespacedCustomObject({ ...resourceOf(kind), namespace, body, dryRun: 'All' });
    return '';
  } catch (err) {
    const e = err as { code?: number; body?: unknown; message?: string };
    if (e.code !== 422 && e.code !== 400) throw err;
    const raw = typeof e.body === 'string' ? e.body : JSON.stringify(e.body ?? e.message);
    try {
      return (JSON.parse(raw) as { message?: string }).message ?? raw;
    } catch {
      return raw;
    }
  }
}

/** GET as a server-side Table (what `kubectl get` prints). */
async function getTable(path: string): Promise<{ columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[] }> }> {
  const kc = kubeConfig();
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('no server in kubeconfig');
  const opts: RequestOptions = { headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } };
  await kc.applyToHTTPSOptions(opts);
  const get = () =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(new URL(path, server), opts, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end();
    });
  // Right after a CRD is (re)applied the apiserver answers 429 "storage is (re)initializing" for a moment.
  const res = await waitFor(async () => {
    const r = await get();
    return r.status === 429 ? undefined : r;
  }, { description: `GET ${path} past 429`, timeoutMs: 30_000, intervalMs: 250 });
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.text}`);
  return JSON.parse(res.text) as { columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[] }> };
}

async function installCrds(): Promise<V1CustomResourceDefinition[]> {
  for (const file of crdFiles) await applyManifests(readManifests(join(CRD_DIR, file)), { fieldManager: 'albatross-crds' });
  const api = kubeConfig().makeApiClient(ApiextensionsV1Api);
  const names = crdFiles.flatMap((f) => readManifests(join(CRD_DIR, f)).map((o) => o.metadata?.name ?? ''));
  return Promise.all(
    names.map((name) =>
      waitFor(
        async () => {
          const crd = await api.readCustomResourceDefinition({ name });
          const established = crd.status?.conditions?.find((c) => c.type === 'Established')?.status === 'True';
          return established ? crd : undefined;
        },
        { description: `CRD ${name} to be Established` },
      ),
    ),
  );
}

let ns: TestNamespace;
/** Only server-side dry runs go here, so the examples' names are free. */
let dryRunNs: TestNamespace;
let crds: V1CustomResourceDefinition[];

beforeAll(async () => {
  crds = await installCrds();
  [ns, dryRunNs] = await Promise.all([createTestNamespace('crds'), createTestNamespace('crds-invalid')]);
});

afterAll(async () => {
  await Promise.all([ns?.delete(), dryRunNs?.delete()]);
});

describe('CRD installation', () => {
  it('installs the three kinds, namespaced, with short names, category albatross and the status subresource', () => {
    const summary = crds
      .map((c) => ({
        name: c.metadata?.name,
        scope: c.spec.scope,
        shortNames: c.spec.names.shortNames,
        categories: c.spec.names.categories,
        versions: c.spec.versions.map((v) => `${v.name}:${v.served}:${v.storage}:${v.subresources?.status ? 'status' : '-'}`),
      }))
      .sort((a, b) => String(a.name).localeCompare(String(b.name)));
    expect(summary).toEqual([
      { name: 'dnsaliases.albatross.dev', scope: 'Namespaced', shortNames: ['dnsa'], categories: ['albatross'], versions: ['v1alpha1:true:true:status'] },
      { name: 'loadbalancedservices.albatross.dev', scope: 'Namespaced', shortNames: ['lbs'], categories: ['albatross'], versions: ['v1alpha1:true:true:status'] },
      { name: 'servercertificates.albatross.dev', scope: 'Namespaced', shortNames: ['scert'], categories: ['albatross'], versions: ['v1alpha1:true:true:status'] },
    ]);
  });

  it('describes every field, so `kubectl explain` is useful', () => {
    const missing: string[] = [];
    const walk = (schema: Record<string, unknown>, path: string): void => {
      if (path !== '' && !path.endsWith('.metadata') && !(typeof schema['description'] === 'string' && schema['description'].length > 10)) missing.push(path);
      for (const [key, child] of Object.entries((schema['properties'] as Record<string, Record<string, unknown>> | undefined) ?? {})) walk(child, `${path}.${key}`);
      const items = schema['items'] as Record<string, unknown> | undefined;
      if (items) walk(items, `${path}[]`);
    };
    let fields = 0;
    for (const crd of crds) {
      const schema = crd.spec.versions[0]?.schema?.openAPIV3Schema as Record<string, unknown> | undefined;
      expect(schema).toBeDefined();
      walk(schema ?? {}, crd.spec.names.kind);
      fields += JSON.stringify(schema).split('"description"').length - 1;
    }
    expect(missing).toEqual([]);
    expect(fields).toBeGreaterThan(150);
  });
});

describe('examples', () => {
  it('every example is accepted, with the documented defaults filled in', async () => {
    const secret = exampleKeystoreSecret({ password: 'example-password' });
    const objects: KubernetesObject[] = [secret as KubernetesObject, ...exampleFiles.flatMap((f) => readManifests(join(EXAMPLES_DIR, f)))];
    expect(objects.map((o) => o.kind).sort()).toEqual(['DnsAlias', 'LoadBalancedService', 'Secret', 'ServerCertificate']);
    const stored = await applyManifests(objects, { namespace: ns.name });
    const byKind = new Map(stored.map((o) => [o.kind, o]));

    const lbs = byKind.get('LoadBalancedService') as LoadBalancedService;
    expect(lbs.metadata?.namespace).toBe(ns.name);
    expect(lbs.spec.loadBalancer).toMatchObject({ scheme: 'internet-facing', ipAddressType: 'ipv4', idleTimeoutSeconds: 3600, http2: true, xForwardedFor: 'append', deletionProtection: false });
    expect(lbs.spec).toMatchObject({ driftPolicy: 'Correct', deletionPolicy: 'Delete', adopt: false });
    for (const tg of lbs.spec.targetGroups ?? []) {
      expect(tg).toMatchObject({ protocol: 'HTTP', protocolVersion: 'HTTP1', targetType: 'ip', algorithm: 'round_robin', deregistrationDelaySeconds: 300 });
      expect(tg.stickiness).toEqual({ enabled: true, type: 'lb_cookie', durationSeconds: 1860 });
    }
    expect(lbs.spec.listeners.map((l) => `${l.protocol}:${l.port}`)).toEqual(['HTTPS:443', 'HTTP:80']);

    const scert = byKind.get('ServerCertificate') as ServerCertificate;
    expect(scert.spec).toMatchObject({
      keys: { pkcs12: 'keystore.pfx', password: 'password', certificate: 'tls.crt', privateKey: 'tls.key', chain: 'ca.crt' },
      iam: { name: 'service-example-com', path: '/albatross/' },
      includeRoot: false,
      renewBeforeDays: 30,
      driftPolicy: 'Correct',
      deletionPolicy: 'Delete',
    });

    const dnsa = byKind.get('DnsAlias') as DnsAlias;
    expect(dnsa.spec).toMatchObject({ ttlSeconds: 300, finalRecord: 'CNAME', driftPolicy: 'Correct', deletionPolicy: 'Delete', adopt: false });
    expect(dnsa.spec.names.map((n) => n.name)).toEqual(['service.example.com', 'service.aws.corp.internal']);
  });

  it('`kubectl get` shows READY, DNS NAME / IAM NAME / EXPIRES / CHAIN and AGE columns', async () => {
    const columns = async (plural: string): Promise<string[]> =>
      (await getTable(`/apis/albatross.dev/v1alpha1/namespaces/${ns.name}/${plural}`)).columnDefinitions.map((c) => c.name);
    expect(await columns('loadbalancedservices')).toEqual(['Name', 'Ready', 'DNS Name', 'Reason', 'State', 'Age']);
    expect(await columns('servercertificates')).toEqual(['Name', 'Ready', 'IAM Name', 'Expires', 'Reason', 'Chain', 'ARN', 'Age']);
    expect(await columns('dnsaliases')).toEqual(['Name', 'Ready', 'Chain', 'Reason', 'Age']);
  });

  it('`kubectl get scert` shows EXPIRES as the notAfter time (a date column would print <invalid> for a future time)', async () => {
    const api = kubeConfig().makeApiClient(CustomObjectsApi);
    const scert = resourceOf('ServerCertificate');
    const name = 'expires-column';
    const created = (await api.createNamespacedCustomObject({
      ...scert,
      namespace: ns.name,
      body: { apiVersion: 'albatross.dev/v1alpha1', kind: 'ServerCertificate', metadata: { name }, spec: { secretRef: { name: 'service-keystore' } } },
    })) as ServerCertificate;
    // As the controller writes it (rfc3339: whole seconds, UTC), years ahead.
    const notAfter = '2036-04-05T06:07:08Z';
    await api.replaceNamespacedCustomObjectStatus({
      ...scert,
      namespace: ns.name,
      name,
      body: { ...created, status: { serverCertificateName: `${name}-0123abcd`, certificate: { notAfter } } },
    });
    const table = await getTable(`/apis/albatross.dev/v1alpha1/namespaces/${ns.name}/servercertificates/${name}`);
    const cell = (column: string): unknown => table.rows[0]?.cells[table.columnDefinitions.findIndex((c) => c.name === column)];
    expect(table.rows).toHaveLength(1);
    expect(cell('Expires')).toBe(notAfter);
    expect(cell('IAM Name')).toBe(`${name}-0123abcd`);
    // AGE stays an age (creationTimestamp is in the past).
    expect(cell('Age')).toMatch(/^\d+s$/);
  });

  it('`kubectl get scert -o wide` says why one is not Ready (REASON); the default view stays narrow', async () => {
    const api = kubeConfig().makeApiClient(CustomObjectsApi);
    const scert = resourceOf('ServerCertificate');
    const name = 'reason-column';
    const created = (await api.createNamespacedCustomObject({
      ...scert,
      namespace: ns.name,
      body: { apiVersion: 'albatross.dev/v1alpha1', kind: 'ServerCertificate', metadata: { name }, spec: { secretRef: { name: 'no-such-secret' } } },
    })) as ServerCertificate;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const ready = { type: 'Ready', status: 'False', reason: 'SecretNotFound', message: 'Secret no-such-secret not found', lastTransitionTime: now, observedGeneration: 1 };
    await api.replaceNamespacedCustomObjectStatus({ ...scert, namespace: ns.name, name, body: { ...created, status: { observedGeneration: 1, conditions: [ready] } } });
    /** kubectl's table as column name -> cell (kubectl aligns every cell under its heading). */
    const get = async (...args: string[]): Promise<Record<string, string>> => {
      const [header = '', row = ''] = (await promisify(execFile)('kubectl', ['get', 'scert', name, '-n', ns.name, ...args])).stdout.split('\n');
      const starts = [...header.matchAll(/\S+( \S+)*/g)].map((m) => ({ name: m[0], at: m.index }));
      return Object.fromEntries(starts.map((c, i) => [c.name, row.slice(c.at, starts[i + 1]?.at).trim()]));
    };
    const wide = await get('-o', 'wide');
    expect(wide).toMatchObject({ NAME: name, READY: 'False', REASON: 'SecretNotFound' });
    expect(Object.keys(await get())).toEqual(['NAME', 'READY', 'IAM NAME', 'EXPIRES', 'AGE']);
  });
});

// ---------------------------------------------------------------------------------------------
// Invalid manifests: each is refused by the apiserver, and the message names the field.

type Lbs = LoadBalancedService;
type Listener = Lbs['spec']['listeners'][number];
type TargetGroup = NonNullable<Lbs['spec']['targetGroups']>[number];

const listener = (o: Lbs, port: number): Listener => {
  const l = o.spec.listeners.find((x) => x.port === port);
  if (!l) throw new Error(`no listener ${port}`);
  return l;
};
const tg = (o: Lbs, i: number): TargetGroup => {
  const t = o.spec.targetGroups?.[i];
  if (!t) throw new Error(`no target group ${i}`);
  return t;
};

interface InvalidCase {
  name: string;
  kind: 'LoadBalancedService' | 'ServerCertificate' | 'DnsAlias';
  mutate: (o: never) => void;
  /** Every string must appear in the apiserver's message. */
  expect: string[];
}

const lbsCase = (name: string, mutate: (o: Lbs) => void, expected: string[]): InvalidCase => ({ name, kind: 'LoadBalancedService', mutate, expect: expected });
const scertCase = (name: string, mutate: (o: ServerCertificate) => void, expected: string[]): InvalidCase => ({ name, kind: 'ServerCertificate', mutate, expect: expected });
const dnsaCase = (name: string, mutate: (o: DnsAlias) => void, expected: string[]): InvalidCase => ({ name, kind: 'DnsAlias', mutate, expect: expected });

const invalidCases: InvalidCase[] = [
  // LoadBalancedService: the load balancer
  lbsCase('idle timeout 0', (o) => (o.spec.loadBalancer = { idleTimeoutSeconds: 0 }), ['spec.loadBalancer.idleTimeoutSeconds', 'greater than or equal to 1']),
  lbsCase('idle timeout 4001', (o) => (o.spec.loadBalancer = { idleTimeoutSeconds: 4001 }), ['spec.loadBalancer.idleTimeoutSeconds', 'less than or equal to 4000']),
  lbsCase('name starting with internal-', (o) => (o.spec.loadBalancer = { name: 'internal-chat' }), ['spec.loadBalancer.name', "must not start with 'internal-'"]),
  lbsCase('name ending with -', (o) => (o.spec.loadBalancer = { name: 'chat-' }), ['spec.loadBalancer.name', 'should match']),
  lbsCase('name of 33 characters', (o) => (o.spec.loadBalancer = { name: 'a'.repeat(33) }), ['spec.loadBalancer.name', 'may not be more than 32']),
  lbsCase('reserved tag prefix albatross.dev/', (o) => (o.spec.loadBalancer = { tags: { 'albatross.dev/owner': 'me' } }), ['spec.loadBalancer.tags', "'albatross.dev/' are reserved"]),
  lbsCase('unknown scheme', (o) => (o.spec.loadBalancer = { scheme: 'public' as never }), ['spec.loadBalancer.scheme', 'Unsupported value: "public"']),
  lbsCase('unknown xForwardedFor mode', (o) => (o.spec.loadBalancer = { xForwardedFor: 'bogus' as never }), ['spec.loadBalancer.xForwardedFor', 'Unsupported value: "bogus"']),
  lbsCase('one subnet', (o) => (o.spec.loadBalancer = { subnets: ['subnet-0123456789abcdef0'] }), ['spec.loadBalancer.subnets', 'at least 2 items']),
  // listeners
  lbsCase('HTTPS listener without certificateRefs', (o) => delete listener(o, 443).certificateRefs, ['spec.listeners[0].certificateRefs', 'required when protocol is HTTPS']),
  lbsCase('HTTP listener with certificateRefs', (o) => (listener(o, 80).certificateRefs = [{ name: 'service-example-com' }]), ['spec.listeners[1].certificateRefs', 'only allowed when protocol is HTTPS']),
  lbsCase('HTTP listener with sslPolicy', (o) => (listener(o, 80).sslPolicy = 'ELBSecurityPolicy-TLS13-1-2-2021-06'), ['spec.listeners[1].sslPolicy', 'only allowed when protocol is HTTPS']),
  lbsCase('two listeners on one port', (o) => (listener(o, 80).port = 443), ['spec.listeners[1]', 'Duplicate value']),
  lbsCase('listener port 70000', (o) => (listener(o, 80).port = 70000), ['spec.listeners[1].port', 'less than or equal to 65535']),
  lbsCase('two rules with one priority', (o) => (listener(o, 443).rules![1]!.priority = 10), ['spec.listeners[0].rules[1]', 'Duplicate value']),
  lbsCase(
    '101 rules in total (AWS allows 100 per load balancer)',
    (o) => {
      listener(o, 443).rules = Array.from({ length: 51 }, (_, i) => ({ priority: i + 1, conditions: { pathPatterns: [`/a${i}`] }, action: { forward: { targetGroup: 'web' } } }));
      listener(o, 80).rules = Array.from({ length: 50 }, (_, i) => ({ priority: i + 1, conditions: { pathPatterns: [`/b${i}`] }, action: { fixedResponse: { statusCode: '404' } } }));
    },
    ['spec.listeners', 'at most 100 rules in total'],
  ),
  lbsCase('rule priority 50001', (o) => (listener(o, 443).rules![0]!.priority = 50001), ['spec.listeners[0].rules[0].priority', 'less than or equal to 50000']),
  lbsCase('rule without conditions values', (o) => (listener(o, 443).rules![0]!.conditions = {}), ['spec.listeners[0].rules[0].conditions', 'needs at least one value (pathPatterns, hostHeaders']),
  lbsCase('default action forwarding to a missing target group', (o) => (listener(o, 443).defaultAction = { forward: { targetGroup: 'nope' } }), ['spec.listeners', 'defaultAction.forward must name target groups that exist in spec.targetGroups']),
  lbsCase(
    'rule forwarding by weight to a missing target group',
    (o) => (listener(o, 443).rules![1]!.action = { forward: { targetGroups: [{ name: 'api', weight: 90 }, { name: 'api-green', weight: 10 }] } }),
    ['spec.listeners', 'rules[].action.forward must name target groups that exist in spec.targetGroups'],
  ),
  lbsCase('weight 1000', (o) => (listener(o, 443).rules![1]!.action = { forward: { targetGroups: [{ name: 'api', weight: 1000 }] } }), ['spec.listeners[0].rules[1].action.forward.targetGroups[0].weight', 'less than or equal to 999']),
  lbsCase('forward with targetGroup and targetGroups', (o) => (listener(o, 443).defaultAction = { forward: { targetGroup: 'web', targetGroups: [{ name: 'web' }] } }), ['spec.listeners[0].defaultAction.forward', 'exactly one of targetGroup or targetGroups']),
  lbsCase('action with forward and redirect', (o) => (listener(o, 443).defaultAction = { forward: { targetGroup: 'web' }, redirect: { statusCode: 'HTTP_301' } }), ['spec.listeners[0].defaultAction', 'exactly one of forward, redirect or fixedResponse']),
  lbsCase('redirect port 99999', (o) => (listener(o, 80).defaultAction = { redirect: { protocol: 'HTTPS', port: '99999', statusCode: 'HTTP_301' } }), ['spec.listeners[1].defaultAction.redirect.port', 'port must be 1-65535']),
  lbsCase('redirect port 0', (o) => (listener(o, 80).defaultAction = { redirect: { protocol: 'HTTPS', port: '0', statusCode: 'HTTP_301' } }), ['spec.listeners[1].defaultAction.redirect.port', 'should match']),
  lbsCase('unknown sslPolicy', (o) => (listener(o, 443).sslPolicy = 'ELBSecurityPolicy-Chaos-2099-01' as never), ['spec.listeners[0].sslPolicy', 'Unsupported value: "ELBSecurityPolicy-Chaos-2099-01"', 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09']),
  lbsCase('redirect status HTTP_307', (o) => (listener(o, 80).defaultAction = { redirect: { protocol: 'HTTPS', statusCode: 'HTTP_307' as never } }), ['spec.listeners[1].defaultAction.redirect.statusCode', 'Unsupported value: "HTTP_307"']),
  // target groups
  lbsCase('stickiness durationSeconds 0', (o) => (tg(o, 0).stickiness = { type: 'lb_cookie', durationSeconds: 0 }), ['spec.targetGroups[0].stickiness.durationSeconds', 'AWS cannot defer the cookie lifetime to the application']),
  lbsCase('stickiness durationSeconds 604801', (o) => (tg(o, 1).stickiness = { durationSeconds: 604801 }), ['spec.targetGroups[1].stickiness.durationSeconds', 'less than or equal to 604800']),
  lbsCase('app_cookie without cookieName', (o) => (tg(o, 0).stickiness = { type: 'app_cookie', durationSeconds: 1860 }), ['spec.targetGroups[0].stickiness.cookieName', 'required when stickiness type is app_cookie']),
  lbsCase('two target groups with one name', (o) => (tg(o, 1).name = 'web'), ['spec.targetGroups[1]', 'Duplicate value']),
  lbsCase('targets and serviceRef', (o) => (tg(o, 0).serviceRef = { name: 'chat', port: 8080 }), ['spec.targetGroups[0]', 'exactly one of targets or serviceRef']),
  lbsCase('neither targets nor serviceRef', (o) => delete tg(o, 2).targets, ['spec.targetGroups[2]', 'exactly one of targets or serviceRef']),
  lbsCase('instance id as an ip target', (o) => (tg(o, 0).targets = [{ id: 'i-0123456789abcdef0' }]), ['spec.targetGroups[0].targets', 'must be an IP address when targetType is ip']),
  // What CEL's isIP() refused, refused without it (1.30 compiles no IP library): the id's pattern...
  ...['10.0.0.256', '10.0.1', '010.0.1.15', '10.0.1.15 ', '2001:db8::g', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', '::ffff:10.0.1.15', 'web-1'].map((id) =>
    lbsCase(`ip target ${JSON.stringify(id)}`, (o) => (tg(o, 0).targets = [{ id: '172.31.1.10' }, { id }]), ['spec.targetGroups[0].targets[1].id', `Invalid value: ${JSON.stringify(id)}`, 'should match']),
  ),
  // ... and the target group's rule (IPv4-mapped IPv6 in hex notation).
  lbsCase('IPv4-mapped IPv6 ip target', (o) => (tg(o, 0).targets = [{ id: '::ffff:a00:10f' }]), ['spec.targetGroups[0].targets', 'must be an IP address when targetType is ip']),
  lbsCase('health check timeout not below interval', (o) => (tg(o, 0).healthCheck = { intervalSeconds: 10, timeoutSeconds: 10 }), ['spec.targetGroups[0].healthCheck.timeoutSeconds', 'less than healthCheck.intervalSeconds']),
  // ServerCertificate
  scertCase('no secretRef', (o) => delete (o.spec as Partial<ServerCertificate['spec']>).secretRef, ['spec.secretRef', 'Required value']),
  scertCase('iam.path without trailing slash', (o) => (o.spec.iam = { path: '/albatross' }), ['spec.iam.path', 'should match']),
  scertCase('renewBeforeDays -1', (o) => (o.spec.renewBeforeDays = -1), ['spec.renewBeforeDays', 'greater than or equal to 0']),
  scertCase('iam.name of 120 characters', (o) => (o.spec.iam = { name: 'a'.repeat(120) }), ['spec.iam.name', 'may not be more than 119']),
  scertCase(
    'metadata.name of 120 characters and no iam.name (it would be the IAM base name)',
    (o) => ((o.metadata = { name: 'a'.repeat(120) }), (o.spec.iam = {})),
    ['spec.iam.name', 'required when metadata.name is longer than 119 characters'],
  ),
  scertCase('unknown driftPolicy', (o) => (o.spec.driftPolicy = 'Ignore' as never), ['spec.driftPolicy', 'Unsupported value: "Ignore"']),
  // DnsAlias
  dnsaCase('no names', (o) => (o.spec.names = []), ['spec.names', 'at least 1 items']),
  dnsaCase('name repeated in the chain', (o) => (o.spec.names = [o.spec.names[0]!, o.spec.names[0]!]), ['spec.names', 'must not repeat a name']),
  dnsaCase('both target kinds', (o) => (o.spec.target = { loadBalancedServiceRef: { name: 'chat' }, hostname: 'x.elb.amazonaws.com' }), ['spec.target', 'exactly one of target.loadBalancedServiceRef or target.hostname']),
  dnsaCase('no target kind', (o) => (o.spec.target = {}), ['spec.target', 'exactly one of target.loadBalancedServiceRef or target.hostname']),
  dnsaCase('hostedZone with id and name', (o) => (o.spec.names[0]!.hostedZone = { id: 'Z0123456789', name: 'example.com' }), ['spec.names[0].hostedZone', 'exactly one of hostedZone.id or hostedZone.name']),
  dnsaCase('uppercase name', (o) => (o.spec.names[0]!.name = 'Service.Example.com'), ['spec.names[0].name', 'should match']),
  dnsaCase('label of 64 characters', (o) => (o.spec.names[0]!.name = `${'a'.repeat(64)}.example.com`), ['spec.names[0].name', 'should match']),
  dnsaCase('name of 254 characters', (o) => (o.spec.names[0]!.name = `${`${'a'.repeat(63)}.`.repeat(3)}${'a'.repeat(50)}.example.com`), ['spec.names[0].name', 'may not be more than 253']),
  dnsaCase('name outside its zone', (o) => (o.spec.names[0]!.name = 'service.example.org'), ['spec.names[0].name', 'must be inside hostedZone.name']),
  dnsaCase('CNAME at the zone apex', (o) => (o.spec.names[0]!.name = 'example.com'), ['spec.names', 'apex']),
  dnsaCase('target hostname that is in the chain', (o) => (o.spec.target = { hostname: 'service.example.com' }), ['spec.target.hostname', 'must not be one of spec.names']),
  dnsaCase('Alias to a hostname', (o) => ((o.spec.target = { hostname: 'x.elb.amazonaws.com' }), (o.spec.finalRecord = 'Alias')), ['spec.finalRecord', 'requires spec.target.loadBalancedServiceRef']),
];

describe('invalid manifests are refused, naming the field', () => {
  it('has a table of at least 20 cases', () => {
    expect(invalidCases.length).toBeGreaterThanOrEqual(20);
  });

  it('accepts the unmodified examples (so each case fails only because of its change)', async () => {
    for (const kind of ['LoadBalancedService', 'ServerCertificate', 'DnsAlias'] as const) {
      expect(await refusal(kind, dryRunNs.name, example<object>(kind))).toBe('');
    }
  });

  it('accepts IPv4 and IPv6 targets for targetType ip', async () => {
    const lbs = structuredClone(example<Lbs>('LoadBalancedService'));
    tg(lbs, 0).targets = ['0.0.0.0', '10.0.1.15', '255.255.255.255', '2001:db8::1', '2001:DB8:0:0:0:0:0:1', '::1', 'fe80::'].map((id) => ({ id }));
    expect(await refusal('LoadBalancedService', dryRunNs.name, lbs)).toBe('');
  });

  it('accepts the edges: redirect port 65535 and #{port}, a post-quantum sslPolicy', async () => {
    const o = structuredClone(example<LoadBalancedService>('LoadBalancedService'));
    listener(o, 443).sslPolicy = 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09';
    listener(o, 80).defaultAction = { redirect: { protocol: 'HTTPS', port: '65535', statusCode: 'HTTP_301' } };
    expect(await refusal('LoadBalancedService', dryRunNs.name, o)).toBe('');
    listener(o, 80).defaultAction = { redirect: { port: '#{port}', statusCode: 'HTTP_302' } };
    expect(await refusal('LoadBalancedService', dryRunNs.name, o)).toBe('');
  });

  it('a ServerCertificate name of up to 119 characters needs no iam.name; a longer one is fine with a short iam.name', async () => {
    const named = (name: string, iam: ServerCertificate['spec']['iam']): ServerCertificate => {
      const o = structuredClone(example<ServerCertificate>('ServerCertificate'));
      o.metadata = { name };
      o.spec.iam = iam;
      return o;
    };
    expect(await refusal('ServerCertificate', dryRunNs.name, named('a'.repeat(119), {}))).toBe('');
    expect(await refusal('ServerCertificate', dryRunNs.name, named('a'.repeat(200), { name: 'short' }))).toBe('');
  });

  it.each(invalidCases.map((c) => [`${c.kind}: ${c.name}`, c] as const))('%s', async (_title, c) => {
    const obj = structuredClone(example<KubernetesObject>(c.kind));
    (c.mutate as (o: unknown) => void)(obj);
    const message = await refusal(c.kind, dryRunNs.name, obj);
    expect(message).not.toBe('');
    for (const fragment of c.expect) expect(message).toContain(fragment);
  });
});
