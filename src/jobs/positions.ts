// Where each waiting job stands: a dry run of the fair scheduler over the queued jobs (the order they would start in
// if nobody new arrived), the running jobs' remaining time ahead of them all, and a `position` event for each job
// whose place changed since last told (until the bot stops).
import { batchKey, type EngineRequest } from '../../engine/index.js';
import type { JobEvents } from './events.js';
import type { Candidate, FairScheduler } from './scheduler.js';
import type { JobStore } from './store.js';
import { type Job, ownerKey } from './types.js';

export interface PositionDeps {
  store: Pick<JobStore, 'byStatus'>;
  scheduler: Pick<FairScheduler, 'order'>;
  counters: ReadonlyMap<string, number>;
  events: Pick<JobEvents, 'emit'>;
  /** The jobs running now. */
  running(): Job[];
  expectedMs(job: Job): number;
  now(): number;
}

export class QueuePositions {
  private last = new Map<string, number>();
  /** The bot is stopping: its jobs hear that instead, and the next start tells their places again. */
  private halted = false;

  constructor(private readonly deps: PositionDeps) {}

  /** The queued jobs as the scheduler sees them. */
  candidates(): Candidate[] {
    return this.deps.store.byStatus('queued').map((j) => ({
      id: j.id,
      user: ownerKey(j.owner),
      seq: j.seq,
      cost: j.estimatedCost,
      priority: j.priority,
      createdAt: j.createdAt,
      batchKey: batchKey(j.request as EngineRequest),
    }));
  }

  /** Jobs ahead (by a dry run of the scheduler) and the ETA until the job starts. */
  positionOf(id: string): { ahead: number; etaMs: number } {
    const order = this.plannedOrder();
    const ahead = Math.max(
      order.findIndex((j) => j.id === id),
      0,
    );
    const aheadMs = order.slice(0, ahead).reduce((sum, j) => sum + this.deps.expectedMs(j), 0);
    return {
      ahead: ahead + this.deps.running().length,
      etaMs: Math.round(aheadMs + this.remainingRunningMs()),
    };
  }

  /** The dry-run start order of every queued job. */
  plannedOrder(): Job[] {
    const { store, scheduler, counters, now } = this.deps;
    const byId = new Map(store.byStatus('queued').map((j) => [j.id, j]));
    return scheduler.order(this.candidates(), counters, now()).map((c) => byId.get(c.id) as Job);
  }

  /** No position is told from now on (shutdown). */
  halt(): void {
    this.halted = true;
  }

  /** Tells every queued job but `except` whose place changed. */
  emit(except?: string): void {
    if (this.halted) return;
    const order = this.plannedOrder();
    const running = this.deps.running().length;
    const next = new Map<string, number>();
    let cost = this.remainingRunningMs();
    order.forEach((job, i) => {
      const ahead = i + running;
      next.set(job.id, ahead);
      if (job.id !== except && this.last.get(job.id) !== ahead) {
        this.deps.events.emit({ type: 'position', job, ahead, etaMs: Math.round(cost) });
      }
      cost += this.deps.expectedMs(job);
    });
    this.last = next;
  }

  private remainingRunningMs(): number {
    const now = this.deps.now();
    let ms = 0;
    for (const job of this.deps.running()) {
      const elapsed = now - (job.startedAt ?? now);
      ms += Math.max(0, this.deps.expectedMs(job) - elapsed);
    }
    return ms;
  }
}
