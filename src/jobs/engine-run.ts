// One engine call for the jobs the worker picked together: one job through `generate`, several through
// `generateBatch` (shared forward passes). Each job gets its own result or its own Failure.
import { type BatchItem, type Engine, EngineError, type EngineResult } from '../../engine/index.js';

/** An engine failure carried next to the results of a batch. */
export class Failure {
  constructor(readonly error: unknown) {}
}

/**
 * A run's summed cost, on which its pace is measured: the batch's jobs shared the device for the whole run. One that
 * ended early (cancelled, timed out) left the engine's batch at its next step, so it counts only the share of its
 * steps that ran (`ran`): counted whole, the run would seem to have done more than it did, and every ETA come out
 * short. `outcomes[i]` is member i's.
 */
export function runCost(
  members: ReadonlyArray<{ job: { estimatedCost: number }; ran?: number }>,
  outcomes: readonly unknown[],
): number {
  return members.reduce(
    (sum, { job, ran }, i) => sum + job.estimatedCost * (outcomes[i] instanceof Failure ? (ran ?? 0) : 1),
    0,
  );
}

export async function generateAll(
  engine: Pick<Engine, 'generate'> & Partial<Pick<Engine, 'generateBatch'>>,
  items: readonly BatchItem[],
): Promise<Array<EngineResult | Failure>> {
  if (items.length === 1) {
    const { request, options } = items[0] as BatchItem;
    return [await engine.generate(request, options).catch((error: unknown) => new Failure(error))];
  }
  if (items.length > 1 && engine.generateBatch) {
    return engine.generateBatch(items).then(
      (results) => results.map((r) => (r instanceof EngineError ? new Failure(r) : r)),
      (error: unknown) => items.map(() => new Failure(error)),
    );
  }
  return [];
}
