// Chain building: find the leaf by its private key, then walk issuer by issuer. A link needs the
// names and key identifiers to match (OpenSSL's X509_check_issued, through Node's checkIssued)
// and the signature to verify. The result is ordered leaf → immediate issuer → …; the
// self-signed root is left out unless includeRoot. Every change to the input is a repair.
import type { KeyObject, X509Certificate } from 'node:crypto';
import { distinguishedName, rfc3339, sha256Hex, shortName } from './fingerprints.ts';
import type { Material, SourcedCertificate, SourcedKey } from './read-secret.ts';
import { joinBounded } from '../../runtime/index.ts';
import { PkiFailure } from './reasons.ts';
import { checkIamKeyLimits } from './key-limits.ts';

export interface ChainOptions {
  includeRoot: boolean;
  now: Date;
}

export interface BuiltChain {
  leaf: SourcedCertificate;
  key: KeyObject;
  /** What IAM gets as CertificateChain: the leaf's issuer first; the root only with includeRoot. */
  chain: SourcedCertificate[];
  repairs: string[];
}

export function buildChain(material: Material, opts: ChainOptions): BuiltChain {
  const repairs: string[] = [];
  const certs = dedupe(material.certificates, repairs);
  const { leaf, key } = findLeaf(certs, material, repairs);

  const pool = certs.filter((c) => c !== leaf);
  const used = new Set<SourcedCertificate>([leaf]);
  const path: SourcedCertificate[] = [];
  let current = leaf;
  let root: SourcedCertificate | undefined;
  for (let index = 0; index <= pool.length; index++) {
    if (isSelfSigned(current.x509)) {
      if (current !== leaf) root = current;
      break;
    }
    const issuers = pool.filter((c) => !used.has(c) && issued(current.x509, c.x509));
    const next = pickIssuer(issuers, opts.now);
    if (!next) {
      missingIssuer(current, index, pool.filter((c) => !used.has(c)));
      break; // its issuer is a root the clients already trust
    }
    path.push(next);
    used.add(next);
    current = next;
  }

  for (const c of pool) {
    if (!used.has(c)) repairs.push(`left out ${shortName(c.x509)} (${c.source} index ${c.index}): it is not part of the leaf's chain`);
  }
  if (material.format === 'pem' && !inSuppliedOrder(path)) {
    repairs.push(`reordered the chain: ${[leaf, ...path].map((c) => shortName(c.x509)).join(' → ')}`);
  }
  let chain = path;
  if (root && !opts.includeRoot) {
    chain = path.filter((c) => c !== root);
    repairs.push(`left out root CA ${shortName(root.x509)}`);
  }
  checkValidity([leaf, ...chain], opts.now);
  return { leaf, key, chain, repairs };
}

function dedupe(certs: SourcedCertificate[], repairs: string[]): SourcedCertificate[] {
  const seen = new Set<string>();
  const out: SourcedCertificate[] = [];
  for (const c of certs) {
    const id = sha256Hex(c.x509.raw);
    if (seen.has(id)) {
      repairs.push(`removed duplicate certificate ${shortName(c.x509)} (${c.source} index ${c.index})`);
      continue;
    }
    seen.add(id);
    out.push(c);
  }
  return out;
}

function matches(cert: X509Certificate, key: KeyObject): boolean {
  try {
    return cert.checkPrivateKey(key);
  } catch {
    return false; // different key types
  }
}

/** The leaf is the certificate the private key belongs to (PKCS#12: preferably the one sharing its localKeyID). */
function findLeaf(certs: SourcedCertificate[], material: Material, repairs: string[]): { leaf: SourcedCertificate; key: KeyObject } {
  const pairs: Array<{ cert: SourcedCertificate; key: SourcedKey; linked: boolean }> = [];
  for (const key of material.keys) {
    for (const cert of certs) {
      if (matches(cert.x509, key.key)) {
        pairs.push({ cert, key, linked: key.localKeyId !== undefined && key.localKeyId === cert.localKeyId });
      }
    }
  }
  // Prefer the localKeyID link, then an end-entity certificate, then input order.
  pairs.sort((a, b) => Number(b.linked) - Number(a.linked) || Number(a.cert.x509.ca) - Number(b.cert.x509.ca) || a.cert.order - b.cert.order);
  const best = pairs[0];
  if (!best) {
    const first = certs[0];
    const keySource = material.keys[0]?.source ?? 'the Secret';
    const what = material.format === 'pkcs12' ? `the private key in ${keySource}` : keySource;
    const others = certs.length > 1 ? `, nor any of the other ${certs.length - 1} certificates supplied` : '';
    throw new PkiFailure('KeyMismatch', first
      ? `${what} does not match the certificate ${shortName(first.x509)} (${first.source} index ${first.index})${others}`
      : `${what} has no certificate to match`);
  }
  checkIamKeyLimits(best.key.key, material.format === 'pkcs12' ? `the private key in ${best.key.source}` : best.key.source);
  const leaf = best.cert;
  if (material.format === 'pem' && leaf.order !== 0) {
    repairs.push(`moved the leaf ${shortName(leaf.x509)} to the front (it was ${leaf.source} index ${leaf.index})`);
  }
  return { leaf, key: best.key.key };
}

function isSelfSigned(cert: X509Certificate): boolean {
  return issued(cert, cert);
}

/** `issuer` issued `cert`: names and key identifiers link, and the signature verifies. */
function issued(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** Several candidates (cross-signed CAs, renewed intermediates): prefer one valid now, then input order. */
function pickIssuer(candidates: SourcedCertificate[], now: Date): SourcedCertificate | undefined {
  const valid = (c: SourcedCertificate) => c.x509.validFromDate <= now && now <= c.x509.validToDate;
  return [...candidates].sort((a, b) => Number(valid(b)) - Number(valid(a)) || a.order - b.order)[0];
}

/**
 * No supplied certificate issued `current`. That is fine when nothing else was supplied (its issuer
 * is a root the clients trust), but a CA that was supplied and could not be linked means a link is
 * missing, and a certificate with the right name that did not sign it is the wrong version.
 */
function missingIssuer(current: SourcedCertificate, index: number, unused: SourcedCertificate[]): void {
  const issuerName = issuerShortName(current.x509);
  const impostor = unused.find((c) => c.x509.subject === current.x509.issuer);
  if (impostor) {
    throw new PkiFailure('IncompleteChain',
      `chain is missing the issuer of ${shortName(current.x509)} (index ${index}): ${impostor.source} index ${impostor.index} ` +
      `has the name ${issuerName} but did not sign it (a different key or version of that CA)`);
  }
  const unlinkedCas = unused.filter((c) => c.x509.ca);
  if (unlinkedCas.length > 0) {
    const supplied = joinBounded(unlinkedCas.map((c) => `${shortName(c.x509)} (${c.source} index ${c.index})`), ', ');
    throw new PkiFailure('IncompleteChain',
      `chain is missing the issuer of ${shortName(current.x509)} (index ${index}), which is ${issuerName}; supplied but not linked: ${supplied}`);
  }
}

function issuerShortName(cert: X509Certificate): string {
  const lines = cert.issuer.split('\n');
  const cn = [...lines].reverse().find((l) => l.startsWith('CN='));
  return `'${cn ?? distinguishedName(cert.issuer)}'`;
}

function inSuppliedOrder(path: SourcedCertificate[]): boolean {
  return path.every((c, i) => i === 0 || (path[i - 1]?.order ?? -1) < c.order);
}

function checkValidity(certs: SourcedCertificate[], now: Date): void {
  certs.forEach((c, index) => {
    if (c.x509.validToDate < now) {
      throw new PkiFailure('Expired', `the certificate ${shortName(c.x509)} (index ${index}) expired on ${rfc3339(c.x509.validToDate)}`);
    }
    if (c.x509.validFromDate > now) {
      throw new PkiFailure('NotYetValid', `the certificate ${shortName(c.x509)} (index ${index}) is not valid before ${rfc3339(c.x509.validFromDate)}`);
    }
  });
}
