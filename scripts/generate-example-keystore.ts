// Generates the example's PKCS#12 keystore Secret (`service-keystore`) from a THROWAWAY CA:
// a root, two intermediates and a leaf for service.example.com, like the field report's thawte chain.
// Nothing here is a real key; a fresh one is made on every run, so none is committed.
//   node scripts/generate-example-keystore.ts [--out secret.yaml] [--namespace ns] [--name service-keystore]
//                                               [--dns-name service.example.com] [--password pw]
// Prints the Secret manifest to stdout unless --out is given.
import { constants, generateKeyPairSync, privateEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import forge from 'node-forge';
import { stringify } from 'yaml';

export interface ExampleKeystoreOptions {
  dnsName?: string;
  /** Default: random. */
  password?: string;
}

export interface ExampleKeystore {
  pfx: Buffer;
  password: string;
  /** PEM of each certificate, for tests and curious humans. */
  pem: { root: string; intermediate1: string; intermediate2: string; leaf: string };
}

interface Issued {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
  nodeKey: KeyObject;
}

const DAY = 86_400_000;

function newKey(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; nodeKey: KeyObject } {
  // Node's RSA keygen is native and fast; forge's pure-JS one takes seconds per key.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { privateKey: key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e), nodeKey: privateKey };
}

// DER prefix of a PKCS#1 v1.5 DigestInfo for SHA-256.
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/** A forge-compatible signer backed by Node's native RSA (forge's pure-JS signing is slow). */
function nativeSigner(key: KeyObject): forge.pki.rsa.PrivateKey {
  const sign = (md: forge.md.MessageDigest): string => {
    const digest = Buffer.from(md.digest().getBytes(), 'binary');
    const digestInfo = Buffer.concat([SHA256_DIGEST_INFO, digest]);
    return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, digestInfo).toString('binary');
  };
  return { sign } as unknown as forge.pki.rsa.PrivateKey;
}

function issue(opts: {
  commonName: string;
  issuer?: Issued;
  ca: boolean;
  pathLen?: number;
  days: number;
  dnsNames?: string[];
}): Issued {
  const keys = newKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - DAY);
  cert.validity.notAfter = new Date(Date.now() + opts.days * DAY);
  const subject = [
    { name: 'countryName', value: 'AU' },
    { name: 'organizationName', value: 'Albatross Example (TEST ONLY, NOT TRUSTED)' },
    { name: 'commonName', value: opts.commonName },
  ];
  cert.setSubject(subject);
  cert.setIssuer(opts.issuer ? opts.issuer.cert.subject.attributes : subject);
  const extensions: object[] = [
    { name: 'basicConstraints', cA: opts.ca, ...(opts.pathLen !== undefined ? { pathLenConstraint: opts.pathLen } : {}), critical: true },
    opts.ca
      ? { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }
      : { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ];
  if (opts.issuer) {
    extensions.push({ name: 'authorityKeyIdentifier', keyIdentifier: opts.issuer.cert.generateSubjectKeyIdentifier().getBytes() });
  }
  if (!opts.ca) {
    extensions.push({ name: 'extKeyUsage', serverAuth: true });
    extensions.push({ name: 'subjectAltName', altNames: (opts.dnsNames ?? []).map((value) => ({ type: 2, value })) });
  }
  cert.setExtensions(extensions);
  cert.sign(nativeSigner(opts.issuer?.nodeKey ?? keys.nodeKey), forge.md.sha256.create());
  return { cert, key: keys.privateKey, nodeKey: keys.nodeKey };
}

/** A throwaway root -> intermediate 1 -> intermediate 2 -> leaf, packed as a password-protected PKCS#12. */
export function createExampleKeystore(opts: ExampleKeystoreOptions = {}): ExampleKeystore {
  const dnsName = opts.dnsName ?? 'service.example.com';
  const password = opts.password ?? randomBytes(12).toString('hex');
  const root = issue({ commonName: 'Albatross Example Root CA', ca: true, days: 3650 });
  const intermediate1 = issue({ commonName: 'Albatross Example Intermediate CA 1', issuer: root, ca: true, pathLen: 1, days: 1825 });
  const intermediate2 = issue({ commonName: 'Albatross Example Intermediate CA 2', issuer: intermediate1, ca: true, pathLen: 0, days: 1825 });
  const leaf = issue({ commonName: dnsName, issuer: intermediate2, ca: false, days: 397, dnsNames: [dnsName] });
  // The certificate bags go in the order people's .pfx files have them: leaf, then the chain.
  const asn1 = forge.pkcs12.toPkcs12Asn1(leaf.key, [leaf.cert, intermediate2.cert, intermediate1.cert, root.cert], password, {
    algorithm: '3des',
    friendlyName: 'serviceSSL',
  });
  const pfx = Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
  const pem = (i: Issued): string => forge.pki.certificateToPem(i.cert);
  return {
    pfx,
    password,
    pem: { root: pem(root), intermediate1: pem(intermediate1), intermediate2: pem(intermediate2), leaf: pem(leaf) },
  };
}

export interface ExampleSecretOptions extends ExampleKeystoreOptions {
  name?: string;
  namespace?: string;
}

/** The Secret manifest examples/servercertificate.yaml reads (keys keystore.pfx and password). */
export function exampleKeystoreSecret(opts: ExampleSecretOptions = {}): Record<string, unknown> {
  const keystore = createExampleKeystore(opts);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: opts.name ?? 'service-keystore',
      ...(opts.namespace ? { namespace: opts.namespace } : {}),
      labels: { 'albatross.dev/example': 'true' },
      annotations: {
        'albatross.dev/test-only': 'throwaway CA generated by scripts/generate-example-keystore.ts; not a real key',
      },
    },
    type: 'Opaque',
    data: {
      'keystore.pfx': keystore.pfx.toString('base64'),
      password: Buffer.from(keystore.password).toString('base64'),
    },
  };
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function main(args: string[]): void {
  const opts: ExampleSecretOptions = {};
  const name = option(args, '--name');
  const namespace = option(args, '--namespace');
  const dnsName = option(args, '--dns-name');
  const password = option(args, '--password');
  if (name) opts.name = name;
  if (namespace) opts.namespace = namespace;
  if (dnsName) opts.dnsName = dnsName;
  if (password) opts.password = password;
  const text =
    '# TEST ONLY: a throwaway CA and key made by scripts/generate-example-keystore.ts. Do not commit.\n' +
    stringify(exampleKeystoreSecret(opts));
  const out = option(args, '--out');
  if (out) {
    writeFileSync(out, text, { mode: 0o600 });
    console.error(`wrote ${out}`);
  } else {
    process.stdout.write(text);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
