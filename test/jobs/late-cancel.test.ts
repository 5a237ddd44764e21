// A cancel that reaches a running job after its engine's last step (the result being decoded and stored) stops
// nothing: the job ends done and is delivered. Its final event says the cancel came too late (`meta.cancelRequested`,
// also kept in the store), so the commands layer can word the result for an owner who pressed Cancel.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineRequest, EngineResult, GenerateOptions } from '../../engine/index.js';
import type { JobEvent } from '../../src/jobs/events.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { JobStore } from '../../src/jobs/store.js';
import type { Owner } from '../../src/jobs/types.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { queueLimits } from './queue-limits.js';

/** Test double: after its last step it still works `tailMs` (decoding the result), where no abort is looked at. */
class SlowTailEngineDouble extends TimedEngineDouble {
  constructor(private readonly tailMs: number) {
    super(5, 3);
  }

  override async generate(request: EngineRequest, options: GenerateOptions = {}): Promise<EngineResult> {
    const result = await super.generate(request, options);
    await new Promise((resolve) => setTimeout(resolve, this.tailMs));
    return result;
  }
}

const open: JobQueue[] = [];
afterEach(async () => {
  for (const queue of open.splice(0)) await queue.stop({ waitMs: 2000 });
});

describe('a cancel after the last step', () => {
  it('ends the job done, its final event and record marked as asked to cancel', async () => {
    const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-late-cancel-')));
    const queue = new JobQueue({ store, engine: new SlowTailEngineDouble(200), limits: queueLimits() });
    open.push(queue);
    const owner: Owner = { platform: 'discord', userId: 'late' };
    const events: JobEvent[] = [];
    queue.subscribe((event) => events.push(event));
    const submitted = queue.submit({
      owner,
      scope: 'guild:1',
      kind: 'imagine',
      request: { task: 'text_to_image', prompt: 'a fox', width: 64, height: 64 },
    });
    if (!submitted.ok) throw new Error(`refused: ${submitted.refusal.key}`);
    const { id } = submitted.job;
    queue.start();
    const lastStep = () => events.some((e) => e.type === 'progress' && e.step === e.total);
    const ended = () =>
      events.find((e) => e.job.id === id && ['done', 'failed', 'cancelled'].includes(e.type));
    const deadline = Date.now() + 10_000;
    while (!lastStep()) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the last step');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(queue.cancel(id, owner)).toBe('cancelling');
    while (!ended()) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the end');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const final = ended() as JobEvent;
    expect(final.type).toBe('done');
    expect(final.job.meta.cancelRequested).toBe(true);
    expect(store.get(id)?.meta.cancelRequested).toBe(true);
    expect(store.readFile(id, 'result.png').length).toBeGreaterThan(0);
  });
});
