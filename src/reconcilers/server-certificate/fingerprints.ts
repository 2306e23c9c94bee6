// How certificates are shown in status and messages: RFC 4514 names, spaced lowercase hex
// thumbprints ("91 c6 d6 ee …", as Windows and the field report show them), RFC 3339 times.
import { createHash, type X509Certificate } from 'node:crypto';

export interface CertificateInfo {
  subject: string;
  issuer: string;
  /** Upper-case hex, as `openssl x509 -serial` prints it. */
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  dnsNames: string[];
  sha1Thumbprint: string;
  sha256Fingerprint: string;
}

export interface ChainEntryInfo {
  subject: string;
  issuer: string;
  sha1Thumbprint: string;
  notAfter: string;
}

/** "91 c6 d6 ee …" */
export function spacedHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').replace(/(..)(?!$)/g, '$1 ');
}

export function sha1Thumbprint(der: Uint8Array): string {
  return spacedHex(createHash('sha1').update(der).digest());
}

export function sha256Fingerprint(der: Uint8Array): string {
  return spacedHex(createHash('sha256').update(der).digest());
}

/** Lower-case hex SHA-256 of the DER; its first 8 characters suffix the IAM name. */
export function sha256Hex(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

/**
 * Node gives names one RDN per line, most general first, values already RFC 2253-escaped;
 * RFC 4514 wants them most specific first, comma-separated: "CN=a, O=b\, Inc., C=US".
 */
export function distinguishedName(nodeName: string): string {
  return nodeName.split('\n').filter((l) => l !== '').reverse().join(', ');
}

/** How a certificate is named in messages: its CN ("CN=thawte SSL CA - G2"), else its full name. */
export function shortName(cert: X509Certificate): string {
  const lines = cert.subject.split('\n');
  const cn = [...lines].reverse().find((l) => l.startsWith('CN='));
  const name = cn ?? distinguishedName(cert.subject);
  return `'${name === '' ? '(empty subject)' : name}'`;
}

/** DNS names of the subjectAltName extension (Node quotes values with unusual characters). */
export function dnsNamesOf(cert: X509Certificate): string[] {
  const san = cert.subjectAltName;
  if (!san) return [];
  const names: string[] = [];
  const entry = /(?:^|, )DNS:("(?:[^"\\]|\\.)*"|[^,]*)/g;
  for (let m = entry.exec(san); m; m = entry.exec(san)) {
    const raw = m[1] ?? '';
    names.push(raw.startsWith('"') ? safeJsonString(raw) : raw);
  }
  return names;
}

function safeJsonString(quoted: string): string {
  try {
    const v: unknown = JSON.parse(quoted);
    return typeof v === 'string' ? v : quoted;
  } catch {
    return quoted;
  }
}

/** RFC 3339 in whole seconds, UTC. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function describeCertificate(cert: X509Certificate): CertificateInfo {
  return {
    subject: distinguishedName(cert.subject),
    issuer: distinguishedName(cert.issuer),
    serialNumber: cert.serialNumber.toUpperCase(),
    notBefore: rfc3339(cert.validFromDate),
    notAfter: rfc3339(cert.validToDate),
    dnsNames: dnsNamesOf(cert),
    sha1Thumbprint: sha1Thumbprint(cert.raw),
    sha256Fingerprint: sha256Fingerprint(cert.raw),
  };
}

export function describeChainEntry(cert: X509Certificate): ChainEntryInfo {
  return {
    subject: distinguishedName(cert.subject),
    issuer: distinguishedName(cert.issuer),
    sha1Thumbprint: sha1Thumbprint(cert.raw),
    notAfter: rfc3339(cert.validToDate),
  };
}
