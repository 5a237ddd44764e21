// Two tabs of one user in the playground, in a real browser (Debian's Chromium via playwright-core) against the real
// server and commands, jobs run on the engine double: a job sent from one tab while the other still waits for an answer
// of its own shows in that other tab under its own line, not under the line the other tab sent.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Playground } from '../../../adapters/web/server.js';
import { haveBrowser, openAsSameUser, openBrowserPage } from './playground-browser.js';
import { openPlaygroundOnDouble, type PlaygroundOnDouble } from './playground-server.js';

const WAIT = { timeout: 30_000 };

describe.skipIf(!haveBrowser)('playground: two tabs of one user', { timeout: 120_000 }, () => {
  let stack: PlaygroundOnDouble;
  let server: Playground;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    stack = openPlaygroundOnDouble('two-tabs', { RATE_LIMIT_PER_MINUTE: '0' });
    ({ server } = await stack.start({ bundledModel: false }));
    // Jobs run (on the double): their events reach every tab of the user.
    stack.jobs.queue.start();
    ({ browser, page, pageErrors } = await openBrowserPage(server.url));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it("puts the other tab's job under its own line while this tab's send is unanswered", async () => {
    const other = await openAsSameUser(browser, page, server.url);
    try {
      // This tab's send is held on its way, so the other tab's job arrives here before its answer.
      let release = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      await page.route('**/api/messages', async (route) => {
        await held;
        await route.continue();
      });
      await page.fill('#text', '/imagine a lark --steps 2');
      await page.press('#text', 'Enter');
      await page.locator('#log li.job-user', { hasText: 'a lark' }).waitFor(WAIT);

      await other.fill('#text', '/imagine a finch --steps 2');
      await other.press('#text', 'Enter');
      const finchThere = other.locator('#log li.bot[data-job]').last();
      await finchThere.waitFor(WAIT);
      const finch = page.locator(`#log li.bot[data-job="${await finchThere.getAttribute('data-job')}"]`);
      await finch.waitFor(WAIT);

      release();
      await expect.poll(() => page.locator('#log li.bot[data-job]').count(), WAIT).toBe(2);
      // The finch's message has the finch's line above it, from the store as after a reload.
      const above = finch.locator('xpath=preceding-sibling::li[1]');
      await expect.poll(() => above.textContent(), WAIT).toMatch(/^\/imagine a finch/);
      // The lark's line is still above, answered by the lark's message below the finch's.
      expect(await page.locator('#log li.job-user').allTextContents()).toEqual([
        '/imagine a lark --steps 2',
        expect.stringMatching(/^\/imagine a finch/),
      ]);
      expect(pageErrors).toEqual([]);
    } finally {
      await other.context().close();
    }
  });
});
