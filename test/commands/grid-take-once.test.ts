// An image of a grid is taken once per user: a second take (a second tab, a press delivered twice, a raw request)
// answers with the result already taken, however many jobs the user made since, and stores no copy of it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type CommandContext, Commands } from '../../commands/commands.js';
import { encodePng } from '../../engine/index.js';
import { insertFinishedImage, type Job, JobQueue, JobStore } from '../../src/jobs/index.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';

const owner = { platform: 'web', userId: '1' } as const;

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'dimoo-grid-take-once-'));
  const store = new JobStore(dir);
  const queue = new JobQueue({
    store,
    engine: new TimedEngineDouble(1, 2),
    limits: { maxPerUser: 50, maxRunningPerUser: 1, maxPerScope: 50, maxTotal: 50, jobTimeoutMs: 60_000 },
  });
  const commands = new Commands({
    queue,
    store,
    config: {
      defaultLocale: 'en',
      limits: {
        rateLimitPerMinute: 0,
        maxInputBytes: 2_000_000,
        maxInputPixels: 4_000_000,
        blockedWords: [],
      },
    },
  });
  onTestFinished(async () => {
    await queue.stop({ waitMs: 2000 });
    commands.closeUpdates();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  queue.start();
  const ctx = (userId = '1'): CommandContext =>
    commands.context({ user: { platform: 'web', userId }, scope: 'web:1', language: 'en' });
  const made = await commands.run(ctx(), {
    name: 'imagine',
    options: { prompt: 'a kite --n 2 --size 256x256' },
  });
  const grid = made.jobId as string;
  if (!grid) throw new Error(JSON.stringify(made.text));
  const started = Date.now();
  while (store.get(grid)?.status !== 'done') {
    if (Date.now() - started > 5000) throw new Error(`the grid ended ${store.get(grid)?.status}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  /** Every job of `userId` that is image `n` of the grid. */
  const takes = (n: number, userId = '1') =>
    store
      .recentOf({ platform: 'web', userId }, 10_000)
      .filter((job: Job) => job.meta.origin === grid && job.meta.pick === n);
  return { commands, ctx, store, grid, takes };
}

describe('taking an image of a grid twice', () => {
  it('answers with the image already taken, even after a hundred other jobs of the user', async () => {
    const { commands, ctx, store, grid, takes } = await setup();
    const first = await commands.pressButton(ctx(), `pick_2:${grid}`);
    expect(first.text.map((line) => line.key)).toEqual(['job.picked']);
    // A long session later: many results of the user's own since the take.
    const png = await encodePng({ width: 16, height: 16, data: new Uint8Array(16 * 16 * 3) });
    for (let i = 0; i < 120; i++)
      insertFinishedImage(
        store,
        {
          owner,
          scope: 'web:1',
          kind: 'imagine',
          request: { task: 'text_to_image', prompt: `a kite ${i}`, width: 16, height: 16, seed: i },
        },
        { png, seed: i, width: 16, height: 16 },
        { finishedAt: 2 + i },
      );
    const again = await commands.pressButton(ctx(), `pick_2:${grid}`);
    expect(again.jobId).toBe(first.jobId);
    expect(again.text.map((line) => line.key)).toEqual(['job.picked']);
    expect(takes(2).map((job) => job.id)).toEqual([first.jobId]);
    // Two presses at once (two tabs) make one take too.
    const both = await Promise.all([1, 1].map(() => commands.pressButton(ctx(), `pick_1:${grid}`)));
    expect(both[0]?.jobId).toBe(both[1]?.jobId);
    expect(takes(1)).toHaveLength(1);
  });

  it('a take the user deleted is taken anew; another user takes their own', async () => {
    const { commands, ctx, grid, takes } = await setup();
    const first = await commands.pressButton(ctx(), `pick_2:${grid}`);
    await commands.pressButton(ctx(), `delete:${first.jobId}`);
    const anew = await commands.pressButton(ctx(), `pick_2:${grid}`);
    expect(anew.jobId).not.toBe(first.jobId);
    expect(anew.text.map((line) => line.key)).toEqual(['job.picked']);
    expect((await commands.pressButton(ctx(), `pick_2:${grid}`)).jobId).toBe(anew.jobId);
    const theirs = await commands.pressButton(ctx('2'), `pick_2:${grid}`);
    expect(theirs.jobId).not.toBe(anew.jobId);
    expect(takes(2, '2')).toHaveLength(1);
  });
});
