// A /retouch mask that would redraw nothing is refused when it is sent, in the user's language, read against the
// picture as the job would read it; before, it waited in the queue and failed with an English detail.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/commands.js';
import type { Reply } from '../../commands/reply.js';
import { encodePng } from '../../engine/index.js';
import { SUPPORTED_LOCALES, t } from '../../src/i18n.js';
import { commandsOnQueue } from './commands-on-queue.js';

const W = 48;
const H = 32;
const KEY = 'errors.retouch.mask_empty';

function setup() {
  const { commands } = commandsOnQueue('retouch-mask-empty', { start: false });
  const ctx: CommandContext = commands.context({
    user: { platform: 'web', userId: '1' },
    scope: 'web:1',
    language: 'de',
  });
  return { commands, ctx };
}

const photo = (p: number) => [(p * 5) % 256, (p * 3 + 40) % 256, (p * 11) % 256];
const picture = async () => ({
  data: await encodePng({
    width: W,
    height: H,
    data: Uint8Array.from({ length: W * H * 3 }, (_, i) => photo(Math.floor(i / 3))[i % 3]!),
  }),
  filename: 'photo.png',
});
// A mask PNG: each pixel's RGBA from `pixel`.
async function mask(pixel: (p: number) => number[]) {
  const data = new Uint8Array(W * H * 4);
  for (let p = 0; p < W * H; p++) data.set(pixel(p), p * 4);
  const bytes = await sharp(data, { raw: { width: W, height: H, channels: 4 } })
    .png()
    .toBuffer();
  return { data: new Uint8Array(bytes), filename: 'mask.png' };
}
const keys = (reply: Reply | undefined) => reply?.text.map((x) => x.key) ?? [];

describe('/retouch refuses a mask that marks nothing', () => {
  it.each([
    ['all transparent', (_: number) => [255, 255, 255, 0]],
    ['opaque black', (_: number) => [0, 0, 0, 255]],
  ])('%s: refused at once, in every language', async (_, pixel) => {
    const { commands, ctx } = setup();
    const reply = await commands.runChatLine(ctx, '/retouch a hat', {
      image: await picture(),
      mask: await mask(pixel),
    });
    expect(reply?.startsJob).not.toBe(true);
    expect(keys(reply)).toEqual([KEY]);
    const english = t('en', KEY);
    expect(english).toMatch(/marks nothing/);
    for (const locale of SUPPORTED_LOCALES) {
      expect(t(locale, KEY)).not.toBe(KEY);
      if (locale !== 'en') expect(t(locale, KEY)).not.toBe(english);
    }
  });

  it.each([
    ['a red brush on a transparent layer', (p: number) => (p % W < 16 ? [220, 30, 30, 255] : [0, 0, 0, 0])],
    [
      'a copy of the picture with a transparent hole',
      (p: number) => (p % W < 16 ? [0, 0, 0, 0] : [...photo(p), 255]),
    ],
    ['an opaque white-on-black mask', (p: number) => (p % W < 16 ? [255, 255, 255, 255] : [0, 0, 0, 255])],
  ])('%s is queued', async (_, pixel) => {
    const { commands, ctx } = setup();
    const reply = await commands.runChatLine(ctx, '/retouch a hat', {
      image: await picture(),
      mask: await mask(pixel),
    });
    expect(reply?.startsJob).toBe(true);
    expect(keys(reply)).not.toContain(KEY);
  });

  it('an empty mask beside boxes is not used, so not refused', async () => {
    const { commands, ctx } = setup();
    const reply = await commands.runChatLine(ctx, '/retouch a hat --box center', {
      image: await picture(),
      mask: await mask(() => [0, 0, 0, 0]),
    });
    expect(reply?.startsJob).toBe(true);
  });
});
