// The job queue as a front-end sees it when QUEUE_URL is set. It keeps the commands layer's synchronous API
// (JobQueueApi) by answering from a mirror of the shared state, refreshed whenever any process announces a change,
// and writes through to Redis. Its own jobs' records, and their results once done, are also kept in the local
// JobStore, so replies, re-rolls and "Original file" read them as in single-process mode. It owns the events of the
// jobs it submitted: workers publish them on this front-end's channel, in order.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Engine } from '../../../engine/index.js';
import { admissionRefusal, tooLongRefusal } from '../admission.js';
import { estimateStoredRequest } from '../estimate.js';
import { DEFAULT_MS_PER_UNIT } from '../eta-calibration.js';
import { JobEvents, type JobListener } from '../events.js';
import { newJob } from '../job-parts.js';
import { afterStored, beforeStored, type Stored, storeNewJob } from '../not-stored.js';
import type { JobQueueApi } from '../queue-api.js';
import type { CancelResult, JobHold, QueueLimits, SubmitInput, SubmitResult } from '../queue-types.js';
import type { RateSlot, RateSlotRequest } from '../rate-slots.js';
import { type CounterLookup, FairScheduler, liftReturningUser } from '../scheduler.js';
import type { JobStore } from '../store.js';
import type { Job, Owner } from '../types.js';
import { ownerKey } from '../types.js';
import type { Place, WaitPlan } from '../wait-plan.js';
import { CoalescedTask } from './coalesced-task.js';
import { DataWatch } from './data-watch.js';
import { Dispatcher } from './dispatcher.js';
import { type CancelContext, cancelJob, resendCancel } from './front-cancel.js';
import { catchUp, type DeliveryContext, deliver } from './front-delivery.js';
import { type EnqueueContext, enqueueShared } from './front-enqueue.js';
import { FrontPositions } from './front-positions.js';
import { takeSharedRateSlot } from './rate-slots.js';
import { sharedCounters } from './shared-fairness.js';
import { FrontHolds, type SharedClaim } from './shared-holds.js';
import { expectedMs, measuredMs } from './shared-pace.js';
import { emptySnapshot, runTimeoutMs, type Snapshot } from './shared-snapshot.js';
import type { SharedState } from './shared-state.js';
import { parseWireEvent, type WireEvent } from './wire-events.js';

export interface FrontQueueOptions {
  /** This front-end's name on the shared queue; keep it across restarts (services keep it in DATA_DIR). */
  id?: string;
  state: SharedState;
  url: string;
  store: JobStore;
  engine: Pick<Engine, 'estimateCost'>;
  limits: QueueLimits;
  admins?: readonly string[];
  agingMs?: number;
  leaseMs?: number;
  /** How long a hold outlives this front-end (shared-holds.ts's HOLD_TTL_MS unless given: tests). */
  holdTtlMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  onLeadership?: (leading: boolean) => void;
}

/** Above any order Redis assigns (INCR from 1), with room below Number.MAX_SAFE_INTEGER for a lifetime's submissions. */
const PROVISIONAL_SEQ = 2 ** 52;

export class FrontQueue implements JobQueueApi {
  readonly id: string;
  readonly events = new JobEvents();
  readonly dispatcher: Dispatcher;
  private readonly scheduler: FairScheduler;
  private readonly admins: Set<string>;
  private mirror: Snapshot = emptySnapshot();
  private subscriber: Redis | undefined;
  private readonly reload = new CoalescedTask(
    () => this.refreshNow(),
    (error) => this.options.log?.('warn', 'reading the shared queue failed', { error: String(error) }),
  );
  private incoming: Promise<void> = Promise.resolve();
  private readonly positions: FrontPositions;
  private stopping = false;
  /** Set by `drain`: this front-end's job events stay in Redis for its next start to catch up on. */
  private draining = false;
  private readonly delivery: DeliveryContext;
  private readonly enqueueContext: EnqueueContext;
  private readonly cancelContext: CancelContext;
  /** Submissions written to Redis but not yet seen in the mirror (so admission and positions count them). */
  private readonly pending = new Map<string, Promise<void>>();
  private readonly cancelling = new Map<string, Promise<void>>();
  /** Aborted by `stop`: a cancel Redis refused, or a job's lost write, is no longer tried or read back again. */
  private readonly cancelRetries = new AbortController();
  private pendingJobs = new Map<string, Job>();
  /** The counter a returning user's submission still on its way sets (written with it): job id → counter. */
  private readonly lifts = new Map<string, number>();
  /** Submissions numbered provisionally so far (`PROVISIONAL_SEQ`). */
  private provisional = 0;
  /** Held jobs an admitted replacement cancels, still in the mirror until it sees them gone: no longer counted. */
  private readonly leaving = new Set<string>();
  private readonly holds: FrontHolds;
  private readonly dataWatch: DataWatch;

  constructor(private readonly options: FrontQueueOptions) {
    this.id = options.id ?? randomUUID();
    options.state.reportTo(options.log);
    this.admins = new Set(options.admins ?? []);
    this.delivery = { state: options.state, store: options.store, events: this.events, log: options.log };
    this.dataWatch = new DataWatch(options.state, () => this.resync(false), options.log);
    this.enqueueContext = { ...this.delivery, frontEnd: this.id, stopped: this.cancelRetries.signal };
    this.cancelContext = {
      state: options.state,
      store: options.store,
      mirror: () => this.mirror,
      get: (id) => this.get(id),
      queued: () => this.queuedJobs(),
      leaving: this.leaving,
      pending: this.pending,
      cancelling: this.cancelling,
      stopped: this.cancelRetries.signal,
      log: options.log,
    };
    this.scheduler = new FairScheduler({
      agingMs: options.agingMs ?? 10 * 60_000,
      maxRunningPerUser: options.limits.maxRunningPerUser,
    });
    this.dispatcher = new Dispatcher({
      state: options.state,
      url: options.url,
      maxRunningPerUser: options.limits.maxRunningPerUser,
      jobTimeoutMs: options.limits.jobTimeoutMs,
      agingMs: options.agingMs,
      leaseMs: options.leaseMs,
      log: options.log,
      onLeadership: options.onLeadership,
    });
    this.positions = new FrontPositions({
      scheduler: this.scheduler,
      events: this.events,
      mirror: () => this.mirror,
      counters: () => this.counters(),
      // A job answered "cancelled" whose cancel is not in the mirror yet (its write on its way, or refused by Redis
      // and tried again: front-cancel.ts) has no place and no Cancel, and is counted ahead of nobody. Admission still
      // counts it (`queuedJobs`) until that cancel lands, so a user never has more jobs in Redis than the limit; /queue
      // lists it as stopping meanwhile (`beingCancelled`), so `errors.queue.user_full` names the jobs /queue shows.
      queued: () => this.queuedJobs().filter((j) => !this.cancelAsked(j.id)),
      expectedMs: (job) => this.expectedMs(job),
      measuredMs: (job) => measuredMs(this.mirror.pace, job),
      jobTimeoutMs: options.limits.jobTimeoutMs,
      status: (id) => options.store.get(id)?.status,
      cancelAsked: (id) => this.cancelAsked(id),
      get: (id) => this.get(id),
      now: () => options.state.now(),
    });
    // A hold is written after the jobs' own submissions, and a released one after the cancels asked meanwhile.
    this.holds = new FrontHolds(options, (ids) =>
      Promise.all(ids.flatMap((id) => [this.pending.get(id), this.cancelling.get(id)])),
    );
  }

  /** Connects: subscribes to this front-end's events and to change notices, loads the mirror, joins the election. */
  async connect(): Promise<void> {
    const { state } = this.options;
    // Before the first stamp: a job's createdAt is read by the dispatcher of another machine.
    await state.clock.synced;
    const subscriber = state.subscriber(`front-end-${this.id}`);
    this.subscriber = subscriber;
    const mine = state.channel(`events:${this.id}`);
    await state.subscribeWithRecovery(subscriber, [mine, state.channel('changed')], () => this.resync());
    subscriber.on('message', (channel, message) => {
      if (channel === mine) {
        if (this.draining) return;
        // Thrown here, a foreign message would end the process (the subscriber's reply handler has no catch).
        const event = parseWireEvent(message);
        if (!event) return state.skipMalformed('job event', channel, message);
        // One chain: a result is copied into the local store before the next event of any job is handled.
        this.incoming = this.incoming
          .then(() => this.deliver(event))
          .catch((error: unknown) => {
            this.options.log?.('warn', 'delivering a job event failed', { error: String(error) });
          });
      } else {
        this.refresh();
      }
    });
    await this.refreshNow();
    await this.dispatcher.start();
  }

  subscribe(listener: JobListener): () => void {
    return this.events.subscribe(listener);
  }

  /**
   * The worker side runs elsewhere (`dimoo worker`), the dispatcher started with `connect`. Left: this front-end's
   * jobs that ended while it was down (pub/sub kept no event for it), reported from their records, and its watch.
   */
  start(): void {
    this.dataWatch.start();
    this.catchUpLater();
  }

  /**
   * After a reconnection, subscribed again, or Redis's data lost with none (data-watch.ts): the mirror is reloaded
   * and this front-end's unfinished jobs are checked against their records, where an event lost in the gap shows.
   */
  private resync(reconnected = true): void {
    if (this.stopping || this.draining) return;
    if (reconnected)
      this.options.log?.('info', 'reconnected to the shared queue; catching up on missed job events');
    this.refresh();
    this.catchUpLater();
  }

  private catchUpLater(): void {
    const pending = (id: string) => this.pending.has(id);
    const hooks = { pending, resendCancel: (id: string) => resendCancel(this.cancelContext, id) };
    this.incoming = this.incoming.then(() => catchUp(this.delivery, hooks)).catch(this.catchUpFailed);
  }

  private readonly catchUpFailed = (error: unknown): void =>
    this.options.log?.('warn', 'catching up on finished jobs failed', { error: String(error) });

  /** The workers' pace over every job type (the fallback of `expectedMs`). */
  get msPerUnit(): number {
    return this.mirror.pace.overall ?? DEFAULT_MS_PER_UNIT;
  }

  get paceKnown(): boolean {
    return this.mirror.pace.overall !== undefined;
  }

  /**
   * Whether any worker is alive (its heartbeat not run out), as the mirror last read it: while none is, a waiting
   * job's reply gives no ETA. The dispatcher announces a change in the live workers.
   */
  get workersRunning(): boolean {
    return this.mirror.liveWorkers > 0;
  }

  /** The job's cost at its type's shared pace, or the overall one while its type has none (shared-pace.ts). */
  expectedMs(job: Pick<Job, 'request' | 'estimatedCost'>): number {
    return expectedMs(this.mirror.pace, job);
  }

  /** The shared clock (Redis's), which every process stamps shared jobs with. */
  now(): number {
    return this.options.state.now();
  }

  isAdmin(owner: Owner): boolean {
    return this.admins.has(ownerKey(owner));
  }

  /** Whether the job's asker was answered that it is cancelled (or stopping) while its end has not come. */
  private cancelAsked(id: string): boolean {
    return this.cancelling.has(id) || this.options.store.get(id)?.meta.cancelRequested === true;
  }

  /** Waiting jobs as this front-end knows them: the mirror plus its own submissions still on their way. */
  private queuedJobs(): Job[] {
    const known = new Set(this.mirror.queued.map((j) => j.id));
    const all = [...this.mirror.queued, ...[...this.pendingJobs.values()].filter((j) => !known.has(j.id))];
    return all.filter((j) => !this.leaving.has(j.id));
  }

  /**
   * The fairness counters, with the lifts of submissions not yet in the mirror: two users arriving at once are
   * each lifted to the other's counter, as in one process, not the second to the first's old one. Read over the
   * mirror, not copied from it.
   */
  private counters(): CounterLookup {
    const lifted = new Map<string, number>();
    for (const [id, lift] of this.lifts) {
      const job = this.pendingJobs.get(id);
      if (job) lifted.set(ownerKey(job.owner), lift);
      else this.lifts.delete(id);
    }
    return sharedCounters(this.mirror.counters, this.mirror.floor, lifted);
  }

  /** Holds `owner`'s waiting jobs for the submission that replaces them, as far as this front-end knows them. */
  hold(ids: readonly string[], owner: Owner): JobHold | undefined {
    const waiting = new Map(this.queuedJobs().map((j) => [j.id, j]));
    const jobs = ids.map((id) => waiting.get(id));
    return this.holds.hold(jobs, ownerKey(owner));
  }

  submit(input: SubmitInput): SubmitResult {
    const claim = beforeStored(() => this.holds.claim(this.queuedJobs(), input));
    const result = this.admit(input, claim);
    if (!result.ok) claim.end(false);
    return result;
  }

  /** Admits the submission or says why not; the held jobs it replaces are cancelled by the write that stores it. */
  private admit(input: SubmitInput, claim: SharedClaim): SubmitResult {
    if (this.stopping) return { ok: false, refusal: { key: 'errors.queue.stopping', params: {} } };
    const queued = claim.counted;
    // Nothing of it is kept, nor sent to Redis, until its row is stored here: a throw until then is NotStored.
    const refused = () => claim.end(false);
    // Worked out first: nothing that can throw lies between the row stored here and its write to Redis.
    const lift = beforeStored(() => this.liftOf(input, claim), refused);
    const stored = beforeStored(() => this.storeHere(input, queued), refused);
    if (!stored.ok) return stored;
    const { job } = stored;
    if (lift !== undefined) this.lifts.set(job.id, lift);
    this.pendingJobs.set(job.id, job);
    for (const { job: old } of claim.replaced) this.leaving.add(old.id);
    const forget = () => {
      // Not in Redis: the held jobs count again until the mirror shows them gone (else their hold runs out).
      for (const { job: old } of claim.replaced) this.leaving.delete(old.id);
      this.pendingJobs.delete(job.id);
    };
    const write = enqueueShared(this.enqueueContext, job, input, claim, forget);
    this.pending.set(
      job.id,
      write.finally(() => this.pending.delete(job.id)),
    );
    // On its way to Redis, its replacement admitted: a throw from here on says it is queued (AfterStored).
    claim.end(true);
    return afterStored(job, () => {
      const place = this.positions.told(job.id);
      this.events.emit({ type: 'queued', job, ...place });
      return { ok: true, job, ...place };
    });
  }

  /**
   * A user replacing their own waiting job is no returning one. Redis lifts a returning user as the shared state is
   * when the job reaches it; this is the lift as this front-end sees it, until the mirror shows that one.
   */
  private liftOf(input: SubmitInput, claim: SharedClaim): number | undefined {
    const user = ownerKey(input.owner);
    const active = new Set([
      ...claim.counted.map((j) => ownerKey(j.owner)),
      ...this.mirror.dispatched.values(),
    ]);
    if (active.has(user) || claim.replaced.length > 0) return undefined;
    const counters = this.counters();
    const mine = new Map<string, number>();
    const view = {
      get: (u: string) => mine.get(u) ?? counters.get(u),
      set: (u: string, c: number) => mine.set(u, c),
    };
    return liftReturningUser(view, user, active, this.mirror.floor);
  }

  /** The caps and the pace judge the submission; admitted, its inputs and row are stored here (not-stored.ts). */
  private storeHere(input: SubmitInput, queued: readonly Job[]): Stored {
    const { limits } = this.options;
    const full = admissionRefusal(queued, input, limits);
    if (full) return { ok: false, refusal: full };
    const estimatedCost = estimateStoredRequest(this.options.engine, input.request, input.files);
    // The workers' measured pace, once they have run anything: the type's own when measured, else the overall one;
    // against the timeout runs are formed within (the shortest a live worker arms), which would end it there.
    const slow = tooLongRefusal(measuredMs(this.mirror.pace, { request: input.request, estimatedCost }), {
      ...limits,
      jobTimeoutMs: runTimeoutMs(this.mirror, limits.jobTimeoutMs),
    });
    if (slow) return { ok: false, refusal: slow };
    const store = this.options.store;
    const job = newJob(input, {
      id: store.newId(),
      // Provisional, after every numbered job and in the order sent: Redis assigns the shared order before the job
      // is enqueued.
      seq: PROVISIONAL_SEQ + this.provisional++,
      estimatedCost,
      defaultPriority: this.isAdmin(input.owner) ? 'high' : 'normal',
      createdAt: this.options.state.now(),
    });
    const row = { ...job, seq: store.nextSeq() };
    const stored = storeNewJob(store, row, input.files ?? {}, this.options.log, () => {});
    return stored.ok ? { ok: true, job } : stored;
  }

  /** Every front-end of this queue counts a user's submissions in one window (else each would allow the limit). */
  takeRateSlot(request: RateSlotRequest): Promise<RateSlot> {
    return takeSharedRateSlot(this.options.state, request);
  }

  /** Resolves once every submission so far is in Redis (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all(this.pending.values());
  }

  get(id: string): Job | undefined {
    return this.options.store.get(id) ?? this.queuedJobs().find((j) => j.id === id);
  }

  /** Jobs ahead, until the job's run starts and until it ends, as one process works them out (wait-plan.ts). */
  positionOf(id: string): Place {
    return this.positions.positionOf(id);
  }

  /** Waiting jobs answered "cancelled" that admission still counts, their cancel not in Redis yet (queue-api.ts). */
  beingCancelled(): Job[] {
    return this.queuedJobs().filter((j) => this.cancelAsked(j.id));
  }

  /** The dry run of the fair scheduler over the shared waiting lists: the order jobs would start in. */
  plannedOrder(): Job[] {
    return this.positions.plan().starts.map((s) => s.job);
  }

  /** The dry run over the shared state: every waiting job's place and end, every worker run's end. */
  waitPlan(): WaitPlan<Job> {
    return this.positions.plan();
  }

  /** Any front-end cancels any job it can see in the shared state (front-cancel.ts). */
  cancel(id: string, by: Owner, asAdmin = this.isAdmin(by)): CancelResult {
    return cancelJob(this.cancelContext, id, by, asAdmin);
  }

  private deliver(event: WireEvent): Promise<void> {
    this.pendingJobs.delete(event.job.id);
    this.positions.heard(event);
    return deliver(this.delivery, event);
  }

  /** Coalesces change notices: one reload at a time, one more if anything changed meanwhile. */
  private refresh(): void {
    this.reload.request();
  }

  private async refreshNow(): Promise<void> {
    this.mirror = await this.options.state.snapshot();
    for (const job of this.mirror.queued) this.pendingJobs.delete(job.id);
    for (const id of this.leaving) if (!this.mirror.queued.some((j) => j.id === id)) this.leaving.delete(id);
    this.positions.emit();
  }

  /** A snapshot for operators (/metrics) and tests. */
  get shared(): Snapshot {
    return this.mirror;
  }

  /**
   * Before the adapters stop. An event heard after that would be stored as delivered though no adapter showed it (a
   * chat's status message left at its last step for good); unheard, the next start's catch-up reports the job's end
   * from its record. Resolves once the events heard so far are handed to the listeners.
   */
  async drain(): Promise<void> {
    this.draining = true;
    await this.incoming;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.dataWatch.stop();
    // A released hold waits for the cancels of its jobs (`holds.close` below): one Redis refuses would keep it.
    this.cancelRetries.abort();
    await this.flush();
    await this.holds.close();
    await this.dispatcher.close();
    await this.subscriber?.quit().catch(() => undefined);
    await this.incoming;
  }
}
