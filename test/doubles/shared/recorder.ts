/** A recorded request as every peer stores it: a sequence number and a short human summary for errors. */
export interface Recorded {
  seq: number;
  at: number;
}

interface Waiter<C> {
  predicate: (call: C) => boolean;
  count: number;
  found: C[];
  resolve: (calls: C[]) => void;
}

/**
 * Keeps every call a peer received, in order, and lets a test wait for one. Waits are bounded: on timeout the
 * error lists the calls that did arrive, which is usually all one needs to see what the adapter did instead.
 */
export class CallRecorder<C extends Recorded> {
  readonly calls: C[] = [];
  #seq = 0;
  #waiters = new Set<Waiter<C>>();

  constructor(
    private readonly peerName: string,
    private readonly describe: (call: C) => string,
  ) {}

  nextSeq(): number {
    this.#seq += 1;
    return this.#seq;
  }

  /** The sequence number of the latest call; pass it as `after` to wait only for calls made later. */
  get lastSeq(): number {
    return this.#seq;
  }

  record(call: C): void {
    this.calls.push(call);
    for (const waiter of this.#waiters) {
      if (!waiter.predicate(call)) continue;
      waiter.found.push(call);
      if (waiter.found.length >= waiter.count) {
        this.#waiters.delete(waiter);
        waiter.resolve(waiter.found);
      }
    }
  }

  async waitForCall(predicate: (call: C) => boolean, timeoutMs = 5000): Promise<C> {
    const [call] = await this.waitForCalls(predicate, 1, timeoutMs);
    return call as C;
  }

  /** Resolves with the first `count` calls (already recorded ones included) that match. */
  waitForCalls(predicate: (call: C) => boolean, count: number, timeoutMs = 5000): Promise<C[]> {
    const found = this.calls.filter(predicate).slice(0, count);
    if (found.length >= count) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter: Waiter<C> = {
        predicate,
        count,
        found,
        resolve: (calls) => {
          clearTimeout(timer);
          resolve(calls);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(
          new Error(
            `${this.peerName}: timed out after ${timeoutMs} ms waiting for ${count} matching call(s), ` +
              `saw ${waiter.found.length}. Calls recorded:\n${this.summary()}`,
          ),
        );
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  summary(): string {
    if (this.calls.length === 0) return '  (none)';
    return this.calls.map((call) => `  #${call.seq} ${this.describe(call)}`).join('\n');
  }

  clear(): void {
    this.calls.length = 0;
  }
}
