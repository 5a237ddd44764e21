// Which images a command takes on Telegram: /imagine only those sent with it (a reply to a photo or to one of our
// results draws anew, `imagine …` without the slash too, neither fetching the photo), /edit still the photo it
// replies to; `@bot /imagine …` in a group is that command; and an album with more photos than the command takes
// says that only the first were used.
import type { Message } from 'grammy/types';
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { FakeTelegram } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { solidPng } from '../e2e-services.js';
import { newUsers, textOf, useTelegramOnFake } from './telegram-on-fake.js';

const bot = useTelegramOnFake('telegram-images-taken', new TimedEngineDouble(5, 3));
let fake: FakeTelegram;
beforeAll(() => ({ fake } = bot));

const nextUser = newUsers(9300);
const photo = async (color = '#c63') => fake.registerFile(await solidPng(color));
/** The calls that fetch a file, made since `since` calls were recorded. */
const fileFetchesSince = (since: number) => fake.calls.slice(since).filter((c) => c.method === 'getFile');
const requestOf = (jobId: string) => bot.services.jobs.store.get(jobId)?.request;

describe('Telegram: the images a command takes', { timeout: 30_000 }, () => {
  it('/imagine sent as a reply to a photo draws anew, without fetching the photo', async () => {
    const from = nextUser();
    const picture = fake.injectPhoto(await photo(), { from });
    const since = fake.calls.length;
    const request = fake.injectText('/imagine a red fox', { from, replyTo: picture });
    const status = await bot.statusOf(request);
    expect(requestOf(status.jobId)).toMatchObject({ task: 'text_to_image', prompt: 'a red fox' });
    expect(textOf(status.call)).not.toContain(t('en', 'job.image_as_subject'));
    expect(fileFetchesSince(since)).toEqual([]);
    await bot.ended(status.jobId);
  });

  it('`imagine …` without the slash, replying to a photo, draws anew without fetching the photo', async () => {
    const from = nextUser();
    const picture = fake.injectPhoto(await photo(), { from });
    const since = fake.calls.length;
    const request = fake.injectText('imagine a red fox', { from, replyTo: picture });
    const status = await bot.statusOf(request);
    expect(requestOf(status.jobId)).toMatchObject({ task: 'text_to_image', prompt: 'a red fox' });
    expect(fileFetchesSince(since)).toEqual([]);
    await bot.ended(status.jobId);
  });

  it('a plain instruction replying to a photo still edits the photo', async () => {
    const from = nextUser();
    const picture = fake.injectPhoto(await photo(), { from });
    const since = fake.calls.length;
    const request = fake.injectText('make it night', { from, replyTo: picture });
    const status = await bot.statusOf(request);
    expect(requestOf(status.jobId)).toMatchObject({ task: 'image_to_image', prompt: 'make it night' });
    expect(fileFetchesSince(since)).toHaveLength(1);
    await bot.ended(status.jobId);
  });

  it('/imagine as a reply to one of our results is a new picture; /edit there still edits it', async () => {
    const from = nextUser();
    const first = await bot.statusOf(fake.injectText('/imagine a red fox', { from }));
    await bot.ended(first.jobId);
    const result = fake.calls.find(
      (c) => c.method === 'sendPhoto' && String(c.params.chat_id) === String(from.id),
    )?.result as Message;
    expect(result).toBeDefined();
    const fresh = await bot.statusOf(fake.injectText('/imagine a blue bird', { from, replyTo: result }));
    expect(requestOf(fresh.jobId)).toMatchObject({ task: 'text_to_image', prompt: 'a blue bird' });
    await bot.ended(fresh.jobId);
    const edit = await bot.statusOf(fake.injectText('/edit make it night', { from, replyTo: result }));
    expect(requestOf(edit.jobId)).toMatchObject({ task: 'image_to_image', prompt: 'make it night' });
    await bot.ended(edit.jobId);
  });

  it('`@bot /imagine …` in a group runs /imagine with the prompt alone', async () => {
    const { alice } = fake.world.users;
    const request = fake.injectText(`@${fake.world.bot.username} /imagine a grey cat --steps 4`, {
      chat: 'group',
      from: alice,
    });
    const status = await bot.statusOf(request);
    expect(requestOf(status.jobId)).toMatchObject({ task: 'text_to_image', prompt: 'a grey cat', steps: 4 });
    await bot.ended(status.jobId);
  });

  it('`@bot /imagine …` as a photo’s caption in a group uses the photo as its subject', async () => {
    const { alice } = fake.world.users;
    const caption = `@${fake.world.bot.username} /imagine a grey cat`;
    const request = fake.injectPhoto(await photo(), { chat: 'group', from: alice, caption });
    const status = await bot.statusOf(request);
    expect(requestOf(status.jobId)).toMatchObject({ editType: 'subject_driven', prompt: 'a grey cat' });
    await bot.ended(status.jobId);
  });

  it('three photos captioned /edit: the first two are used (image, reference) and the answer says so', async () => {
    const from = nextUser();
    const since = fake.calls.length;
    const album = { from, mediaGroupId: `edit-${from.id}` } as const;
    const request = fake.injectPhoto(await photo(), { ...album, caption: '/edit make it night' });
    fake.injectPhoto(await photo('#36c'), album);
    fake.injectPhoto(await photo('#3c6'), album);
    const status = await bot.statusOf(request);
    expect(textOf(status.call)).toContain(t('en', 'job.only_first_images', { n: 2 }));
    expect(fileFetchesSince(since)).toHaveLength(2);
    await bot.ended(status.jobId);
  });

  it('two photos captioned /imagine: the first is the subject and the answer says the other was left out', async () => {
    const from = nextUser();
    const album = { from, mediaGroupId: `imagine-${from.id}` } as const;
    const request = fake.injectPhoto(await photo(), { ...album, caption: '/imagine a red fox' });
    fake.injectPhoto(await photo('#36c'), album);
    const status = await bot.statusOf(request);
    expect(textOf(status.call)).toContain(t('en', 'job.only_first_image'));
    await bot.ended(status.jobId);
  });

  it('one photo captioned /imagine adds no such note', async () => {
    const from = nextUser();
    const request = fake.injectPhoto(await photo(), { from, caption: '/imagine a red fox' });
    const status = await bot.statusOf(request);
    expect(textOf(status.call)).not.toContain(t('en', 'job.only_first_image'));
    await bot.ended(status.jobId);
  });
});
