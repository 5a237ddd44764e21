// The queue over the real engine on a generated tiny checkpoint: a job's last step is followed by one progress event
// that says the image is being finished (`phase: 'finishing'`, step = total), and then by `done`. (A describe job,
// which never finishes an image, is checked at the engine: test/engine/tasks/finishing.e2e.test.ts.)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEngine,
  type Engine,
  makeTestCheckpoint,
  type TextToImageRequest,
} from '../../engine/index.js';
import type { JobEvent } from '../../src/jobs/events.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { JobStore } from '../../src/jobs/store.js';
import { TEST_DEVICE } from '../engine/tiny-engine.js';
import { queueLimits } from './queue-limits.js';

/** A job's events as words: `progress 3/4`, `progress finishing 4/4`, `done`. */
function told(events: readonly JobEvent[], jobId: string): string[] {
  return events
    .filter((e) => e.job.id === jobId && e.type !== 'queued' && e.type !== 'position')
    .map((e) =>
      e.type === 'progress' ? `progress ${e.phase ? `${e.phase} ` : ''}${e.step}/${e.total}` : e.type,
    );
}

describe('the queue tells a finishing image between its last step and done', () => {
  let engine: Engine;
  let queue: JobQueue;
  const events: JobEvent[] = [];
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-finishing-queue-'));
    makeTestCheckpoint({ out: join(dir, 'model'), preset: 'tiny', seed: 6, dtype: 'bf16' });
    engine = await createEngine({ modelDir: join(dir, 'model'), device: TEST_DEVICE });
    queue = new JobQueue({ store: new JobStore(join(dir, 'data')), engine, limits: queueLimits() });
    queue.subscribe((e) => events.push(e));
    queue.start();
  });
  afterAll(async () => {
    await queue.stop({ waitMs: 2000 });
    await engine.close();
  });

  async function run(request: TextToImageRequest): Promise<string[]> {
    const owner = { platform: 'web' as const, userId: 'u1' };
    const submitted = queue.submit({ owner, scope: 'web', kind: 'imagine', request });
    if (!submitted.ok) throw new Error(`refused: ${submitted.refusal.key}`);
    const { id } = submitted.job;
    await expect
      .poll(() => told(events, id).at(-1), { timeout: 20_000, interval: 10 })
      .toMatch(/^(done|failed)$/);
    return told(events, id);
  }

  it('an image job: its steps, then finishing, then done', async () => {
    const request: TextToImageRequest = {
      task: 'text_to_image',
      prompt: 'a red fox',
      width: 64,
      height: 48,
      steps: 4,
      seed: 3,
    };
    expect(await run(request)).toEqual([
      'started',
      'progress 1/4',
      'progress 2/4',
      'progress 3/4',
      'progress 4/4',
      'progress finishing 4/4',
      'done',
    ]);
  });
});
