// The environment every integration test relies on is real: a kube-apiserver of the expected
// version that enforces RBAC, and a moto that answers the AWS APIs the controller uses.
import { describe, expect, it, afterAll } from '@jest/globals';
import { CoreV1Api, RbacAuthorizationV1Api, VersionApi, type KubeConfig } from '@kubernetes/client-node';
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListServerCertificatesCommand } from '@aws-sdk/client-iam';
import { ListHostedZonesCommand } from '@aws-sdk/client-route-53';
import { execFile } from 'node:child_process';
import { request, type RequestOptions } from 'node:https';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KUBE_BIN_DIR, REPO_ROOT, paths } from '../env/config.ts';
import { awsClients, createTestNamespace, defaultNetwork, expectRefused, extraApiserver, kubeConfig, kubeConfigFor, uniqueName, waitFor, type TestNamespace } from './support/index.ts';

async function rawGet(kc: KubeConfig, path: string): Promise<{ status: number; body: string }> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('no server in kubeconfig');
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, server), opts, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('kube-apiserver', () => {
  const namespaces: TestNamespace[] = [];
  afterAll(async () => {
    await Promise.all(namespaces.map((ns) => ns.delete()));
  });

  it('is v1.36.3 and ready', async () => {
    const kc = kubeConfig();
    const version = await kc.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toBe('v1.36.3');
    expect(`${version.major}.${version.minor}`).toBe('1.36');
    const readyz = await rawGet(kc, '/readyz');
    expect(readyz).toEqual({ status: 200, body: 'ok' });
  });

  it('enforces RBAC: a user without bindings is refused until a Role grants it access', async () => {
    const admin = kubeConfig();
    const ns = await createTestNamespace('env-rbac');
    namespaces.push(ns);
    const user = uniqueName('albatross-test-user');
    const asUser = (await kubeConfigFor(user)).makeApiClient(CoreV1Api);

    const refused = await expectRefused(() => asUser.listNamespacedConfigMap({ namespace: ns.name }));
    expect(refused).toMatchObject({ code: 403, reason: 'Forbidden' });
    expect(refused.message).toContain(`User "${user}" cannot list resource "configmaps"`);

    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: ns.name,
      body: { metadata: { name: 'read-configmaps' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns.name,
      body: {
        metadata: { name: 'read-configmaps' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-configmaps' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
      },
    });
    const list = await waitFor(() => asUser.listNamespacedConfigMap({ namespace: ns.name }), { description: `${user} to be allowed to list configmaps` });
    expect(Array.isArray(list.items)).toBe(true);
    // Still nothing beyond the grant.
    expect((await expectRefused(() => asUser.listNamespacedSecret({ namespace: ns.name }))).code).toBe(403);
  });

  it('can be stopped and restarted under a test (extra apiserver on the same etcd); clients reconnect', async () => {
    const extra = await extraApiserver();
    try {
      const ns = await createTestNamespace('env-restart');
      namespaces.push(ns);
      const core = extra.kubeConfig.makeApiClient(CoreV1Api);
      // Same etcd: it sees what was written through the main apiserver.
      expect((await core.readNamespace({ name: ns.name })).metadata?.name).toBe(ns.name);

      await extra.stop();
      const whileDown = await core.readNamespace({ name: ns.name }).then(
        () => 'answered',
        (e: unknown) => (e as { cause?: { code?: string } }).cause?.code,
      );
      expect(whileDown).toBe('ECONNREFUSED');

      await extra.start();
      expect((await core.readNamespace({ name: ns.name })).metadata?.name).toBe(ns.name);
    } finally {
      await extra.remove();
    }
  });
});

describe('kubectl', () => {
  interface KubectlVersion {
    clientVersion?: { gitVersion?: string };
    serverVersion?: { gitVersion?: string };
  }
  const run = promisify(execFile);

  it('on PATH for tests is the project\'s v1.36.3 (same release as the apiserver), not the machine\'s', async () => {
    const { stdout } = await run('kubectl', ['version', '-o', 'json']);
    const v = JSON.parse(stdout) as KubectlVersion;
    expect(v.clientVersion?.gitVersion).toBe('v1.36.3');
    expect(v.serverVersion?.gitVersion).toBe('v1.36.3');
  });

  it('is what a human gets after `source .albatross/env.sh` (from a PATH without it)', async () => {
    const human = (cmd: string): Promise<{ stdout: string; stderr: string }> =>
      run('bash', ['-c', `source '${paths.envSh}' && ${cmd}`], { env: { HOME: process.env['HOME'] ?? '/', PATH: '/usr/bin:/bin' } });
    expect((await human('command -v kubectl')).stdout.trim()).toBe(join(KUBE_BIN_DIR, 'kubectl'));
    const v = JSON.parse((await human('kubectl version -o json')).stdout) as KubectlVersion;
    expect(v).toMatchObject({ clientVersion: { gitVersion: 'v1.36.3' }, serverVersion: { gitVersion: 'v1.36.3' } });
    // KUBECONFIG from env.sh too: the admin reaches the apiserver.
    expect((await human('kubectl get namespace default -o name')).stdout.trim()).toBe('namespace/default');
    // And the project's Node 24, not the machine's, so the printed `node src/main.ts …` runs.
    expect((await human('command -v node')).stdout.trim()).toBe(join(REPO_ROOT, 'node_modules', '.bin', 'node'));
    expect((await human('node --version')).stdout.trim()).toBe(`v${(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { devDependencies: { node: string } }).devDependencies.node}`);
  });
});

describe('moto', () => {
  it('answers ELBv2, IAM and Route 53', async () => {
    const { elbv2, iam, route53 } = awsClients();
    expect(Array.isArray((await elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers)).toBe(true);
    expect(Array.isArray((await iam.send(new ListServerCertificatesCommand({}))).ServerCertificateMetadataList)).toBe(true);
    expect(Array.isArray((await route53.send(new ListHostedZonesCommand({}))).HostedZones)).toBe(true);
  });

  it('has the default VPC with a default subnet per zone', async () => {
    const { vpcId, subnetIds } = await defaultNetwork();
    expect(vpcId).toMatch(/^vpc-/);
    expect(subnetIds.length).toBeGreaterThanOrEqual(2);
    for (const id of subnetIds) expect(id).toMatch(/^subnet-/);
  });
});
