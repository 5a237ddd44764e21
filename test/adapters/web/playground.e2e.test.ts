// The playground in a real browser (Debian's Chromium driven by playwright-core) against the real server,
// commands, job queue and engine on a generated checkpoint. Screenshots go to test/artifacts/.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Playground } from '../../../adapters/web/server.js';
import { loadConfig } from '../../../src/config/index.js';
import { createLogger } from '../../../src/log.js';
import { openServices, type Services } from '../../../src/services.js';
import { solidPng } from '../e2e-services.js';
import {
  artifacts,
  attach,
  attachShown,
  botCountAbove,
  drawOnMask,
  haveBrowser,
  lastBotFinal,
  openAsSameUser,
  openBrowserPage,
  type PageScope,
  send,
  suggestionsShow,
} from './playground-browser.js';
import { type PlaygroundStack, playgroundOnServices } from './playground-server.js';

describe.skipIf(!haveBrowser)('playground in a browser', { timeout: 240_000 }, () => {
  let services: Services;
  let playground: PlaygroundStack;
  let server: Playground;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    const config = loadConfig({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'dimoo-web-')),
      DEVICE: 'cpu',
      LOG_LEVEL: 'silent',
      // This page sends more jobs in a minute than a user may.
      RATE_LIMIT_PER_MINUTE: '0',
    });
    const log = createLogger({ level: 'silent', pretty: false });
    services = await openServices(config, log);
    playground = playgroundOnServices({ config, log, services });
    ({ server } = await playground.start());
    services.start();
    ({ browser, page, pageErrors } = await openBrowserPage(server.url, {
      args: [
        '--disable-quic',
        '--disable-component-update',
        '--disable-sync',
        // A name that resolves to this machine, as an attacker's does after DNS rebinding.
        '--host-resolver-rules=MAP rebound.test 127.0.0.1',
      ],
      // The first test looks at the page as it first comes.
      ready: false,
    }));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await playground?.close();
  });

  // Browser-side code is passed as strings (this file is type-checked without the DOM library), but a wait is a
  // function over `PageScope`: Playwright polls a string wait with eval, which the page's CSP refuses.
  const events = () => page.evaluate('window.dimooEvents') as Promise<Array<Record<string, unknown>>>;
  // Generous: on a loaded 2-core machine every browser step (upload, click, screenshot) took seconds.
  const REPLY = { timeout: 60_000 };
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's locator API, not a DOM node.
  const lastBotText = () => page.locator('#log li.bot').last().innerText();

  it('says the model is the random bundled one', async () => {
    // The banner shows once /api/info has answered, which under load can be after the page's load event.
    await page.locator('#banner').waitFor({ state: 'visible', timeout: 10_000 });
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's locator API, not a DOM node.
    expect(await page.locator('#banner').innerText()).toContain('RANDOM');
    await page.screenshot({ path: join(artifacts, 'playground-1-start.png') });
  });

  it('runs /imagine: queued, a progress update, then the final image with buttons', async () => {
    await send(page, '/imagine a red fox in the snow --steps 6 --ar 1:1');
    await page.waitForFunction(() => (globalThis as unknown as PageScope).dimooEvents.length > 0);
    await page.screenshot({ path: join(artifacts, 'playground-2-queued.png') });
    await page.waitForSelector('#log li.bot[data-state=final] img', { timeout: 60_000 });
    const seen = (await events()).map((e) => (e.lines as string[]).join(' '));
    // The queued reply (the POST answer) and the worker's "started" event race; both must be there.
    expect(seen.some((line) => /Queued/.test(line))).toBe(true);
    expect(seen.some((line) => /step \d+ of \d+|Working/i.test(line))).toBe(true);
    expect(await page.locator('#log li.bot[data-state=final] .buttons button').count()).toBeGreaterThan(2);
    await page.screenshot({ path: join(artifacts, 'playground-3-result.png') });
    expect(pageErrors).toEqual([]);
  });

  it('pan arrows carry their meaning; Remix fills a form with the /imagine line, and the changed line makes a new image', async () => {
    const result = page.locator('#log li.bot[data-state=final]').last();
    // The arrows are symbols: each has its meaning as a tooltip and for screen readers.
    expect(
      await result.locator('.buttons button[aria-label="Extend to the left"]').getAttribute('title'),
    ).toBe('Extend to the left');
    await result.locator('.buttons button', { hasText: 'Remix' }).click();
    const input = result.locator('form.edit-form textarea');
    await input.waitFor({ timeout: 30_000 });
    expect(await input.inputValue()).toMatch(/^a red fox in the snow --size 512x512 --seed \d+ --steps 6$/);
    await input.fill('a blue fox --steps 2 --seed 4');
    await result.locator('form.edit-form button[type=submit]').click();
    await page.waitForFunction(
      () =>
        (globalThis as unknown as PageScope).dimooEvents.some(
          (e) => e.final && e.context && e.context.prompt === 'a blue fox',
        ),
      undefined,
      { timeout: 60_000 },
    );
    expect(pageErrors).toEqual([]);
  });

  it('Vary (Region) puts the result into the composer with the mask brush on, and the drawn part is retouched', async () => {
    const result = page.locator('#log li.bot[data-state=final]').last();
    const source = await result
      .locator('.buttons button', { hasText: 'Vary (Region)' })
      .getAttribute('data-action');
    await result.locator('.buttons button', { hasText: 'Vary (Region)' }).click();
    await page.waitForFunction(
      () => {
        const { document } = globalThis as unknown as PageScope;
        return (
          document.getElementById('attachment')?.hidden === false &&
          (document.getElementById('preview')?.naturalWidth ?? 0) > 0
        );
      },
      undefined,
      { timeout: 30_000 },
    );
    // The result's steps come along: a follow-up keeps the settings it was drawn with.
    expect(await page.inputValue('#text')).toBe('/retouch a blue fox --steps 2');
    expect(await page.isChecked('#draw')).toBe(true);
    // The lossless result, at its own size.
    expect(await page.evaluate("document.getElementById('preview').naturalWidth")).toBe(512);
    await drawOnMask(page, 0.4, 0.6, 4);
    await page.screenshot({ path: join(artifacts, 'playground-vary-region.png') });
    await page.fill('#text', '/retouch a blue fox wearing a hat --steps 2');
    await page.click('#send');
    await page.waitForFunction(
      () =>
        (globalThis as unknown as PageScope).dimooEvents.some(
          (e) =>
            e.final &&
            e.context &&
            e.context.task === 'paint/retouch' &&
            e.context.prompt === 'a blue fox wearing a hat',
        ),
      undefined,
      { timeout: 60_000 },
    );
    expect(await page.locator('#attachment').isHidden()).toBe(true);
    // The retouch names the result it came from.
    const parent = await page.evaluate(
      "window.dimooEvents.find((e) => e.final && e.context && e.context.prompt === 'a blue fox wearing a hat').context.parentJobId",
    );
    expect(`vary_region:${parent}`).toBe(source);
    expect(pageErrors).toEqual([]);
  });

  it('--n 2 shows one grid with a number per image; a number adds that image alone, with every button, in every tab of the user', async () => {
    await send(page, '/imagine a green fox --n 2 --steps 2 --seed 30');
    await page.waitForFunction(
      () =>
        (globalThis as unknown as PageScope).dimooEvents.some(
          (e) => e.final && e.lines.some((l) => l.includes('seeds 30–31')),
        ),
      undefined,
      { timeout: 60_000 },
    );
    const grid = page.locator('#log li.bot[data-state=final]').last();
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's locator API, not a DOM node.
    expect(await grid.locator('.context').innerText()).toContain('seeds 30–31 · 2 × 512×512');
    const two = grid.locator('.buttons button', { hasText: /^2$/ });
    expect(await two.getAttribute('title')).toBe('Image 2 on its own, with all its buttons');
    // Another tab of the user, open before the press: the image taken arrives there too, as any result does.
    const other = await openAsSameUser(browser, page, server.url);
    await two.click();
    await page.waitForFunction(
      () =>
        (globalThis as unknown as PageScope).dimooEvents.some((e) =>
          e.lines.some((l) => l.includes('Image 2 of the grid (seed 31)')),
        ),
      undefined,
      { timeout: 30_000 },
    );
    const alone = page.locator('#log li.bot').last();
    await alone.locator('img').waitFor({ timeout: 30_000 });
    expect(await alone.locator('.buttons button', { hasText: 'Zoom out' }).count()).toBe(2);
    await page.screenshot({ path: join(artifacts, 'playground-grid.png') });
    try {
      const picked = `li.bot[data-job="${await alone.getAttribute('data-job')}"]`;
      const there = other.locator(`#log ${picked}`);
      await there.locator('img.result').waitFor({ timeout: 30_000 });
      expect(await there.locator('.buttons button', { hasText: 'Zoom out' }).count()).toBe(2);
      // Once, and, as in the tab that pressed, with no line of the user's above it: a press is no typed line.
      expect(await there.count()).toBe(1);
      expect(await other.locator(`#log li.user + ${picked}`).count()).toBe(0);
    } finally {
      await other.close();
    }
    expect(pageErrors).toEqual([]);
  });

  it('Delete on an image taken from a grid removes it alone, in every tab of the user; the grid stays', async () => {
    const finals = page.locator('#log li.bot[data-state=final]');
    const alone = finals.last();
    const grid = finals.nth((await finals.count()) - 2);
    const [picked, gridJob] = [await alone.getAttribute('data-job'), await grid.getAttribute('data-job')];
    expect(picked).toBeTruthy();
    expect(picked).not.toBe(gridJob);
    // Another tab of the same user shows both, from the history.
    const other = await openAsSameUser(browser, page, server.url);
    const shownIn = (tab: Page, jobId: string | null) =>
      tab.locator(`#log li.bot[data-job="${jobId}"]`).count();
    expect(await shownIn(other, picked)).toBe(1);
    await alone.locator('button[data-action^="delete:"]').click();
    // Once its undo time is over it goes from both tabs; the grid, a result of its own, stays in both.
    for (const tab of [page, other])
      await tab.waitForFunction(
        (jobId) =>
          !(globalThis as unknown as PageScope).document.querySelector(`li.bot[data-job="${jobId}"]`),
        picked,
        { timeout: 20_000 },
      );
    for (const tab of [page, other]) expect(await shownIn(tab, gridJob)).toBe(1);
    const history = (await page.evaluate(
      "fetch('/api/history').then((r) => r.json()).then((h) => h.entries.map((e) => e.jobId))",
    )) as string[];
    expect(history).toContain(gridJob);
    expect(history).not.toContain(picked);
    await other.close();
    expect(pageErrors).toEqual([]);
  });

  it('a prompt with options in braces shows a message per job, each finishing with its own image', async () => {
    const before = await page.locator('#log li.bot').count();
    await send(page, '/imagine a {white, black} swan --steps 2 --size 256x256');
    for (const n of [1, 2]) {
      const message = page.locator('#log li.bot[data-state=final]', { hasText: `${n} of 2: “a ` });
      await message.locator('img').waitFor({ timeout: 60_000 });
    }
    const items = page.locator('#log li.bot');
    expect(await items.count()).toBe(before + 2);
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's locator API, not a DOM node.
    expect(await items.nth(before).innerText()).toContain('1 of 2: “a white swan --steps 2 --size 256x256”');
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's locator API, not a DOM node.
    expect(await items.nth(before + 1).innerText()).toContain(
      '2 of 2: “a black swan --steps 2 --size 256x256”',
    );
    await page.screenshot({ path: join(artifacts, 'playground-permutations.png') });
    expect(pageErrors).toEqual([]);
  });

  it("suggests while typing: the commands after /, the user's own options after --, taken with Tab or the arrows", async () => {
    const text = page.locator('#text');
    const options = page.locator('#palette li');
    await text.fill('');
    await text.pressSequentially('/pre');
    await suggestionsShow(page, ['/prefer']);
    expect(await options.allInnerTexts()).toEqual([expect.stringMatching(/^\/prefer\s+Your own options/)]);
    expect(await text.getAttribute('aria-expanded')).toBe('true');
    await text.press('Tab');
    expect(await text.inputValue()).toBe('/prefer ');
    const before = await page.locator('#log li.bot').count();
    await text.pressSequentially('cine --ar 21:9 film grain');
    // Enter sends the line: no suggestion was chosen with the arrows.
    await text.press('Enter');
    await botCountAbove(page, before, REPLY);
    expect(await lastBotText()).toContain('Saved --cine: --ar 21:9 film grain');
    await text.pressSequentially('/imagine a harbour --ci');
    await suggestionsShow(page, ['--cine']);
    expect(await options.allInnerTexts()).toEqual([expect.stringMatching(/^--cine\s+--ar 21:9 film grain$/)]);
    await page.screenshot({ path: join(artifacts, 'playground-palette.png') });
    await text.press('ArrowDown');
    await text.press('Enter');
    expect(await text.inputValue()).toBe('/imagine a harbour --cine ');
    expect(await page.locator('#palette').isHidden()).toBe(true);
    await text.pressSequentially('--steps 2 --seed 8');
    await text.press('Enter');
    await page.waitForFunction(
      () =>
        (globalThis as unknown as PageScope).dimooEvents.some(
          (e) => e.final && e.context && e.context.prompt === 'a harbour film grain',
        ),
      undefined,
      { timeout: 60_000 },
    );
    // After /retouch's --box, the regions by name, completing the last of a list.
    await text.pressSequentially('/retouch a hat --box center; top-');
    await suggestionsShow(page, ['top-left', 'top-right']);
    await text.press('Tab');
    expect(await text.inputValue()).toBe('/retouch a hat --box center; top-left ');
    await text.fill('');
    // Escape closes the list; the line stays.
    await text.pressSequentially('/');
    await options.first().waitFor({ timeout: 30_000 });
    await text.press('Escape');
    expect(await page.locator('#palette').isHidden()).toBe(true);
    expect(await text.inputValue()).toBe('/');
    await text.fill('');
    expect(pageErrors).toEqual([]);
  });

  it('reads a flag typed with a phone’s or an input method’s dashes as the server does: suggested, and given way to by Reuse seed', async () => {
    const text = page.locator('#text');
    const options = page.locator('#palette li');
    await text.fill('');
    await text.pressSequentially('/imagine a fox ーーｓｔ');
    await suggestionsShow(page, ['--steps']);
    await text.press('Tab');
    expect(await text.inputValue()).toBe('/imagine a fox --steps ');
    await text.fill('');
    await text.pressSequentially('/retouch a hat —box top, ｃｅｎ');
    await suggestionsShow(page, ['center']);
    await text.press('Tab');
    expect(await text.inputValue()).toBe('/retouch a hat —box top, center ');
    // A seed typed already, full width after an input method's dashes, is the one Reuse seed replaces.
    await text.fill('/imagine a fox －－ｓｅｅｄ＝１２ in snow');
    await page.locator('#log li.bot button[data-tool="reuse-seed"]').last().click();
    expect(await text.inputValue()).toMatch(/^\/imagine a fox in snow --seed \d+$/);
    // An answer still on its way (held here): the list shown for `--s` keeps only what completes `--st`, so a Tab
    // quicker than the answer takes --steps, not --size.
    await text.fill('');
    await text.pressSequentially('/imagine a fox --s');
    await suggestionsShow(page, ['--size', '--seed', '--steps']);
    const held: Route[] = [];
    await page.route('**/api/suggest?**', (route) => {
      held.push(route);
    });
    try {
      await text.pressSequentially('t');
      expect(await options.allInnerTexts()).toEqual(['--steps']);
      await text.press('Tab');
      expect(await text.inputValue()).toBe('/imagine a fox --steps ');
    } finally {
      await page.unroute('**/api/suggest?**');
      for (const route of held) await route.continue();
    }
    await text.fill('');
    expect(pageErrors).toEqual([]);
  });

  it('a result that arrives while the tab is in the background counts in its title until the page is seen', async () => {
    const title = await page.title();
    const hidden = (value: boolean) =>
      page.evaluate(
        `Object.defineProperty(document, 'hidden', { configurable: true, get: () => ${value} });
         document.dispatchEvent(new Event('visibilitychange'));`,
      );
    await hidden(true);
    await send(page, '/imagine a night owl --steps 2');
    await page.waitForFunction(
      () => /^\(\d+\) /.test((globalThis as unknown as PageScope).document.title),
      undefined,
      {
        timeout: 60_000,
      },
    );
    expect(await page.title()).toMatch(new RegExp(`^\\(\\d+\\) ${title}$`));
    await hidden(false);
    expect(await page.title()).toBe(title);
  });

  it('describes an uploaded image', async () => {
    // Sent once it is in the composer: a Send before that sends the line alone.
    await attachShown(page, 'red.png', await solidPng('#c33'), REPLY);
    const before = await page.locator('#log li.bot').count();
    await send(page, 'what is in this picture?');
    await botCountAbove(page, before, REPLY);
    await lastBotFinal(page, { timeout: 170_000 });
    expect(await lastBotText()).not.toMatch(/failed|Sorry|Queued/);
    await page.screenshot({ path: join(artifacts, 'playground-4-describe.png') });
  });

  it('retouches a region drawn with the mouse', async () => {
    await attachShown(page, 'blue.png', await solidPng('#36c'), REPLY);
    await page.check('#draw');
    await drawOnMask(page, 0.3, 0.7, 8);
    await page.screenshot({ path: join(artifacts, 'playground-5-mask.png') });
    const drawn = await page.evaluate(`(() => {
      const c = document.getElementById('mask');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      return d.some((v, i) => i % 4 === 3 && v > 0);
    })()`);
    expect(drawn).toBe(true);
    const before = await page.locator('#log li.bot').count();
    await send(page, '/retouch a yellow star --steps 4');
    await botCountAbove(page, before, REPLY);
    await page.screenshot({ path: join(artifacts, 'playground-6-retouch.png') });
  });

  it('answers a corrupt upload with the localized error and keeps serving', async () => {
    await attach(page, 'broken.png', Buffer.from('not an image at all'));
    // No image by its first bytes: the page says so in the server's words before anything is sent.
    await page.waitForSelector('#attach-error >> text=/not supported/i', { timeout: 20_000 });
    expect(await page.locator('#attachment').isHidden()).toBe(true);
    // The server's own check, for a page that let it through: the same bytes posted as they are.
    const answer = (await page.evaluate(`(async () => {
      const form = new FormData();
      form.append('text', 'make it blue');
      form.append('image', new File(['not an image at all'], 'broken.png', { type: 'image/png' }));
      return (await fetch('/api/messages', { method: 'POST', body: form })).json();
    })()`)) as { lines: string[] };
    expect(answer.lines.join(' ')).toMatch(/could not be read|not supported/i);
    await page.screenshot({ path: join(artifacts, 'playground-7-corrupt.png') });
    // A new answer: the welcome above already says /imagine.
    const bots = await page.locator('#log li.bot').count();
    await send(page, '/help');
    await botCountAbove(page, bots, { timeout: 20_000 });
    expect(await lastBotText()).toMatch(/imagine/i);
  });

  it("another site's page in the same browser can neither run commands nor read the playground", async () => {
    // Another app on this machine, on another port: the same site, so even SameSite=Strict cookies go along.
    const elsewhere = createServer((_req, res) => res.end('<!doctype html><title>elsewhere</title>'));
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    // A browser of its own with a playground user: the main page's cannot open a second page.
    const visitor = await browser.newContext();
    const other = await visitor.newPage();
    try {
      await other.goto(server.url);
      const jobsNow = () =>
        services.jobs.store.byStatus('queued', 'running', 'done', 'failed', 'cancelled').length;
      const before = jobsNow();
      await other.goto(`http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/`);
      const target = JSON.stringify(server.url);
      await other.evaluate(`(async () => {
        const form = new FormData();
        form.append('text', '/imagine a fox sent from elsewhere --steps 2');
        const post = (path, init) =>
          fetch(${target} + path, { method: 'POST', mode: 'no-cors', credentials: 'include', ...init });
        await post('api/messages', { body: form });
        await post('api/actions', { headers: { 'content-type': 'text/plain' }, body: '{"id":"x"}' });
      })()`);
      expect(jobsNow()).toBe(before);
      // Rebound to this machine, the name is still not the playground's: not even the page is served.
      const rebound = await other.goto(server.url.replace('127.0.0.1', 'rebound.test'));
      expect(rebound?.status()).toBe(403);
    } finally {
      await visitor.close();
      await new Promise((resolve) => elsewhere.close(resolve));
    }
  });
});
