// A slip of a command's name (`/imagne`) on Telegram, through the real grammY client and the fake Bot API: said to
// the bot (a private chat, or addressed to it by name in a group) it is answered with the command meant, as a
// refusal, so editing the message to the right command runs it; a bare `/word` in a group may be another bot's
// and stays unanswered, as does a word near none of our commands, one addressed to another bot, and a slip of an
// admin's command typed by someone else. A photo's caption is answered as the same line typed alone.
import type { Message, User } from 'grammy/types';
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { FakeTelegram, TelegramCall } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { solidPng } from '../e2e-services.js';
import { newUsers, repliesTo, textOf, useTelegramOnFake } from './telegram-on-fake.js';

const ADMIN: User = { id: 7900, is_bot: false, first_name: 'Admin', language_code: 'en' };
const bot = useTelegramOnFake('telegram-command-slips', new TimedEngineDouble(20, 3), {
  env: { QUEUE_MAX_PER_USER: '10', ADMIN_IDS: `telegram:${ADMIN.id}` },
});
let fake: FakeTelegram;
beforeAll(() => ({ fake } = bot));
const newUser = newUsers(7000);

const near = (command: string, suggestion: string) =>
  t('en', 'web.unknown_command_near', { command, suggestion });
const sentReplyingTo = (request: Message) => (c: TelegramCall) =>
  c.method === 'sendMessage' && repliesTo(request)(c);
/** The answer to `request`, once one came. */
const answerTo = async (request: Message) => textOf(await fake.waitForCall(sentReplyingTo(request), 10_000));
/** Everything of that chat up to `marker` has been handled once it is answered (a chat's updates run in order). */
const settled = (marker: Message) => fake.waitForCall(sentReplyingTo(marker), 10_000);

describe('Telegram: a slip of a command’s name', { timeout: 60_000 }, () => {
  it('in a private chat is answered with the command meant; editing it to that command runs it', async () => {
    const from = newUser();
    const request = fake.injectText('/imagne a fox in the snow, low sun, long shadows', { from });
    expect(await answerTo(request)).toBe(near('/imagne', '/imagine'));

    fake.injectEdit(request, '/imagine a fox in the snow, low sun, long shadows');
    const { jobId } = await bot.statusOf(request);
    expect(bot.services.jobs.queue.get(jobId)?.request).toMatchObject({
      prompt: 'a fox in the snow, low sun, long shadows',
    });
  });

  it('in a group is answered only when addressed to the bot', async () => {
    const from = newUser();
    const name = fake.world.bot.username;
    const bare = fake.injectText('/imagne a fox', { from, chat: 'group' });
    const addressed = fake.injectText(`/imagne@${name.toUpperCase()} a fox`, { from, chat: 'group' });
    expect(await answerTo(addressed)).toBe(near('/imagne', '/imagine'));
    const mentioned = fake.injectText(`@${name} /descirbe`, { from, chat: 'group' });
    expect(await answerTo(mentioned)).toBe(near('/descirbe', '/describe'));
    expect(fake.callsTo(sentReplyingTo(bare))).toEqual([]);
  });

  it('is not answered where it names nothing of ours or is addressed to another bot', async () => {
    const from = newUser();
    const far = fake.injectText('/frobnicate a fox', { from });
    const other = fake.injectText('/imagne@OtherBot a fox', { from });
    // A slip said after them is answered: they were handled first, and said nothing.
    expect(await answerTo(fake.injectText('/strt', { from }))).toBe(near('/strt', '/start'));
    expect(fake.callsTo(sentReplyingTo(far))).toEqual([]);
    expect(fake.callsTo(sentReplyingTo(other))).toEqual([]);
  });

  it('as a photo’s caption is answered as the same line typed alone, under the same rules', async () => {
    const from = newUser();
    const name = fake.world.bot.username;
    const photo = async () => fake.registerFile(await solidPng('#36a'));
    const captioned = fake.injectPhoto(await photo(), { from, caption: '/edti make it blue' });
    expect(await answerTo(captioned)).toBe(near('/edti', '/edit'));
    const bare = fake.injectPhoto(await photo(), { from, chat: 'group', caption: '/edti make it blue' });
    const addressed = fake.injectPhoto(await photo(), { from, chat: 'group', caption: `@${name} /descirbe` });
    expect(await answerTo(addressed)).toBe(near('/descirbe', '/describe'));
    expect(fake.callsTo(sentReplyingTo(bare))).toEqual([]);
    // A file that is no image, too: the slip is what is wrong with the line.
    const pdf = fake.registerFile(Buffer.from('%PDF-1.4 …'), {
      mimeType: 'application/pdf',
      filename: 'a.pdf',
    });
    const document = fake.injectDocument(pdf, { from, caption: '/edti make it blue' });
    expect(await answerTo(document)).toBe(near('/edti', '/edit'));
    // Nothing was drawn or described from them.
    expect(bot.services.jobs.store.recentOf({ platform: 'telegram', userId: String(from.id) }, 10)).toEqual(
      [],
    );
  });

  it('of an admin’s command typed whole by someone else is refused as that command, not named as another', async () => {
    const from = newUser();
    expect(await answerTo(fake.injectText('/block 7001', { from }))).toBe(t('en', 'errors.admin_only'));
    // No command of ours, near /start: answered as any slip is.
    expect(await answerTo(fake.injectText('/stats', { from }))).toBe(near('/stats', '/start'));
  });

  it('names an admin’s command to admins only', async () => {
    const from = newUser();
    const someone = fake.injectText('/blok 7001', { from });
    await settled(fake.injectText('/help', { from }));
    expect(fake.callsTo(sentReplyingTo(someone))).toEqual([]);
    expect(await answerTo(fake.injectText('/blok 7001', { from: ADMIN }))).toBe(near('/blok', '/block'));
  });
});
