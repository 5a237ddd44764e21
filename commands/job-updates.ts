// Job events rendered once as neutral replies, in event order per job, for every adapter that listens: each
// adapter names its platform and hears only its own users' jobs, and an event no one listens for is not rendered.
import type { Job, JobEvent, Platform } from '../src/jobs/index.js';
import type { CommandDeps } from './deps.js';
import { renderEvent } from './render.js';
import type { Reply } from './reply.js';

export type JobUpdateListener = (update: { job: Job; reply: Reply }) => void;

interface Listener {
  platform?: Platform;
  listener: JobUpdateListener;
}

export class JobUpdates {
  private readonly listeners = new Set<Listener>();
  /** The rendering of each job's latest event: the next one waits for it. */
  private readonly chains = new Map<string, Promise<void>>();
  private unsubscribe?: () => void;

  constructor(private readonly deps: Pick<CommandDeps, 'queue' | 'render' | 'log'>) {}

  /**
   * Rendered updates (position, started, progress, done, failed, cancelled) of the platform's jobs, or of every
   * job; `queued` is left out (the submitting call returns that reply).
   */
  subscribe(listener: JobUpdateListener, platform?: Platform): () => void {
    const entry = { listener, platform };
    this.listeners.add(entry);
    this.unsubscribe ??= this.deps.queue.subscribe((event) => this.onEvent(event));
    return () => {
      this.listeners.delete(entry);
      if (this.listeners.size === 0) {
        this.unsubscribe?.();
        this.unsubscribe = undefined;
      }
    };
  }

  private onEvent(event: JobEvent): void {
    if (event.type === 'queued') return;
    const { job } = event;
    const wanted = () =>
      [...this.listeners].filter((l) => l.platform === undefined || l.platform === job.owner.platform);
    if (wanted().length === 0) return;
    // Chained per job, so a preview still being encoded never lands after the final result.
    const previous = this.chains.get(job.id) ?? Promise.resolve();
    const next = previous
      .then(() => renderEvent(event, this.deps.render))
      .then(
        (reply) => {
          for (const l of wanted()) l.listener({ job, reply });
          if (reply.final && this.chains.get(job.id) === next) this.chains.delete(job.id);
        },
        (error) => this.deps.log?.('error', 'rendering a job event failed', { error: String(error) }),
      );
    this.chains.set(job.id, next);
  }
}
