// One status message per chat job, from "queued" to its final state, on every platform. The adapter supplies how
// to show a state on that message, how to end it there, and how to reply to the user instead; this module keeps
// the calls of one job in order, lets nothing follow the final state, falls back to a reply when the message
// cannot be edited (token expired, message deleted, 403), and when that fails too marks the job undelivered so the
// owner hears of it at their next interaction and in /queue. Nothing the GPU made is lost without a word.
import type { Reply } from '../../commands/index.js';
import type { Job } from '../../src/jobs/index.js';

/** A job's status message as one platform can reach it. */
/**
 * A status message on one platform. Any method may throw StatusMessageGone (the user deleted the message, or it can
 * no longer be edited): the tracker then stops showing states on it and delivers the ending as a new message.
 */
export interface StatusSurface {
  /** Shows a non-final state (progress, position). A failure is logged; the job goes on. */
  show(reply: Reply): Promise<void>;
  /**
   * Ends the status message with the final reply (its final buttons): true when done, false when this platform
   * delivers such an ending as a new message instead (a Telegram photo result, so the user is notified). Throws
   * when the message cannot be edited.
   */
  finish(reply: Reply): Promise<boolean>;
  /** Posts the final as a reply to the user's own message (or next to the status), pinging only them. Throws. */
  replyToUser(reply: Reply): Promise<void>;
  /** After a successful reply: the status message stops offering live buttons, if it still can. Best effort. */
  settle?(reply: Reply): Promise<void>;
  /**
   * Shows a correction of an ending this surface's `finish` carried (job-status.ts `correct`) where that ending is
   * shown: a platform that posted it as a message of its own (Discord's notifying post) edits that one, not the
   * status message above it. Absent: `show` on the status message. Throws as `show`.
   */
  correct?(reply: Reply): Promise<void>;
  /** The ending reached nobody: say so where possible (best effort). */
  tellUndelivered?(reply: Reply): Promise<void>;
  /**
   * Readies a non-final state as it arrives, before its turn (Telegram leaves out a preview its chat does not show);
   * undefined when there is nothing to show of it.
   */
  prepare?(reply: Reply): Promise<Reply | undefined>;
}

/** How a job's ending reached its owner. */
export type Delivery = 'edited' | 'replied' | 'undelivered';

export interface JobStatusOptions {
  markUndelivered(jobId: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  /**
   * Reopens the status message of a job this process did not submit (one from before a restart), from what was
   * stored. Undefined for a job of this process, whose status message `open` brings.
   */
  restore?(job: Job): StatusSurface | undefined;
  /** How long an ending waits for its job's status message to be opened (a job may end before its first reply). */
  openGraceMs?: number;
  /** Called with every ending (tests and the soak count them). */
  onDelivery?(jobId: string, delivery: Delivery): void;
  /**
   * A failed ending reached its owner ('edited' or 'replied', not 'undelivered'): the queue's `failureTold`, so a
   * failure the database refused to store is not apologised for again at the next start, and one nobody saw is.
   */
  failureTold?(jobId: string): void;
}

interface Entry {
  surface: Promise<StatusSurface | undefined>;
  /** Set while the entry waits for `open` (an ending arrived first). */
  opened?: (surface: Promise<StatusSurface | undefined>) => void;
  /** The last call on this job; the next one waits for it. */
  chain: Promise<unknown>;
  ended: boolean;
}

export class JobStatusBoard {
  private readonly jobs = new Map<string, Entry>();
  /** Jobs whose ending was handled, so a late or repeated final event is ignored (bounded). */
  private readonly ended = new Set<string>();
  /**
   * Jobs whose ending was a failure, and how it reached its owner: the one ending a later state may correct
   * (`correct`). Bounded, as `ended`.
   */
  private readonly failures = new Map<string, { entry: Entry; delivery: Promise<Delivery> }>();

  constructor(private readonly options: JobStatusOptions) {}

  /**
   * The job's status message is being sent: `surface` settles with it (undefined when the send failed). Events
   * that arrive meanwhile wait for it, so no update overtakes the first response.
   */
  open(jobId: string, surface: Promise<StatusSurface | undefined>): void {
    const settled = surface.catch((error: unknown) => {
      this.options.warn({ err: error, jobId }, 'a job status message could not be sent');
      return undefined;
    });
    const waiting = this.jobs.get(jobId);
    if (waiting?.opened) {
      waiting.opened(settled);
      waiting.opened = undefined;
      return;
    }
    if (waiting || this.ended.has(jobId)) return;
    this.jobs.set(jobId, { surface: settled, chain: settled, ended: false });
  }

  isOpen(jobId: string): boolean {
    return this.jobs.has(jobId);
  }

  /** Shows a non-final state, after every earlier call of the job; nothing once the job has ended. */
  show(job: Job, reply: Reply): Promise<void> {
    const jobId = job.id;
    const entry = this.entry(job);
    if (!entry || entry.ended) return Promise.resolve();
    return this.queue(entry, async (surface) => {
      if (!surface || entry.ended) return;
      await surface.show(reply).catch((error: unknown) => {
        this.options.warn({ err: error, jobId }, 'a job status update failed');
      });
    });
  }

  /** The job's ending: on its status message, else as a reply to the user, else marked undelivered. */
  finish(job: Job, reply: Reply): Promise<Delivery | undefined> {
    const jobId = job.id;
    const entry = this.entry(job) ?? this.awaitOpen(jobId);
    if (entry.ended) return Promise.resolve(undefined);
    entry.ended = true;
    this.remember(jobId);
    const delivered = this.queue(entry, async (surface) => {
      const delivery = await this.deliver(jobId, surface, reply);
      this.jobs.delete(jobId);
      if (reply.outcome === 'failed' && delivery !== 'undelivered') this.options.failureTold?.(jobId);
      this.options.onDelivery?.(jobId, delivery);
      return delivery;
    });
    if (reply.outcome === 'failed') {
      this.failures.set(jobId, { entry, delivery: delivered.catch(() => 'undelivered' as const) });
      if (this.failures.size > 1000) this.failures.delete(this.failures.keys().next().value as string);
    }
    return delivered;
  }

  /** Whether `correct` would take a state for the job: its failure was shown, and not corrected yet. */
  correctable(jobId: string): boolean {
    return this.failures.has(jobId);
  }

  /**
   * The one exception to the final-state rule: a failure its owner was told, whose end the database refused to
   * store, and whose job the next start runs again (`Reply.corrects`: "paused, will restart"). The state goes where
   * the failure went, after it: on the status message it ended, or as a reply next to the failure's reply; nowhere
   * when the failure reached nobody. Once: the job is open again, its later states and ending shown as usual.
   */
  correct(job: Job, reply: Reply): Promise<void> {
    const failed = this.failures.get(job.id);
    if (!failed) return Promise.resolve();
    this.failures.delete(job.id);
    this.ended.delete(job.id);
    const { entry } = failed;
    entry.ended = false;
    this.jobs.set(job.id, entry);
    return this.queue(entry, async (surface) => {
      const delivery = await failed.delivery;
      if (!surface || entry.ended || delivery === 'undelivered') return;
      try {
        if (delivery === 'edited')
          return await (surface.correct ? surface.correct(reply) : surface.show(reply));
      } catch (error) {
        this.options.warn(
          { err: error, jobId: job.id },
          'a job status correction failed; replying to the user',
        );
      }
      await surface.replyToUser(reply).catch((error: unknown) => {
        this.options.warn({ err: error, jobId: job.id }, 'a job status correction could not be sent');
      });
    });
  }

  /** Drops every job (shutdown). */
  clear(): void {
    this.jobs.clear();
    this.failures.clear();
  }

  private async deliver(jobId: string, surface: StatusSurface | undefined, reply: Reply): Promise<Delivery> {
    const { warn } = this.options;
    if (surface) {
      try {
        if (await surface.finish(reply)) return 'edited';
      } catch (error) {
        warn({ err: error, jobId }, 'the job status message could not be edited; replying to the user');
      }
    }
    if (surface) {
      try {
        await surface.replyToUser(reply);
        await surface.settle?.(reply).catch(() => undefined);
        return 'replied';
      } catch (error) {
        warn({ err: error, jobId }, 'the job ending could not be sent; marked undelivered');
      }
    }
    // A cancelled job has no result to fetch later: its owner is not told that something was lost.
    if (reply.outcome !== 'cancelled') this.options.markUndelivered(jobId);
    await surface?.tellUndelivered?.(reply).catch(() => undefined);
    return 'undelivered';
  }

  /** The entry of a job, reopened from storage when it is from before this process. */
  private entry(job: Job): Entry | undefined {
    const known = this.jobs.get(job.id);
    if (known || this.ended.has(job.id) || !this.options.restore) return known;
    const surface = this.options.restore(job);
    if (!surface) return undefined;
    const entry: Entry = { surface: Promise.resolve(surface), chain: Promise.resolve(), ended: false };
    this.jobs.set(job.id, entry);
    return entry;
  }

  /**
   * An ending came before the job's first reply was sent (a very fast job) or without one: it waits a while for
   * `open`, then goes on without a status message (and so is marked undelivered).
   */
  private awaitOpen(jobId: string): Entry {
    let timer: NodeJS.Timeout | undefined;
    const entry: Entry = { surface: Promise.resolve(undefined), chain: Promise.resolve(), ended: false };
    entry.surface = new Promise((resolve) => {
      entry.opened = (surface) => {
        clearTimeout(timer);
        resolve(surface);
      };
      timer = setTimeout(() => {
        entry.opened = undefined;
        resolve(undefined);
      }, this.options.openGraceMs ?? 30_000);
    });
    this.jobs.set(jobId, entry);
    return entry;
  }

  private queue<T>(entry: Entry, call: (surface: StatusSurface | undefined) => Promise<T>): Promise<T> {
    const next = entry.chain.then(() => entry.surface).then(call);
    entry.chain = next.catch(() => undefined);
    return next;
  }

  private remember(jobId: string): void {
    this.ended.add(jobId);
    if (this.ended.size > 10_000) this.ended.delete(this.ended.values().next().value as string);
  }
}
