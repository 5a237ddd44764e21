// Where the keyboard goes when what holds it leaves the playground, and what a screen reader is told, in a real
// browser (Debian's Chromium via playwright-core) against the real server, commands and queue on the timed engine
// double: a message deleted in another tab hands the keyboard to the next message (the previous at the end) and says
// why, and closes the full-size view of its image; a follow-up's "from #…" link takes the keyboard to its parent, or
// says it is gone; "Show older" loads one page however fast it is pressed, and once none are left it hands the
// keyboard to the oldest message; the connection notice is put into a live region that is in the accessibility tree
// beforehand, said once however often the browser retries, with "Connected again" once, also after a proxy's 502 made
// the browser give up; a line sent again and again meanwhile leaves one "could not be reached" notice.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebHistoryEntry } from '../../../adapters/web/render.js';
import type { Playground } from '../../../adapters/web/server.js';
import { t } from '../../../src/i18n.js';
import { solidPng } from '../e2e-services.js';
import { liveRegionHolding, liveRegionsInTree, recordSaid, timesSaid } from './live-regions.js';
import {
  haveBrowser,
  imagesLoaded,
  jobsOfSent,
  openAsSameUser,
  openBrowserPage,
  type PageScope,
  resultsOf,
  whenReady,
} from './playground-browser.js';
import { openPlaygroundOnDouble, type PlaygroundOnDouble } from './playground-server.js';

const finals = '#log li.bot[data-state=final]';
const WAIT = { timeout: 30_000 };

describe.skipIf(!haveBrowser)('playground focus and announcements', { timeout: 120_000 }, () => {
  let stack: PlaygroundOnDouble;
  let server: Playground;
  let port: number;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    stack = openPlaygroundOnDouble('focus', { RATE_LIMIT_PER_MINUTE: '0', QUEUE_MAX_PER_USER: '10' });
    ({ server, port } = await stack.start({ bundledModel: false }));
    stack.jobs.queue.start();
    ({ browser, page, pageErrors } = await openBrowserPage(server.url));
    await recordSaid(page);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  // Browser-side code is passed as strings: this file is type-checked without the DOM library.
  const focused = (on = page) =>
    on.evaluate(
      "(() => { const a = document.activeElement; return a.dataset.job ?? (a.id || a.tagName + ':' + a.textContent.trim()); })()",
    ) as Promise<string>;
  const status = () => page.locator('#status').textContent();
  /** Deletes a job as a press of its Delete in another tab ends: the server tells every tab of the user. */
  const deleteElsewhere = (other: Page, job: string) =>
    other.evaluate(
      `fetch('/api/actions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'delete:${job}' }) }).then((r) => r.status)`,
    );
  const gone = (job: string, on = page) =>
    on.locator(`#log li.bot[data-job="${job}"]`).waitFor({ state: 'detached', ...WAIT });

  it('a message deleted in another tab hands the keyboard on to the next message, and says why', async () => {
    await page.fill('#text', '/imagine a {red, blue, green} fox --steps 2');
    await page.press('#text', 'Enter');
    await page.waitForFunction(
      (selector) => (globalThis as unknown as PageScope).document.querySelectorAll(selector).length >= 3,
      `${finals} img.result`,
      WAIT,
    );
    const jobs = (await page
      .locator(finals)
      .evaluateAll((items) =>
        items.map((li) => (li as unknown as { dataset: Record<string, string> }).dataset.job),
      )) as string[];
    const [red, blue, green] = jobs.slice(-3) as [string, string, string];
    const other = await openAsSameUser(browser, page, server.url);
    // The keyboard on the middle result's Remix here; its Delete pressed in the other tab (and its undo time over).
    await page.locator(`${finals}[data-job="${blue}"] button[data-action^="remix:"]`).focus();
    await other.locator(`${finals}[data-job="${blue}"] button[data-action^="delete:"]`).click();
    await gone(blue, other);
    await gone(blue);
    expect(await focused()).toBe(green);
    expect(await status()).toBe('The message you were on was deleted in another tab.');

    // The full-size view of the last result open here when it goes: the view closes, the keyboard goes to the one
    // before (no message after it), not to the message box or the top of the page.
    await page.locator(`${finals}[data-job="${green}"] img.result`).click();
    expect(await page.evaluate("document.getElementById('viewer').open")).toBe(true);
    expect(await deleteElsewhere(other, green)).toBe(200);
    await gone(green);
    expect(await page.evaluate("document.getElementById('viewer').open")).toBe(false);
    expect(await focused()).toBe(red);
    await other.close();
    expect(pageErrors).toEqual([]);
  });

  it('"from #…" under a follow-up takes the keyboard to the result it came from, or says why it is not there', async () => {
    // The first test's red fox is still a final with an image: the new parent is the one past those counted now,
    // pinned by its job id, so a later render cannot swap which result's Vary is pressed.
    const before = await page.locator(`${finals}:has(img.result)`).count();
    await page.fill('#text', '/imagine a parent fox --steps 2');
    await page.press('#text', 'Enter');
    await page.waitForFunction(
      ([selector, count]) =>
        (globalThis as unknown as PageScope).document.querySelectorAll(String(selector)).length >
        Number(count),
      [`${finals}:has(img.result)`, before] as const,
      WAIT,
    );
    const parentJob = String(await page.locator(`${finals}:has(img.result)`).last().getAttribute('data-job'));
    const parent = page.locator(`${finals}[data-job="${parentJob}"]`);
    await parent.locator('button[data-action^="vary:"]').click();
    const child = page.locator(`${finals}:has(a.parent[href="#job-${parentJob}"])`);
    await child.waitFor(WAIT);

    await child.locator('a.parent').focus();
    await page.keyboard.press('Enter');
    // The next Tab goes on from the parent, where the page has scrolled, not from the link left out of sight.
    await expect.poll(() => focused(), WAIT).toBe(parentJob);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.closest("li.bot")?.dataset.job')).toBe(parentJob);

    // The parent deleted: the link says so rather than doing nothing.
    expect(await deleteElsewhere(page, parentJob)).toBe(200);
    await gone(parentJob);
    await child.locator('a.parent').focus();
    await page.keyboard.press('Enter');
    await expect.poll(status, WAIT).toBe(t('en', 'web.parent_missing'));
    // The link says where it goes, the " · " before it being the label's separator, not underlined with it.
    expect(await focused()).toBe(`A:${t('en', 'web.context.parent')} #${parentJob.slice(0, 8)}`);
    expect(pageErrors).toEqual([]);
  });

  it('"Show older" loads one page however fast it is pressed; when it goes, the keyboard goes to the oldest line', async () => {
    const older: WebHistoryEntry = {
      jobId: 'an-old-job',
      asked: { text: '/imagine an old fox', images: [] },
      reply: {
        jobId: 'an-old-job',
        locale: 'en',
        lines: ['Done.'],
        images: [],
        buttons: [],
        final: true,
        outcome: 'done',
      },
    };
    const tab = await browser.newPage({ locale: 'en-US' });
    await tab.context().addCookies(await page.context().cookies());
    // The store's newest page as it is, said to have older ones; the older page one entry, slow to come, the last.
    await tab.route('**/api/history*', async (route) => {
      if (new URL(route.request().url()).searchParams.has('before')) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        return route.fulfill({ json: { entries: [older] } });
      }
      const response = await route.fetch();
      return route.fulfill({ response, json: { ...(await response.json()), before: 1 } });
    });
    await tab.goto(server.url);
    await whenReady(tab);
    await recordSaid(tab);
    await tab.focus('#older');
    await tab.keyboard.press('Enter');
    await tab.keyboard.press('Enter');
    await tab.locator('#older').waitFor({ state: 'hidden', ...WAIT });
    await tab.waitForTimeout(700);
    expect(await tab.locator('#log li.bot[data-job="an-old-job"]').count()).toBe(1);
    expect(await focused(tab)).toBe('LI:/imagine an old fox');
    expect(await timesSaid(tab, 'This is the start of the conversation')).toBe(1);
    await tab.close();
  });

  it('says a refused file from a region in the tree beforehand, and the same refusal again when it comes again', async () => {
    const regions = await liveRegionsInTree(page);
    // A text file is no image by its first bytes: refused in the server's words for its format.
    const refusal = 'That image format is not supported';
    const before = await timesSaid(page, refusal);
    for (const name of ['notes.txt', 'more-notes.txt'])
      await page.setInputFiles('#file', { name, mimeType: 'text/plain', buffer: Buffer.from('hi') });
    await expect.poll(() => timesSaid(page, refusal), WAIT).toBe(before + 2);
    const holder = await liveRegionHolding(page, refusal);
    expect(regions.has(holder ?? -1)).toBe(true);
    // Put away with the next good file; the empty line adds no row to the composer.
    await page.setInputFiles('#file', {
      name: 'ok.png',
      mimeType: 'image/png',
      buffer: await solidPng('#c33'),
    });
    await page.locator('#attachment').waitFor(WAIT);
    expect(await page.locator('#attach-error').textContent()).toBe('');
    expect(await page.evaluate("getComputedStyle(document.getElementById('attach-error')).position")).toBe(
      'absolute',
    );
    await page.click('#remove-image');
  });

  it('says the connection is lost once, however often the browser retries, from a region in the tree beforehand', async () => {
    const regions = await liveRegionsInTree(page);
    let attempts = 0;
    const count = (request: { url(): string }) => request.url().endsWith('/api/events') && attempts++;
    page.on('request', count);
    await stack.stop(server);
    await page.locator('#connection').waitFor(WAIT);
    // The browser's own retries (every 3 s or so), each a failed connection.
    await expect.poll(() => attempts, { timeout: 30_000, interval: 250 }).toBeGreaterThanOrEqual(3);
    page.off('request', count);
    const holder = await liveRegionHolding(page, 'Connection lost');
    expect(holder).toBeDefined();
    expect(regions.has(holder ?? -1)).toBe(true);
    expect(await timesSaid(page, 'Connection lost')).toBe(1);

    ({ server } = await stack.start({ port, bundledModel: false }));
    await page.locator('#connection').waitFor({ state: 'detached', ...WAIT });
    await expect.poll(() => timesSaid(page, 'Connected again'), WAIT).toBe(1);
    expect(await timesSaid(page, 'Connection lost')).toBe(1);
  });

  it('comes back after a proxy answered the stream with a 502 (the browser gives up on its own)', async () => {
    const [lost, back] = [await timesSaid(page, 'Connection lost'), await timesSaid(page, 'Connected again')];
    let answered = 0;
    await page.route('**/api/events', (route) =>
      answered++ === 0 ? route.fulfill({ status: 502, body: 'Bad gateway' }) : route.fallback(),
    );
    await stack.stop(server);
    await page.locator('#connection').waitFor(WAIT);
    ({ server } = await stack.start({ port, bundledModel: false }));
    await page.locator('#connection').waitFor({ state: 'detached', ...WAIT });
    expect(answered).toBeGreaterThanOrEqual(2);
    await page.unroute('**/api/events');
    await expect.poll(() => timesSaid(page, 'Connected again'), WAIT).toBe(back + 1);
    expect(await timesSaid(page, 'Connection lost')).toBe(lost + 1);
    expect(await page.evaluate('document.body.dataset.connection')).toBe('open');
    expect(pageErrors).toEqual([]);
  });

  it('a line sent again and again while the bot is away leaves one "could not be reached", said each time', async () => {
    const offline = t('en', 'web.offline');
    const notices = page.locator('#log li.bot', { hasText: offline });
    const before = await notices.count();
    const said = await timesSaid(page, offline);
    await stack.stop(server);
    for (const tries of [1, 2, 3]) {
      await page.fill('#text', '/help');
      await page.press('#text', 'Enter');
      await expect.poll(() => timesSaid(page, offline), WAIT).toBe(said + tries);
    }
    expect(await notices.count()).toBe(before + 1);
    expect(await page.locator('#log > li').last().textContent()).toBe(offline);
    expect(await page.inputValue('#text')).toBe('/help');
    ({ server } = await stack.start({ port, bundledModel: false }));
    await page.locator('#connection').waitFor({ state: 'detached', ...WAIT });
    await page.fill('#text', '');
    expect(pageErrors).toEqual([]);
  });

  it('says "Deleted." from a region in the tree beforehand, and its toast leaves the Delete above uncovered', async () => {
    const deleted = t('en', 'web.deleted');
    // A narrow desktop window (a mouse, not a phone's layout): the toast, centred, reaches the Delete on the left.
    await page.setViewportSize({ width: 400, height: 480 });
    // The earlier tests' red fox and Vary child are results with images already, so "two results with images" held
    // before these two came: the two new ones are pinned by the job ids the answer to the line gives.
    const [upper, lower] = await resultsOf(
      page,
      await jobsOfSent(page, async () => {
        await page.fill('#text', '/imagine a {grey, brown} fox --steps 2');
        await page.press('#text', 'Enter');
      }),
      WAIT,
    );
    const result = (job: string | undefined) => `${finals}[data-job="${job}"]`;
    await imagesLoaded(page, `${finals} img.result`, WAIT);
    const regions = await liveRegionsInTree(page);
    const said = await timesSaid(page, deleted);
    await page.locator(`${result(lower)} button[data-action^="delete:"]`).click();
    await page.locator('.toast button.undo').waitFor(WAIT);
    await expect.poll(() => timesSaid(page, deleted), WAIT).toBe(said + 1);
    expect(regions.has((await liveRegionHolding(page, deleted)) ?? -1)).toBe(true);
    // The message above the deleted one is now the last: its Delete is where a click lands, not on the toast.
    expect(await page.locator(`${finals}:has(img.result):visible`).last().getAttribute('data-job')).toBe(
      upper,
    );
    const above = page.locator(result(upper));
    const remaining = above.locator('button[data-action^="delete:"]');
    const toast = page.locator('.toast');
    const box = (of: typeof toast) => of.boundingBox({ timeout: 500 }).catch(() => null);
    const apart = async () => {
      const [a, b] = [await box(remaining), await box(toast)];
      if (!a || !b) return `no box: Delete ${JSON.stringify(a)}, toast ${JSON.stringify(b)}`;
      const overlap =
        a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
      return overlap ? `covered: Delete ${JSON.stringify(a)}, toast ${JSON.stringify(b)}` : 'apart';
    };
    // Within the toast's 6 s: it is measured while it shows.
    await expect.poll(apart, { timeout: 4000 }).toBe('apart');
    await page.locator('.toast button.undo').click();
    await page.setViewportSize({ width: 1280, height: 720 });
    expect(pageErrors).toEqual([]);
  });
});
