// The oldest Kubernetes Albatross supports (Chart.yaml's kubeVersion, docs/operations.md), for real:
// its kube-apiserver (test/env/kube-min, built from the Go module proxy like the main one) runs on the
// environment's etcd under a key prefix of its own, an empty cluster of that release. On it, kubectl's
// server-side apply installs deploy/ (the CRDs and the controller's manifests) and every example, a
// bad target IP is refused naming the field, and helm accepts the chart against the server's version.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { minimumApiserver, type TestApiserver } from '../support/index.ts';
import { CHART, CI_VALUES, REPO, helm, helmBinary, kubectl, type RunResult } from './tools.ts';

const CRD_DIR = `${REPO}deploy/crds`;
const LBS_CRD = join(CRD_DIR, 'albatross.dev_loadbalancedservices.yaml');
const crdNames = readdirSync(CRD_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => (parse(readFileSync(join(CRD_DIR, f), 'utf8')) as { metadata: { name: string } }).metadata.name);

/** The minimum release Chart.yaml promises, e.g. "1.30" from `kubeVersion: ">=1.30.0-0"`. */
function chartMinimum(): string {
  const kubeVersion = (parse(readFileSync(`${CHART}/Chart.yaml`, 'utf8')) as { kubeVersion: string }).kubeVersion;
  const m = /^>=\s*(\d+)\.(\d+)\.\d+(-0)?$/.exec(kubeVersion);
  if (!m) throw new Error(`Chart.yaml kubeVersion ${kubeVersion} is not of the form >=X.Y.Z-0`);
  return `${m[1]}.${m[2]}`;
}

/** The LoadBalancedService CRD with its target-IP rule written as it was before 1.30 support: CEL's isIP(). */
function crdWithIsIP(): string {
  const crd = parse(readFileSync(LBS_CRD, 'utf8')) as {
    spec: { versions: Array<{ schema: { openAPIV3Schema: unknown } }> };
  };
  let replaced = 0;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const rule = node as { rule?: unknown; message?: unknown };
    if (typeof rule.message === 'string' && rule.message.startsWith('targets[].id must be an IP address')) {
      rule.rule = "!has(self.targets) || self.targetType != 'ip' || self.targets.all(t, isIP(t.id))";
      replaced++;
    }
    Object.values(node).forEach(visit);
  };
  visit(crd);
  if (replaced === 0) throw new Error('no target IP rule found in the LoadBalancedService CRD');
  return stringify(crd);
}

describe('on the minimum supported Kubernetes', () => {
  let server: TestApiserver;
  let dir: string;
  let kubeconfig: string;
  const ns = 'albatross-minimum';
  /** kubectl against the minimum apiserver. */
  const kubectlMin = (args: readonly string[], input?: string): Promise<RunResult> => kubectl(['--kubeconfig', kubeconfig, ...args], input);
  const ok = (r: RunResult): string => {
    if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
    return r.stdout;
  };

  beforeAll(async () => {
    helmBinary();
    server = await minimumApiserver();
    dir = mkdtempSync(join(tmpdir(), 'albatross-minimum-'));
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, server.kubeconfigYaml, { mode: 0o600 });
  }, 180_000);
  afterAll(async () => {
    await server?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is the release Chart.yaml names as the minimum', async () => {
    const version = JSON.parse(ok(await kubectlMin(['version', '-o', 'json']))) as { serverVersion: { major: string; minor: string; gitVersion: string } };
    expect(`${version.serverVersion.major}.${version.serverVersion.minor}`).toBe(chartMinimum());
    expect(version.serverVersion.gitVersion).toMatch(/^v1\.30\.\d+$/);
  });

  it('refuses the CRD as it was with isIP() (so this apiserver does test what 1.30 compiles), which the current release takes', async () => {
    const r = await kubectlMin(['apply', '--server-side', '--dry-run=server', '-f', '-'], crdWithIsIP());
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("undeclared reference to 'isIP'");
    // The environment's own apiserver (the current release) compiles it.
    expect(await kubectl(['apply', '--server-side', '--dry-run=server', '--force-conflicts', '--field-manager=albatross-minimum-test', '-f', '-'], crdWithIsIP())).toMatchObject({ code: 0 });
  });

  it("passes helm's kubeVersion check against this server (before deploy/ is there: helm would not take over its objects)", async () => {
    const r = await helm('install', 'albatross', CHART, '--dry-run=server', '--kubeconfig', kubeconfig, '-n', 'albatross-system', '-f', CI_VALUES);
    expect(r.stderr).not.toContain('incompatible');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('kind: Deployment');
  });

  it('installs deploy/ (the CRDs and the controller) with kubectl apply --server-side -k, and the CRDs become Established', async () => {
    const out = ok(await kubectlMin(['apply', '--server-side', '-k', `${REPO}deploy`]));
    for (const name of crdNames) expect(out).toContain(`customresourcedefinition.apiextensions.k8s.io/${name} serverside-applied`);
    expect(out).toContain('deployment.apps/albatross serverside-applied');
    ok(await kubectlMin(['wait', '--for=condition=Established', '--timeout=60s', ...crdNames.map((n) => `crd/${n}`)]));
  });

  it('takes every example with kubectl apply --server-side', async () => {
    ok(await kubectlMin(['create', 'namespace', ns]));
    const out = ok(await kubectlMin(['apply', '--server-side', '-n', ns, '-f', `${REPO}examples`]));
    expect(out).toContain('loadbalancedservice.albatross.dev/chat serverside-applied');
    expect(out).toContain('servercertificate.albatross.dev/service-example-com serverside-applied');
    expect(out).toContain('dnsalias.albatross.dev/chat serverside-applied');
    // Stored with the defaults the schema fills in, as on a current release.
    const lbs = JSON.parse(ok(await kubectlMin(['get', '-n', ns, 'loadbalancedservice', 'chat', '-o', 'json']))) as {
      spec: { targetGroups: Array<{ targetType: string; targets?: Array<{ id: string }> }> };
    };
    expect(lbs.spec.targetGroups[0]).toMatchObject({ targetType: 'ip', targets: [{ id: '172.31.1.10' }, { id: '172.31.2.10' }] });
  });

  it('refuses a target that is not an IP address, naming the field', async () => {
    const example = parseAllDocuments(readFileSync(`${REPO}examples/loadbalancedservice.yaml`, 'utf8'))
      .map((d) => d.toJS() as { kind?: string; metadata: { name: string }; spec: { targetGroups: Array<{ targets?: Array<{ id: string }> }> } })
      .find((o) => o.kind === 'LoadBalancedService');
    if (!example) throw new Error('no LoadBalancedService in examples/loadbalancedservice.yaml');
    const refusal = async (id: string): Promise<string> => {
      const bad = structuredClone(example);
      bad.metadata.name = 'bad-target';
      bad.spec.targetGroups[0]!.targets = [{ id: '172.31.1.10' }, { id }];
      const r = await kubectlMin(['apply', '--server-side', '-n', ns, '-f', '-'], JSON.stringify(bad));
      expect(r.code).not.toBe(0);
      return r.stderr;
    };
    // By the id's pattern ...
    for (const id of ['10.0.0.256', '010.0.0.1', 'fe80::1%eth0']) {
      const message = await refusal(id);
      expect(message).toContain(`spec.targetGroups[0].targets[1].id: Invalid value: ${JSON.stringify(id)}`);
      expect(message).toContain('should match');
    }
    // ... and by the target group's CEL rule.
    for (const id of ['::ffff:a00:1', 'i-0123456789abcdef0']) {
      const message = await refusal(id);
      expect(message).toContain('spec.targetGroups[0].targets');
      expect(message).toContain('targets[].id must be an IP address when targetType is ip');
    }
    // A good IPv6 target is taken.
    const good = structuredClone(example);
    good.metadata.name = 'ipv6-target';
    good.spec.targetGroups[0]!.targets = [{ id: '2001:db8::1' }];
    ok(await kubectlMin(['apply', '--server-side', '--dry-run=server', '-n', ns, '-f', '-'], JSON.stringify(good)));
  });
});
