// CIDR blocks in the canonical form EC2 stores and reports (no host bits; IPv6 compressed, lower
// case), so a rule written from the spec is the rule read back: anything else would be drift forever.
import { isIPv4, isIPv6 } from 'node:net';

function ipv6Groups(address: string): number[] | undefined {
  const [head = '', tail] = address.split('::');
  const part = (s: string): number[] => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const h = part(head);
  const t = tail === undefined ? [] : part(tail);
  const fill = 8 - h.length - t.length;
  if (tail === undefined ? h.length !== 8 : fill < 1) return undefined;
  return [...h, ...new Array<number>(tail === undefined ? 0 : fill).fill(0), ...t];
}

/** RFC 5952 text of eight 16-bit groups: the longest run (>1) of zero groups becomes '::'. */
function ipv6Text(groups: number[]): string {
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

/** The canonical form of a CIDR block, or undefined when it is not one. */
export function canonicalCidr(cidr: string): string | undefined {
  const [address = '', prefixText, ...rest] = cidr.split('/');
  const prefix = Number(prefixText);
  if (rest.length || prefixText === undefined || !/^\d{1,3}$/.test(prefixText)) return undefined;
  if (isIPv4(address) && prefix <= 32) {
    const n = address.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
    const masked = prefix === 0 ? 0 : Math.floor(n / 2 ** (32 - prefix)) * 2 ** (32 - prefix);
    return `${[24, 16, 8, 0].map((s) => Math.floor(masked / 2 ** s) % 256).join('.')}/${prefix}`;
  }
  if (isIPv6(address) && prefix <= 128 && !address.includes('.')) {
    const groups = ipv6Groups(address.toLowerCase());
    if (!groups) return undefined;
    const masked = groups.map((g, i) => {
      const bits = Math.max(0, Math.min(16, prefix - i * 16));
      return bits === 16 ? g : bits === 0 ? 0 : g & (0xffff << (16 - bits)) & 0xffff;
    });
    return `${ipv6Text(masked)}/${prefix}`;
  }
  return undefined;
}
