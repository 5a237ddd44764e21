// What a new user of the playground meets first, in a real browser (Debian's Chromium via playwright-core) against
// the real server, commands and queue on the timed engine double: what they type as the page opens, before clicking
// anywhere, goes into the message box (it was lost: nothing held the keyboard), an AltGr character too (Windows
// reports AltGr as Ctrl+Alt), while Space and shortcuts stay the page's; the tab's title says how far a running job
// is ("50% · dimoo-bot playground"), and is the page's own again once the job has ended; a long prompt pasted into
// an Edit's box scrolls inside it, its Send and refusal a phone's screen away no more; a /describe asked with no
// words offers no Copy prompt (there is none: it only emptied the message box).
import type { BrowserContextOptions } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { solidPng } from '../e2e-services.js';
import { attachShown, haveBrowser, openBrowserPage, whenReady } from './playground-browser.js';
import { openPlaygroundOnDouble, type PlaygroundOnDouble } from './playground-server.js';

const WAIT = { timeout: 30_000 };

describe.skipIf(!haveBrowser)('playground: a new user’s first steps', { timeout: 120_000 }, () => {
  const opened = async (stack: PlaygroundOnDouble, page?: BrowserContextOptions) => {
    const { server } = await stack.start({ bundledModel: false });
    return openBrowserPage(server.url, { page });
  };

  it('puts what is typed before any click into the message box; Space and shortcuts stay the page’s', async () => {
    const stack = openPlaygroundOnDouble('first-keys');
    const { browser, page, pageErrors } = await opened(stack);
    try {
      const focused = () => page.evaluate('document.activeElement.id || document.activeElement.tagName');
      expect(await focused()).toBe('BODY');
      await page.keyboard.press('Space');
      await page.keyboard.press('Control+a');
      expect(await focused()).toBe('BODY');
      await page.keyboard.type('/help');
      expect(await focused()).toBe('text');
      expect(await page.inputValue('#text')).toBe('/help');
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
      await stack.close();
    }
  });

  it('puts a character typed with AltGr (Ctrl+Alt on Windows) into the message box; Ctrl+Alt alone stays a shortcut', async () => {
    const stack = openPlaygroundOnDouble('altgr-keys');
    const { browser, page, pageErrors } = await opened(stack);
    try {
      // A keydown as Windows reports an AltGr character (@ on a German keyboard: Ctrl and Alt held, and AltGraph in
      // its modifiers), or a Ctrl+Alt shortcut without AltGraph; what holds the keyboard after it.
      const keyOnPage = (altGraph: boolean) =>
        page.evaluate((modifierAltGraph) => {
          const scope = globalThis as unknown as {
            document: { body: { dispatchEvent(e: unknown): boolean }; activeElement: { id: string } | null };
            KeyboardEvent: new (type: string, init: Record<string, unknown>) => unknown;
          };
          const init = {
            key: '@',
            ctrlKey: true,
            altKey: true,
            modifierAltGraph,
            bubbles: true,
            cancelable: true,
          };
          scope.document.body.dispatchEvent(new scope.KeyboardEvent('keydown', init));
          return scope.document.activeElement?.id || 'BODY';
        }, altGraph);
      expect(await keyOnPage(false)).toBe('BODY');
      expect(await keyOnPage(true)).toBe('text');
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
      await stack.close();
    }
  });

  it('shows a running job’s progress in the tab title, and the page’s own title once it ended', async () => {
    // Steps slow enough that the page hears each one (the double's default runs them in a few milliseconds).
    const stack = openPlaygroundOnDouble('title-progress', {}, {}, new TimedEngineDouble(250, 4));
    stack.jobs.queue.start();
    const { browser, page, pageErrors } = await opened(stack);
    try {
      await whenReady(page);
      const title = await page.title();
      // Every title the page takes, in order, from before the line is sent.
      await page.evaluate(`(() => {
        window.titles = [];
        new MutationObserver(() => window.titles.push(document.title))
          .observe(document.querySelector('title'), { childList: true, characterData: true, subtree: true });
      })()`);
      await page.fill('#text', '/imagine a slow fox');
      await page.click('#send');
      await page.waitForSelector('#log li.bot[data-state=final]', WAIT);
      const titles = (await page.evaluate('window.titles')) as string[];
      expect(titles).toContain(`50% · ${title}`);
      expect(titles.every((one) => one === title || /^\d{1,3}% · /.test(one))).toBe(true);
      expect(await page.title()).toBe(title);
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
      await stack.close();
    }
  });

  it('keeps an Edit’s box within the screen however long the line pasted into it', async () => {
    const stack = openPlaygroundOnDouble('long-answer');
    stack.jobs.queue.start();
    const { browser, page, pageErrors } = await opened(stack, { viewport: { width: 390, height: 844 } });
    try {
      await page.fill('#text', '/imagine a fox');
      await page.click('#send');
      const result = page.locator('#log li.bot[data-state=final]').last();
      await result.locator('button[data-action^="edit:"]').click(WAIT);
      const box = result.locator('form.edit-form textarea');
      await box.focus();
      await page.keyboard.insertText('a fox in the snow '.repeat(300));
      const { height, scrolls } = (await page.evaluate(
        `(() => {
          const b = document.querySelector('form.edit-form textarea');
          return { height: b.getBoundingClientRect().height, scrolls: b.scrollHeight > b.clientHeight };
        })()`,
      )) as { height: number; scrolls: boolean };
      expect(height).toBeLessThanOrEqual(844 / 2);
      expect(scrolls).toBe(true);
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
      await stack.close();
    }
  });

  it('offers no Copy prompt under a /describe asked with no words, and keeps what the box holds', async () => {
    const stack = openPlaygroundOnDouble('describe-copy');
    stack.jobs.queue.start();
    const { browser, page, pageErrors } = await opened(stack);
    try {
      await attachShown(page, 'red.png', await solidPng('#c33'), WAIT);
      await page.fill('#text', '/describe');
      await page.click('#send');
      const answer = page.locator('#log li.bot[data-state=final]').last();
      await answer.waitFor(WAIT);
      await page.fill('#text', '/imagine a half-typed line');
      expect(await answer.locator('.context').count()).toBe(1);
      expect(await answer.locator('[data-tool=copy-prompt]').count()).toBe(0);
      expect(await page.inputValue('#text')).toBe('/imagine a half-typed line');
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
      await stack.close();
    }
  });
});
