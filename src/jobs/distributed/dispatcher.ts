// The single dispatcher: every front-end runs one, and the one holding the Redis lease (SET NX PX, renewed while
// alive) decides. It hands the fair-next waiting job (FairScheduler over the shared waiting lists and counters) to
// the BullMQ work queue only while a worker is free, so the choice is made at the last moment and a FIFO queue
// never holds a backlog. With the same `batchKey` more jobs join it, chosen fairly, up to the smallest max batch
// the live workers advertise: one BullMQ job (a "run", with an id of its own) per batch, since BullMQ cannot route
// a job to a given worker and must not split a batch. A holder that dies stops renewing; another front-end takes
// the lease within `leaseMs`. Runs BullMQ gave up on (a worker died during the retry too) get every member's owner
// the apology here. It also announces a change in the live workers (one appearing, all gone) that nothing else
// would, since front-ends show no ETA while none is alive, and tells the owners of jobs whose worker stopped
// answering mid-run that they start again (shared-runners.ts), long before BullMQ's stalled check retries them.
import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { candidateOf } from '../positions.js';
import { FairScheduler } from '../scheduler.js';
import type { Job } from '../types.js';
import { ownerKey } from '../types.js';
import { runBudget } from '../wait-plan.js';
import { CoalescedTask } from './coalesced-task.js';
import { acquireLease, releaseLease } from './dispatcher-lease.js';
import { settleShared, sharedCounters } from './shared-fairness.js';
import { measuredMs } from './shared-pace.js';
import { announceLostRunners, HEARTBEAT_TTL_MS } from './shared-runners.js';
import { runTimeoutMs, type Snapshot } from './shared-snapshot.js';
import type { SharedState } from './shared-state.js';
import type { WireEvent } from './wire-events.js';

export const WORK_QUEUE = 'work';

/** A BullMQ job's data: the run's id (also its BullMQ id) and the jobs claimed for it. */
export interface RunData {
  run: string;
  ids: string[];
}

export interface DispatcherOptions {
  state: SharedState;
  url: string;
  maxRunningPerUser: number;
  /**
   * This front-end's job timeout: runs are formed within the shortest one the live workers advertise, this one for a
   * worker that advertised none (`runTimeoutMs`).
   */
  jobTimeoutMs: number;
  agingMs?: number;
  /** Lease time to live; a dead holder is replaced within this (plus one renewal interval). */
  leaseMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  /** Called whenever this process gains or loses the lease (metrics). */
  onLeadership?: (leading: boolean) => void;
}

export class Dispatcher {
  readonly id = randomUUID();
  private readonly scheduler: FairScheduler;
  private readonly work: Queue;
  private events: QueueEvents | undefined;
  private subscriber: Redis | undefined;
  private timer: NodeJS.Timeout | undefined;
  private leading = false;
  private readonly pass = new CoalescedTask(
    async () => {
      if (this.leading && !this.closed) await this.dispatch();
    },
    (error) => this.options.log?.('warn', 'dispatch failed', { error: String(error) }),
  );
  // Ticks never overlap: while Redis is away a tick waits on its commands, and the next ones must not pile up.
  private readonly ticker = new CoalescedTask(
    () => this.tick(),
    (error) => this.options.log?.('warn', 'dispatcher tick failed', { error: String(error) }),
  );
  private closed = false;
  /** Live workers at this holder's last pass: front-ends show no ETA while there are none (FrontQueue). */
  private liveWorkers: number | undefined;
  /**
   * Since when this process's Redis connection has been up: after a reconnection every worker's heartbeat may have
   * run out while Redis was away, so none is judged lost until each has had its time to beat again.
   */
  private connectedSince = Date.now();
  private readonly reconnected = () => {
    this.connectedSince = Date.now();
  };

  constructor(private readonly options: DispatcherOptions) {
    this.scheduler = new FairScheduler({
      agingMs: options.agingMs ?? 10 * 60_000,
      maxRunningPerUser: options.maxRunningPerUser,
    });
    this.work = new Queue(WORK_QUEUE, workQueueOptions(options.url, options.state.prefix));
    this.work.on('error', (error) =>
      options.state.connectionError(error, (e) => this.warn('work queue error', e)),
    );
  }

  private warn(message: string, error: unknown): void {
    this.options.log?.('warn', message, { error: String(error) });
  }

  get leaseMs(): number {
    return this.options.leaseMs ?? 5000;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  async start(): Promise<void> {
    const { state } = this.options;
    state.redis.on('ready', this.reconnected);
    this.subscriber = state.subscriber(`dispatcher-${this.id}`);
    await this.subscriber.subscribe(state.channel('wake'));
    this.subscriber.on('message', () => this.kick());
    await this.tick();
    // Renewal at a third of the lease; the same tick re-checks for free workers, in case a wake-up was missed
    // (pub/sub delivers at most once).
    this.timer = setInterval(() => this.ticker.request(), Math.max(200, Math.floor(this.leaseMs / 3)));
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    let leading = false;
    try {
      leading = await acquireLease(this.options.state, this.id, this.leaseMs);
    } catch (error) {
      this.options.log?.('warn', 'dispatcher lease check failed', { error: String(error) });
    }
    if (leading !== this.leading) {
      this.leading = leading;
      this.options.onLeadership?.(leading);
      this.options.log?.('info', leading ? 'this process now dispatches jobs' : 'dispatcher lease lost', {
        dispatcher: this.id,
      });
      if (leading) await this.lead();
      else await this.follow();
    }
    if (this.leading) {
      // A claim whose reply was lost in a reconnection (ioredis sends it again, and the second run finds the job
      // already claimed) leaves a job marked dispatched that BullMQ never got, holding a worker slot for ever.
      await this.reconcile().catch((error: unknown) =>
        this.warn('reconciling dispatched jobs failed', error),
      );
      if (Date.now() - this.connectedSince >= HEARTBEAT_TTL_MS)
        await this.announceLost().catch((error: unknown) =>
          this.warn('checking for lost workers failed', error),
        );
      this.kick();
    }
  }

  private async lead(): Promise<void> {
    const { state } = this.options;
    // As a single process does on start: counters kept from before (all of them, before the floor existed) that the
    // fair share no longer needs are let go now rather than at the next job's end.
    await settleShared(state).catch((error: unknown) => this.warn('settling the fair share failed', error));
    this.events = new QueueEvents(WORK_QUEUE, workQueueOptions(this.options.url, state.prefix));
    this.events.on('error', (error) =>
      state.connectionError(error, (e) => this.warn('queue events error', e)),
    );
    // Caught: a rejection left unhandled (Redis failing mid-apology) would end this front-end; the tick's reconcile
    // finds the failed run again.
    this.events.on('failed', ({ jobId, failedReason }) =>
      this.apologize(jobId, failedReason).catch((error: unknown) =>
        this.warn('apologizing for a failed run failed', error),
      ),
    );
  }

  private async follow(): Promise<void> {
    this.liveWorkers = undefined;
    await this.events?.close();
    this.events = undefined;
  }

  /**
   * On every tick of the holder (after a takeover first of all): a run claimed but not handed over (the previous
   * holder died between the two, or the claim's reply was lost) is handed over now. The BullMQ job id is the run
   * id, so handing twice adds nothing, and a worker runs only the jobs still in the run. One BullMQ failed is
   * answered with the apology.
   */
  private async reconcile(): Promise<void> {
    await this.options.state.adoptRunless();
    for (const [run, ids] of await this.options.state.runs()) {
      const bull = await this.work.getJob(run);
      if (!bull) await this.work.add('run', { run, ids } satisfies RunData, { jobId: run });
      else if ((await bull.getState()) === 'failed') await this.apologize(run, bull.failedReason);
    }
  }

  private async announceLost(): Promise<void> {
    const told = await announceLostRunners(this.options.state);
    if (told.length > 0)
      this.options.log?.('warn', 'a worker stopped answering mid-run; its jobs start again', {
        jobIds: told,
      });
  }

  /**
   * A run BullMQ failed (stalled twice: its worker died on the retry too, or the processor broke). The interrupted
   * tries delivered nothing: each job still in it fails and its owner gets the whole charge back, as single-process
   * recovery refunds them. The 'failed' event and the next tick may both get here: each record's end is written
   * (and refunded) once.
   */
  private async apologize(run: string, reason: string): Promise<void> {
    const { state } = this.options;
    const ids = (await state.runs()).get(run) ?? [];
    for (const id of ids) {
      const job = await state.getJob(id);
      if (!job || job.status === 'done' || job.status === 'failed' || job.status === 'cancelled') {
        await state.release(id);
        continue;
      }
      job.status = 'failed';
      job.finishedAt = state.now();
      // Not the single-process wording (the bot restarting): here the bot went on and its workers stopped.
      job.error = { key: 'errors.job.worker_lost', params: {} };
      if (!(await state.finish(job, job.estimatedCost))) continue;
      this.options.log?.('warn', 'job failed after its worker stopped twice', { jobId: id, run, reason });
      await publishJobEvent(state, { type: 'failed', job });
    }
    // Only once its jobs are out of the run: a reconcile meanwhile that found the run without its BullMQ job would
    // hand the jobs not yet ended to a worker a third time.
    await this.work.remove(run).catch(() => undefined);
    this.kick();
  }

  /** Runs one dispatch pass, or schedules another right after the current one. */
  kick(): void {
    if (!this.leading || this.closed) return;
    this.pass.request();
  }

  private async dispatch(): Promise<void> {
    const { state } = this.options;
    // Front-ends read worker liveness from their mirrors, which only a change notice refreshes; a heartbeat wakes
    // only this process, and a killed worker's just runs out. So a change in the live workers is announced here,
    // unless the pass's own claim already did.
    let workersChanged = false;
    try {
      for (;;) {
        if (!this.leading || this.closed) return;
        const snap = await state.snapshot();
        if (snap.liveWorkers !== this.liveWorkers) workersChanged = true;
        this.liveWorkers = snap.liveWorkers;
        const claimed = await this.claimFrom(snap);
        if (claimed === undefined) return;
        if (claimed > 0) workersChanged = false;
      }
    } finally {
      if (workersChanged) await state.publish('changed', { workers: this.liveWorkers });
    }
  }

  /**
   * Claims one run from `snap` and hands it over (announced as a change): how many jobs it took (0 when they were
   * cancelled or held meanwhile), or undefined when there is nothing to hand out or no free worker.
   */
  private async claimFrom(snap: Snapshot): Promise<number | undefined> {
    const { state } = this.options;
    // Held for an edit's replacement: the claim would skip them, and this pass would pick them again and again.
    const queued = snap.queued.filter((j) => !snap.held.has(j.id));
    // A worker runs one batch at a time: busy workers are counted by runs, however many jobs each holds.
    if (snap.liveWorkers - snap.runs <= 0 || queued.length === 0) return undefined;
    const byId = new Map(queued.map((j) => [j.id, j]));
    const perUser = new Map<string, number>();
    for (const user of snap.dispatched.values()) perUser.set(user, (perUser.get(user) ?? 0) + 1);
    const picked = this.scheduler.pickBatch(
      queued.map(candidateOf),
      sharedCounters(snap.counters, snap.floor),
      perUser,
      // Redis's clock, as every front-end stamped createdAt with: aging counts the same on every machine.
      state.now(),
      snap.maxBatch,
      // The workers' timeout, on the pace admission judges by: the same budget as the front-ends' dry runs.
      runBudget(
        runTimeoutMs(snap, this.options.jobTimeoutMs),
        (id) => byId.get(id),
        (job) => measuredMs(snap.pace, job),
      ),
    );
    if (picked.length === 0) return undefined;
    const run = randomUUID();
    const ids = await state.claimRun(
      run,
      picked.map((c) => byId.get(c.id) as Job),
    );
    if (ids.length > 0) {
      await this.work.add('run', { run, ids } satisfies RunData, { jobId: run });
      await state.publish('changed', { id: ids[0], run });
    }
    return ids.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.options.state.redis.off('ready', this.reconnected);
    await this.ticker.idle();
    await this.pass.idle();
    if (this.leading) await releaseLease(this.options.state, this.id).catch(() => undefined);
    this.leading = false;
    await this.events?.close();
    await this.subscriber?.quit().catch(() => undefined);
    await this.work.close();
  }
}

export function workQueueOptions(url: string, prefix: string) {
  return {
    connection: { url, maxRetriesPerRequest: null },
    prefix: `${prefix}:bull`,
  };
}

/** Sends a job event to the front-end that owns the job's message. */
export async function publishJobEvent(state: SharedState, event: WireEvent): Promise<void> {
  const frontEnd = await state.frontEndOf(event.job.id);
  if (frontEnd) await state.publish(`events:${frontEnd}`, event);
  if (event.type !== 'progress')
    await state.publish('changed', { id: event.job.id, user: ownerKey(event.job.owner) });
}
