// Job events rendered once as neutral replies, in event order per job, for every adapter that listens: each
// adapter names its platform and hears only its own users' jobs, and an event no one listens for is not rendered.
// At shutdown the composition root waits for what was emitted (`settle`), then closes them (`close`) before the
// database: an event after that is dropped, never rendered against a closed store.
import { ENDED_STATUSES, type Job, type JobEvent, type Platform } from '../src/jobs/index.js';
import { within } from '../src/within.js';
import type { CommandDeps } from './deps.js';
import { renderEvent } from './render.js';
import type { Reply } from './reply.js';

/** An adapter's listener; a promise it returns is what it is delivering (the shutdown waits for it, bounded). */
export type JobUpdateListener = (update: { job: Job; reply: Reply }) => unknown;

interface Listener {
  platform?: Platform;
  listener: JobUpdateListener;
  /** Hears `queued` too: the submitting call's reply reaches one page, and the owner's other pages hear it here. */
  queued?: boolean;
}

export class JobUpdates {
  private readonly listeners = new Set<Listener>();
  /** The rendering of each job's latest event: the next one waits for it. */
  private readonly chains = new Map<string, Promise<void>>();
  /** What listeners are still delivering. */
  private readonly delivering = new Set<Promise<unknown>>();
  private unsubscribe?: () => void;
  private closed = false;

  constructor(private readonly deps: Pick<CommandDeps, 'queue' | 'render' | 'log'>) {}

  /**
   * Rendered updates (position, started, progress, done, failed, cancelled, paused) of the platform's jobs, or of
   * every job; `queued` is left out (the submitting call returns that reply) unless `queued` asks for it.
   */
  subscribe(listener: JobUpdateListener, platform?: Platform, { queued = false } = {}): () => void {
    const entry = { listener, platform, queued };
    this.listeners.add(entry);
    if (!this.closed) this.unsubscribe ??= this.deps.queue.subscribe((event) => this.onEvent(event));
    return () => {
      this.listeners.delete(entry);
      if (this.listeners.size === 0) {
        this.unsubscribe?.();
        this.unsubscribe = undefined;
      }
    };
  }

  /**
   * Resolves once every event emitted so far is rendered and handed to its listeners, and what they returned has
   * settled; after `timeoutMs` at most.
   */
  async settle(timeoutMs: number): Promise<void> {
    const rendered = Promise.all(this.chains.values());
    const delivered = rendered.then(() => Promise.allSettled(this.delivering));
    await within(delivered, timeoutMs, []);
  }

  /** No event is rendered from now on (the database is about to close). */
  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /**
   * Shows `reply` as `job`'s state now, after its events rendered so far and before later ones: a /cancel typed
   * apart from the job's message changes that message at once ("Stopping…", no Cancel), not at the job's next step.
   * Only while the job is unfinished, read when its turn comes: an end heard meanwhile (a shared queue's front-end
   * may hear it just as the cancel is answered) is its final state, and a state shown after it would replace it.
   */
  restate(job: Job, reply: Reply): void {
    const wanted = [...this.listeners].filter(
      (l) => l.platform === undefined || l.platform === job.owner.platform,
    );
    if (wanted.length === 0) return;
    const previous = this.chains.get(job.id) ?? Promise.resolve();
    const next = previous
      .then(() => {
        if (this.closed || ENDED_STATUSES.has((this.deps.queue.get(job.id) ?? job).status)) return;
        for (const l of wanted) this.track(l.listener({ job, reply }));
      })
      // Never a rejected link: the job's next event waits on this one.
      .catch((error: unknown) =>
        this.deps.log?.('error', 'showing a job state failed', { error: String(error) }),
      );
    this.chains.set(job.id, next);
    // An ending rendered meanwhile drops its own chain; this one goes once done, unless a later event took its place.
    void next.then(() => {
      if (this.chains.get(job.id) === next) this.chains.delete(job.id);
    });
  }

  private onEvent(event: JobEvent): void {
    const { job } = event;
    const wanted = () =>
      [...this.listeners].filter(
        (l) =>
          (l.platform === undefined || l.platform === job.owner.platform) &&
          (event.type !== 'queued' || l.queued === true),
      );
    if (wanted().length === 0) return;
    // Chained per job, so a preview still being encoded never lands after the final result.
    const previous = this.chains.get(job.id) ?? Promise.resolve();
    const next = previous
      .then(() => (this.closed ? undefined : renderEvent(event, this.deps.render)))
      .then(
        (reply) => {
          if (reply) for (const l of wanted()) this.track(l.listener({ job, reply }));
          if ((!reply || reply.final) && this.chains.get(job.id) === next) this.chains.delete(job.id);
        },
        (error) => this.deps.log?.('error', 'rendering a job event failed', { error: String(error) }),
      );
    this.chains.set(job.id, next);
  }

  private track(delivery: unknown): void {
    if (!(delivery instanceof Promise)) return;
    const settled: Promise<unknown> = delivery.then(
      () => this.delivering.delete(settled),
      () => this.delivering.delete(settled),
    );
    this.delivering.add(settled);
  }
}
