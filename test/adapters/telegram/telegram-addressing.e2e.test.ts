// What in a chat is meant for the bot, with the real grammY client against the fake Bot API: a command addressed to
// another bot is not ours even as a reply to our result; a mention of the bot counts however its name is cased; a
// file that is no image, captioned with one of our commands, is answered (never silence); a static sticker is an
// image to edit; and a refusal in a group replies to the message it refuses.
import type { Message } from 'grammy/types';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { FakeTelegram, TelegramCall } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { solidPng } from '../e2e-services.js';
import { jobIdIn, newUsers, textOf, useTelegramOnFake } from './telegram-on-fake.js';

const bot = useTelegramOnFake('telegram-addressing', new TimedEngineDouble(20, 3), {
  env: { QUEUE_MAX_PER_USER: '10', MAX_INPUT_MB: '1' },
});
let fake: FakeTelegram;
beforeAll(() => ({ fake } = bot));
const newUser = newUsers(7000);

const jobsOf = (userId: number) =>
  bot.services.jobs.store.recentOf({ platform: 'telegram', userId: String(userId) }, 50);
const answering = (request: Message) => (c: TelegramCall) =>
  /^send(Message|Photo|Document)$/.test(c.method) &&
  String(c.params.chat_id) === String(request.chat.id) &&
  c.params.reply_parameters?.message_id === request.message_id;
/** A finished job's result message. */
async function resultFor(request: Message): Promise<Message> {
  const { jobId } = await bot.statusOf(request);
  await bot.ended(jobId);
  const call = await fake.waitForCall((c) => c.method === 'sendPhoto' && jobIdIn(c) === jobId, 10_000);
  return call.result as Message;
}
/** Everything up to `marker` has been handled once it is answered (a chat's updates are handled in order). */
const settled = (marker: Message) => fake.waitForCall(answering(marker), 10_000);

describe('Telegram: what is meant for the bot', { timeout: 60_000 }, () => {
  it('a command for another bot, even as a reply to our result or on a photo, starts nothing; one for us does', async () => {
    const alice = newUser();
    const result = await resultFor(fake.injectText('/imagine a fox', { from: alice }));
    fake.injectText('/imagine@OtherBot a cat', { from: alice, replyTo: result });
    fake.injectText('/stats', { from: alice, replyTo: result });
    const photo = fake.registerFile(await solidPng('#3a6'));
    fake.injectPhoto(photo, { from: alice, caption: '/edit@OtherBot make it blue' });
    await settled(fake.injectText('/help', { from: alice }));
    expect(jobsOf(alice.id)).toHaveLength(1);

    // Addressed to this bot (however cased), it is ours.
    const ours = fake.injectText(`/imagine@${fake.world.bot.username.toUpperCase()} a cat`, {
      from: alice,
      replyTo: result,
    });
    await bot.statusOf(ours);
    expect(jobsOf(alice.id)[0]?.request).toMatchObject({ prompt: 'a cat' });
  });

  it('in a group, a reply mentioning the bot in another case is for the bot', async () => {
    const alice = newUser();
    const photo = fake.injectPhoto(fake.registerFile(await solidPng('#a36')), {
      chat: 'group',
      from: fake.world.users.bob,
    });
    const name = fake.world.bot.username.replace(/^./, (c) => c.toUpperCase()).replace('test', 'Test');
    const request = fake.injectText(`@${name} make it blue`, { chat: 'group', from: alice, replyTo: photo });
    await bot.statusOf(request);
    expect(jobsOf(alice.id)[0]?.request).toMatchObject({ prompt: 'make it blue' });
  });

  it('a PDF, a video or an album of files that are no images, captioned with a command taking images: one clear answer', async () => {
    const alice = newUser();
    const unsupported = t('en', 'errors.engine.image_unsupported');
    const pdf = fake.registerFile(Buffer.from('%PDF-1.4 …'), {
      mimeType: 'application/pdf',
      filename: 'a.pdf',
    });
    const asPdf = fake.injectDocument(pdf, { from: alice, caption: '/edit make it blue' });
    expect(textOf(await fake.waitForCall(answering(asPdf), 10_000))).toBe(unsupported);

    const video = fake.registerFile(Buffer.from('\0\0\0\x18ftypmp42'), { mimeType: 'video/mp4' });
    const clip = fake.state.compose(
      { id: alice.id, type: 'private', first_name: alice.first_name },
      {
        from: alice,
        video: {
          file_id: video.fileId,
          file_unique_id: video.fileUniqueId,
          width: 64,
          height: 64,
          duration: 1,
        },
        caption: '/edit make it snow',
        caption_entities: [{ type: 'bot_command', offset: 0, length: 5 }],
      },
    );
    fake.injectUpdate({ message: clip });
    expect(textOf(await fake.waitForCall(answering(clip), 10_000))).toBe(unsupported);

    const files = ['a.pdf', 'b.pdf'].map((filename) =>
      fake.registerFile(Buffer.from('%PDF-1.4'), { mimeType: 'application/pdf', filename }),
    );
    const album = [
      fake.injectDocument(files[0] as never, { from: alice, caption: '/describe', mediaGroupId: 'pdfs' }),
      fake.injectDocument(files[1] as never, { from: alice, mediaGroupId: 'pdfs' }),
    ];
    expect(textOf(await fake.waitForCall(answering(album[0] as Message), 10_000))).toBe(unsupported);

    // A command that takes no image is run as if typed; nothing was queued, nothing downloaded.
    const help = fake.injectDocument(pdf, { from: alice, caption: '/help' });
    expect(textOf(await fake.waitForCall(answering(help), 10_000))).toContain('/imagine');
    expect(jobsOf(alice.id)).toEqual([]);
    expect(fake.calls.some((c) => c.method === 'getFile' && c.params.file_id === pdf.fileId)).toBe(false);
  });

  it('a reply to a static sticker edits it; to an animated one, it is told there is no image', async () => {
    const alice = newUser();
    const chat = { id: alice.id, type: 'private' as const, first_name: alice.first_name };
    const sticker = (file: ReturnType<FakeTelegram['registerFile']>, animated: boolean) => {
      const message = fake.state.compose(chat, {
        from: alice,
        sticker: {
          file_id: file.fileId,
          file_unique_id: file.fileUniqueId,
          type: 'regular',
          width: 512,
          height: 512,
          is_animated: animated,
          is_video: false,
          file_size: file.bytes.length,
        },
      });
      fake.state.store(message);
      fake.injectUpdate({ message });
      return message;
    };
    const webp = await sharp({ create: { width: 512, height: 512, channels: 4, background: '#3a6f' } })
      .webp()
      .toBuffer();
    const still = sticker(fake.registerFile(webp, { mimeType: 'image/webp', filename: 's.webp' }), false);
    await bot.statusOf(fake.injectText('/edit make it blue', { from: alice, replyTo: still }));
    expect(jobsOf(alice.id)[0]?.request).toMatchObject({ prompt: 'make it blue' });

    const tgs = fake.registerFile(Buffer.from('{"v":"5.5.2"}'), { mimeType: 'application/x-tgsticker' });
    const moving = fake.injectText('/edit make it blue', { from: alice, replyTo: sticker(tgs, true) });
    const answer = await fake.waitForCall(answering(moving), 10_000);
    expect(textOf(answer)).toBe(t('en', 'errors.input.image_missing', { command: '/edit' }));
  });

  it('in a group, a refusal from downloading replies to the message it refuses', async () => {
    const alice = newUser();
    const big = fake.registerFile(Buffer.alloc(2 * 1024 * 1024, 1), {
      mimeType: 'image/png',
      filename: 'big.png',
    });
    const request = fake.injectDocument(big, { chat: 'group', from: alice, caption: '/edit make it blue' });
    const refusal = await fake.waitForCall(answering(request), 10_000);
    expect(textOf(refusal)).toMatch(/too large/i);
  });
});
