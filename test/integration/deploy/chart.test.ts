// The Helm chart and deploy/ as a platform engineer uses them: helm lint, helm template, and the
// rendered manifests accepted by the real kube-apiserver (server-side dry-run).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { V1Deployment, V1ServiceAccount } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { applyManifests, createTestNamespace, type TestNamespace } from '../support/index.ts';
import { CHART, CI_VALUES, REPO, helm, helmTemplate, kubectl, run } from './tools.ts';

const kinds = (yamlText: string): string[] =>
  parseAllDocuments(yamlText)
    .map((d) => d.toJS() as { kind?: string } | null)
    .filter((o): o is { kind: string } => !!o?.kind)
    .map((o) => o.kind);

/** helm notes that helm/albatross/crds is a symlink to deploy/crds (one copy of the CRDs); nothing else may be said. */
const withoutSymlinkNotice = (stderr: string): string =>
  stderr.split('\n').filter((l) => l && !/found symbolic link in path: .*helm\/albatross\/crds resolves to/.test(l)).join('\n');

const dryRunApply = (yamlText: string) =>
  kubectl(['apply', '--server-side', '--force-conflicts', '--dry-run=server', '--field-manager=albatross-test', '-f', '-'], yamlText);

describe('helm chart', () => {
  let ns: TestNamespace;
  beforeAll(async () => {
    ns = await createTestNamespace('chart');
  });
  afterAll(async () => {
    await ns.delete();
  });

  it('passes helm lint --strict with the CI values', async () => {
    const r = await helm('lint', '--strict', CHART, '-f', CI_VALUES);
    expect(r.stderr + r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(r.code).toBe(0);
  });

  it('refuses to render without clusterName, naming the value', async () => {
    const r = await helm('template', 'x', CHART);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('clusterName');
  });

  it.each([
    ['controller.resyncPeriod=5', '/controller/resyncPeriod'],
    ['controller.logLevel=verbose', '/controller/logLevel'],
    ['serviceAccount.roleArn=not-an-arn', '/serviceAccount/roleArn'],
    ['controller.maxConcurrentReconciles=0', '/controller/maxConcurrentReconciles'],
  ])('values.schema.json refuses %s', async (set, path) => {
    const r = await helm('template', 'x', CHART, '-f', CI_VALUES, '--set', set);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(path);
  });

  it('renders the controller with every flag, the IRSA annotation and the hardened pod', async () => {
    const out = await helmTemplate('rel', ns.name, '-f', CI_VALUES,
      '--set', 'serviceAccount.roleArn=arn:aws:iam::123456789012:role/albatross',
      '--set', 'metrics.serviceMonitor.enabled=true');
    const objects = parseAllDocuments(out).map((d) => d.toJS() as { kind?: string } | null);
    const sa = objects.find((o) => o?.kind === 'ServiceAccount') as V1ServiceAccount | undefined;
    expect(sa?.metadata?.annotations?.['eks.amazonaws.com/role-arn']).toBe('arn:aws:iam::123456789012:role/albatross');
    const deploy = objects.find((o) => o?.kind === 'Deployment') as V1Deployment | undefined;
    expect(deploy?.spec?.replicas).toBe(2);
    const pod = deploy?.spec?.template.spec;
    const c = pod?.containers[0];
    expect(c?.args).toEqual(expect.arrayContaining([
      '--cluster-name=$(ALBATROSS_CLUSTER_NAME)', '--leader-elect=true', '--metrics-bind-address=:8080',
      '--health-probe-bind-address=:8081',
    ]));
    expect(c?.env).toContainEqual({ name: 'ALBATROSS_CLUSTER_NAME', value: 'ci-cluster' });
    expect(c?.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'health' });
    expect(c?.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'health' });
    expect(c?.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(pod?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(kinds(out).sort()).toEqual([
      'ClusterRole', 'ClusterRoleBinding', 'Deployment', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service',
      'ServiceAccount', 'ServiceMonitor',
    ]);
  });

  it('applies with server-side dry-run, CRDs included', async () => {
    const out = await helmTemplate('rel', ns.name, '-f', CI_VALUES, '--include-crds');
    expect(kinds(out).filter((k) => k === 'CustomResourceDefinition')).toHaveLength(3);
    const r = await dryRunApply(out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/deployment.apps\/rel-albatross serverside-applied \(server dry run\)/);
  });

  it('applies with server-side dry-run when watching only some namespaces (Roles, no ClusterRole)', async () => {
    const out = await helmTemplate('rel', ns.name, '-f', CI_VALUES, '--set', `controller.watchNamespaces={${ns.name},default}`);
    expect(kinds(out)).not.toContain('ClusterRole');
    expect(kinds(out).filter((k) => k === 'Role')).toHaveLength(3); // two watched namespaces + leader election
    const r = await dryRunApply(out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('deploy/ (kubectl apply -k)', () => {
  it('is the chart rendered with its defaults, and carries every CRD of deploy/crds', async () => {
    const r = await run(process.execPath, [`${REPO}scripts/sync-chart-files.ts`, '--check']);
    expect(withoutSymlinkNotice(r.stderr)).toBe('');
    expect(r.code).toBe(0);
  });

  it('applies with server-side dry-run', async () => {
    // A real cluster gets the namespace from the same apply; a dry-run creates nothing, so the
    // namespace has to exist for the namespaced objects to be checked.
    await applyManifests({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'albatross-system' } });
    const r = await kubectl(['apply', '--server-side', '--force-conflicts', '--dry-run=server', '--field-manager=albatross-test', '-k', `${REPO}deploy`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const line of [
      'customresourcedefinition.apiextensions.k8s.io/loadbalancedservices.albatross.dev',
      'customresourcedefinition.apiextensions.k8s.io/servercertificates.albatross.dev',
      'customresourcedefinition.apiextensions.k8s.io/dnsaliases.albatross.dev',
      'clusterrole.rbac.authorization.k8s.io/albatross',
      'deployment.apps/albatross',
      'poddisruptionbudget.policy/albatross',
      'service/albatross-metrics',
    ]) expect(r.stdout).toContain(`${line} serverside-applied (server dry run)`);
  });
});
