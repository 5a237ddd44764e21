// A result made by Upscale says which, as its button did: "Upscale (Subtle)" or "Upscale (Creative)", not "Upscale".
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/commands.js';
import { t } from '../../src/i18n.js';
import { commandsOnQueue } from './commands-on-queue.js';

describe('an upscaled result’s context', () => {
  it('names the upscale that made it', async () => {
    const finals: string[] = [];
    const { commands } = commandsOnQueue('upscale-label', {
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
    for (const action of ['upscale_subtle', 'upscale_creative']) {
      const id = (await commands.pressButton(ctx, `${action}:${first}`)).jobId as string;
      await finished(id);
      tasks[action] = (await commands.history(ctx)).entries.find((e) => e.jobId === id)?.reply.context?.task;
    }
    expect(tasks).toEqual({
      upscale_subtle: 'paint/upscale_subtle',
      upscale_creative: 'paint/upscale_creative',
    });
    expect(t('en', 'web.task.upscale_creative')).toBe('Upscale (Creative)');
    expect(t('de', 'web.task.upscale_subtle')).toBe('Hochskalierung (leicht)');
  });
});
