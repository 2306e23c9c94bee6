// The Argo CD health checks in deploy/argocd/, run on gopher-lua as Argo CD runs them (and on Lua 5.4)
// against objects shaped like the ones the controller writes (kstatus conditions, observedGeneration).
import { describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { INTERPRETERS, runHealthCheck as run, runOnGopherLua, type Interpreter } from './run-health-check.ts';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const script = (name: string): string =>
  fileURLToPath(new URL(`../../../deploy/argocd/health-${name}.lua`, import.meta.url));

const KINDS = [
  { kind: 'LoadBalancedService', file: script('loadbalancedservice') },
  { kind: 'ServerCertificate', file: script('servercertificate') },
  { kind: 'DnsAlias', file: script('dnsalias') },
] as const;
const CASES = INTERPRETERS.flatMap((lua) => KINDS.map((k) => ({ ...k, lua })));

interface Cond {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message?: string;
}

function cond(type: string, status: Cond['status'], reason: string, message = ''): Cond {
  return { type, status, reason, message };
}

function object(kind: string, generation: number, status?: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'albatross.dev/v1alpha1',
    kind,
    metadata: { name: 'chat', namespace: 'prod', generation },
    spec: {},
    ...(status ? { status } : {}),
  };
}

const conditions = (...cs: Cond[]): Cond[] => cs.map((c) => ({ ...c, observedGeneration: 3, lastTransitionTime: '2025-01-01T00:00:00Z' }));

const readyConditions = conditions(
  cond('Ready', 'True', 'Ready', 'AWS matches the spec'),
  cond('Reconciling', 'False', 'Reconciled'),
  cond('Stalled', 'False', 'Reconciled'),
  cond('Drifted', 'False', 'InSync'),
);

describe.each(CASES)('Argo CD health check for $kind on $lua', ({ kind, file, lua }) => {
  const runHealthCheck = (f: string, obj: unknown) => run(f, obj, lua);
  it('is Progressing before the controller has written any status', async () => {
    await expect(runHealthCheck(file, object(kind, 1))).resolves.toEqual({
      status: 'Progressing',
      message: 'Waiting for the controller to report status',
    });
  });

  it('is Progressing with the Reconciling message while the controller works toward the spec', async () => {
    const obj = object(kind, 3, {
      observedGeneration: 3,
      conditions: conditions(
        cond('Ready', 'False', 'Reconciling', 'creating'),
        cond('Reconciling', 'True', 'Creating', 'creating target group web'),
        cond('Stalled', 'False', 'Reconciling'),
      ),
    });
    await expect(runHealthCheck(file, obj)).resolves.toEqual({
      status: 'Progressing',
      message: 'Creating: creating target group web',
    });
  });

  it('is Healthy when Ready=True for the current generation', async () => {
    const health = await runHealthCheck(file, object(kind, 3, { observedGeneration: 3, conditions: readyConditions }));
    expect(health.status).toBe('Healthy');
  });

  it('is Progressing when Ready=True belongs to an older generation', async () => {
    const obj = object(kind, 4, { observedGeneration: 3, conditions: readyConditions });
    await expect(runHealthCheck(file, obj)).resolves.toEqual({
      status: 'Progressing',
      message: 'Waiting for the controller to observe generation 4',
    });
  });

  it('is Degraded with the Stalled condition message when progress needs a human', async () => {
    const obj = object(kind, 3, {
      observedGeneration: 3,
      conditions: conditions(
        cond('Ready', 'False', 'Conflict', 'held by another owner'),
        cond('Reconciling', 'False', 'Stalled'),
        cond('Stalled', 'True', 'Conflict', 'service.example.com CNAME is owned by DnsAlias/other/web'),
      ),
    });
    await expect(runHealthCheck(file, obj)).resolves.toEqual({
      status: 'Degraded',
      message: 'Conflict: service.example.com CNAME is owned by DnsAlias/other/web',
    });
  });

  it('is Degraded when drift is reported and left alone (driftPolicy: Report: Stalled reason Drifted)', async () => {
    const obj = object(kind, 3, {
      observedGeneration: 3,
      conditions: conditions(
        cond('Ready', 'False', 'Drifted', 'AWS differs from the spec (driftPolicy Report): idleTimeoutSeconds: 60 -> 1800'),
        cond('Reconciling', 'False', 'Drifted', 'AWS differs from the spec (driftPolicy Report): idleTimeoutSeconds: 60 -> 1800'),
        cond('Stalled', 'True', 'Drifted', 'AWS differs from the spec (driftPolicy Report): idleTimeoutSeconds: 60 -> 1800'),
        cond('Drifted', 'True', 'Drifted', 'idleTimeoutSeconds: 60 -> 1800'),
      ),
    });
    await expect(runHealthCheck(file, obj)).resolves.toEqual({
      status: 'Degraded',
      message: 'Drifted: AWS differs from the spec (driftPolicy Report): idleTimeoutSeconds: 60 -> 1800',
    });
  });

  it('is Progressing with the Ready reason while waiting for a reference', async () => {
    const obj = object(kind, 3, {
      observedGeneration: 3,
      conditions: conditions(
        cond('Ready', 'False', 'ReferenceNotReady', 'ServerCertificate prod/service-example-com is not Ready'),
        cond('Reconciling', 'False', 'ReferenceNotReady'),
        cond('Stalled', 'False', 'ReferenceNotReady'),
      ),
    });
    await expect(runHealthCheck(file, obj)).resolves.toEqual({
      status: 'Progressing',
      message: 'ReferenceNotReady: ServerCertificate prod/service-example-com is not Ready',
    });
  });

  it('uses nothing newer than Lua 5.1, the dialect Argo CD runs', async () => {
    const source = await readFile(file, 'utf8');
    const code = source.replace(/--.*$/gm, '').replace(/"(?:[^"\\]|\\.)*"/g, '""');
    expect(code).not.toMatch(/\bgoto\b|\/\/|<const>|<close>|[&|]|~(?!=)|<<|>>/);
  });
});

describe.each(INTERPRETERS)('kind-specific Healthy messages on %s', (lua: Interpreter) => {
  const runHealthCheck = (f: string, obj: unknown) => run(f, obj, lua);
  it('LoadBalancedService names the load balancer DNS name and state', async () => {
    const obj = object('LoadBalancedService', 3, {
      observedGeneration: 3,
      loadBalancer: { dnsName: 'chat-prod-1.us-east-1.elb.amazonaws.com', state: 'active' },
      conditions: readyConditions,
    });
    await expect(runHealthCheck(script('loadbalancedservice'), obj)).resolves.toEqual({
      status: 'Healthy',
      message: 'Load balancer chat-prod-1.us-east-1.elb.amazonaws.com is active',
    });
  });

  it('ServerCertificate names the IAM certificate and its expiry', async () => {
    const obj = object('ServerCertificate', 3, {
      observedGeneration: 3,
      serverCertificateName: 'service-example-com-1a2b3c4d',
      certificate: { notAfter: '2026-06-01T00:00:00Z' },
      conditions: readyConditions,
    });
    await expect(runHealthCheck(script('servercertificate'), obj)).resolves.toEqual({
      status: 'Healthy',
      message: 'IAM server certificate service-example-com-1a2b3c4d valid until 2026-06-01T00:00:00Z',
    });
  });

  it('ServerCertificate stays Healthy but says so when it expires soon', async () => {
    const obj = object('ServerCertificate', 3, {
      observedGeneration: 3,
      serverCertificateName: 'service-example-com-1a2b3c4d',
      conditions: [...readyConditions, ...conditions(cond('ExpiringSoon', 'True', 'ExpiringSoon', 'expires in 12 days'))],
    });
    await expect(runHealthCheck(script('servercertificate'), obj)).resolves.toEqual({
      status: 'Healthy',
      message: 'ExpiringSoon: expires in 12 days',
    });
  });

  it('DnsAlias shows the chain', async () => {
    const obj = object('DnsAlias', 3, {
      observedGeneration: 3,
      chain: ['service.example.com', 'service.aws.corp.internal', 'chat-prod-1.us-east-1.elb.amazonaws.com'],
      conditions: readyConditions,
    });
    await expect(runHealthCheck(script('dnsalias'), obj)).resolves.toEqual({
      status: 'Healthy',
      message: 'service.example.com -> service.aws.corp.internal -> chat-prod-1.us-east-1.elb.amazonaws.com',
    });
  });
});

describe('the gopher-lua harness runs scripts as Argo CD does', () => {
  it('without the string library (Argo CD opens only package, base and table unless useOpenLibs)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'argo-health-'));
    const uses = join(dir, 'uses-string.lua');
    await writeFile(uses, 'local hs = {}\nhs.status = string.upper("healthy")\nreturn hs\n');
    await expect(runOnGopherLua(uses, object('DnsAlias', 1))).rejects.toThrow(/string/);
    const invalid = join(dir, 'invalid-status.lua');
    await writeFile(invalid, 'return { status = "Fine" }\n');
    await expect(runOnGopherLua(invalid, object('DnsAlias', 1))).rejects.toThrow(/invalid health status "Fine"/);
  });
});
