// Two tabs of one user in the playground, in a real browser (Debian's Chromium via playwright-core) against the real
// server and commands, jobs run on the engine double: a job sent from one tab while the other still waits for an answer
// of its own shows in that other tab under its own line, not under the line the other tab sent.
import { describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import { haveBrowser, openAsSameUser, useDoublePlaygroundPage } from './playground-browser.js';

const WAIT = { timeout: 30_000 };

describe.skipIf(!haveBrowser)('playground: two tabs of one user', { timeout: 120_000 }, () => {
  // Jobs run (on the double): their events reach every tab of the user.
  const pg = useDoublePlaygroundPage(
    'two-tabs',
    { RATE_LIMIT_PER_MINUTE: '0' },
    { run: true, settings: { bundledModel: false } },
  );

  it("puts the other tab's job under its own line while this tab's send is unanswered", async () => {
    const other = await openAsSameUser(pg.browser, pg.page, pg.server.url);
    try {
      // This tab's send is held on its way, so the other tab's job arrives here before its answer.
      let release = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      await pg.page.route('**/api/messages', async (route) => {
        await held;
        await route.continue();
      });
      await pg.page.fill('#text', '/imagine a lark --steps 2');
      await pg.page.press('#text', 'Enter');
      await pg.page.locator('#log li.job-user', { hasText: 'a lark' }).waitFor(WAIT);

      await other.fill('#text', '/imagine a finch --steps 2');
      await other.press('#text', 'Enter');
      const finchThere = other.locator('#log li.bot[data-job]').last();
      await finchThere.waitFor(WAIT);
      const finch = pg.page.locator(`#log li.bot[data-job="${await finchThere.getAttribute('data-job')}"]`);
      await finch.waitFor(WAIT);

      release();
      await expect.poll(() => pg.page.locator('#log li.bot[data-job]').count(), WAIT).toBe(2);
      // The finch's message has the finch's line above it, from the store as after a reload.
      const above = finch.locator('xpath=preceding-sibling::li[1]');
      await expect.poll(() => above.textContent(), WAIT).toMatch(/^\/imagine a finch/);
      // The lark's line is still above, answered by the lark's message below the finch's.
      expect(await pg.page.locator('#log li.job-user').allTextContents()).toEqual([
        '/imagine a lark --steps 2',
        expect.stringMatching(/^\/imagine a finch/),
      ]);
      expect(pg.pageErrors).toEqual([]);
    } finally {
      await other.context().close();
    }
  });
});

describe.skipIf(!haveBrowser)(
  'playground: two tabs of one user, a job that waits',
  { timeout: 120_000 },
  () => {
    // The worker is never started: a job sent stays queued, with no event after its `queued` one until it is cancelled.
    const pg = useDoublePlaygroundPage(
      'two-tabs-waiting',
      { RATE_LIMIT_PER_MINUTE: '0' },
      { settings: { bundledModel: false }, page: { viewport: { width: 360, height: 640 } } },
    );

    it('shows a job sent in one tab in the other while it waits, and its cancel in both', async () => {
      const other = await openAsSameUser(pg.browser, pg.page, pg.server.url, {
        viewport: { width: 360, height: 640 },
      });
      try {
        await pg.page.fill('#text', '/imagine a wren');
        await pg.page.press('#text', 'Enter');
        const here = pg.page.locator('#log li.bot[data-job]').last();
        await here.waitFor(WAIT);
        const jobId = String(await here.getAttribute('data-job'));
        // The other tab shows the waiting job under its own line, with its Cancel, before anything else happens to it.
        const there = other.locator(`#log li.bot[data-job="${jobId}"]`);
        await there.waitFor(WAIT);
        expect(await there.textContent()).toBe(await here.textContent());
        await expect
          .poll(() => there.locator('xpath=preceding-sibling::li[1]').textContent(), WAIT)
          .toMatch(/^\/imagine a wren/);
        // Cancelled in the other tab: both say so.
        await there.getByRole('button', { name: 'Cancel' }).click();
        const cancelled = t('en', 'job.cancelled');
        await expect.poll(() => here.textContent(), WAIT).toContain(cancelled);
        await expect.poll(() => there.textContent(), WAIT).toContain(cancelled);
        expect(pg.pageErrors).toEqual([]);
      } finally {
        await other.context().close();
      }
    });
  },
);
