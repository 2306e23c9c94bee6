// The environment's certificates: one CA that signs the apiserver's serving certificate and every
// client certificate (admin in system:masters, or any user/groups a test asks for), plus the
// service-account signing key. Keys come from node:crypto (fast), certificates from node-forge.
import forge from 'node-forge';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { paths } from './config.ts';

const DAY = 24 * 60 * 60 * 1000;

export const pkiFiles = {
  caCert: join(paths.pki, 'ca.crt'),
  caKey: join(paths.pki, 'ca.key'),
  servingCert: join(paths.pki, 'apiserver.crt'),
  servingKey: join(paths.pki, 'apiserver.key'),
  saKey: join(paths.pki, 'sa.key'),
  saPub: join(paths.pki, 'sa.pub'),
} as const;

export interface ClientCredentials {
  caPem: string;
  certPem: string;
  keyPem: string;
}

interface Issued {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
  keyPem: string;
}

function rsaKey(): { pub: forge.pki.rsa.PublicKey; key: forge.pki.rsa.PrivateKey; keyPem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  return { key, pub: forge.pki.setRsaPublicKey(key.n, key.e), keyPem };
}

function issue(opts: {
  cn: string;
  orgs?: readonly string[];
  ca?: Issued;
  usage: 'ca' | 'server' | 'client';
  dnsNames?: string[];
  ips?: string[];
}): Issued {
  const { pub, key, keyPem } = rsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = pub;
  // Positive 16-byte serial (leading bit cleared).
  cert.serialNumber = '0' + randomBytes(16).toString('hex').slice(1);
  const now = Date.now();
  cert.validity.notBefore = new Date(now - DAY);
  cert.validity.notAfter = new Date(now + 365 * DAY);
  const subject = [{ name: 'commonName', value: opts.cn }, ...(opts.orgs ?? []).map((value) => ({ name: 'organizationName', value }))];
  cert.setSubject(subject);
  cert.setIssuer(opts.ca ? opts.ca.cert.subject.attributes : subject);
  const ext: object[] = [{ name: 'subjectKeyIdentifier' }];
  if (opts.usage === 'ca') {
    ext.push({ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true });
  } else {
    ext.push(
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: opts.usage === 'server', clientAuth: opts.usage === 'client' },
    );
  }
  if (opts.dnsNames || opts.ips) {
    ext.push({
      name: 'subjectAltName',
      altNames: [...(opts.dnsNames ?? []).map((value) => ({ type: 2, value })), ...(opts.ips ?? []).map((ip) => ({ type: 7, ip }))],
    });
  }
  if (opts.ca) ext.push({ name: 'authorityKeyIdentifier', keyIdentifier: opts.ca.cert.generateSubjectKeyIdentifier().getBytes() });
  cert.setExtensions(ext);
  cert.sign(opts.ca ? opts.ca.key : key, forge.md.sha256.create());
  return { cert, key, keyPem };
}

const pem = (c: forge.pki.Certificate): string => forge.pki.certificateToPem(c);

function loadCa(): Issued {
  const keyPem = readFileSync(pkiFiles.caKey, 'utf8');
  return { cert: forge.pki.certificateFromPem(readFileSync(pkiFiles.caCert, 'utf8')), key: forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey, keyPem };
}

/** Creates the CA, serving certificate and service-account keys unless they already exist. */
export function ensurePki(): void {
  if (Object.values(pkiFiles).every((f) => existsSync(f))) return;
  mkdirSync(paths.pki, { recursive: true, mode: 0o700 });
  const ca = issue({ cn: 'albatross-local-ca', usage: 'ca' });
  writeFileSync(pkiFiles.caCert, pem(ca.cert));
  writeFileSync(pkiFiles.caKey, ca.keyPem, { mode: 0o600 });
  const serving = issue({
    cn: 'kube-apiserver',
    ca,
    usage: 'server',
    dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
    ips: ['127.0.0.1', '10.0.0.1'],
  });
  writeFileSync(pkiFiles.servingCert, pem(serving.cert));
  writeFileSync(pkiFiles.servingKey, serving.keyPem, { mode: 0o600 });
  const sa = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  writeFileSync(pkiFiles.saKey, sa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(pkiFiles.saPub, sa.publicKey.export({ type: 'spki', format: 'pem' }));
}

/** A client certificate for `user` in `groups` (groups become O=), signed by the environment's CA. */
export function issueClientCredentials(user: string, groups: readonly string[] = []): ClientCredentials {
  const ca = loadCa();
  const c = issue({ cn: user, orgs: groups, ca, usage: 'client' });
  return { caPem: pem(ca.cert), certPem: pem(c.cert), keyPem: c.keyPem };
}
