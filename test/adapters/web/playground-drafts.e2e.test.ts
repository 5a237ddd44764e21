// Half-typed words over a reload, in a real browser (Debian's Chromium via playwright-core) against the real server and
// commands on the timed engine double: the message box's line comes back into it for the same tab, as does a refused
// line (once), and a line sent and taken does not, and no more of a line is kept than the server's longest; an answer
// form's words come back when that form is opened again, and a form closed on purpose opens again with the bot's line.
import { describe, expect, it } from 'vitest';
import {
  haveBrowser,
  jobsOfSent,
  type PageScope,
  resultsOf,
  useDoublePlaygroundPage,
  whenReady,
} from './playground-browser.js';

const WAIT = { timeout: 30_000 };

describe.skipIf(!haveBrowser)('playground: drafts kept over a reload', { timeout: 120_000 }, () => {
  const pg = useDoublePlaygroundPage(
    'drafts',
    { RATE_LIMIT_PER_MINUTE: '0', QUEUE_MAX_PER_USER: '10' },
    { run: true, settings: { bundledModel: false }, page: { viewport: { width: 900, height: 700 } } },
  );

  const reload = async () => {
    await pg.page.reload();
    await whenReady(pg.page);
  };
  /** Waits for the page to have shown more than `count` replies and updates in all, and gives the last. */
  async function replyAfter(count: number) {
    await pg.page.waitForFunction(
      (n) => (globalThis as unknown as PageScope).dimooEvents.length > n,
      count,
      WAIT,
    );
    return pg.page.evaluate(() => (globalThis as unknown as PageScope).dimooEvents.at(-1));
  }
  // Kept as it changes, not only as the page goes: a tab the browser discards or that crashes fires no pagehide.
  const storedNow = () =>
    pg.page.evaluate("sessionStorage.getItem('dimoo.draft.composer')") as Promise<string | null>;
  const eventCount = () => pg.page.evaluate(() => (globalThis as unknown as PageScope).dimooEvents.length);

  it('gives the message box its half-typed line back, and not once the line was sent and taken', async () => {
    const { page } = pg;
    await page.click('#text');
    await page.keyboard.type('/imagine a fox in the snow');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('--steps 2');
    expect(await storedNow()).toBe('/imagine a fox in the snow\n--steps 2');
    await reload();
    expect(await page.inputValue('#text')).toBe('/imagine a fox in the snow\n--steps 2');

    await jobsOfSent(page, () => page.press('#text', 'Enter'));
    expect(await page.inputValue('#text')).toBe('');
    expect(await storedNow()).toBeNull();
    await reload();
    expect(await page.inputValue('#text')).toBe('');
    expect(pg.pageErrors).toEqual([]);
  });

  it("keeps no more of a line than the server's longest (maxLineChars of /api/info), an emoji as one", async () => {
    const { page } = pg;
    // A limit other than the commands' own: the page must take the one the server says.
    await page.route('**/api/info', async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, json: { ...(await response.json()), maxLineChars: 12 } });
    });
    try {
      await reload();
      await page.click('#text');
      await page.keyboard.type('/imagine 🦊 a fox in the snow');
      expect(await storedNow()).toBe('/imagine 🦊 a');
    } finally {
      await page.unroute('**/api/info');
    }
    await page.fill('#text', '');
    await reload();
    expect(await page.inputValue('#text')).toBe('');
    expect(pg.pageErrors).toEqual([]);
  });

  it('gives a refused line back after a reload once, as the refusal put it back', async () => {
    const { page } = pg;
    const line = '/imagine a fox --steps 999';
    await page.fill('#text', line);
    const before = await eventCount();
    await page.press('#text', 'Enter');
    expect((await replyAfter(before))?.refused).toBe(true);
    expect(await page.inputValue('#text')).toBe(line);
    expect(await storedNow()).toBe(line);
    await reload();
    expect(await page.inputValue('#text')).toBe(line);
    await page.fill('#text', '');
    await reload();
    expect(await page.inputValue('#text')).toBe('');
    expect(pg.pageErrors).toEqual([]);
  });

  it('gives an answer form its words back when it is opened again after a reload, and not once it was closed', async () => {
    const { page } = pg;
    const [job] = await resultsOf(
      page,
      await jobsOfSent(page, () =>
        page.fill('#text', '/imagine a fox --steps 2').then(() => page.press('#text', 'Enter')),
      ),
      WAIT,
    );
    const message = page.locator(`#log li.bot[data-job="${job}"]`);
    const form = message.locator('form.edit-form');
    const box = form.locator('textarea');
    const openRemix = async () => {
      await message.locator('button[data-action^="remix:"]').click();
      await box.waitFor(WAIT);
    };
    await openRemix();
    const botLine = await box.inputValue();
    expect(botLine).toContain('a fox');
    await box.fill('');
    await page.keyboard.type('a wolf under the moon --steps 3');
    await reload();
    expect(await form.count()).toBe(0);
    await openRemix();
    expect(await box.inputValue()).toBe('a wolf under the moon --steps 3');

    // Closed on purpose: the words go with it, and the form opens again on the bot's line.
    await form.locator('button', { hasText: 'Close' }).click();
    await reload();
    await openRemix();
    expect(await box.inputValue()).toBe(botLine);
    // The message box has a draft of its own.
    expect(await page.inputValue('#text')).toBe('');
    expect(pg.pageErrors).toEqual([]);
  });
});
