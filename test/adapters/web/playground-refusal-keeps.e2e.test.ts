// Refusals whose key is no error's keep the line as well, in a real browser (Debian's Chromium via playwright-core)
// against the real server and commands on the timed engine double: a typo in a command's name (answered with the
// command meant) and a command sent without the image it needs both give the long line back to be put right. A
// refusal of a line sent with the mask brush on (Vary (Region) turns it on) gives the brush back on, so the next
// stroke paints, and the stroke then sent is the mask of the retouch.
import { describe, expect, it } from 'vitest';
import { PLAYGROUND_PROFILE } from '../../../adapters/web/index.js';
import { solidPng } from '../e2e-services.js';
import {
  attachShown,
  drawOnMask,
  haveBrowser,
  type PageScope,
  useDoublePlaygroundPage,
} from './playground-browser.js';

const WAIT = { timeout: 30_000 };

describe.skipIf(!haveBrowser)('playground: refusals that keep the line', { timeout: 120_000 }, () => {
  const pg = useDoublePlaygroundPage(
    'refusal-keeps',
    { RATE_LIMIT_PER_MINUTE: '0', QUEUE_MAX_PER_USER: '10' },
    {
      settings: { bundledModel: false },
      page: { viewport: { width: 900, height: 700 } },
      // The playground's own refusals (`web.needs_image`), as the app gives it.
      commands: { platforms: { web: PLAYGROUND_PROFILE } },
    },
  );

  async function replyNumber(count: number) {
    await pg.page.waitForFunction(
      (n) => (globalThis as unknown as PageScope).dimooEvents.length >= n,
      count,
      WAIT,
    );
    return pg.page.evaluate((n) => (globalThis as unknown as PageScope).dimooEvents[n - 1], count);
  }
  const eventCount = () => pg.page.evaluate(() => (globalThis as unknown as PageScope).dimooEvents.length);

  /** Sends `line` with Enter and gives the answer. */
  async function sent(line: string) {
    const before = await eventCount();
    await pg.page.fill('#text', line);
    await pg.page.press('#text', 'Enter');
    return replyNumber(before + 1);
  }

  it('puts back a line whose command is misspelt, and names the command meant', async () => {
    const line = `/imagne ${'a very long and careful prompt about a lighthouse at dusk '.repeat(4)}--ar 16:9`;
    const reply = await sent(line);
    expect(reply?.refused).toBe(true);
    expect(reply?.lines[0]).toBe('Unknown command /imagne. Did you mean /imagine?');
    expect(await pg.page.inputValue('#text')).toBe(line);
    // A word near no command is refused all the same, and its line kept too.
    const far = await sent('/frobnicate the knobs');
    expect(far?.lines[0]).toBe('Unknown command /frobnicate. Type /help to see what I can do.');
    expect(await pg.page.inputValue('#text')).toBe('/frobnicate the knobs');
    expect(pg.pageErrors).toEqual([]);
  });

  it('puts back a line whose command needs an image that was not given', async () => {
    for (const line of [
      '/describe what color is the sky?',
      '/edit make the sky purple',
      '/retouch a hat --box center',
      '/outpaint --zoom 2 more sky',
    ]) {
      const reply = await sent(line);
      expect(reply?.refused, line).toBe(true);
      expect(reply?.lines[0], line).toMatch(/needs an image: attach, paste or drop one first/);
      expect(await pg.page.inputValue('#text'), line).toBe(line);
    }
    expect(pg.pageErrors).toEqual([]);
  });

  it('gives the mask brush back on after a refusal, so the next stroke paints the mask sent', async () => {
    await pg.page.fill('#text', '');
    await attachShown(pg.page, 'harbour.png', await solidPng('#36a', 128));
    await pg.page.check('#draw');
    // Sent before any stroke: no region was said, and the line is refused.
    const refusal = await sent('/retouch a red flag');
    expect(refusal?.refused).toBe(true);
    expect(refusal?.lines[0]).toMatch(/^Say which part to redraw/);
    expect(await pg.page.locator('#attachment').isVisible()).toBe(true);
    expect(await pg.page.isChecked('#draw')).toBe(true);

    await drawOnMask(pg.page, 0.3, 0.6, 6);
    const accepted = await sent('/retouch a red flag');
    expect(accepted?.refused).toBeUndefined();
    expect(accepted?.jobId).toBeTruthy();
    expect(await pg.page.locator('#log li.user').last().locator('.thumb.masked').count()).toBe(1);
    expect(pg.pageErrors).toEqual([]);
  });
});
