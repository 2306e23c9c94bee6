// What the campaign applies: the good resources (LoadBalancedServices with HTTPS on one shared
// ServerCertificate, a DnsAlias per service, hostile PKCS#12 keystores at the accepted iteration cap)
// and the bad manifests of issue 12, each with what a correct controller must answer. Key material is
// generated here (a throwaway CA) and listed, so the logs can be searched for it afterwards.
import { randomBytes, webcrypto } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import { createPki, issueCertificate, pemBundle, toPkcs12, type Pkcs12Encoding, type TestCert, type TestPki } from '../support/pki.ts';

export const API_VERSION = 'albatross.dev/v1alpha1';
export type Kind = 'LoadBalancedService' | 'ServerCertificate' | 'DnsAlias';

export interface CampaignSetting {
  namespace: string;
  clusterName: string;
  zoneName: string;
  /** An ALB seeded in AWS that no one owns (the adopt case names it). */
  foreignAlbName: string;
  services: number;
  hostileKeystores: number;
}

/** What a correct controller shows for a resource once the faults are over. */
export type Expectation =
  /** Ready=True with observedGeneration == generation; AWS holds its objects. */
  | { kind: 'ready' }
  /** Refused at apply, or Stalled=True with one of `reasons`; nothing in AWS for it. */
  | { kind: 'refused'; reasons: readonly string[]; mentions: RegExp }
  /** Of a group of resources claiming one AWS name, exactly one Ready and the others Stalled Conflict naming it. */
  | { kind: 'oneOf'; group: string };

export interface CampaignResource {
  kind: Kind;
  name: string;
  manifest: KubernetesObject;
  expect: Expectation;
  /** The row label in the report. */
  label: string;
  /** What AWS must hold for it when Ready (counted per owner tag / IAM path / zone). */
  aws: { loadBalancers: number; targetGroups: number; listeners: number; certificates: number; records: string[] };
}

export interface Fixtures {
  secrets: KubernetesObject[];
  resources: CampaignResource[];
  /** Strings that must never appear in a log: passwords, pieces of private keys and keystores. */
  keyMaterial: string[];
}

const NONE = { loadBalancers: 0, targetGroups: 0, listeners: 0, certificates: 0, records: [] as string[] };
const KEYSTORE_ITERATIONS = '100000';

function secret(name: string, data: Record<string, Buffer | string>): KubernetesObject & { data: Record<string, string>; type: string } {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name },
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

function resource(kind: Kind, name: string, spec: Record<string, unknown>): KubernetesObject {
  return { apiVersion: API_VERSION, kind, metadata: { name }, spec } as KubernetesObject;
}

/** Middle lines of a PEM body and of a base64 blob: enough to recognise them in a log. */
function needles(pemOrBase64: string): string[] {
  const lines = pemOrBase64.split('\n').filter((l) => l.length >= 48 && !l.startsWith('-----'));
  const mid = lines.slice(1, 3);
  return mid.length ? mid : [pemOrBase64.replace(/\s/g, '').slice(16, 80)];
}

function keystoreSecret(name: string, leaf: TestCert, pki: TestPki, encoding: Pkcs12Encoding, material: string[]): KubernetesObject {
  const password = `chaos-${randomBytes(9).toString('base64url')}`;
  const pfx = toPkcs12({ leaf, chain: pki.chain, password, encoding, extraArgs: ['-iter', KEYSTORE_ITERATIONS] });
  material.push(password, ...needles(leaf.keyPem), pfx.toString('base64').slice(200, 264));
  return secret(name, { 'keystore.pfx': pfx, password });
}

function pemSecret(name: string, leaf: TestCert, chain: string, material: string[]): KubernetesObject {
  material.push(...needles(leaf.keyPem));
  return secret(name, { 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem, 'ca.crt': chain });
}

const scert = (name: string, secretName: string, iamName: string): KubernetesObject =>
  resource('ServerCertificate', name, { secretRef: { name: secretName }, iam: { name: iamName } });

function service(name: string, i: number, extra: { loadBalancer?: Record<string, unknown>; listeners?: unknown[]; targets?: unknown[]; adopt?: boolean } = {}): KubernetesObject {
  return resource('LoadBalancedService', name, {
    loadBalancer: { idleTimeoutSeconds: 60, ...extra.loadBalancer },
    listeners: extra.listeners ?? [
      { port: 443, protocol: 'HTTPS', certificateRefs: [{ name: 'shared' }], defaultAction: { forward: { targetGroup: 'web' } } },
      { port: 80, protocol: 'HTTP', defaultAction: { redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } } },
    ],
    targetGroups: [{ name: 'web', port: 8080, targets: extra.targets ?? [{ id: `172.31.${i % 250}.10` }, { id: `172.31.${i % 250}.11` }] }],
    ...(extra.adopt ? { adopt: true } : {}),
  });
}

/** `count` self-signed certificates that have nothing to do with any leaf (one key: only the names matter). */
async function unrelatedCertificates(count: number, label: string): Promise<string> {
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const certs: TestCert[] = [];
  for (let i = 0; i < count; i++) certs.push(await issueCertificate({ commonName: `Chaos Unrelated ${label} ${i} ${'x'.repeat(40)}`, algorithm: 'ecdsa', keys, ca: true }));
  return pemBundle(...certs);
}

async function rsaKeys(bits: number): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

export async function buildFixtures(s: CampaignSetting): Promise<Fixtures> {
  const material: string[] = [];
  const secrets: KubernetesObject[] = [];
  const resources: CampaignResource[] = [];
  // The long key generations run while the rest is built.
  const bigKeys = rsaKeys(8192);
  const unrelated = unrelatedCertificates(499, s.namespace);
  const pki = await createPki({ leafDnsNames: [`*.${s.zoneName}`, s.zoneName] });

  // One shared certificate every service's HTTPS listener uses.
  secrets.push(keystoreSecret('shared-keystore', pki.leaf, pki, '3des', material));
  resources.push({ kind: 'ServerCertificate', name: 'shared', label: 'shared (PKCS#12 3DES, 100k iterations)', manifest: scert('shared', 'shared-keystore', `${s.namespace}-shared`), expect: { kind: 'ready' }, aws: { ...NONE, certificates: 1 } });

  // Hostile keystores: valid, but each costs 100,000 iterations of legacy key derivation per parse.
  for (let i = 0; i < s.hostileKeystores; i++) {
    const encoding: Pkcs12Encoding = i % 2 === 0 ? 'rc2-40' : '3des';
    const leaf = await issueCertificate({ commonName: `hostile-${i}.${s.zoneName}`, issuer: pki.intermediate2, dnsNames: [`hostile-${i}.${s.zoneName}`] });
    secrets.push(keystoreSecret(`hostile-${i}`, leaf, pki, encoding, material));
    resources.push({ kind: 'ServerCertificate', name: `hostile-${i}`, label: `hostile-${i} (PKCS#12 ${encoding}, SHA-1 MAC, 100k iterations)`, manifest: scert(`hostile-${i}`, `hostile-${i}`, `${s.namespace}-hostile-${i}`), expect: { kind: 'ready' }, aws: { ...NONE, certificates: 1 } });
  }

  for (let i = 0; i < s.services; i++) {
    const name = `app-${i}`;
    const record = `${name}.${s.zoneName}`;
    resources.push({ kind: 'LoadBalancedService', name, label: name, manifest: service(name, i), expect: { kind: 'ready' }, aws: { ...NONE, loadBalancers: 1, targetGroups: 1, listeners: 2 } });
    resources.push({
      kind: 'DnsAlias',
      name,
      label: `${name} -> LoadBalancedService ${name}`,
      manifest: resource('DnsAlias', name, { names: [{ name: record, hostedZone: { name: s.zoneName } }], target: { loadBalancedServiceRef: { name } }, ttlSeconds: 60 }),
      expect: { kind: 'ready' },
      aws: { ...NONE, records: [record] },
    });
  }

  // ---- the bad manifests of issue 12 ----
  const invalid = (mentions: RegExp): Expectation => ({ kind: 'refused', reasons: ['InvalidSpec'], mentions });
  const bad = (kind: Kind, name: string, label: string, manifest: KubernetesObject, expect: Expectation): void => void resources.push({ kind, name, label, manifest, expect, aws: NONE });
  bad('LoadBalancedService', 'bad-redirect-port', 'bad: redirect port "99999"', service('bad-redirect-port', 200, {
    listeners: [{ port: 80, protocol: 'HTTP', defaultAction: { redirect: { protocol: 'HTTPS', port: '99999', statusCode: 'HTTP_301' } } }],
  }), invalid(/port/i));
  bad('LoadBalancedService', 'bad-ssl-policy', 'bad: unknown sslPolicy', service('bad-ssl-policy', 201, {
    listeners: [{ port: 443, protocol: 'HTTPS', certificateRefs: [{ name: 'shared' }], sslPolicy: 'ELBSecurityPolicy-Chaos-2099-01', defaultAction: { forward: { targetGroup: 'web' } } }],
  }), invalid(/sslPolicy/i));
  bad('LoadBalancedService', 'bad-ip-target', 'bad: IP target outside the VPC', service('bad-ip-target', 202, { targets: [{ id: '10.213.7.9' }] }), invalid(/target|availabilityZone|VPC/i));
  bad('LoadBalancedService', 'bad-adopt', 'bad: adopt an unowned foreign ALB', service('bad-adopt', 203, {
    loadBalancer: { name: s.foreignAlbName },
    listeners: [{ port: 80, protocol: 'HTTP', defaultAction: { fixedResponse: { statusCode: '200', contentType: 'text/plain', messageBody: 'adopted' } } }],
    adopt: true,
  }), { kind: 'refused', reasons: ['AdoptionNotAllowed'], mentions: /--adopt-namespaces/ });

  const dupName = `chaos-dup-${s.namespace.slice(-8)}`;
  for (const name of ['dup-a', 'dup-b']) {
    resources.push({ kind: 'LoadBalancedService', name, label: `${name} (explicit loadBalancer.name shared with the other)`, manifest: service(name, 204, { loadBalancer: { name: dupName } }), expect: { kind: 'oneOf', group: dupName }, aws: { ...NONE, loadBalancers: 1, targetGroups: 1, listeners: 2 } });
  }

  const big = await issueCertificate({ commonName: `big-key.${s.zoneName}`, issuer: pki.intermediate2, dnsNames: [`big-key.${s.zoneName}`], keys: await bigKeys });
  secrets.push(pemSecret('bad-rsa-key', big, pemBundle(...pki.chain), material));
  bad('ServerCertificate', 'bad-rsa-key', 'bad: RSA 8192-bit key (above IAM limit)', scert('bad-rsa-key', 'bad-rsa-key', `${s.namespace}-big-key`), { kind: 'refused', reasons: ['InvalidSpec', 'Unparseable', 'AwsError'], mentions: /8192|RSA|key size|bits/i });

  const crowded = await issueCertificate({ commonName: `crowded.${s.zoneName}`, issuer: pki.intermediate2, dnsNames: [`crowded.${s.zoneName}`] });
  secrets.push(pemSecret('crowded-chain', crowded, pemBundle(...pki.chain, pki.root) + (await unrelated), material));
  resources.push({ kind: 'ServerCertificate', name: 'crowded-chain', label: 'leaf + 499 unrelated certificates (status must fit)', manifest: scert('crowded-chain', 'crowded-chain', `${s.namespace}-crowded`), expect: { kind: 'ready' }, aws: { ...NONE, certificates: 1 } });

  return { secrets, resources, keyMaterial: [...new Set(material)] };
}
