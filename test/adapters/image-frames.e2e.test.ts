// An image of more frames or scans than the bot decodes (an animated WebP of thousands of frames, a JPEG of
// hundreds of scans) is refused on Discord and on Telegram with its own words, asking for a still image, not as an
// unreadable file: both adapters hand the bytes to the commands, whose refusal each renders. (The playground's is in
// test/adapters/web/server.test.ts.)
import type { Message } from 'grammy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../src/i18n.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { manyFrames, manyScans } from '../engine/image/image-bombs.js';
import { type BothPlatforms, startBothPlatforms } from './both-platforms.js';
import { CALLBACK } from './discord/double-bot.js';
import { textOf } from './telegram/telegram-on-fake.js';

let platforms: BothPlatforms | undefined;

beforeAll(async () => {
  platforms = await startBothPlatforms('image-frames', new TimedEngineDouble(1, 2));
}, 60_000);

afterAll(async () => {
  await platforms?.stop();
});

const refusal = t('en', 'errors.engine.image_frames');

describe('an image of too many frames or scans', { timeout: 30_000 }, () => {
  it('Discord: /describe with an animated WebP of 1500 frames is answered with the still-image refusal', async () => {
    const { discord, services } = platforms as BothPlatforms;
    const image = discord.registerAttachment({ filename: 'dance.webp', bytes: await manyFrames(1500) });
    const ix = discord.dispatchInteraction(
      discord.build.slashCommand({ name: 'describe', options: { image } }),
    );
    // The refusal comes as the interaction's answer, or as the edit of its deferred answer.
    const said = JSON.stringify(refusal).slice(1, -1);
    const answer = await discord.waitForCall(
      (c) =>
        (c.params.token === ix.token || (c.route === CALLBACK && c.params.id === ix.id)) &&
        JSON.stringify(c.body ?? '').includes(said),
      20_000,
    );
    expect(JSON.stringify(answer.body)).toContain(said);
    expect(services.jobs.store.byStatus('queued', 'running', 'done')).toHaveLength(0);
  });

  it('Telegram: a JPEG of 150 scans captioned /describe is answered with the still-image refusal', async () => {
    const { telegram, services } = platforms as BothPlatforms;
    const file = telegram.registerFile(manyScans(150, 64), {
      mimeType: 'image/jpeg',
      filename: 'layers.jpg',
    });
    const request: Message = telegram.injectDocument(file, { caption: '/describe' });
    const answer = await telegram.waitForCall(
      (c) =>
        /^send(Message|Photo|Document)$/.test(c.method) &&
        String(c.params.chat_id) === String(request.chat.id) &&
        textOf(c) === refusal,
      20_000,
    );
    expect(textOf(answer)).toBe(refusal);
    expect(services.jobs.store.byStatus('queued', 'running', 'done')).toHaveLength(0);
  });
});
