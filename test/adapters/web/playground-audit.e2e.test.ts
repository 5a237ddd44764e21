// What a user's-eye pass over the playground found, in a real browser (Debian's Chromium via playwright-core) against
// the real server, commands, queue and engine on the generated checkpoint: the page speaking the language chosen
// with /settings (its own words and the job's events, not only the answers), a job's first answer that arrives
// after its own "Started" not taking it back to "Queued", a message box that keeps its height when focused, the
// user's picture shown as a thumbnail with its mask over it exactly and a text alternative, and a result image
// reached with Tab showing the page's focus ring. And a keyboard and screen-reader pass (WCAG 2.2 AA): what the
// status line says and does not say, the names of buttons, images, the suggestions and the brush, a way to name
// the area without the brush, where the keyboard goes after a press, a send, an edit and the full-size view, and
// contrast and target sizes in light and dark (a11y-checks.ts). Screenshots go to test/artifacts/.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Playground } from '../../../adapters/web/server.js';
import { t } from '../../../src/i18n.js';
import type { Services } from '../../../src/services.js';
import { solidPng } from '../e2e-services.js';
import { A11Y_PROBLEMS } from './a11y-checks.js';
import {
  artifacts,
  attach,
  attachShown,
  botCountAbove,
  closeBrowserPlayground,
  drawOnMask,
  haveBrowser,
  lastBotFinal,
  openAsSameUser,
  openBrowserPlayground,
  type PageScope,
  sendWithEnter,
  WAIT,
  withHeldJob,
} from './playground-browser.js';
import type { PlaygroundStack } from './playground-server.js';

describe.skipIf(!haveBrowser)('playground, as a new user finds it', { timeout: 300_000 }, () => {
  let services: Services;
  let playground: PlaygroundStack;
  let server: Playground;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    ({ services, playground, server, browser, page, pageErrors } = await openBrowserPlayground('web-audit'));
  }, 180_000);

  afterAll(() => closeBrowserPlayground({ browser, playground }));

  const bots = (on = page) => on.locator('#log li.bot').count();
  // Browser-side code is passed as strings: this file is type-checked without the DOM library.
  const textHeight = (on = page) =>
    on.evaluate("document.getElementById('text').getBoundingClientRect().height") as Promise<number>;

  it('keeps the message box one line tall when it is focused and after a line is sent', async () => {
    const before = await textHeight();
    await page.focus('#text');
    // Within a rounding of the text's height to whole pixels.
    expect(await textHeight()).toBeCloseTo(before, 0);
    const n = await bots();
    await sendWithEnter(page, '/queue');
    await botCountAbove(page, n, WAIT);
    expect(await textHeight()).toBeCloseTo(before, 0);
    // It still grows with its text.
    await page.fill('#text', 'one\ntwo\nthree');
    await page.dispatchEvent('#text', 'input');
    expect(await textHeight()).toBeGreaterThan(before + 20);
    await page.fill('#text', '');
    await page.dispatchEvent('#text', 'input');
    expect(await textHeight()).toBeCloseTo(before, 0);
  });

  it('shows the picture the user sent as a thumbnail with a text alternative, the drawn mask exactly over it', async () => {
    await attachShown(page, 'pond.png', await solidPng('#2a6', 400), WAIT);
    await page.check('#draw');
    await drawOnMask(page, 0.2, 0.7, 6);
    const n = await bots();
    await sendWithEnter(page, '/retouch a lily pad --steps 2');
    await lastBotFinal(page, WAIT, n);
    const [picture, mask] = (await page.evaluate(
      `[...[...document.querySelectorAll('#log li.user')].pop().querySelectorAll('.thumb img')].map((i) => {
        const r = i.getBoundingClientRect();
        return { alt: i.alt, top: r.top, left: r.left, width: r.width, height: r.height };
      })`,
    )) as Array<{ alt: string; top: number; left: number; width: number; height: number }>;
    expect(picture?.alt).toBe(t('en', 'web.image_alt'));
    // 10rem: a thumbnail, not the 24rem a result may take.
    expect(picture?.height).toBeLessThanOrEqual(160);
    expect(mask).toEqual({ ...picture, alt: t('en', 'web.mask_alt') });
    await page
      .locator('#log li.user')
      .last()
      .screenshot({ path: join(artifacts, 'playground-thumb.png') });
  });

  it('shows the focus ring of the page on a result image reached with Tab', async () => {
    const result = page.locator('#log li.bot').last();
    // From Copy prompt, the next stop after the image, back by keyboard.
    await result.locator('button[data-tool="copy-prompt"]').focus();
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate("document.activeElement.classList.contains('result')")).toBe(true);
    const ring = (await page.evaluate(
      '(() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; })()',
    )) as string[];
    expect(ring).toEqual(['solid', '2px']);
  });

  /** What has the keyboard: its tag, id, `data-action` and `data-job`, e.g. `BUTTON#send` or `LI[job:…]`. */
  const focused = (on = page) =>
    on.evaluate(
      `(() => { const a = document.activeElement;
        return a.tagName + (a.id ? '#' + a.id : '') + (a.dataset.action ? '[' + a.dataset.action + ']' : '')
          + (a.dataset.job ? '[job:' + a.dataset.job + ']' : ''); })()`,
    ) as Promise<string>;
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's locator API, not a DOM node.
  const firstLine = (on = page) => on.locator('#log li.bot').last().locator('p').first().innerText();

  it('says the answer to a line of no job (a list, a refusal) once, and nothing of what a page opens with', async () => {
    for (const line of ['/queue', '/imagine']) {
      const n = await bots();
      await sendWithEnter(page, line);
      await botCountAbove(page, n, WAIT);
      expect(await page.textContent('#status')).toBe(await firstLine());
    }
    expect(await page.textContent('#status')).toBe(t('en', 'errors.prompt_empty'));
    // A page opened on a history of finished jobs has nothing new to say.
    const other = await openAsSameUser(browser, page, server.url);
    try {
      expect(await other.locator('#log li.bot[data-state=final]').count()).toBeGreaterThan(0);
      expect(await other.textContent('#status')).toBe('');
    } finally {
      await other.context().close();
    }
  });

  it('names a button of symbols by its hint and one of words by the words it shows; a result image is a button named by its prompt', async () => {
    const n = await bots();
    await sendWithEnter(page, '/imagine a grid of foxes --n 2 --steps 2 --size 256x256');
    await lastBotFinal(page, WAIT, n);
    const grid = page.locator('#log li.bot').last();
    // Speech input says what it sees: "V1", not "A subtle variation of image 1", which is its description.
    const v1 = grid.getByRole('button', { name: 'V1', exact: true });
    expect(await v1.count()).toBe(1);
    expect(await v1.getAttribute('title')).toBe(t('en', 'hint.vary_pick', { n: 1 }));
    const image = grid.getByRole('button', { name: 'a grid of foxes', exact: true });
    expect(await image.getAttribute('aria-haspopup')).toBe('dialog');
    // The suggestions are a named list whose active row is marked as the focus is.
    await page.fill('#text', '');
    await page.locator('#text').pressSequentially('/im');
    const list = page.getByRole('listbox', { name: t('en', 'web.suggestions_label') });
    await list.waitFor(WAIT);
    expect(await page.getAttribute('#text', 'aria-activedescendant')).toBe('palette-0');
    const ring = await page.evaluate(
      "(() => { const s = getComputedStyle(document.querySelector('#palette [aria-selected=true]')); return [s.outlineStyle, s.outlineWidth]; })()",
    );
    expect(ring).toEqual(['solid', '2px']);
    await page.press('#text', 'Escape');
    expect(await page.getAttribute('#text', 'aria-expanded')).toBe('false');
    await page.fill('#text', '');
    expect(await page.evaluate(A11Y_PROBLEMS)).toEqual([]);
  });

  it('opens the full-size view from a result image with Enter or Space, named by the prompt; Escape gives the keyboard back', async () => {
    const image = page.locator('#log li.bot').last().locator('img.result');
    for (const key of ['Enter', ' ']) {
      await image.focus();
      await page.keyboard.press(key);
      const viewer = page.getByRole('dialog', { name: 'a grid of foxes' });
      await viewer.waitFor(WAIT);
      expect(await focused()).toBe('A#viewer-download');
      await page.keyboard.press('Escape');
      await viewer.waitFor({ state: 'hidden', ...WAIT });
      expect(
        await page.evaluate(
          "document.activeElement === document.querySelector('#log li.bot:last-child img.result')",
        ),
      ).toBe(true);
    }
  });

  it('keeps the keyboard on a pressed button and on Send while their answers come, and on the message when an update takes the button away', async () => {
    // Re-roll, pressed from the keyboard: the focus stays on it while it waits and after.
    const grid = page.locator('#log li.bot').last();
    const reroll = grid.locator('button[data-action^="reroll:"]');
    const action = await reroll.getAttribute('data-action');
    let n = await bots();
    await reroll.focus();
    await page.keyboard.press('Enter');
    await botCountAbove(page, n, WAIT);
    expect(await focused()).toBe(`BUTTON[${action}]`);
    await lastBotFinal(page, WAIT);
    // Send, pressed from the keyboard.
    n = await bots();
    await page.fill('#text', '/queue');
    await page.focus('#send');
    await page.keyboard.press('Enter');
    await botCountAbove(page, n, WAIT);
    expect(await focused()).toBe('BUTTON#send');
    // Cancel, pressed from the keyboard: the job's last event replaces its row, and the message keeps the focus.
    const prompt = 'a kite held by the test';
    await withHeldJob(services, prompt, async () => {
      n = await bots();
      await sendWithEnter(page, `/imagine ${prompt} --steps 2 --size 256x256`);
      await botCountAbove(page, n, WAIT);
      const running = page.locator('#log li.bot').last();
      await running.locator('button[data-action^="cancel:"]').focus();
      await page.keyboard.press('Enter');
      await lastBotFinal(page, WAIT);
      expect(await focused()).toBe(`LI[job:${await running.getAttribute('data-job')}]`);
    });
    // An answered Edit closes its form and gives the keyboard back to Edit, as Close does.
    const editable = '#log li.bot[data-state=final]:has(button[data-action^="edit:"])';
    const done = page.locator(
      `${editable}[data-job="${await page.locator(editable).last().getAttribute('data-job')}"]`,
    );
    const edit = done.locator('button[data-action^="edit:"]');
    await edit.focus();
    await page.keyboard.press('Enter');
    const answer = done.locator('form.edit-form textarea');
    await answer.waitFor(WAIT);
    n = await bots();
    await answer.fill('make it blue --steps 2');
    await answer.press('Enter');
    await botCountAbove(page, n, WAIT);
    await done.locator('form.edit-form').waitFor({ state: 'detached', ...WAIT });
    expect(await focused()).toBe(`BUTTON[${await edit.getAttribute('data-action')}]`);
    await lastBotFinal(page, WAIT);
  });

  it('tells a keyboard user to name the area for /retouch instead of drawing it, which works; Remove image leaves the keyboard in the message box', async () => {
    await attachShown(page, 'meadow.png', await solidPng('#6a2', 256), WAIT);
    expect(await page.locator('#mask-keyboard').isVisible()).toBe(true);
    const hint = t('en', 'web.mask_keyboard_hint');
    expect(await page.textContent('#mask-keyboard')).toBe(hint);
    for (const control of [
      page.getByRole('checkbox', { name: t('en', 'web.draw_mask') }),
      page.getByRole('img', { name: t('en', 'web.mask_label') }),
    ]) {
      const described = await control.getAttribute('aria-describedby');
      expect(await page.textContent(`#${described}`)).toBe(hint);
    }
    expect(await page.evaluate(A11Y_PROBLEMS)).toEqual([]);
    // The advice itself: the area by name, no brush.
    const n = await bots();
    await sendWithEnter(page, '/retouch a hat --box top-left --steps 2');
    await lastBotFinal(page, WAIT, n);
    expect(await page.locator('#log li.bot').last().locator('img.result').count()).toBe(1);
    await attach(page, 'meadow.png', await solidPng('#6a2', 256));
    await page.locator('#remove-image').waitFor(WAIT);
    await page.focus('#remove-image');
    await page.keyboard.press('Enter');
    expect(await page.locator('#attachment').isHidden()).toBe(true);
    expect(await focused()).toBe('TEXTAREA#text');
  });

  it('meets the contrast and target-size minimums in light and in dark', async () => {
    await attach(page, 'meadow.png', await solidPng('#6a2', 256));
    await page.locator('#mask-keyboard').waitFor(WAIT);
    await page.check('#draw');
    try {
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        await page.screenshot({ path: join(artifacts, `playground-${colorScheme}.png`) });
        expect({ colorScheme, problems: await page.evaluate(A11Y_PROBLEMS) }).toEqual({
          colorScheme,
          problems: [],
        });
      }
    } finally {
      await page.emulateMedia({ colorScheme: null });
      await page.click('#remove-image');
    }
  });

  it('does not take a job back to Queued when its own Started event came before the answer that made it', async () => {
    const prompt = 'a lantern that waits';
    await withHeldJob(services, prompt, async () => {
      // The answer is held until the page has shown one of the job's own events past Queued (Started, or Working
      // on it before the pace is measured), as a busy server answers late. The events of the jobs before (their
      // Done, their Working) are past Queued too: only events after `seen`, of a job not seen before, are this one's.
      // Past Queued (an event of a job whose first line is not Queued) is spelled out in each function below: one
      // run in the page gets nothing from the test but its argument.
      const seen = (await page.evaluate('window.dimooEvents.length')) as number;
      await page.route('**/api/messages', async (route) => {
        const response = await route.fetch();
        await page.waitForFunction(
          (from) => {
            const all = (globalThis as unknown as PageScope).dimooEvents;
            const old = new Set(all.slice(0, from).map((e) => e.jobId));
            return all
              .slice(from)
              .some((e) => e.jobId && !old.has(e.jobId) && e.lines[0] && !e.lines[0].startsWith('Queued'));
          },
          seen,
          WAIT,
        );
        await route.fulfill({ response });
      });
      try {
        await sendWithEnter(page, `/imagine ${prompt} --steps 2 --size 256x256`);
        // The answer has been shown once it is among the events after that one.
        await page.waitForFunction(
          (from) => {
            const all = (globalThis as unknown as PageScope).dimooEvents;
            const old = new Set(all.slice(0, from).map((e) => e.jobId));
            const l = all.slice(from).filter((e) => e.jobId && !old.has(e.jobId));
            const i = l.findIndex((e) => e.lines[0] && !e.lines[0].startsWith('Queued'));
            return i >= 0 && l.slice(i + 1).some((e) => e.lines[0]?.startsWith('Queued'));
          },
          seen,
          WAIT,
        );
      } finally {
        await page.unroute('**/api/messages');
      }
      const line = await page.evaluate(
        (from) =>
          (globalThis as unknown as PageScope).dimooEvents
            .slice(from)
            .reverse()
            .find((e) => e.jobId && e.lines[0] && !e.lines[0].startsWith('Queued'))?.lines[0],
        seen,
      );
      const running = page.locator('#log li.bot').last();
      expect(await running.locator('p').first().textContent()).toBe(line);
      expect(await running.getAttribute('data-state')).toBe('live');
      // Its Cancel still works on it.
      await running.locator('button[data-action^="cancel:"]').click();
      await page.waitForFunction(
        () =>
          (globalThis as unknown as PageScope).document.querySelector('#log li.bot:last-of-type')?.dataset
            .state === 'final',
        undefined,
        WAIT,
      );
    });
  });

  /** Waits until `on` is in `lang` (its root's `lang`). */
  const speaks = (on: Page, lang: string) =>
    on.waitForFunction(
      (want) => (globalThis as unknown as PageScope).document.documentElement.lang === want,
      lang,
      WAIT,
    );

  it('speaks the language chosen with /settings: its own words, the answers and the running job alike', async () => {
    // A second tab, opened before the change: its events follow the choice too.
    const other = await openAsSameUser(browser, page, server.url);
    try {
      let n = await bots();
      await sendWithEnter(page, '/settings language de');
      await botCountAbove(page, n, WAIT);
      await speaks(page, 'de');
      expect(await page.textContent('#send')).toBe(t('de', 'web.send'));
      expect(await page.getAttribute('#text', 'placeholder')).toBe(t('de', 'web.placeholder'));
      expect(await page.textContent('label.file-button span')).toBe(t('de', 'web.attach'));
      expect(await page.textContent('#log li.bot:first-child p')).toBe(t('de', 'web.welcome'));
      n = await bots();
      await sendWithEnter(page, '/imagine ein Leuchtturm --steps 2 --size 256x256');
      await lastBotFinal(page, WAIT, n);
      const done = page.locator('#log li.bot').last();
      expect(await done.locator('p').first().textContent()).toMatch(/^Fertig/);
      expect(await done.locator('button[data-action^="reroll:"]').textContent()).toBe(
        t('de', 'button.reroll'),
      );
      // The tab opened in English got the job's events in German and takes the page's words with them. Its own
      // last message is final already (the job before): it waits for this job's.
      const there = other.locator(
        `#log li.bot[data-job="${await done.getAttribute('data-job')}"][data-state=final]`,
      );
      await there.waitFor(WAIT);
      expect(await there.locator('p').first().textContent()).toMatch(/^Fertig/);
      await speaks(other, 'de');
      expect(await other.textContent('#send')).toBe(t('de', 'web.send'));
      await page.screenshot({ path: join(artifacts, 'playground-language.png') });
    } finally {
      await other.context().close();
    }
    // Back to English for whatever runs after.
    const n = await bots();
    await sendWithEnter(page, '/settings language en');
    await botCountAbove(page, n, WAIT);
    await speaks(page, 'en');
    expect(pageErrors).toEqual([]);
  });
});
