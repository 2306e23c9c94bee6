// A view that each listing replaces and that our own writes patch in between (issue 10). A
// listing reads AWS some time after it starts; a write of ours that resolves meanwhile (a create,
// a delete, a listener starting to forward to a target group) may be missing from what it
// returns, and replacing the view with it would undo the write: a target group we just created
// vanishes from the view (and is never deleted), one we just deleted comes back. So each patch is
// also journaled while a listing is in flight, and replayed in order on top of that listing when
// it lands. A patch must hold whether or not the listing already shows the write (idempotent).
export type Patch<S> = (state: S) => void;

export class ListingJournal<S> {
  private current: S;
  /** one journal per listing in flight: the patches made since it started */
  private readonly open = new Set<Array<Patch<S>>>();

  constructor(initial: S) {
    this.current = initial;
  }

  get state(): S {
    return this.current;
  }

  /** Applies `p` to the view now, and to every listing in flight when it lands. */
  patch(p: Patch<S>): void {
    p(this.current);
    for (const journal of this.open) journal.push(p);
  }

  /** The view becomes what `list` returns (started now), with the patches made meanwhile on top. */
  async replace(list: () => Promise<S>): Promise<void> {
    const journal: Array<Patch<S>> = [];
    this.open.add(journal);
    try {
      const next = await list();
      for (const p of journal) p(next);
      this.current = next;
    } finally {
      this.open.delete(journal);
    }
  }
}
