// A front-end catches up on its jobs after a reconnection (its subscriber's recovery), but Redis losing its data
// needs none: a FLUSHDB, or this queue's keys deleted, leaves every connection up, and the jobs the front-end holds
// as waiting or running would stay so until its next reconnection or restart. The mark of since when Redis has kept
// its data (SharedState.dataSince: no expiry, written when missing at every connection) goes with them, so finding
// it missing, or written anew since the last look (another front-end's check found it first), is the loss itself:
// the front-end then catches up as after a reconnection, and its jobs get the same ends (front-delivery.ts catchUp).
// A worker watches too: a job whose record went with the data would run to its end only for its result to be
// dropped, holding the GPU from the jobs submitted since (worker.ts stops it).
import { CoalescedTask } from './coalesced-task.js';
import type { SharedState } from './shared-state.js';

/** How often a front-end checks that its queue's data is still there: a lost job's owner hears within this. */
export const DATA_CHECK_MS = 5000;

/** The watch's line for the loss: the operator looks at who flushed or deleted the keys, or Redis's persistence. */
export const DATA_GONE_LOG =
  'the shared queue’s data is gone (FLUSHDB, its keys deleted, or Redis restarted empty): checking this front-end’s jobs';

/** A worker's line for it: its jobs in hand whose records are gone are stopped, their results would be dropped. */
export const DATA_GONE_WORKER_LOG =
  'the shared queue’s data is gone (FLUSHDB, its keys deleted, or Redis restarted empty): this worker stops each job in hand whose record went with it';

type Log = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export class DataWatch {
  private timer: NodeJS.Timeout | undefined;
  /** The mark as this front-end last read it: another one's check (or a worker's connection) may write it anew. */
  private seen: number | undefined;
  /** A failing check is said once until one succeeds (a foreign value under the mark would fail every one). */
  private failureTold = false;
  private readonly check = new CoalescedTask(
    () => this.checkNow(),
    (error) => {
      if (!this.failureTold)
        this.log?.('warn', 'checking the shared queue’s data failed', { error: String(error) });
      this.failureTold = true;
    },
  );

  constructor(
    private readonly state: SharedState,
    private readonly lost: () => void,
    private readonly log?: Log,
    private readonly options: { everyMs?: number; line?: string } = {},
  ) {}

  /** Reads the mark now: a loss from here on is noticed, also when another process's check writes it anew first. */
  start(): void {
    this.timer ??= setInterval(() => this.check.request(), this.options.everyMs ?? DATA_CHECK_MS);
    this.check.request();
  }

  /** Checks now rather than at the next tick (a sign of the loss, such as a lock that could not be renewed). */
  checkSoon(): void {
    if (this.timer !== undefined) this.check.request();
  }

  /** No check calls `lost` after this; one in progress is not waited for (with Redis away it would wait for it). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async checkNow(): Promise<void> {
    // Not while the connection is down: the check's command would wait for it and, sent before the connection's own
    // mark, find it missing after an empty restart, which the reconnection's catch-up covers already.
    if (this.timer === undefined || this.state.redis.status !== 'ready') return;
    const { since, made } = await this.state.dataSince();
    this.failureTold = false;
    // Written by this check, or anew by another process's since the last one (each writes it only when missing).
    const gone = made || (this.seen !== undefined && !Object.is(since, this.seen));
    this.seen = since;
    if (!gone || this.timer === undefined) return;
    this.log?.('warn', this.options.line ?? DATA_GONE_LOG);
    this.lost();
  }
}
