// The playground's keyboard, phone and screen-reader fixes in a real browser (Debian's Chromium via playwright-core)
// against the real server, commands, queue and engine on the generated checkpoint: the attach button reached with
// Tab, files refused before sending, the composer's Enter / Shift+Enter, Escape out of an inline form, an Undo per
// quick deletion, a reader scrolled up left where they are, the banner put away, the status line, the mask drawn
// full screen on a phone. Screenshots go to test/artifacts/.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Playground } from '../../../adapters/web/server.js';
import type { Services } from '../../../src/services.js';
import { solidPng } from '../e2e-services.js';
import {
  artifacts,
  attach,
  attachShown,
  botCountAbove,
  closeBrowserPlayground,
  haveBrowser,
  imagesLoaded,
  openAsSameUser,
  openBrowserPlayground,
  type PageScope,
  sendWithEnter,
  WAIT,
  whenReady,
  withHeldJob,
} from './playground-browser.js';
import type { PlaygroundStack } from './playground-server.js';

describe.skipIf(!haveBrowser)(
  'playground keyboard, phone and screen-reader use',
  { timeout: 300_000 },
  () => {
    let services: Services;
    let playground: PlaygroundStack;
    let server: Playground;
    let browser: Browser;
    let page: Page;
    let pageErrors: string[] = [];

    beforeAll(async () => {
      ({ services, playground, server, browser, page, pageErrors } = await openBrowserPlayground('web-ux'));
    }, 180_000);

    afterAll(() => closeBrowserPlayground({ browser, playground }));

    const count = (selector: string, on = page) => on.locator(selector).count();
    const finals = '#log li.bot[data-state=final]';
    // Browser-side code is passed as strings: this file is type-checked without the DOM library.
    const active = (on = page) =>
      on.evaluate('document.activeElement.id || document.activeElement.textContent') as Promise<string>;

    it('reaches Attach image with the keyboard, with a visible focus ring', async () => {
      await page.focus('#text');
      await page.keyboard.press('Shift+Tab');
      expect(await active()).toBe('file');
      const outline = await page.evaluate(
        "getComputedStyle(document.querySelector('label.file-button')).outlineStyle",
      );
      expect(outline).toBe('solid');
    });

    it('refuses a file of the wrong kind, or one that is no picture, before anything is sent', async () => {
      const error = page.locator('#attach-error');
      await attach(page, 'notes.txt', Buffer.from('hi'), 'text/plain');
      await expect.poll(() => error.textContent(), WAIT).toMatch(/PNG, JPEG or WebP/);
      expect(await page.locator('#attachment').isHidden()).toBe(true);
      // Put away first: the line still holding the refusal before says nothing of this one.
      await page.evaluate("document.getElementById('attach-error').replaceChildren()");
      await attach(
        page,
        'logo.svg',
        Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'),
        'image/svg+xml',
      );
      await expect.poll(() => error.textContent(), WAIT).toMatch(/PNG, JPEG or WebP/);
      expect(await error.isVisible()).toBe(true);
      // A dropped file is checked the same way.
      await page.evaluate(`(() => {
      document.getElementById('attach-error').replaceChildren();
      const data = new DataTransfer();
      data.items.add(new File(['plain words'], 'notes.txt', { type: 'text/plain' }));
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    })()`);
      await expect.poll(() => error.textContent(), WAIT).toMatch(/PNG, JPEG or WebP/);
      expect(await error.isVisible()).toBe(true);
      // Named a PNG but no image by its first bytes: refused as the server refuses its format.
      await attach(page, 'broken.png', Buffer.from('not an image at all'));
      await page.waitForFunction(
        () =>
          /not supported/.test(
            (globalThis as unknown as PageScope).document.getElementById('attach-error')?.textContent ?? '',
          ),
        undefined,
        WAIT,
      );
      expect(await page.locator('#attachment').isHidden()).toBe(true);
      await attach(page, 'ok.png', await solidPng('#c33'));
      await page.waitForSelector('#attachment:not([hidden])');
      expect(await error.isHidden()).toBe(true);
      await page.click('#remove-image');
    });

    it('sends with Enter, starts a new line with Shift+Enter, and sends once however fast Enter is pressed', async () => {
      const text = page.locator('#text');
      const users = await count('#log li.user');
      await text.fill('');
      await text.pressSequentially('/help');
      await text.press('Shift+Enter');
      await text.pressSequentially('more');
      expect(await text.inputValue()).toBe('/help\nmore');
      expect(await count('#log li.user')).toBe(users);
      await text.fill('/help');
      await text.press('Enter');
      await text.press('Enter');
      await page.waitForFunction(
        (least) =>
          (globalThis as unknown as PageScope).document.querySelectorAll('#log li.user').length > least,
        users,
        WAIT,
      );
      await page.waitForTimeout(500);
      expect(await count('#log li.user')).toBe(users + 1);
      expect(await text.inputValue()).toBe('');
    });

    it('makes two results to work on; the status line says how each ended, not every step', async () => {
      const before = await count(finals);
      await sendWithEnter(page, '/imagine a {red, blue} fox --steps 2 --size 256x256');
      await page.waitForFunction(
        ({ selector, least }) =>
          (globalThis as unknown as PageScope).document.querySelectorAll(selector).length >= least,
        { selector: `${finals} img.result`, least: before + 2 },
        WAIT,
      );
      expect(await page.getAttribute('#log', 'aria-live')).toBeNull();
      expect(await page.locator(finals).last().getAttribute('aria-busy')).toBe('false');
      expect(await page.locator('#status').textContent()).not.toBe('');
    });

    it('closes the Remix form with Escape and gives the focus back to Remix; the form has a visible label', async () => {
      const result = page.locator(finals).last();
      const remix = result.locator('.buttons button', { hasText: 'Remix' });
      await remix.click();
      const box = result.locator('form.edit-form textarea');
      await box.waitFor(WAIT);
      expect(await result.locator('form.edit-form label').isVisible()).toBe(true);
      expect(await box.inputValue()).toMatch(/^a blue fox/);
      await box.press('Escape');
      expect(await count('form.edit-form')).toBe(0);
      expect(await active()).toBe('Remix');
    });

    it('gives each of two quick deletions its own Undo, with the focus on it; Undo focuses the message', async () => {
      const results = page.locator(finals);
      const first = results.nth((await results.count()) - 2);
      const second = results.last();
      const firstJob = (await first.getAttribute('data-job')) as string;
      await first.locator('button[data-action^="delete:"]').click();
      await second.locator('button[data-action^="delete:"]').click();
      const undos = page.locator('.toast button.undo');
      expect(await undos.count()).toBe(2);
      const ids = (await page.evaluate(
        "[...document.querySelectorAll('.toast button.undo')].map((n) => n.id)",
      )) as string[];
      expect(new Set(ids).size).toBe(2);
      expect(await active()).toBe(ids[1]);
      await undos.first().click();
      expect(await first.isVisible()).toBe(true);
      expect(await page.evaluate('document.activeElement.dataset.job')).toBe(firstJob);
      await page.waitForTimeout(7000);
      expect(services.jobs.store.get(firstJob)?.status).toBe('done');
      expect(await first.isVisible()).toBe(true);
      // The second's toast goes when its undo time is over, by a timer that a loaded machine runs late.
      await expect.poll(() => count('.toast'), WAIT).toBe(0);
    });

    it("leaves a reader who scrolled up where they are, shows another tab's job with its line, and offers a way down", async () => {
      // A second tab of the same user: a page of its own with the same cookie.
      const reader = await openAsSameUser(browser, page, server.url, {
        viewport: { width: 800, height: 420 },
      });
      // Up to the top, and on once the page has seen the reader go there (its scroll event), not after a guess.
      await reader.evaluate(`new Promise((resolve) => {
        const main = document.querySelector('main');
        if (main.scrollTop === 0) return resolve();
        main.addEventListener('scroll', () => resolve(), { once: true });
        main.scrollTop = 0;
      })`);
      const bots = await count('#log li.bot', reader);
      await sendWithEnter(page, '/imagine a sleepy cat --steps 2 --size 256x256');
      await botCountAbove(reader, bots, WAIT);
      await reader.waitForSelector(`${finals}:last-child img.result`, WAIT);
      expect(await reader.evaluate("document.querySelector('main').scrollTop")).toBeLessThan(10);
      expect(await reader.locator('#new-messages').isVisible()).toBe(true);
      // The other tab's line, which the event lacks, comes from the store: as it was typed.
      await reader.waitForSelector(
        '#log li.user >> text=/^\\/imagine a sleepy cat --steps 2 --size 256x256$/',
        WAIT,
      );
      await reader.screenshot({ path: join(artifacts, 'playground-ux-new-messages.png') });
      await reader.click('#new-messages');
      const gap = (await reader.evaluate(
        "(() => { const m = document.querySelector('main'); return m.scrollHeight - m.scrollTop - m.clientHeight; })()",
      )) as number;
      expect(gap).toBeLessThan(20);
      expect(await reader.locator('#new-messages').isHidden()).toBe(true);
      await reader.close();
    });

    it('keeps a running message as tall as its queued reply, so its Cancel does not move', async () => {
      // Held before its first step (a test double around the real engine) until it is cancelled.
      await withHeldJob(services, 'a held one', async () => {
        await sendWithEnter(page, '/imagine a held one --steps 4 --size 256x256');
        const message = page.locator('#log li.bot').last();
        const cancel = message.locator('button[data-action^="cancel:"]');
        await cancel.waitFor({ state: 'visible', ...WAIT });
        // Queued or started, with or without a countdown: the line's room is there while it runs.
        expect(await message.getAttribute('aria-busy')).toBe('true');
        expect(await message.locator('p.eta, p.eta-space').count()).toBe(1);
        await cancel.click();
        await page.waitForFunction(
          () =>
            (globalThis as unknown as PageScope).document.querySelector('#log li.bot:last-child')?.dataset
              .state === 'final',
          undefined,
          WAIT,
        );
        expect(await message.locator('p.eta, p.eta-space').count()).toBe(0);
      });
    });

    it('puts the random-checkpoint banner away for good', async () => {
      expect(await page.locator('#banner').isVisible()).toBe(true);
      await page.click('#banner-dismiss');
      expect(await page.locator('#banner').isHidden()).toBe(true);
      await page.reload();
      await whenReady(page);
      expect(await page.locator('#banner').isHidden()).toBe(true);
    });

    it('grey text under a result reads at 4.5:1 or more', async () => {
      const color = await page.evaluate(`getComputedStyle(document.querySelector('.context .meta')).color`);
      expect(color).toBe('rgb(95, 99, 104)');
    });

    it('draws the mask full screen on a phone, with targets a finger can hit', async () => {
      const phone = await openAsSameUser(browser, page, server.url, {
        viewport: { width: 390, height: 844 },
        hasTouch: true,
        isMobile: true,
      });
      await attachShown(phone, 'big.png', await solidPng('#3a3', 512));
      await phone.check('#draw');
      const box = await phone.locator('#mask').boundingBox();
      expect(box?.width).toBeGreaterThan(300);
      await phone.screenshot({ path: join(artifacts, 'playground-ux-phone-mask.png') });
      await phone.click('#mask-done');
      expect(await phone.locator('#attachment.painting').count()).toBe(0);
      expect(await phone.isChecked('#draw')).toBe(false);
      // Escape leaves the full-screen view too.
      await phone.check('#draw');
      expect(await phone.locator('#attachment.painting').count()).toBe(1);
      await phone.keyboard.press('Escape');
      expect(await phone.locator('#attachment.painting').count()).toBe(0);
      await phone.screenshot({ path: join(artifacts, 'playground-ux-phone.png') });
      // Opened with history whose images load late, the page still ends at the newest message once they are in.
      await imagesLoaded(phone, '#log img.result', WAIT);
      const gap = (await phone.evaluate(
        "(() => { const m = document.querySelector('main'); return m.scrollHeight - m.scrollTop - m.clientHeight; })()",
      )) as number;
      expect(gap).toBeLessThan(20);
      const button = await phone.locator(`${finals} .buttons button`).first().boundingBox();
      expect(button?.height).toBeGreaterThanOrEqual(44);
      await phone.close();
      expect(pageErrors).toEqual([]);
    });
  },
);
