// SIGINT while a Discord job runs: the composition root's drain puts it back into the queue and its status message
// says at once that the bot is restarting (though the message's paced edits are ten seconds apart), before the
// adapter stops. The real discord.js client against the in-repo fake, on the engine double.
import type { APIMessage } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startDiscord } from '../../../adapters/discord/index.js';
import { buildCommands, closeShared, drainShared } from '../../../src/app-services.js';
import { t } from '../../../src/i18n.js';
import { startFakeDiscord } from '../../doubles/fake-discord/index.js';
import { watchUnhandledRejections } from '../../doubles/shared/unhandled.js';
import { waitUntil } from '../../doubles/shared/wait.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { openDoubleServices } from '../e2e-services.js';
import { jobIdIn } from './double-bot.js';

const unhandled = watchUnhandledRejections();
afterEach(() => expect(unhandled.rejections).toEqual([]));

describe('Discord: stopping with a job running', { timeout: 60_000 }, () => {
  it('its status message says the bot restarts before the adapter stops', async () => {
    const fake = await startFakeDiscord();
    try {
      const opened = openDoubleServices(
        'discord-shutdown',
        { DISCORD_TOKEN: fake.token, RATE_LIMIT_PER_MINUTE: '0' },
        new TimedEngineDouble(40, 1000),
      );
      const { config, log } = opened;
      const services = { ...opened.services, drain: () => opened.services.jobs.queue.stop({ waitMs: 50 }) };
      const commands = buildCommands({ config, log }, services);
      const running = await startDiscord({ config, log }, services, commands, {
        rest: fake.clientOptions().rest,
        cdnHosts: fake.cdnHosts,
        editIntervalMs: 10_000,
      });
      services.start();
      const ix = fake.dispatchInteraction(
        fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a fox' } }),
      );
      const answer = await fake.waitForCall((c) => fake.answerOf(ix)(c) && jobIdIn(c.body) !== undefined);
      const jobId = jobIdIn(answer.body) as string;
      await waitUntil(() => services.jobs.store.get(jobId)?.status === 'running', 'the job runs', 5000);

      await drainShared({ services, commands });
      const status = () => fake.message(fake.interaction(ix.id)?.originalMessageId ?? '') as APIMessage;
      expect(status().content).toBe(t('en', 'job.paused_restart'));
      expect(services.jobs.store.get(jobId)?.status).toBe('queued');
      await running.stop();
      await closeShared({ services, commands });
    } finally {
      await fake.stop();
    }
  });
});
