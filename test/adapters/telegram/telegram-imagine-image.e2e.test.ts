// A photo captioned /imagine is used: the scene is drawn with the photo as its subject, and the status message says
// so. Only the images a command takes are fetched: one for /imagine even from an album, none for /help.
import type { Message } from 'grammy/types';
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { FakeTelegram } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { solidPng } from '../e2e-services.js';
import { newUsers, repliesTo, textOf, useTelegramOnFake } from './telegram-on-fake.js';

const bot = useTelegramOnFake('telegram-imagine-image', new TimedEngineDouble(5, 3));
let fake: FakeTelegram;
beforeAll(() => ({ fake } = bot));

const nextUser = newUsers(9100);
const photo = async (color = '#c63') => fake.registerFile(await solidPng(color));
const answerTo = (request: Message) =>
  fake.waitForCall((c) => c.method === 'sendMessage' && repliesTo(request)(c), 10_000);
/** The calls that fetch a file, made since `since` calls were recorded. */
const fileFetchesSince = (since: number) => fake.calls.slice(since).filter((c) => c.method === 'getFile');

describe('Telegram: a photo captioned with a command', { timeout: 30_000 }, () => {
  it('/imagine draws the scene with the photo as its subject and says so', async () => {
    const from = nextUser();
    const since = fake.calls.length;
    const request = fake.injectPhoto(await photo(), { caption: '/imagine a red fox', from });
    const status = await bot.statusOf(request);
    expect(textOf(status.call)).toContain(t('en', 'job.image_as_subject'));
    expect(bot.services.jobs.store.get(status.jobId)?.request).toMatchObject({
      task: 'image_to_image',
      editType: 'subject_driven',
      prompt: 'a red fox',
    });
    expect(fileFetchesSince(since)).toHaveLength(1);
    await bot.ended(status.jobId);
  });

  it('/imagine under an album fetches only the one photo it uses', async () => {
    const from = nextUser();
    const since = fake.calls.length;
    const album = { from, mediaGroupId: `imagine-${from.id}` } as const;
    const request = fake.injectPhoto(await photo(), { ...album, caption: '/imagine a red fox' });
    fake.injectPhoto(await photo('#36c'), album);
    const status = await bot.statusOf(request);
    expect(bot.services.jobs.store.get(status.jobId)?.request).toMatchObject({ editType: 'subject_driven' });
    expect(fileFetchesSince(since)).toHaveLength(1);
    await bot.ended(status.jobId);
  });

  it('/help answers as without the photo and fetches nothing', async () => {
    const from = nextUser();
    const since = fake.calls.length;
    const request = fake.injectPhoto(await photo(), { caption: '/help', from });
    const answer = await answerTo(request);
    expect(textOf(answer)).not.toContain(t('en', 'job.image_as_subject'));
    expect(fileFetchesSince(since)).toEqual([]);
  });
});
