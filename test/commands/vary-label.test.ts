// A result made by Vary or Upscale says which, as its button did: "Vary (Subtle)", "Vary (Strong)", "Upscale (Subtle)"
// or "Upscale (Creative)", not "Vary" or "Upscale" alone.
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/commands.js';
import { t } from '../../src/i18n.js';
import { commandsOnQueue } from './commands-on-queue.js';

/** The task each button's result names in its context, pressed on one finished /imagine. */
async function tasksAfterPressing(
  name: string,
  actions: string[],
): Promise<Record<string, string | undefined>> {
  const finals: string[] = [];
  const { commands } = commandsOnQueue(name, {
    onUpdate: ({ job, reply }) => {
      if (reply.final) finals.push(job.id);
    },
  });
  const ctx: CommandContext = commands.context({
    user: { platform: 'web', userId: 'u1' },
    scope: 'web:u1',
    language: 'en',
  });
  const finished = async (id: string) => {
    const started = Date.now();
    while (!finals.includes(id)) {
      if (Date.now() - started > 5000) throw new Error(`job ${id} did not finish`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const first = (await commands.run(ctx, { name: 'imagine', options: { prompt: 'a fox --steps 3' } }))
    .jobId as string;
  await finished(first);
  const tasks: Record<string, string | undefined> = {};
  for (const action of actions) {
    const id = (await commands.pressButton(ctx, `${action}:${first}`)).jobId as string;
    await finished(id);
    tasks[action] = (await commands.history(ctx)).entries.find((e) => e.jobId === id)?.reply.context?.task;
  }
  return tasks;
}

describe('a varied or upscaled result’s context', () => {
  it('names the strength it was varied with', async () => {
    expect(await tasksAfterPressing('vary-label', ['vary', 'vary_strong'])).toEqual({
      vary: 'paint/vary_subtle',
      vary_strong: 'paint/vary_strong',
    });
    expect(t('en', 'web.task.vary_subtle')).toBe('Vary (Subtle)');
    expect(t('de', 'web.task.vary_strong')).toBe('Variation (stark)');
  });

  it('names the upscale that made it', async () => {
    expect(await tasksAfterPressing('upscale-label', ['upscale_subtle', 'upscale_creative'])).toEqual({
      upscale_subtle: 'paint/upscale_subtle',
      upscale_creative: 'paint/upscale_creative',
    });
    expect(t('en', 'web.task.upscale_creative')).toBe('Upscale (Creative)');
    expect(t('de', 'web.task.upscale_subtle')).toBe('Hochskalierung (leicht)');
  });
});
