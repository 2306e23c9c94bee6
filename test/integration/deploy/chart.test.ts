// The Helm chart and deploy/ as a platform engineer uses them: helm lint, helm template, and the
// rendered manifests accepted by the real kube-apiserver (server-side dry-run).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { V1Deployment, V1ServiceAccount } from '@kubernetes/client-node';
import { parse, parseAllDocuments } from 'yaml';
import { applyManifests, createTestNamespace, readManifests, type TestNamespace } from '../support/index.ts';
import { helpText, parseConfig } from '../../../src/config.ts';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHART, CI_VALUES, REPO, helm, helmBinary, helmTemplate, kubectl, kubeletView, run } from './tools.ts';

// helm is built from the Go module proxy on first use (about 2 minutes cold): do it before any test's clock starts.
beforeAll(() => {
  helmBinary();
}, 600_000);

const kinds = (yamlText: string): string[] =>
  parseAllDocuments(yamlText)
    .map((d) => d.toJS() as { kind?: string } | null)
    .filter((o): o is { kind: string } => !!o?.kind)
    .map((o) => o.kind);


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

  it('passes helm lint --strict with the CI values, without a warning', async () => {
    const r = await helm('lint', '--strict', CHART, '-f', CI_VALUES);
    expect(r.stderr + r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toMatch(/\[WARNING\]|symbolic link/);
    expect(r.code).toBe(0);
  });

  it('packages the CRDs as files and leaves ci/ out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'albatross-package-'));
    const r = await helm('package', CHART, '-d', dir);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const files = (await run('tar', ['tzf', join(dir, 'albatross-0.1.0.tgz')])).stdout.split('\n');
    expect(files.filter((f) => f.startsWith('albatross/ci/'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('albatross/crds/')).sort()).toEqual(
      readdirSync(`${REPO}deploy/crds`).filter((f) => f.endsWith('.yaml')).map((f) => `albatross/crds/${f}`).sort(),
    );
  });

  it('refuses a Kubernetes older than its kubeVersion (1.30)', async () => {
    const r = await helm('template', 'x', CHART, '-f', CI_VALUES, '--kube-version', '1.29.9');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('chart requires kubeVersion: >=1.30.0-0 which is incompatible with Kubernetes v1.29.9');
    expect((await helm('template', 'x', CHART, '-f', CI_VALUES, '--kube-version', '1.30.0')).code).toBe(0);
  });

  it('renders the ServiceMonitor and PrometheusRule only where prometheus-operator serves their API', async () => {
    const on = ['-f', CI_VALUES, '--set', 'metrics.serviceMonitor.enabled=true', '--set', 'metrics.prometheusRule.enabled=true'];
    expect(kinds(await helmTemplate('rel', ns.name, ...on)).filter((k) => k === 'ServiceMonitor' || k === 'PrometheusRule')).toEqual([]);
    const withApi = await helmTemplate('rel', ns.name, ...on, '--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor', '--api-versions', 'monitoring.coreos.com/v1/PrometheusRule');
    expect(kinds(withApi).filter((k) => k === 'ServiceMonitor' || k === 'PrometheusRule').sort()).toEqual(['PrometheusRule', 'ServiceMonitor']);
    const rule = parseAllDocuments(withApi).map((d) => d.toJS() as { kind?: string; spec?: unknown }).find((o) => o?.kind === 'PrometheusRule');
    expect(rule?.spec).toEqual(parse(readFileSync(`${CHART}/files/alerts.yaml`, 'utf8')));
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
    ['controller.awsBudgets=route53:write=fast', '/controller/awsBudgets'],
  ])('values.schema.json refuses %s', async (set, path) => {
    const r = await helm('template', 'x', CHART, '-f', CI_VALUES, '--set', set);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(path);
  });

  it('renders the controller with every flag, the IRSA annotation and the hardened pod', async () => {
    const out = await helmTemplate('rel', ns.name, '-f', CI_VALUES,
      '--set', 'serviceAccount.roleArn=arn:aws:iam::123456789012:role/albatross',
      '--set', 'metrics.serviceMonitor.enabled=true', '--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor');
    const objects = parseAllDocuments(out).map((d) => d.toJS() as { kind?: string } | null);
    const sa = objects.find((o) => o?.kind === 'ServiceAccount') as V1ServiceAccount | undefined;
    expect(sa?.metadata?.annotations?.['eks.amazonaws.com/role-arn']).toBe('arn:aws:iam::123456789012:role/albatross');
    const deploy = objects.find((o) => o?.kind === 'Deployment') as V1Deployment | undefined;
    expect(deploy?.spec?.replicas).toBe(2);
    const pod = deploy?.spec?.template.spec;
    const c = pod?.containers[0];
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

  it('passes the controller flags it parses: the rendered args and env are a valid config', async () => {
    const out = await helmTemplate('rel', ns.name, '-f', CI_VALUES, '--set', 'controller.watchNamespaces={a,b}',
      '--set', 'controller.resyncPeriod=2m', '--set', 'controller.leaderElection.leaseDuration=20s',
      '--set', 'controller.awsBudgets=elbv2:read=5/10\\,route53:write=1/2', '--set', 'controller.adoptNamespaces={legacy,b}');
    const deploy = parseAllDocuments(out).map((d) => d.toJS() as { kind?: string } | null)
      .find((o) => o?.kind === 'Deployment') as V1Deployment | undefined;
    const container = deploy?.spec?.template.spec?.containers[0];
    const { argv, env } = kubeletView(container?.args ?? [], container?.env ?? [], { 'metadata.namespace': ns.name, 'metadata.name': 'rel-albatross-abc' });
    const parsed = parseConfig(argv, env);
    expect(parsed.kind).toBe('config');
    const config = (parsed as Extract<typeof parsed, { kind: 'config' }>).config;
    expect(config).toMatchObject({
      clusterName: 'ci-cluster', namespaces: ['a', 'b'], resyncPeriodMs: 120_000, maxConcurrentReconciles: 4, logLevel: 'info',
      metricsBindAddress: ':8080', healthProbeBindAddress: ':8081', gracefulShutdownTimeoutMs: 30_000,
      leaderElection: { enabled: true, namespace: ns.name, id: 'albatross-leader', leaseDurationMs: 20_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
      awsBudgets: { 'elbv2:read': { ratePerSecond: 5, burst: 10 }, 'route53:write': { ratePerSecond: 1, burst: 2 } },
      adoptNamespaces: ['legacy', 'b'],
    });
    expect(config.leaderElection.identity).toMatch(/^rel-albatross-abc_/);
    expect(container?.ports?.map((p) => p.containerPort)).toEqual([8080, 8081]);
  });

  it('has a value for every controller flag, and docs/operations.md documents each', async () => {
    const flags = [...helpText().matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => m[1] ?? '').filter((f) => f !== 'version');
    expect(flags).toContain('cluster-name');
    const rendered = await helmTemplate('rel', ns.name, '-f', CI_VALUES, '--set', 'controller.watchNamespaces={a}', '--set', 'controller.awsBudgets=iam:write=1/1', '--set', 'controller.adoptNamespaces={a}');
    // Set another way by the chart: the cluster name and identity through env (ALBATROSS_CLUSTER_NAME,
    // POD_NAME); kubeconfig is in-cluster.
    const notArgs = new Set(['cluster-name', 'leader-election-identity', 'kubeconfig']);
    for (const flag of flags.filter((f) => !notArgs.has(f))) expect([flag, rendered.includes(`--${flag}`)]).toEqual([flag, true]);
    expect(rendered).toContain('name: ALBATROSS_CLUSTER_NAME');
    expect(rendered).toContain('name: POD_NAME');
    const ops = readFileSync(`${REPO}docs/operations.md`, 'utf8');
    for (const flag of flags) expect([flag, ops.includes(`\`--${flag}`)]).toEqual([flag, true]);
  });

  it('refuses two replicas without leader election', async () => {
    const r = await helm('template', 'x', CHART, '-f', CI_VALUES, '--set', 'controller.leaderElection.enabled=false');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('replicaCount 1');
    const single = await helmTemplate('x', 'default', '-f', CI_VALUES, '--set', 'controller.leaderElection.enabled=false', '--set', 'replicaCount=1');
    expect(single).toContain('--no-leader-elect');
    expect(kinds(single)).not.toContain('PodDisruptionBudget');
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
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('runs the controller with the chart defaults, and refuses to start until the cluster name is set', () => {
    const deploy = readManifests(`${REPO}deploy/deployment.yaml`)[0] as V1Deployment;
    const container = deploy.spec?.template.spec?.containers[0];
    const fields = { 'metadata.namespace': 'albatross-system', 'metadata.name': 'albatross-abc' };
    const unset = kubeletView(container?.args ?? [], container?.env ?? [], fields);
    expect(() => parseConfig(unset.argv, unset.env)).toThrow('--cluster-name is required');
    // The overlay patch documented in deploy/kustomization.yaml: env/0 is the cluster name.
    expect(container?.env?.[0]?.name).toBe('ALBATROSS_CLUSTER_NAME');
    const patchedEnv = [{ name: 'ALBATROSS_CLUSTER_NAME', value: 'prod' }, ...(container?.env ?? []).slice(1)];
    const set = kubeletView(container?.args ?? [], patchedEnv, fields);
    expect(parseConfig(set.argv, set.env)).toMatchObject({ kind: 'config', config: { clusterName: 'prod', leaderElection: { enabled: true, namespace: 'albatross-system' } } });
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
