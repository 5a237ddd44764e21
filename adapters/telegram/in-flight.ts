// Work the adapter has started and not finished (update handlers, albums, job endings), so stopping can wait for it
// instead of closing the worker and the store under it. The wait is bounded: a stuck call must not hold a shutdown.
import { within } from '../../src/within.js';

export class InFlight {
  private readonly running = new Set<Promise<void>>();

  /** Counts `work` until it settles; returns it unchanged (its failure stays the caller's). */
  track<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.running.add(settled);
    void settled.then(() => this.running.delete(settled));
    return work;
  }

  get size(): number {
    return this.running.size;
  }

  /**
   * Resolves once everything tracked has settled, work tracked meanwhile included, or at `deadline` (ms since the
   * epoch): true when nothing is left.
   */
  async settle(deadline: number): Promise<boolean> {
    while (this.running.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      const outcome = await within<unknown[] | 'late'>(Promise.all(this.running), left, 'late');
      if (outcome === 'late') return false;
    }
    return true;
  }
}

/** Waits for `work` until `deadline` (ms since the epoch), whichever comes first; its failure is not this caller's. */
export function settleBy(work: Promise<unknown>, deadline: number): Promise<void> {
  const tracked = new InFlight();
  tracked.track(work).catch(() => undefined);
  return tracked.settle(deadline).then(() => undefined);
}
