// The chart's RBAC, bound to a non-admin user on the real apiserver: it allows exactly what the
// controller does and refuses the rest (so it is not over-broad).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AuthorizationV1Api, CoordinationV1Api, CoreV1Api, CustomObjectsApi, DiscoveryV1Api, RbacAuthorizationV1Api,
  type KubeConfig, type KubernetesObject, type V1ResourceAttributes,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import {
  applyManifests, createTestNamespace, expectRefused, kubeConfig, kubeConfigFor, readManifests, uniqueName, type TestNamespace,
} from '../support/index.ts';
import { CHART, CI_VALUES, helmBinary, helmTemplate } from './tools.ts';
import { readdirSync } from 'node:fs';

// helm is built from the Go module proxy on first use (about 2 minutes cold): do it before any test's clock starts.
beforeAll(() => {
  helmBinary();
}, 600_000);

const RBAC_KINDS = new Set(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

async function installRbac(release: string, namespace: string, ...set: string[]): Promise<KubernetesObject[]> {
  const out = await helmTemplate(release, namespace, '-f', CI_VALUES, ...set.flatMap((s) => ['--set', s]));
  const objects = parseAllDocuments(out).map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => !!o && RBAC_KINDS.has(o.kind ?? ''));
  return applyManifests(objects);
}

async function removeClusterScoped(objects: KubernetesObject[]): Promise<void> {
  const rbac = kubeConfig().makeApiClient(RbacAuthorizationV1Api);
  for (const o of objects) {
    const name = o.metadata?.name ?? '';
    if (o.kind === 'ClusterRole') await rbac.deleteClusterRole({ name }).catch(() => undefined);
    if (o.kind === 'ClusterRoleBinding') await rbac.deleteClusterRoleBinding({ name }).catch(() => undefined);
  }
}

/** The identity the apiserver gives the chart's ServiceAccount; a client certificate stands in for its token. */
function serviceAccountUser(namespace: string, name: string): { user: string; groups: string[] } {
  return { user: `system:serviceaccount:${namespace}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`] };
}

async function allowed(user: { user: string; groups: string[] }, attrs: V1ResourceAttributes): Promise<boolean> {
  const review = await kubeConfig().makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
    body: { spec: { user: user.user, groups: user.groups, resourceAttributes: attrs } },
  });
  return review.status?.allowed === true;
}

beforeAll(async () => {
  // The CRDs, so requests for the three kinds reach RBAC instead of a 404.
  const dir = `${CHART}/crds`;
  for (const f of readdirSync(dir)) await applyManifests(readManifests(`${dir}/${f}`));
});

describe('chart RBAC, watching all namespaces (ClusterRole)', () => {
  let ns: TestNamespace;
  let other: TestNamespace;
  let installed: KubernetesObject[] = [];
  let sa: { user: string; groups: string[] };
  let kc: KubeConfig;

  beforeAll(async () => {
    ns = await createTestNamespace('rbac');
    other = await createTestNamespace('rbac-other');
    const release = uniqueName('rbac');
    installed = await installRbac(release, ns.name);
    sa = serviceAccountUser(ns.name, `${release}-albatross`);
    kc = await kubeConfigFor(sa.user, sa.groups);
    const admin = kubeConfig().makeApiClient(CoreV1Api);
    await admin.createNamespacedSecret({ namespace: other.name, body: { metadata: { name: 'keystore' }, stringData: { password: 'x' } } });
  });
  afterAll(async () => {
    await removeClusterScoped(installed);
    await ns.delete();
    await other.delete();
  });

  it('lets the controller do what it does', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    for (const plural of ['loadbalancedservices', 'servercertificates', 'dnsaliases']) {
      const list = await custom.listClusterCustomObject({ group: 'albatross.dev', version: 'v1alpha1', plural });
      expect(list).toHaveProperty('items');
    }
    expect((await core.listSecretForAllNamespaces()).items).toBeDefined();
    expect((await core.readNamespacedSecret({ namespace: other.name, name: 'keystore' })).data?.['password']).toBeDefined();
    expect((await core.listServiceForAllNamespaces()).items).toBeDefined();
    expect((await core.listSecretForAllNamespaces({ watch: false, limit: 1 })).items).toBeDefined();
    expect((await kc.makeApiClient(DiscoveryV1Api).listEndpointSliceForAllNamespaces()).items).toBeDefined();
    await core.createNamespacedEvent({
      namespace: other.name,
      body: {
        metadata: { generateName: 'lbs-' },
        involvedObject: { apiVersion: 'albatross.dev/v1alpha1', kind: 'LoadBalancedService', namespace: other.name, name: 'chat' },
        reason: 'Created', message: 'created load balancer', type: 'Normal',
      },
    });
    const leases = kc.makeApiClient(CoordinationV1Api);
    const lease = await leases.createNamespacedLease({ namespace: ns.name, body: { metadata: { name: 'albatross-leader' }, spec: { holderIdentity: 'a' } } });
    await leases.replaceNamespacedLease({ namespace: ns.name, name: 'albatross-leader', body: { ...lease, spec: { holderIdentity: 'b' } } });
    expect((await leases.readNamespacedLease({ namespace: ns.name, name: 'albatross-leader' })).spec?.holderIdentity).toBe('b');
  });

  it.each<[string, V1ResourceAttributes]>([
    ['update LoadBalancedService status', { group: 'albatross.dev', resource: 'loadbalancedservices', subresource: 'status', verb: 'update', namespace: 'x' }],
    ['update ServerCertificate status', { group: 'albatross.dev', resource: 'servercertificates', subresource: 'status', verb: 'update', namespace: 'x' }],
    ['update DnsAlias status', { group: 'albatross.dev', resource: 'dnsaliases', subresource: 'status', verb: 'update', namespace: 'x' }],
    ['patch a LoadBalancedService (finalizer)', { group: 'albatross.dev', resource: 'loadbalancedservices', verb: 'patch', namespace: 'x' }],
    ['watch EndpointSlices', { group: 'discovery.k8s.io', resource: 'endpointslices', verb: 'watch' }],
    ['watch Services', { group: '', resource: 'services', verb: 'watch' }],
    ['patch Events (count bump)', { group: '', resource: 'events', verb: 'patch', namespace: 'x' }],
  ])('allows: %s', async (_what, attrs) => {
    await expect(allowed(sa, attrs)).resolves.toBe(true);
  });

  it('refuses what the controller never does', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const secretDelete = await expectRefused(() => core.deleteNamespacedSecret({ namespace: other.name, name: 'keystore' }));
    expect(secretDelete.code).toBe(403);
    expect(secretDelete.message).toContain(`cannot delete resource "secrets"`);
    expect((await expectRefused(() => core.createNamespacedSecret({ namespace: other.name, body: { metadata: { name: 'mine' } } }))).code).toBe(403);
    expect((await expectRefused(() => core.listNode())).code).toBe(403);
    expect((await expectRefused(() => core.listConfigMapForAllNamespaces())).code).toBe(403);
    expect((await expectRefused(() => core.deleteNamespacedService({ namespace: other.name, name: 'any' }))).code).toBe(403);
    const custom = kc.makeApiClient(CustomObjectsApi);
    expect((await expectRefused(() => custom.deleteNamespacedCustomObject({
      group: 'albatross.dev', version: 'v1alpha1', plural: 'loadbalancedservices', namespace: other.name, name: 'chat',
    }))).code).toBe(403);
    const leases = kc.makeApiClient(CoordinationV1Api);
    // Leases only in the release namespace, and only get/update the controller's own one.
    expect((await expectRefused(() => leases.createNamespacedLease({ namespace: other.name, body: { metadata: { name: 'albatross-leader' } } }))).code).toBe(403);
    expect((await expectRefused(() => leases.readNamespacedLease({ namespace: ns.name, name: 'someone-elses-lease' }))).code).toBe(403);
    expect((await expectRefused(() => leases.deleteNamespacedLease({ namespace: ns.name, name: 'albatross-leader' }))).code).toBe(403);
  });

  it.each<[string, V1ResourceAttributes]>([
    ['create a LoadBalancedService', { group: 'albatross.dev', resource: 'loadbalancedservices', verb: 'create', namespace: 'x' }],
    ['update a DnsAlias spec', { group: 'albatross.dev', resource: 'dnsaliases', verb: 'update', namespace: 'x' }],
    ['get a Service (only cached)', { group: '', resource: 'services', verb: 'get', namespace: 'x' }],
    ['update a Secret', { group: '', resource: 'secrets', verb: 'update', namespace: 'x' }],
    ['delete Events', { group: '', resource: 'events', verb: 'delete', namespace: 'x' }],
    ['update EndpointSlices', { group: 'discovery.k8s.io', resource: 'endpointslices', verb: 'update', namespace: 'x' }],
    ['escalate via clusterroles', { group: 'rbac.authorization.k8s.io', resource: 'clusterroles', verb: 'bind' }],
  ])('refuses: %s', async (_what, attrs) => {
    await expect(allowed(sa, attrs)).resolves.toBe(false);
  });
});

describe('chart RBAC, watching some namespaces (Roles only)', () => {
  let ns: TestNamespace;
  let watched: TestNamespace;
  let unwatched: TestNamespace;
  let installed: KubernetesObject[] = [];
  let kc: KubeConfig;

  beforeAll(async () => {
    [ns, watched, unwatched] = await Promise.all([createTestNamespace('rbacns'), createTestNamespace('rbacns-w'), createTestNamespace('rbacns-u')]);
    const release = uniqueName('rbac');
    installed = await installRbac(release, ns.name, `controller.watchNamespaces={${watched.name}}`);
    const sa = serviceAccountUser(ns.name, `${release}-albatross`);
    kc = await kubeConfigFor(sa.user, sa.groups);
  });
  afterAll(async () => {
    await removeClusterScoped(installed);
    await Promise.all([ns.delete(), watched.delete(), unwatched.delete()]);
  });

  it('creates no cluster-wide grant', () => {
    expect(installed.map((o) => o.kind)).not.toContain('ClusterRole');
    expect(installed.map((o) => o.kind)).not.toContain('ClusterRoleBinding');
  });

  it('reads Secrets and the three kinds only in the watched namespace', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    expect((await core.listNamespacedSecret({ namespace: watched.name })).items).toBeDefined();
    const custom = kc.makeApiClient(CustomObjectsApi);
    await custom.listNamespacedCustomObject({ group: 'albatross.dev', version: 'v1alpha1', plural: 'dnsaliases', namespace: watched.name });
    expect((await expectRefused(() => core.listNamespacedSecret({ namespace: unwatched.name }))).code).toBe(403);
    expect((await expectRefused(() => core.listSecretForAllNamespaces())).code).toBe(403);
    expect((await expectRefused(() => custom.listClusterCustomObject({ group: 'albatross.dev', version: 'v1alpha1', plural: 'dnsaliases' }))).code).toBe(403);
  });
});
