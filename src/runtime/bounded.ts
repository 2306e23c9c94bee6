// Bounds on what status carries, so a status write is never refused for its size (the CRDs allow
// 32768 characters per condition message; a refused write would leave the object without any
// condition). Whatever is cut is said: "… and 487 more", "… (3120 more characters)".

/** Condition messages and other status strings: readable in `kubectl describe`, far below the CRD limit. */
export const MAX_STATUS_TEXT = 4096;
/** Lists of strings in status (e.g. ServerCertificate status.repairs). */
export const MAX_STATUS_LIST = 50;
/** Items a message spells out before "… and N more". */
export const MAX_MESSAGE_ITEMS = 10;

/** `text`, or its start and how many characters were cut, in at most `max` characters. */
export function boundText(text: string, max = MAX_STATUS_TEXT): string {
  if (text.length <= max) return text;
  const shown = Math.max(0, max - 40);
  return `${text.slice(0, shown)} … (${text.length - shown} more characters)`;
}

/** The first `max` items (the last of them "… and N more" when some were cut). */
export function boundList(items: readonly string[], max = MAX_STATUS_LIST): string[] {
  if (items.length <= max) return [...items];
  const kept = Math.max(0, max - 1);
  return [...items.slice(0, kept), `… and ${items.length - kept} more`];
}

/** items joined by `separator`, at most `max` of them spelled out, then "… and N more". */
export function joinBounded(items: readonly string[], separator: string, max = MAX_MESSAGE_ITEMS): string {
  if (items.length <= max) return items.join(separator);
  return [...items.slice(0, max), `… and ${items.length - max} more`].join(separator);
}

/**
 * The safety net of the status writer: every string in `status` within MAX_STATUS_TEXT, every list
 * of strings within MAX_STATUS_LIST. Lists of objects are left alone (their producers bound them).
 */
export function boundStatus<T>(status: T): T {
  return bound(status) as T;
}

function bound(value: unknown): unknown {
  if (typeof value === 'string') return boundText(value);
  if (Array.isArray(value)) {
    const items = value.every((v) => typeof v === 'string') ? boundList(value as string[]) : value;
    return items.map(bound);
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bound(v)]));
  }
  return value;
}
