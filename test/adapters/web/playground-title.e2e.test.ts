// The tab's title while a job runs, in a real browser (Debian's Chromium via playwright-core) against the real
// server, commands and queue on the timed engine double: a job that ends while the live updates are down leaves no
// percent behind once the page is brought up to date (it stayed "8% · …" for good), and the title follows a
// /settings language made while a percent shows (the old language's title came back when the job ended), and a late
// answer that made a running job, overtaken by its events, leaves its percent alone (it took the percent away), and a
// job that ended while the live updates were down in a background tab counts in the title once they are back, once
// (it did not count at all), and so does another tab's job that started and ended meanwhile, shown with its line (it
// was neither).
import { describe, expect, it } from 'vitest';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { haveBrowser, openBrowserPage, send } from './playground-browser.js';
import { openPlaygroundOnDouble } from './playground-server.js';

const WAIT = { timeout: 30_000 };
const PERCENT = /^\d{1,3}\s?% · /;

/**
 * The page's EventSource wrapped: the stream drops (closed, its error told) right after the first message that
 * carries a job's progress, so nothing the job does after reaches the page live; while `window.dropped.down` each
 * new stream the page opens fails, as against a server away; once it is false the next one connects.
 * `window.dropped.deliver(msg)` hands the page a message as the newest stream would.
 */
const DROP_AFTER_FIRST_PROGRESS = `(() => {
  const Real = window.EventSource;
  window.dropped = { armed: true, down: false, deliver: undefined };
  window.EventSource = class extends Real {
    constructor(url, init) {
      super(window.dropped.down ? '/api/no-such-stream' : url, init);
    }
    get onmessage() {
      return super.onmessage;
    }
    set onmessage(handler) {
      // A message as this stream would bring it, late (after the page caught up with what it says).
      window.dropped.deliver = (msg) => handler({ data: JSON.stringify(msg) });
      super.onmessage = (e) => {
        handler(e);
        if (!window.dropped.armed || !JSON.parse(e.data).progress) return;
        window.dropped.armed = false;
        window.dropped.down = true;
        this.close();
        this.dispatchEvent(new Event('error'));
      };
    }
  };
})()`;

/** What the functions run in the page see there (the page's Content-Security-Policy refuses strings to evaluate; each
 * function is sent as its text, so it names nothing of this file's). */
interface PageScope {
  dropped: { down: boolean; deliver?: (msg: unknown) => void };
  document: { title: string; documentElement: { lang: string } };
  fetch(url: string): Promise<{ json(): Promise<{ entries: Array<{ reply: { final?: boolean } }> }> }>;
}

/**
 * The newest history entry's reply is final: the job ended on the server. Polled with `page.evaluate`: to
 * `waitForFunction` its promise is a truthy value at once.
 */
const endedOnServer = async () =>
  (await (await (globalThis as unknown as PageScope).fetch('/api/history')).json()).entries[0]?.reply
    .final === true;

describe.skipIf(!haveBrowser)('playground: the tab title of a running job', { timeout: 120_000 }, () => {
  it('drops the percent of a job that ended while the live updates were down, once they are back', async () => {
    // Steps slow enough that the page hears one before the job ends.
    const stack = openPlaygroundOnDouble('title-drop', {}, {}, new TimedEngineDouble(200, 10));
    stack.jobs.queue.start();
    const { server } = await stack.start({ bundledModel: false });
    const { browser, page, pageErrors } = await openBrowserPage(server.url, {
      prepare: (p) => p.addInitScript(DROP_AFTER_FIRST_PROGRESS),
    });
    try {
      const title = await page.title();
      await send(page, '/imagine a slow fox');
      await page.waitForFunction(() => (globalThis as unknown as PageScope).dropped.down, undefined, WAIT);
      await expect.poll(() => page.evaluate(endedOnServer), { ...WAIT, interval: 100 }).toBe(true);
      // Its end went with the dropped stream: the page still shows it running.
      expect(await page.title()).toMatch(PERCENT);
      await page.evaluate('window.dropped.down = false');
      await page.waitForSelector('#log li.bot[data-state=final]', WAIT);
      expect(await page.title()).toBe(title);
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
      await stack.close();
    }
  });

  it('counts a job that finished while the live updates were down in a background tab, once', async () => {
    const stack = openPlaygroundOnDouble('title-drop-unread', {}, {}, new TimedEngineDouble(200, 10));
    stack.jobs.queue.start();
    const { server } = await stack.start({ bundledModel: false });
    const { browser, page, pageErrors } = await openBrowserPage(server.url, {
      prepare: (p) => p.addInitScript(DROP_AFTER_FIRST_PROGRESS),
    });
    try {
      const title = await page.title();
      await page.evaluate(`Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
        document.dispatchEvent(new Event('visibilitychange'));`);
      await send(page, '/imagine a slow fox');
      await page.waitForFunction(() => (globalThis as unknown as PageScope).dropped.down, undefined, WAIT);
      await expect.poll(() => page.evaluate(endedOnServer), { ...WAIT, interval: 100 }).toBe(true);
      expect(await page.title()).not.toMatch(/^\(/);
      await page.evaluate('window.dropped.down = false');
      await page.waitForSelector('#log li.bot[data-state=final]', WAIT);
      expect(await page.title()).toBe(`(1) ${title}`);
      // Its end heard again, late, on the stream that is back: still the one job.
      await page.evaluate(async () => {
        const scope = globalThis as unknown as PageScope;
        const entry = (await (await scope.fetch('/api/history')).json()).entries[0];
        (scope.dropped.deliver as (msg: unknown) => void)(entry?.reply);
      });
      expect(await page.title()).toBe(`(1) ${title}`);
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
      await stack.close();
    }
  });

  it('shows and counts a job of another tab that started and finished while the live updates were down', async () => {
    const stack = openPlaygroundOnDouble('title-drop-other-tab', {}, {}, new TimedEngineDouble(200, 10));
    stack.jobs.queue.start();
    const { server } = await stack.start({ bundledModel: false });
    const { browser, page, pageErrors } = await openBrowserPage(server.url, {
      prepare: (p) => p.addInitScript(DROP_AFTER_FIRST_PROGRESS),
    });
    try {
      const title = await page.title();
      await page.evaluate(`Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
        document.dispatchEvent(new Event('visibilitychange'));`);
      await send(page, '/imagine a slow fox');
      await page.waitForFunction(() => (globalThis as unknown as PageScope).dropped.down, undefined, WAIT);
      // Another tab of the same user sends a line meanwhile: only its events would have told this page of it.
      await page.evaluate(`(async () => {
        const form = new FormData();
        form.append('text', '/imagine a hare from the other tab');
        await fetch('/api/messages', { method: 'POST', body: form });
      })()`);
      // Both ended on the server (polled as `endedOnServer` is).
      const bothEnded = async () => {
        const scope = globalThis as unknown as PageScope;
        const { entries } = await (await scope.fetch('/api/history')).json();
        return entries.length === 2 && entries.every((entry) => entry.reply.final === true);
      };
      await expect.poll(() => page.evaluate(bothEnded), { ...WAIT, interval: 100 }).toBe(true);
      await page.evaluate('window.dropped.down = false');
      await page.locator('#log li.bot[data-job][data-state=final]').nth(1).waitFor(WAIT);
      await page.locator('#log li.user', { hasText: 'a hare from the other tab' }).waitFor(WAIT);
      expect(await page.title()).toBe(`(2) ${title}`);
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
      await stack.close();
    }
  });

  it('keeps the percent when the answer that made a running job comes after its progress', async () => {
    // Steps long enough that no further progress event can put a lost percent back before it is looked at.
    const stack = openPlaygroundOnDouble('title-late-answer', {}, {}, new TimedEngineDouble(1_000, 30));
    stack.jobs.queue.start();
    const { server } = await stack.start({ bundledModel: false });
    const { browser, page, pageErrors } = await openBrowserPage(server.url);
    try {
      // The answer ("Queued") is held until the page shows the job's percent, as a busy server answers late.
      let released: () => void = () => undefined;
      const answered = new Promise<void>((resolve) => {
        released = resolve;
      });
      await page.route('**/api/messages', async (route) => {
        const response = await route.fetch();
        await page.waitForFunction(
          (re) => new RegExp(re).test((globalThis as unknown as PageScope).document.title),
          PERCENT.source,
          WAIT,
        );
        await page.evaluate(`(() => {
          window.titles = [];
          new MutationObserver(() => window.titles.push(document.title))
            .observe(document.querySelector('title'), { childList: true, characterData: true, subtree: true });
        })()`);
        await route.fulfill({ response });
        released();
      });
      await send(page, '/imagine a slow fox');
      await answered;
      // Send is free again once the answer was shown (or, overtaken, left out).
      await page.waitForSelector('#send:not([aria-disabled])', WAIT);
      const titles = (await page.evaluate('window.titles')) as string[];
      expect(titles.filter((one) => !PERCENT.test(one))).toEqual([]);
      expect(await page.title()).toMatch(PERCENT);
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
      await stack.close();
    }
  });

  it('takes the new language’s title when the language changes while a percent shows', async () => {
    // Long enough that the language changes while the job still runs.
    const stack = openPlaygroundOnDouble('title-language', {}, {}, new TimedEngineDouble(400, 20));
    stack.jobs.queue.start();
    const { server } = await stack.start({ bundledModel: false });
    const { browser, page, pageErrors } = await openBrowserPage(server.url);
    try {
      await page.evaluate(`(() => {
        window.titles = [];
        new MutationObserver(() => window.titles.push(document.title))
          .observe(document.querySelector('title'), { childList: true, characterData: true, subtree: true });
      })()`);
      await send(page, '/imagine a slow fox');
      await page.waitForFunction(
        (re) => new RegExp(re).test((globalThis as unknown as PageScope).document.title),
        PERCENT.source,
        WAIT,
      );
      await send(page, '/settings language de');
      await page.waitForFunction(
        () => (globalThis as unknown as PageScope).document.documentElement.lang === 'de',
        undefined,
        WAIT,
      );
      await page.waitForSelector('#log li.bot[data-job][data-state=final]', WAIT);
      const titles = (await page.evaluate('window.titles')) as string[];
      // Once it ended, the German title alone; while it ran, its percent stood before the German title.
      expect(await page.title()).toBe('dimoo-bot-Playground');
      expect(titles.some((one) => PERCENT.test(one) && one.endsWith('· dimoo-bot-Playground'))).toBe(true);
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
      await stack.close();
    }
  });
});
