// The playground's catch-up after its live updates dropped, in a real browser (Debian's Chromium via playwright-core)
// against the real server and commands on the timed engine double (the queue never starts): the jobs another tab of
// the user sent meanwhile show with the lines that asked for them, read from the one history page the catch-up asked
// for, not from a page asked again for each job.
import { describe, expect, it } from 'vitest';
import { haveBrowser, openAsSameUser, send, useDoublePlaygroundPage } from './playground-browser.js';

const WAIT = { timeout: 30_000 };

describe.skipIf(!haveBrowser)('playground: catching up after a drop', { timeout: 120_000 }, () => {
  const pg = useDoublePlaygroundPage(
    'catch-up',
    { RATE_LIMIT_PER_MINUTE: '0', QUEUE_MAX_PER_USER: '10' },
    { settings: { bundledModel: false } },
  );

  it("shows another tab's jobs sent meanwhile under their lines, asking for the history once", async () => {
    const { page, stack } = pg;
    await send(page, '/imagine a heron');
    await page.locator('#log li.bot[data-job]').first().waitFor(WAIT);

    // The stream drops, and stays away (a proxy's 502) while the other tab sends.
    await page.route('**/api/events', (route) => route.fulfill({ status: 502, body: 'Bad gateway' }));
    const port = Number(new URL(pg.server.url).port);
    await stack.stop(pg.server);
    await page.locator('#connection').waitFor(WAIT);
    ({ server: pg.server } = await stack.start({ port, bundledModel: false }));
    const other = await openAsSameUser(pg.browser, page, pg.server.url);
    const lines = ['/imagine a lark', '/imagine a finch', '/imagine a wren'];
    try {
      for (const [i, line] of lines.entries()) {
        await send(other, line);
        await expect.poll(() => other.locator('#log li.bot[data-job]').count(), WAIT).toBe(i + 2);
      }
    } finally {
      await other.context().close();
    }

    const asked: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/history') asked.push(request.url());
    });
    await page.unroute('**/api/events');
    await page.locator('#connection').waitFor({ state: 'detached', ...WAIT });
    await expect
      .poll(() => page.locator('#log li.job-user').allTextContents(), WAIT)
      .toEqual(['/imagine a heron', ...lines]);
    // Each job's line is above its own message.
    for (const line of lines)
      expect(
        await page
          .locator('#log li.job-user', { hasText: line })
          .locator('xpath=following-sibling::li[1]')
          .getAttribute('class'),
      ).toContain('bot');
    // Time for a request per job, had one been made, to have gone out.
    await page.waitForTimeout(500);
    expect(asked).toHaveLength(1);
    expect(pg.pageErrors).toEqual([]);
  });
});
