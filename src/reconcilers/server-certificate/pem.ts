// Tolerant PEM reading: finds the -----BEGIN/END----- blocks in text the way people actually have
// it (Bag Attributes, subject=/issuer= lines from `openssl pkcs12`, CRLF, indentation, a byte order
// mark, text around the blocks, base64 applied twice) and says what it had to ignore.
import { PkiFailure } from './reasons.ts';

export interface PemBlock {
  /** The label between BEGIN and END, upper-cased: "CERTIFICATE", "PRIVATE KEY", … */
  label: string;
  der: Buffer;
  /** 0-based position among the blocks of this Secret key. */
  index: number;
  /** RFC 1421 headers inside the block (Proc-Type, DEK-Info): a legacy encrypted key. */
  headers: Record<string, string>;
}

export interface PemScan {
  blocks: PemBlock[];
  /** What was ignored or normalised, phrased for status.repairs. */
  repairs: string[];
}

// Bounded label: no backtracking blow-up on mangled input.
const BEGIN = /-----BEGIN ([A-Z0-9][A-Z0-9 ]{0,40}?)-----/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const OPENSSL_TEXT = /^\s*(Bag Attributes|Key Attributes|subject=|issuer=|friendlyName:|localKeyID:|<No Attributes>|[0-9.]+:\s)/m;

/** Whether these bytes look like PEM text at all (a BEGIN marker somewhere). */
export function hasPemMarker(data: Uint8Array): boolean {
  return Buffer.from(data).toString('latin1').includes('-----BEGIN ');
}

/**
 * The PEM blocks in `data` (Secret key `key`). Throws PkiFailure('Unparseable') for a block that is
 * cut off or whose body is not base64. Text outside blocks is ignored and reported.
 */
export function scanPem(key: string, data: Uint8Array): PemScan {
  const repairs: string[] = [];
  // latin1 maps bytes 1:1, so no input can fail to decode; PEM itself is ASCII.
  let text = Buffer.from(data).toString('latin1');
  if (text.startsWith('\xef\xbb\xbf')) {
    text = text.slice(3);
    repairs.push(`removed the byte order mark from ${key}`);
  }
  if (!text.includes('-----BEGIN ')) {
    const decoded = decodeDoubleBase64(text);
    if (decoded !== undefined) {
      const inner = scanPem(key, decoded);
      return { blocks: inner.blocks, repairs: [`decoded ${key}, which was base64-encoded twice`, ...inner.repairs] };
    }
  }
  if (text.includes('\r')) {
    text = text.replace(/\r\n?/g, '\n');
    repairs.push(`converted CRLF line endings in ${key}`);
  }

  const blocks: PemBlock[] = [];
  const outside: string[] = [];
  let cursor = 0;
  BEGIN.lastIndex = 0;
  for (let m = BEGIN.exec(text); m; m = BEGIN.exec(text)) {
    const label = (m[1] ?? '').trim().toUpperCase();
    const bodyStart = m.index + m[0].length;
    const endMarker = `-----END ${label}-----`;
    const endAt = text.indexOf(endMarker, bodyStart);
    const nextBegin = text.indexOf('-----BEGIN ', bodyStart);
    if (endAt < 0 || (nextBegin >= 0 && endAt > nextBegin)) {
      throw new PkiFailure('Unparseable', `${key}: the ${label} block ${blocks.length} (line ${lineOf(text, m.index)}) has no END line; the text is cut off or mangled`);
    }
    outside.push(text.slice(cursor, m.index));
    const body = text.slice(bodyStart, endAt);
    blocks.push(decodeBlock(key, label, blocks.length, body));
    cursor = endAt + endMarker.length;
    BEGIN.lastIndex = cursor;
  }
  outside.push(text.slice(cursor));

  const extra = outside.join('\n');
  if (blocks.length > 0 && extra.trim() !== '') {
    repairs.push(OPENSSL_TEXT.test(extra)
      ? `removed Bag Attributes and subject=/issuer= lines from ${key}`
      : `ignored text outside the PEM blocks in ${key}`);
  }
  return { blocks, repairs };
}

function decodeBlock(key: string, label: string, index: number, body: string): PemBlock {
  const headers: Record<string, string> = {};
  const lines: string[] = [];
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    const header = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (header && header[1]) headers[header[1]] = header[2] ?? '';
    else lines.push(line);
  }
  const b64 = lines.join('').replace(/\s+/g, '');
  if (b64 === '' || !BASE64.test(b64) || b64.length % 4 === 1) {
    throw new PkiFailure('Unparseable', `${key}: the ${label} block ${index} is not valid base64`);
  }
  return { label, der: Buffer.from(b64, 'base64'), index, headers };
}

/** Some people base64-encode the PEM once more before putting it under `data:`. */
function decodeDoubleBase64(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, '');
  if (compact.length < 16 || compact.length % 4 !== 0 || !BASE64.test(compact)) return undefined;
  const decoded = Buffer.from(compact, 'base64');
  return decoded.toString('latin1').includes('-----BEGIN ') ? decoded : undefined;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** PEM text of DER bytes, 64 columns, LF line endings. */
export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
