// A describe answer from the generated random checkpoint: byte-level tokens that are no valid UTF-8 never reach the
// user as U+FFFD, and the answer says it is meaningless (as the page's banner says of the images).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Commands } from '../../commands/index.js';
import { t } from '../../src/i18n.js';
import type { Services } from '../../src/services.js';
import { openE2eServices, solidPng } from '../adapters/e2e-services.js';

describe('describe on the random checkpoint', { timeout: 240_000 }, () => {
  let services: Services;
  let commands: Commands;

  beforeAll(async () => {
    const opened = await openE2eServices('random-describe', { LOG_LEVEL: 'silent' });
    services = opened.services;
    expect(services.bundledModel).toBe(true);
    commands = new Commands({
      queue: services.jobs.queue,
      store: services.jobs.store,
      config: opened.config,
      randomModel: services.bundledModel,
    });
    services.start();
  }, 120_000);

  afterAll(async () => {
    await services?.close();
  });

  it('answers without U+FFFD and labels the answer as meaningless', async () => {
    const ctx = commands.context({
      user: { platform: 'web', userId: 'u1' },
      scope: 'playground',
      language: 'en',
    });
    const done = new Promise<string[]>((resolve) => {
      commands.subscribe(({ reply }) => {
        if (reply.final) resolve(reply.text.map((line) => t('en', line.key, line.params ?? {})));
      });
    });
    const queued = await commands.run(ctx, {
      name: 'describe',
      options: {
        image: { data: await solidPng('#c33') },
        question: 'What is it?',
      },
    });
    expect(queued.jobId).toBeDefined();
    const lines = await done;
    expect(lines.join('\n')).not.toContain('\uFFFD');
    expect(lines.at(-1)).toBe(t('en', 'job.answer_random_model'));
    const job = services.jobs.store.get(queued.jobId as string);
    expect(job?.status).toBe('done');
    expect(job?.result?.text).not.toContain('\uFFFD');
  });
});
