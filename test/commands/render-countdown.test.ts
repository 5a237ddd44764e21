// A waiting or running job's message gives one figure for its time: where the platform counts down to `etaAt`
// (PlatformProfile.countsDownEta), the line says no time of its own, which would stay "35 seconds" beside a
// countdown already at 21; elsewhere the line says it.
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/commands.js';
import { renderEvent } from '../../commands/render.js';
import { t } from '../../src/i18n.js';
import { commandsOnQueue } from './commands-on-queue.js';
import { aJob } from './job-fixture.js';

const deps = {
  store: { readFile: () => Buffer.alloc(0) },
  defaultLocale: 'en' as const,
  now: () => 1_000,
};

describe('the time a waiting or running job’s message gives', () => {
  it('is the countdown alone where the platform counts down, the line’s figure elsewhere', async () => {
    const job = aJob();
    const event = { type: 'position' as const, job, ahead: 2, etaMs: 20_000, endMs: 35_000 };
    const counting = { ...deps, countsDownEta: () => true };
    const live = await renderEvent(event, counting);
    expect(live.text).toEqual([{ key: 'job.queued_unmeasured', params: { count: 2 } }]);
    expect(live.etaAt).toBe(36_000);
    const plain = await renderEvent(event, deps);
    expect(plain.text.map((line) => t('en', line.key, line.params))).toEqual([
      'Queued: 2 jobs ahead of yours, ready in about 35 seconds.',
    ]);
    expect(plain.etaAt).toBe(36_000);

    const started = { type: 'started' as const, job: aJob({ status: 'running' }), etaMs: 30_000 };
    const running = await renderEvent(started, counting);
    expect([running.text, running.etaAt]).toEqual([[{ key: 'job.running_now' }], 31_000]);
    const shown = (await renderEvent(started, deps)).text.map((line) => t('en', line.key, line.params));
    expect(shown).toEqual(['Started: ready in about 30 seconds.']);
  });

  it('follows the platform’s profile in the answer that queues a job', async () => {
    const { commands } = commandsOnQueue('render-countdown', {
      start: false,
      commands: { platforms: { web: { countsDownEta: true } } },
    });
    const ctx = (platform: 'web' | 'telegram'): CommandContext =>
      commands.context({ user: { platform, userId: 'u1' }, scope: `${platform}:u1`, language: 'en' });
    const web = await commands.run(ctx('web'), { name: 'imagine', options: { prompt: 'a fox' } });
    expect(web.text.map((line) => line.key)).toEqual(['job.queued_unmeasured']);
    expect(web.etaAt).toBeGreaterThan(0);
    const telegram = await commands.run(ctx('telegram'), { name: 'imagine', options: { prompt: 'a fox' } });
    expect(telegram.text.map((line) => line.key)).toEqual(['job.queued']);
  });
});
