// A blocked user's images are never fetched from Telegram: a photo with a command caption, a reply to a photo with a
// command or plain words, an album, is refused (errors.blocked, once per quiet time, as any of their requests) before any
// getFile or file download. Someone not blocked sending the same still has their photo downloaded.
import type { Message, User } from 'grammy/types';
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { FakeTelegram } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { solidPng } from '../e2e-services.js';
import { newUsers, repliesTo, textOf, useTelegramOnFake } from './telegram-on-fake.js';

const bot = useTelegramOnFake('telegram-block-images', new TimedEngineDouble(5, 3));
let fake: FakeTelegram;
beforeAll(() => ({ fake } = bot));

const nextUser = newUsers(8000);

/** A new user, blocked by an admin. */
function blockedUser(): User {
  const user = nextUser();
  bot.services.jobs.store.blocks.block({ user: `telegram:${user.id}`, by: 'telegram:1', at: Date.now() });
  return user;
}

/** The bot's answer to `request`. */
const answerTo = (request: Message) =>
  fake.waitForCall((c) => c.method === 'sendMessage' && repliesTo(request)(c), 10_000);

/** The calls that fetch a file, made since `since` calls were recorded. */
const fetchesSince = (since: number) =>
  fake.calls.slice(since).filter((c) => c.method === 'getFile' || c.method === 'downloadFile');

const photo = async () => fake.registerFile(await solidPng('#48c'));

describe('Telegram: a blocked user sends images', { timeout: 30_000 }, () => {
  it('refuses a photo captioned with a command without fetching it, and quietly the second time', async () => {
    const from = blockedUser();
    const since = fake.calls.length;
    const first = fake.injectPhoto(await photo(), { caption: '/edit brighter', chat: 'group', from });
    expect(textOf(await answerTo(first))).toBe(t('en', 'errors.blocked'));
    const again = fake.injectPhoto(await photo(), { caption: '/edit brighter', chat: 'group', from });
    // A group's updates are handled in order: once alice's /help is answered, the repeat was handled.
    await answerTo(fake.injectText('/help', { chat: 'group' }));
    expect(fake.callsTo((c) => repliesTo(again)(c))).toEqual([]);
    expect(fetchesSince(since)).toEqual([]);
  });

  it('refuses a command replying to a photo without fetching the photo', async () => {
    const from = blockedUser();
    const image = fake.injectPhoto(await photo(), { chat: 'group' });
    const since = fake.calls.length;
    const request = fake.injectText('/edit brighter', { chat: 'group', from, replyTo: image });
    expect(textOf(await answerTo(request))).toBe(t('en', 'errors.blocked'));
    expect(fetchesSince(since)).toEqual([]);
  });

  it('refuses a photo captioned with plain words in a private chat without fetching it', async () => {
    const from = blockedUser();
    const since = fake.calls.length;
    const request = fake.injectPhoto(await photo(), { caption: 'make it brighter', from });
    expect(textOf(await answerTo(request))).toBe(t('en', 'errors.blocked'));
    expect(fetchesSince(since)).toEqual([]);
  });

  it('refuses plain words replying to a photo in a private chat without fetching it', async () => {
    const from = blockedUser();
    const image = fake.injectPhoto(await photo(), { from });
    const since = fake.calls.length;
    const request = fake.injectText('make it brighter', { from, replyTo: image });
    expect(textOf(await answerTo(request))).toBe(t('en', 'errors.blocked'));
    expect(fetchesSince(since)).toEqual([]);
  });

  it('refuses an album captioned with a command without fetching any of it', async () => {
    const from = blockedUser();
    const since = fake.calls.length;
    const album = { chat: 'group', from, mediaGroupId: `blocked-${from.id}` } as const;
    const first = fake.injectPhoto(await photo(), { ...album, caption: '/edit brighter' });
    fake.injectPhoto(await photo(), album);
    expect(textOf(await answerTo(first))).toBe(t('en', 'errors.blocked'));
    expect(fetchesSince(since)).toEqual([]);
  });

  it('still fetches the photo of a user who is not blocked', async () => {
    const from = nextUser();
    const since = fake.calls.length;
    const request = fake.injectPhoto(await photo(), { caption: '/edit brighter', chat: 'group', from });
    expect(textOf(await answerTo(request))).not.toBe(t('en', 'errors.blocked'));
    expect(fetchesSince(since).map((c) => c.method)).toEqual(['getFile', 'downloadFile']);
  });
});
