// Job events for subscribers (the commands layer, and through it the adapters).
import type { RgbImage } from '../../engine/index.js';
import type { Job } from './types.js';

/** A waiting job's place: `etaMs` until its run starts, `endMs` until that run ends (when the job should be ready). */
export type JobEvent =
  | { type: 'queued'; job: Job; ahead: number; etaMs: number; endMs: number }
  | { type: 'position'; job: Job; ahead: number; etaMs: number; endMs: number }
  | { type: 'started'; job: Job; etaMs: number }
  /** `phase` 'finishing': the steps are done and the engine is making the image (engine ProgressEvent). */
  | { type: 'progress'; job: Job; step: number; total: number; preview?: RgbImage; phase?: 'finishing' }
  | { type: 'done'; job: Job }
  | { type: 'failed'; job: Job }
  | { type: 'cancelled'; job: Job }
  /**
   * The bot is stopping with this job unfinished: it waits in the queue for the next start, which tells its place
   * again. `restarts`: it was running and was put back, so it starts again from the beginning. `reason` 'worker'
   * (shared queue only): the bot goes on, but the worker running the job stopped and put it back for the next free
   * one, whose `started` follows; 'worker_lost': that worker stopped answering (killed, crashed), and the job runs
   * again from the beginning once BullMQ's stalled check hands it to another; absent, the bot itself is stopping.
   */
  | {
      type: 'paused';
      job: Job;
      restarts: boolean;
      reason?: 'shutdown' | 'worker' | 'worker_lost';
      /** Corrects a failure its owner was told, whose end the database refused: the next start runs it again. */
      corrects?: true;
    };

export type JobListener = (event: JobEvent) => void;

export class JobEvents {
  private readonly listeners = new Set<JobListener>();

  subscribe(listener: JobListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: JobEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken subscriber must not stop the worker or the other subscribers.
      }
    }
  }
}
