// Route 53 change batches are atomic: one bad change makes it refuse the whole batch. This finds
// the offending items (each item is one owner's changes) and still sends all the others:
// the items Route 53's message names are set aside first (it usually names the record), else the
// batch is split in halves; when one half is accepted, the refusal is known to be in the other,
// which is split further without being sent whole again.

export interface BisectResult<I> {
  /** batches Route 53 accepted, in the order sent */
  accepted: I[][];
  /** items refused on their own, with the refusal */
  rejected: Array<{ item: I; error: unknown }>;
  /** items not known to be accepted or refused because sending failed otherwise (throttling, 5xx) */
  failed: Array<{ items: I[]; error: unknown }>;
}

export interface BisectOptions<I> {
  /** true when the error says the batch's content is invalid (not throttling, not a 5xx) */
  isRejection(err: unknown): boolean;
  /** items the error message names, e.g. by record name */
  named?(err: unknown, items: readonly I[]): I[];
}

export async function sendBisecting<I>(items: readonly I[], send: (items: I[]) => Promise<void>, o: BisectOptions<I>): Promise<BisectResult<I>> {
  const out: BisectResult<I> = { accepted: [], rejected: [], failed: [] };
  let stopped: unknown;
  let stop = false;

  /** Sends `group` (unless it is known to be refused); resolves true when every item was accepted. */
  const go = async (group: I[], knownRefusal?: unknown): Promise<boolean> => {
    if (group.length === 0) return true;
    if (stop) {
      out.failed.push({ items: group, error: stopped });
      return false;
    }
    let refusal = knownRefusal;
    if (refusal === undefined) {
      try {
        await send(group);
        out.accepted.push(group);
        return true;
      } catch (err) {
        if (!o.isRejection(err)) {
          stop = true;
          stopped = err;
          out.failed.push({ items: group, error: err });
          return false;
        }
        refusal = err;
      }
    }
    if (group.length === 1) {
      out.rejected.push({ item: group[0]!, error: refusal });
      return false;
    }
    const named = o.named?.(refusal, group) ?? [];
    if (named.length > 0 && named.length < group.length) {
      const rest = group.filter((i) => !named.includes(i));
      const restOk = await go(rest);
      // The rest went through: the refusal is in the named items.
      await go(named, restOk ? refusal : undefined);
      return false;
    }
    const mid = Math.ceil(group.length / 2);
    const [a, b] = [group.slice(0, mid), group.slice(mid)];
    const aOk = await go(a);
    await go(b, aOk ? refusal : undefined);
    return false;
  };

  await go([...items]);
  return out;
}

/** Whether a DNS name occurs in a message as a whole name (not as the tail of a longer one). */
export function mentionsName(message: string, name: string): boolean {
  const text = message.toLowerCase();
  const n = name.toLowerCase().replace(/\.$/, '');
  for (let i = text.indexOf(n); i >= 0; i = text.indexOf(n, i + 1)) {
    const before = i === 0 ? '' : text[i - 1]!;
    const after = text[i + n.length] ?? '';
    const tailOfLonger = /[a-z0-9_.-]/.test(before);
    const headOfLonger = /[a-z0-9_-]/.test(after) || (after === '.' && /[a-z0-9_-]/.test(text[i + n.length + 1] ?? ''));
    if (!tailOfLonger && !headOfLonger) return true;
  }
  return false;
}
