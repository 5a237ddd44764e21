// An album of a video and a photo, the command in the video's caption (Telegram's apps put an album's caption on its
// first item, here the video), with the real grammY client against the fake Bot API: the caption is the album's, so
// the command runs on the album's photo, as it would with the caption on the photo; the video is no refusal of it.
import type { Message } from 'grammy/types';
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { FakeTelegram } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { solidPng } from '../e2e-services.js';
import { newUsers, repliesTo, textOf, useTelegramOnFake } from './telegram-on-fake.js';

const bot = useTelegramOnFake('telegram-mixed-album', new TimedEngineDouble(5, 3), {
  testing: { albumQuietMs: 200 },
});
let fake: FakeTelegram;
beforeAll(() => ({ fake } = bot));
const newUser = newUsers(9100);

describe('Telegram: an album of a video and a photo', { timeout: 30_000 }, () => {
  it('the command captioning the video runs on the photo', async () => {
    const alice = newUser();
    const chat = { id: alice.id, type: 'private' as const, first_name: alice.first_name };
    const clip = fake.registerFile(Buffer.from('\0\0\0\x18ftypmp42'), { mimeType: 'video/mp4' });
    const video = fake.state.store(
      fake.state.compose(chat, {
        from: alice,
        media_group_id: 'mixed',
        video: {
          file_id: clip.fileId,
          file_unique_id: clip.fileUniqueId,
          width: 64,
          height: 64,
          duration: 1,
        },
        caption: '/edit make it blue',
        caption_entities: [{ type: 'bot_command', offset: 0, length: 5 }],
      }),
    );
    fake.injectUpdate({ message: video });
    const photo = fake.registerFile(await solidPng('#3a6'));
    fake.injectPhoto(photo, { from: alice, mediaGroupId: 'mixed' });

    const answer = await fake.waitForCall(
      (c) => c.method === 'sendMessage' && repliesTo(video as Message)(c),
      10_000,
    );
    expect(textOf(answer)).not.toBe(t('en', 'errors.engine.image_unsupported'));
    const { jobId } = await bot.statusOf(video);
    const job = bot.services.jobs.queue.get(jobId);
    expect(job?.request).toMatchObject({ prompt: 'make it blue' });
    expect(fake.calls.some((c) => c.method === 'getFile' && c.params.file_id === photo.fileId)).toBe(true);
  });

  it('a command for another bot captioning the second photo is not ours, even in a private chat', async () => {
    const bob = newUser();
    const first = fake.registerFile(await solidPng('#36a'));
    const second = fake.registerFile(await solidPng('#a63'));
    const plain = fake.injectPhoto(first, { from: bob, mediaGroupId: 'other-bot' });
    fake.injectPhoto(second, {
      from: bob,
      mediaGroupId: 'other-bot',
      caption: '/edit@otherbot make it night',
    });
    // The album is handled once quiet for 200 ms: a second album after it, ours, is answered after it was.
    const third = fake.registerFile(await solidPng('#6a3'));
    const marker = fake.injectPhoto(third, { from: bob, mediaGroupId: 'ours', caption: '/describe' });
    await fake.waitForCall((c) => c.method === 'sendMessage' && repliesTo(marker)(c), 10_000);
    expect(fake.calls.some((c) => c.method.startsWith('send') && repliesTo(plain)(c))).toBe(false);
    expect(fake.calls.some((c) => c.method === 'getFile' && c.params.file_id === first.fileId)).toBe(false);
  });
});
