// A shutdown that gave up on a run (its abort wait ran out with the engine still busy) has told its owner the job
// will start again and resolved, so the caller closes the database. The engine's answer coming after that must change
// nothing: the owner heard `paused` last, and the row stays `running`, so the next start runs the job again as
// promised. And a run storing its result is waited for only so long: a wedged store must not hold the stop forever.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { RgbImage } from '../../engine/index.js';
import { JobStore } from '../../src/jobs/store.js';
import { HeldEngineDouble } from '../doubles/held-engine-double.js';
import { waitUntil } from '../doubles/shared/wait.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { recordedQueue } from './recorded-queue.js';

/** Test double for the PNG encoder: while `held`, an encoding waits for `release` (a wedged store). */
const encoder = vi.hoisted(() => {
  const state: { held: boolean; waiting: number; release: () => void; gate: Promise<void> } = {
    held: false,
    waiting: 0,
    release: () => undefined,
    gate: Promise.resolve(),
  };
  return {
    state,
    hold() {
      state.held = true;
      state.gate = new Promise<void>((resolve) => {
        state.release = resolve;
      });
    },
  };
});

vi.mock('../../engine/index.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../engine/index.js')>();
  return {
    ...real,
    encodePng: async (img: RgbImage) => {
      if (encoder.state.held) {
        encoder.state.waiting++;
        await encoder.state.gate;
      }
      return real.encodePng(img);
    },
  };
});

function start(dir: string, engine: TimedEngineDouble) {
  return recordedQueue(new JobStore(dir), engine);
}

async function submitAndStart(bot: ReturnType<typeof start>): Promise<string> {
  const submitted = bot.queue.submit({
    owner: { platform: 'web', userId: 'ann' },
    scope: 'playground',
    kind: 'imagine',
    request: { task: 'text_to_image', prompt: 'a fox', width: 64, height: 64, count: 2 },
  });
  if (!submitted.ok) throw new Error(submitted.refusal.key);
  const id = submitted.job.id;
  bot.queue.start();
  await waitUntil(() => bot.events.some((e) => e.type === 'started' && e.job.id === id), 'the job started');
  return id;
}

const told = (bot: ReturnType<typeof start>, id: string) =>
  bot.events.filter((e) => e.job.id === id && !['queued', 'progress'].includes(e.type)).map((e) => e.type);

describe('a shutdown that gave up on a run', () => {
  it('ignores the engine answering after it: the owner heard paused last and the next start runs the job', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-shutdown-late-'));
    const bot = start(dir, new HeldEngineDouble('until-abort', { answerAfterMs: 60 }));
    const id = await submitAndStart(bot);
    await bot.queue.stop({ waitMs: 20, abortWaitMs: 20 });
    // The engine answers now, after the stop resolved.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(told(bot, id)).toEqual(['started', 'paused']);
    expect(bot.store.get(id)?.status).toBe('running');
    expect(bot.store.get(id)?.result).toBeUndefined();
    bot.store.close();

    const next = start(dir, new TimedEngineDouble());
    expect(next.store.get(id)).toMatchObject({ status: 'queued', attempts: 1 });
    next.queue.start();
    await waitUntil(() => next.store.get(id)?.status === 'done', 'the job ran again');
    await next.queue.stop();
    next.store.close();
  });

  it('waits for a run storing its result only so long', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-shutdown-wedged-'));
    const log: string[] = [];
    const bot = recordedQueue(
      new JobStore(dir),
      new HeldEngineDouble('until-abort', { answerAfterMs: 0 }),
      (_level, message) => log.push(message),
    );
    const { store, queue } = bot;
    const id = await submitAndStart(bot);
    encoder.hold();
    try {
      const stopping = queue.stop({ waitMs: 20, abortWaitMs: 20, storeWaitMs: 100 });
      const ended = await Promise.race([
        stopping.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000)),
      ]);
      expect(encoder.state.waiting).toBeGreaterThan(0);
      expect(ended).toBe(true);
      expect(log).toContain('the running job did not stop after its abort; closing anyway');
    } finally {
      // The store gets going again after the stop resolved: what it then does is dropped.
      encoder.state.held = false;
      encoder.state.release();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(told(bot, id)).toEqual(['started', 'paused']);
    expect(store.get(id)?.status).toBe('running');
    store.close();
  });
});
