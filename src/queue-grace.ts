// SHUTDOWN_GRACE_S as a front-end of the shared queue spends it: its drain and its queue's stop share one grace (each
// bounded by the whole of it, a stop with Redis away took twice what the operator set), and each is charged only
// what it waited on the queue. The adapters' stop between them (replies in flight, uploads, the updates settling) is
// not the queue's: charged to it, a healthy Redis was left no time for its goodbyes and the stop was called stuck.

export class QueueGrace {
  private spentMs = 0;

  constructor(
    private readonly graceMs: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /**
   * What is left for the queue's next wait: the grace less what its earlier waits spent, and never under `floorMs`
   * (a stop's goodbyes to a Redis that answers take a moment however the grace was spent).
   */
  leftMs(floorMs = 0): number {
    return Math.max(this.graceMs - this.spentMs, floorMs);
  }

  /** `wait`'s outcome, the time it took charged to the grace. */
  async spend<T>(wait: Promise<T>): Promise<T> {
    const start = this.now();
    try {
      return await wait;
    } finally {
      this.spentMs += Math.max(0, this.now() - start);
    }
  }
}
