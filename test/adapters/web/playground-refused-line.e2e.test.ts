// A line the bot refused from the playground's composer (a flag out of range), in a real browser (Debian's Chromium
// via playwright-core) against the real server and commands on the timed engine double: the line, and the image with
// the mask drawn over it, come back into the composer to be put right and sent again, as a refused answer stays in
// its inline form; the line and its refusal stay in the conversation. A line typed while the refusal was on its way
// stays as typed, the image and mask sent with it still coming back; an image refused for what it is (too many
// frames, too large) does not come back with its line; and a reply that is no refusal (/cancel) leaves the composer
// empty.
import { describe, expect, it } from 'vitest';
import { manyFrames } from '../../engine/image/image-bombs.js';
import { solidPng } from '../e2e-services.js';
import {
  attachShown,
  drawOnMask,
  haveBrowser,
  type PageScope,
  useDoublePlaygroundPage,
} from './playground-browser.js';

const WAIT = { timeout: 30_000 };

describe.skipIf(!haveBrowser)('playground: a refused line', { timeout: 120_000 }, () => {
  const pg = useDoublePlaygroundPage(
    'refused-line',
    { RATE_LIMIT_PER_MINUTE: '0', QUEUE_MAX_PER_USER: '10' },
    { settings: { bundledModel: false }, page: { viewport: { width: 900, height: 700 } } },
  );

  /** Waits for the page to have shown `count` replies and updates in all, and gives the last. */
  async function replyNumber(count: number) {
    await pg.page.waitForFunction(
      (n) => (globalThis as unknown as PageScope).dimooEvents.length >= n,
      count,
      WAIT,
    );
    return pg.page.evaluate((n) => (globalThis as unknown as PageScope).dimooEvents[n - 1], count);
  }
  const eventCount = () => pg.page.evaluate(() => (globalThis as unknown as PageScope).dimooEvents.length);
  const focused = () => pg.page.evaluate("document.activeElement?.id ?? ''") as Promise<string>;

  it('puts a refused line back into the box, its conversation line and refusal kept', async () => {
    const line = `/imagine ${'a fox in a long and careful prompt '.repeat(6)}--steps 999`;
    const before = await eventCount();
    await pg.page.fill('#text', line);
    await pg.page.press('#text', 'Enter');
    const reply = await replyNumber(before + 1);
    expect(reply?.refused).toBe(true);
    expect(reply?.lines[0]).toMatch(/--steps/);
    expect(await pg.page.inputValue('#text')).toBe(line);
    expect(await focused()).toBe('text');
    expect(await pg.page.locator('#log li.user').last().textContent()).toBe(line);
    expect(pg.pageErrors).toEqual([]);
  });

  it('keeps the image and the mask drawn over it after a refusal, and Send sends them once put right', async () => {
    await pg.page.fill('#text', '');
    await attachShown(pg.page, 'fox.png', await solidPng('#3a6', 128));
    await pg.page.check('#draw');
    await drawOnMask(pg.page, 0.2, 0.7, 6);
    await pg.page.uncheck('#draw');
    const before = await eventCount();
    await pg.page.fill('#text', '/retouch a hat --steps 999');
    await pg.page.click('#send');
    expect((await replyNumber(before + 1))?.refused).toBe(true);
    expect(await pg.page.inputValue('#text')).toBe('/retouch a hat --steps 999');
    expect(await pg.page.locator('#attachment').isVisible()).toBe(true);
    // A press of Send hands the keyboard back to the box, where the line is put right.
    expect(await focused()).toBe('text');

    await pg.page.fill('#text', '/retouch a hat --steps 4');
    await pg.page.click('#send');
    const accepted = await replyNumber(before + 2);
    expect(accepted?.refused).toBeUndefined();
    expect(accepted?.jobId).toBeTruthy();
    expect(await pg.page.inputValue('#text')).toBe('');
    expect(await pg.page.locator('#attachment').isHidden()).toBe(true);
    // What was sent: the image with the mask drawn before the refusal.
    expect(await pg.page.locator('#log li.user').last().locator('.thumb.masked').count()).toBe(1);
    expect(pg.pageErrors).toEqual([]);
  });

  it('leaves a line typed while the refusal was on its way as it is, and puts back the image and mask sent with it', async () => {
    // The answer held back a moment, so the user starts the next line meanwhile.
    await pg.page.route('**/api/messages', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 600));
      await route.continue();
    });
    try {
      await attachShown(pg.page, 'fox.png', await solidPng('#a63', 128));
      await pg.page.check('#draw');
      await drawOnMask(pg.page, 0.3, 0.6, 6);
      await pg.page.uncheck('#draw');
      const before = await eventCount();
      await pg.page.fill('#text', '/retouch a fox --steps 999');
      await pg.page.press('#text', 'Enter');
      // The line left the box as it was sent (once its mask was made), and its image with it.
      await pg.page.waitForFunction(() => {
        const { document } = globalThis as unknown as PageScope;
        return (document.getElementById('text') as { value?: string } | null)?.value === '';
      }, WAIT);
      expect(await pg.page.locator('#attachment').isHidden()).toBe(true);
      await pg.page.fill('#text', '/retouch a wolf');
      expect((await replyNumber(before + 1))?.refused).toBe(true);
      expect(await pg.page.inputValue('#text')).toBe('/retouch a wolf');
      // No other image was attached meanwhile: the one sent comes back, its mask with it, for the line put right.
      expect(await pg.page.locator('#attachment').isVisible()).toBe(true);
      await pg.page.unroute('**/api/messages');
      await pg.page.fill('#text', '/retouch a wolf --steps 4');
      await pg.page.click('#send');
      const accepted = await replyNumber(before + 2);
      expect(accepted?.jobId).toBeTruthy();
      expect(await pg.page.locator('#log li.user').last().locator('.thumb.masked').count()).toBe(1);
    } finally {
      await pg.page.unroute('**/api/messages');
    }
  });

  it('puts back only the line when the image itself was refused, which sent again would be refused again', async () => {
    await pg.page.fill('#text', '');
    // An animation the page shows (its first frame) but the bot does not decode: too many frames.
    await attachShown(pg.page, 'moving.webp', await manyFrames(1500, 64), {
      timeout: 30_000,
      mimeType: 'image/webp',
    });
    const before = await eventCount();
    await pg.page.fill('#text', '/describe');
    await pg.page.click('#send');
    const reply = await replyNumber(before + 1);
    expect(reply?.refused).toBe(true);
    expect(reply?.imageRefused).toBe(true);
    expect(await pg.page.inputValue('#text')).toBe('/describe');
    expect(await pg.page.locator('#attachment').isHidden()).toBe(true);
    expect(pg.pageErrors).toEqual([]);
  });

  it('leaves the box empty after a reply that is no refusal', async () => {
    await pg.page.fill('#text', '/cancel');
    const before = await eventCount();
    await pg.page.press('#text', 'Enter');
    const reply = await replyNumber(before + 1);
    expect(reply?.refused).toBeUndefined();
    expect(await pg.page.inputValue('#text')).toBe('');
  });
});
