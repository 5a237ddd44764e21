// The whole life of a chat job's status message, the same on every platform: opened when the reply that starts
// the job is sent, then its non-final states (positions, progress, previews) as paced edits in order — only the
// newest state at each turn, never one that changes nothing, one call at a time per message; an urgent one (the
// bot is stopping) at once — and the ending through the shared final-state rule and fallback (job-status.ts). An
// adapter supplies the surface (send, edit, delete on its platform), the lane its platform limits (a chat, a
// message) and the gaps; nothing else. The ending is the last state shown, with one exception, explicit in its
// reply (`Reply.corrects`): a failure its owner was told that the next start does not keep, as it runs the job again
// (job-status.ts `correct`). A status message the platform says is gone for good (the user deleted it) is tried no
// more: no further state, and the ending goes as a new message without trying it first.
import type { Reply } from '../../commands/index.js';
import type { DeliveryLog, Job } from '../../src/jobs/index.js';
import type { Logger } from '../../src/log.js';
import { EditPacer, type Lane, type PacerGaps } from './edit-pacer.js';
import { type Delivery, JobStatusBoard, type JobStatusOptions, type StatusSurface } from './job-status.js';

/**
 * What a surface throws when its platform says the status message is gone for good: deleted (Telegram's "message to
 * edit not found", Discord's Unknown Message), or no longer editable. Retrying it would only spend the chat's limits.
 */
export class StatusMessageGone extends Error {
  constructor(cause: unknown) {
    super('the job status message is gone', { cause });
    this.name = 'StatusMessageGone';
  }
}

/** Where an adapter records its jobs' endings, and its log. */
export interface DeliveryReporting {
  deliveries: Pick<DeliveryLog, 'markUndelivered'>;
  log: Pick<Logger, 'warn'>;
  /** Tests and the soak count how each job's ending reached its owner. */
  onDelivery?: (jobId: string, delivery: Delivery) => void;
  /** The queue's `failureTold`: a failed ending reached its owner (JobStatusOptions). */
  failureTold?: (jobId: string) => void;
}

/** The lifecycle's reporting options from an adapter's delivery log and logger. */
export function reporting({ deliveries, log, onDelivery, failureTold }: DeliveryReporting) {
  return {
    markUndelivered: (jobId: string) => deliveries.markUndelivered(jobId),
    warn: (fields: Record<string, unknown>, message: string) => log.warn(fields, message),
    onDelivery,
    failureTold,
  };
}

/** Where a job's edits queue: the lane and whether it is a shared one (a group chat, with its longer gap). */
export interface StatusLane {
  id: Lane;
  shared: boolean;
}

export interface TrackerOptions extends Omit<JobStatusOptions, 'restore'> {
  gaps: PacerGaps;
  /** Whether `next` shows something other than `shown`; unchanged states are never sent. */
  changes(next: Reply, shown: Reply | undefined): boolean;
  /** Whether a state is worth an edit at all (Telegram thins queue positions to a geometric schedule). */
  worthShowing?(next: Reply, shown: Reply | undefined): boolean;
  /** A job from before a restart (created before this tracker): its stored status message and lane. */
  restore?(job: Job): { surface: StatusSurface; lane: StatusLane } | undefined;
  /**
   * The clock the queue stamps jobs with (`JobQueueApi.now`; default this machine's): a shared queue stamps with
   * Redis's, and a job created just before a restart must count as earlier than it, however far this machine's differs.
   */
  now?: () => number;
}

interface Tracked {
  job?: Job;
  lane: StatusLane;
  surface: Promise<StatusSurface | undefined>;
  /** The surface of a job reopened after a restart (the board asks for it synchronously). */
  restored?: StatusSurface;
  /** The newest state not yet shown. */
  latest?: Reply;
  /**
   * The newest prepared images not yet shown, kept apart from `latest`: a text-only state that comes while a
   * preview is being prepared must not drop it.
   */
  pendingImages?: Reply['images'];
  /** What the status message shows now. */
  shown?: Reply;
  /** Counts states with images as they arrive: only the newest one being prepared may be shown. */
  seq: number;
  /** The call showing a state, while it runs: the next turn waits for it. */
  inFlight?: Promise<void>;
  deferred?: boolean;
  /** The platform said the status message is gone (StatusMessageGone): nothing more is tried on it. */
  gone?: boolean;
}

export class JobStatusTracker {
  private readonly board: JobStatusBoard;
  private readonly pacer: EditPacer;
  private readonly jobs = new Map<string, Tracked>();
  /** Jobs created before this are from an earlier run: their status messages come from storage. */
  private readonly startedAt: number;

  constructor(private readonly options: TrackerOptions) {
    this.startedAt = (options.now ?? Date.now)();
    this.board = new JobStatusBoard({ ...options, restore: (job) => this.reopen(job)?.restored });
    this.pacer = new EditPacer(options.gaps, (jobId) => this.turn(jobId));
  }

  /**
   * The reply that starts `jobId` is being sent as its status message; `surface` settles once it is. The lane's
   * gap counts from when the adapter began sending it (`note`), not from here.
   */
  open(jobId: string, lane: StatusLane, first: Reply, surface: Promise<StatusSurface | undefined>): void {
    const tracked: Tracked = { lane, surface: Promise.resolve(undefined), shown: first, seq: 0 };
    const guarded = surface.then((opened) => opened && untilGone(tracked, opened));
    tracked.surface = guarded.catch(() => undefined);
    this.jobs.set(jobId, tracked);
    this.board.open(jobId, guarded);
  }

  has(jobId: string): boolean {
    return this.jobs.has(jobId);
  }

  /** A message went to the lane without waiting (an answer, a result): the next edit keeps its distance. */
  note(lane: StatusLane): void {
    this.pacer.note(lane.id, lane.shared);
  }

  /** A rendered job event: a non-final state waits for its lane's turn; the ending goes at once. */
  async update(job: Job, reply: Reply): Promise<void> {
    // The final-state rule's one exception: a failure shown, corrected (job-status.ts `correct`).
    if (reply.corrects && !reply.final && this.board.correctable(job.id))
      return this.board.correct(job, reply);
    const tracked = this.jobs.get(job.id) ?? this.reopen(job);
    if (reply.final) {
      if (tracked) {
        this.jobs.delete(job.id);
        this.pacer.drop(tracked.lane.id, job.id);
        this.pacer.note(tracked.lane.id, tracked.lane.shared);
      }
      await this.board.finish(job, reply);
      return;
    }
    if (!tracked || tracked.gone) return;
    tracked.job = job;
    if (this.options.worthShowing && !this.options.worthShowing(reply, tracked.shown)) return;
    if (reply.urgent) return this.showNow(tracked, job, reply);
    const surface = await tracked.surface;
    const mark = () => this.pacer.mark(tracked.lane.id, tracked.lane.shared, job.id);
    if (!surface?.prepare || !reply.images?.length) {
      tracked.latest = reply;
      mark();
      return;
    }
    // The text goes at the next turn; the images once prepared, unless a newer one came meanwhile.
    tracked.latest = { ...reply, images: undefined };
    mark();
    const seq = ++tracked.seq;
    const ready = await surface.prepare(reply);
    if (this.jobs.get(job.id) !== tracked || seq !== tracked.seq || !ready?.images?.length) return;
    tracked.pendingImages = ready.images;
    mark();
  }

  /**
   * An urgent state (the bot is stopping) goes now, after the call still showing an earlier one: it replaces what
   * waited for a turn, and a preview still being prepared is not shown after it. Resolves once shown.
   */
  private async showNow(tracked: Tracked, job: Job, reply: Reply): Promise<void> {
    this.pacer.drop(tracked.lane.id, job.id);
    tracked.latest = undefined;
    tracked.pendingImages = undefined;
    tracked.seq += 1;
    await tracked.inFlight;
    if (this.jobs.get(job.id) !== tracked || !this.options.changes(reply, tracked.shown)) return;
    tracked.shown = reply;
    const shown = this.board.show(job, reply);
    tracked.inFlight = shown.finally(() => {
      tracked.inFlight = undefined;
    });
    await shown;
  }

  /** Drops every job and timer (shutdown). */
  stop(): void {
    this.pacer.clear();
    this.board.clear();
    this.jobs.clear();
  }

  /** The lane's turn for a job: shows its newest state unless that changes nothing or a call still runs. */
  private turn(jobId: string): boolean {
    const tracked = this.jobs.get(jobId);
    if (!tracked?.job || (!tracked.latest && !tracked.pendingImages)) return false;
    if (tracked.gone) {
      tracked.latest = undefined;
      tracked.pendingImages = undefined;
      return false;
    }
    if (tracked.inFlight) {
      // One call per status message at a time, each at a turn of its own: a slow upload must not let turns queue
      // up behind it and go out as a burst.
      if (!tracked.deferred) {
        tracked.deferred = true;
        void tracked.inFlight.then(() => {
          tracked.deferred = false;
          if (this.jobs.get(jobId) === tracked) this.pacer.mark(tracked.lane.id, tracked.lane.shared, jobId);
        });
      }
      return false;
    }
    const images = tracked.pendingImages;
    const text = tracked.latest ?? tracked.shown ?? { text: [] };
    const latest = images ? { ...text, images } : text;
    tracked.latest = undefined;
    tracked.pendingImages = undefined;
    if (!this.options.changes(latest, tracked.shown)) return false;
    tracked.shown = latest;
    tracked.inFlight = this.board.show(tracked.job, latest).finally(() => {
      tracked.inFlight = undefined;
    });
    return true;
  }

  private reopen(job: Job): Tracked | undefined {
    const known = this.jobs.get(job.id);
    if (known) return known;
    const restored = job.createdAt < this.startedAt ? this.options.restore?.(job) : undefined;
    if (!restored) return undefined;
    const tracked: Tracked = { job, lane: restored.lane, surface: Promise.resolve(undefined), seq: 0 };
    const surface = untilGone(tracked, restored.surface);
    tracked.surface = Promise.resolve(surface);
    tracked.restored = surface;
    this.jobs.set(job.id, tracked);
    return tracked;
  }
}

/**
 * The surface as the board sees it, until the platform says the status message is gone: from then on no state is
 * tried on it, the ending goes as a new message (`finish` false: no edit tried first) and nothing settles it.
 */
function untilGone(tracked: Pick<Tracked, 'gone'>, surface: StatusSurface): StatusSurface {
  const noted = (error: unknown): never => {
    if (error instanceof StatusMessageGone) tracked.gone = true;
    throw error;
  };
  const { prepare, settle, tellUndelivered, correct } = surface;
  return {
    ...(prepare && { prepare: (reply: Reply) => prepare.call(surface, reply) }),
    show: async (reply) => {
      if (!tracked.gone) await surface.show(reply).catch(noted);
    },
    finish: async (reply) => {
      if (tracked.gone) return false;
      try {
        return await surface.finish(reply);
      } catch (error) {
        if (error instanceof StatusMessageGone) {
          tracked.gone = true;
          return false;
        }
        throw error;
      }
    },
    replyToUser: (reply) => surface.replyToUser(reply),
    // Where the ending was posted as a message of its own, that post is corrected whatever became of the status one.
    ...(correct && { correct: (reply: Reply) => correct.call(surface, reply) }),
    ...(settle && {
      settle: async (reply: Reply) => {
        if (!tracked.gone) await settle.call(surface, reply);
      },
    }),
    ...(tellUndelivered && {
      tellUndelivered: async (reply: Reply) => {
        if (!tracked.gone) await tellUndelivered.call(surface, reply);
      },
    }),
  };
}
