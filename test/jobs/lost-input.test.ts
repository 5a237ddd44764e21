// A waiting job whose stored input is gone when its turn comes (the jobs folder cleaned by hand while the bot was
// down): it fails with one line saying so, the worker goes on, and the jobs behind it run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodePng } from '../../engine/index.js';
import type { JobEvent } from '../../src/jobs/events.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { JobStore } from '../../src/jobs/store.js';
import type { Job } from '../../src/jobs/types.js';
import { waitUntil } from '../doubles/shared/wait.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { queueLimits } from './queue-limits.js';

const LIMITS = queueLimits();
const owner = (userId: string) => ({ platform: 'telegram' as const, userId });

describe('a waiting job whose input is gone at restart', () => {
  it('fails with its own message and the next job runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-lost-input-'));
    const before = new JobQueue({
      store: new JobStore(dir),
      engine: new TimedEngineDouble(),
      limits: LIMITS,
    });
    const image = await encodePng({ width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(120) });
    const submitted = (result: ReturnType<JobQueue['submit']>): Job => {
      if (!result.ok) throw new Error(result.refusal.key);
      return result.job;
    };
    const describeIt = submitted(
      before.submit({
        owner: owner('a'),
        scope: 'chat:1',
        kind: 'describe',
        request: { task: 'understand', image: { file: 'input.png' } },
        files: { 'input.png': image },
      }),
    );
    const imagine = submitted(
      before.submit({
        owner: owner('b'),
        scope: 'chat:1',
        kind: 'imagine',
        request: { task: 'text_to_image', prompt: 'a fox', width: 64, height: 64 },
      }),
    );
    // The bot stops before either ran; an operator cleans the jobs folder by hand meanwhile.
    await before.stop({ waitMs: 1000 });
    rmSync(join(dir, 'jobs', describeIt.id), { recursive: true });

    const store = new JobStore(dir);
    const queue = new JobQueue({ store, engine: new TimedEngineDouble(), limits: LIMITS });
    const events: JobEvent[] = [];
    queue.subscribe((event) => events.push(event));
    queue.start();
    await waitUntil(() => store.get(imagine.id)?.status === 'done', 'the next job ran');
    expect(store.get(describeIt.id)).toMatchObject({
      status: 'failed',
      error: { key: 'errors.job.input_lost', params: {} },
    });
    expect(events.filter((e) => e.type === 'failed').map((e) => e.job.id)).toEqual([describeIt.id]);
    await queue.stop({ waitMs: 1000 });
  });
});
