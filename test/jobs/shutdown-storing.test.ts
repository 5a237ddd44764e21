// A shutdown whose abort wait runs out while a run the engine has answered is still storing its result (encoding and
// writing its PNGs) must not end that job as well: its owner would hear "stopped" (or "will start again") and then
// get the result. The job is let store its result and ends done; the shutdown resolves, and the database closes,
// only after it.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { RgbImage } from '../../engine/index.js';
import { JobStore } from '../../src/jobs/store.js';
import { HeldEngineDouble } from '../doubles/held-engine-double.js';
import { waitUntil } from '../doubles/shared/wait.js';
import type { TimedEngineDouble } from '../doubles/timed-engine.js';
import { recordedQueue } from './recorded-queue.js';

/** Test double for the PNG encoder: while `held`, an encoding waits for the test to let it go (a slow encode). */
const encoder = vi.hoisted(() => {
  const state: { held: boolean; waiting: number; release: () => void } = {
    held: false,
    waiting: 0,
    release: () => undefined,
  };
  let gate = Promise.resolve();
  return {
    state,
    hold() {
      state.held = true;
      gate = new Promise<void>((resolve) => {
        state.release = () => {
          state.held = false;
          resolve();
        };
      });
    },
    async pass() {
      if (!state.held) return;
      state.waiting++;
      await gate;
    },
  };
});

vi.mock('../../engine/index.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../engine/index.js')>();
  return {
    ...real,
    encodePng: async (img: RgbImage) => {
      await encoder.pass();
      return real.encodePng(img);
    },
  };
});

function start(dir: string, engine: TimedEngineDouble) {
  return recordedQueue(new JobStore(dir), engine);
}

function submit(bot: ReturnType<typeof start>): string {
  const submitted = bot.queue.submit({
    owner: { platform: 'web', userId: 'ann' },
    scope: 'playground',
    kind: 'imagine',
    request: { task: 'text_to_image', prompt: 'a fox', width: 64, height: 64, count: 2 },
  });
  if (!submitted.ok) throw new Error(submitted.refusal.key);
  return submitted.job.id;
}

async function started(bot: ReturnType<typeof start>, id: string): Promise<void> {
  bot.queue.start();
  await waitUntil(() => bot.events.some((e) => e.type === 'started' && e.job.id === id), 'the job started');
}

describe('a shutdown whose abort wait runs out while the job stores its result', () => {
  for (const attempt of ['first', 'last'] as const) {
    it(`lets the job end done on its ${attempt} attempt, and its owner hears only that`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'dimoo-shutdown-storing-'));
      if (attempt === 'last') {
        // A first run the shutdown could not stop: the next start runs the job on its last attempt.
        const first = start(dir, new HeldEngineDouble('forever'));
        const id = submit(first);
        await started(first, id);
        await first.queue.stop({ waitMs: 20, abortWaitMs: 20 });
        first.store.close();
      }
      const bot = start(dir, new HeldEngineDouble('until-abort'));
      const id = attempt === 'last' ? (bot.store.byStatus('queued')[0]?.id as string) : submit(bot);
      await started(bot, id);
      encoder.hold();
      let stopped = false;
      const stopping = bot.queue.stop({ waitMs: 20, abortWaitMs: 20 }).then(() => {
        stopped = true;
      });
      let stoppedWhileStoring: boolean;
      try {
        await waitUntil(() => encoder.state.waiting > 0, 'the result being encoded');
        // The abort wait runs out meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 100));
        stoppedWhileStoring = stopped;
      } finally {
        encoder.state.release();
      }
      await stopping;
      // Anything the run still did after the shutdown resolved (before the store closes) is heard too.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const told = bot.events.filter((e) => e.job.id === id && !['queued', 'progress'].includes(e.type));
      expect(told.map((e) => e.type)).toEqual(['started', 'done']);
      expect(bot.store.get(id)).toMatchObject({ status: 'done', result: { file: 'result.png' } });
      // The store must stay open for the result on its way: the caller closes it once the shutdown resolves.
      expect(stoppedWhileStoring).toBe(false);
      bot.store.close();
    });
  }

  it('leaves no result files behind when it gives up on the storing job after all', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-shutdown-storing-'));
    const bot = start(dir, new HeldEngineDouble('until-abort'));
    const id = submit(bot);
    await started(bot, id);
    encoder.hold();
    try {
      await bot.queue.stop({ waitMs: 20, abortWaitMs: 20, storeWaitMs: 20 });
    } finally {
      encoder.state.release();
    }
    expect(bot.events.filter((e) => e.job.id === id).at(-1)).toMatchObject({
      type: 'paused',
      restarts: true,
    });
    // The run writes its PNGs after the stop gave up on it; the next start runs the job again, so they are stale.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const folder = dirname(bot.store.filePath(id, 'result.png'));
    expect(readdirSync(folder).filter((name) => name.startsWith('result'))).toEqual([]);
    bot.store.close();
    const next = start(dir, new HeldEngineDouble('until-abort'));
    expect(next.store.get(id)).toMatchObject({ status: 'queued', attempts: 1 });
    next.store.close();
  });
});
