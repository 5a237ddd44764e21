// The playground at 320 CSS px wide (WCAG 1.4.10 reflow: a desktop at 400%) with the browser's text at its usual
// size and at 200% (1.4.4; Chromium's font-size setting, set over CDP before the page opens), in a real browser
// (Debian's Chromium via playwright-core) against the real server, commands and queue on the timed engine double: in
// every state (a result with all its buttons and the banner, an inline form with its suggestions, the composer's
// suggestions, the full-size view, an attached image, the full-screen brush, the connection notice, an Undo) nothing
// needs sideways scrolling and no control is cut off. And the two views over the page close with Escape and give
// the keyboard back to what opened them: the full-size view, and the full-screen brush, which keeps the keyboard in
// it meanwhile (the page under it is inert). Screenshots go to test/artifacts/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Playground } from '../../../adapters/web/server.js';
import { solidPng } from '../e2e-services.js';
import {
  artifacts,
  attachShown,
  type BrowserPage,
  haveBrowser,
  imagesLoaded,
  openBrowserPage,
} from './playground-browser.js';
import { openPlaygroundOnDouble, type PlaygroundOnDouble } from './playground-server.js';

const PHONE = { width: 320, height: 568 };
const finals = '#log li.bot[data-state=final]';
const WAIT = { timeout: 30_000 };

/**
 * What is off the screen sideways (a visible element beyond either edge), what a box that scrolls or clips cuts off
 * (a control beyond its nearest such box's sides), and whether the page or the conversation scrolls sideways.
 */
const CUT_OFF = `(() => {
  const shown = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && e.checkVisibility() && !e.closest('.visually-hidden'); };
  const name = (e) => e.tagName + (e.id ? '#' + e.id : '') + ' "' + (e.textContent ?? '').trim().slice(0, 24) + '"';
  const out = [];
  for (const e of document.querySelectorAll('body *')) {
    if (!shown(e)) continue;
    const r = e.getBoundingClientRect();
    if (r.right > innerWidth + 0.5 || r.left < -0.5) out.push('OFF SCREEN ' + name(e));
    if (!e.matches('button, a, input, textarea, label, [tabindex]')) continue;
    for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX === 'visible') continue;
      const box = p.getBoundingClientRect();
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5) out.push('CUT OFF ' + name(e) + ' in ' + name(p));
      break;
    }
  }
  const main = document.querySelector('main');
  if (document.documentElement.scrollWidth > innerWidth) out.push('PAGE SCROLLS SIDEWAYS');
  if (main.scrollWidth > main.clientWidth) out.push('CONVERSATION SCROLLS SIDEWAYS');
  return out;
})()`;

describe.skipIf(!haveBrowser)(
  'playground reflow at 320px, and views that close with Escape',
  { timeout: 180_000 },
  () => {
    let stack: PlaygroundOnDouble;
    let server: Playground;
    const opened: BrowserPage[] = [];

    beforeAll(async () => {
      mkdirSync(artifacts, { recursive: true });
      stack = openPlaygroundOnDouble('reflow', { RATE_LIMIT_PER_MINUTE: '0', QUEUE_MAX_PER_USER: '10' });
      ({ server } = await stack.start({ bundledModel: true }));
      stack.jobs.queue.start();
    }, 60_000);

    afterAll(async () => {
      for (const { browser } of opened) await browser.close();
      await stack?.close();
    });

    /** A page of a user of its own at 320×568 whose text is `fontPx` (16 is the browser's usual, 32 is 200%). */
    async function openAt(fontPx: number): Promise<BrowserPage> {
      const setFont = async (page: Page) => {
        const cdp = await page.context().newCDPSession(page);
        const fixed = Math.round((fontPx * 13) / 16);
        await cdp.send('Page.setFontSizes', { fontSizes: { standard: fontPx, fixed } });
      };
      const one = await openBrowserPage(server.url, { page: { viewport: PHONE }, prepare: setFont });
      opened.push(one);
      return one;
    }
    const focused = (page: Page) =>
      page.evaluate(
        "(() => { const a = document.activeElement; if (a === document.body) return 'BODY'; return a.id || a.tagName + ':' + (a.dataset.action ?? a.alt ?? a.textContent.trim()).split(':')[0]; })()",
      ) as Promise<string>;

    it.each([16, 32])(
      'at 320px with %ipx text, nothing is cut off or needs sideways scrolling',
      async (fontPx) => {
        const { page, pageErrors } = await openAt(fontPx);
        const cut = async (state: string) => {
          await page.screenshot({ path: join(artifacts, `playground-reflow-${fontPx}-${state}.png`) });
          return { state, cut: (await page.evaluate(CUT_OFF)) as string[] };
        };
        const states = [];
        await page.fill('#text', '/imagine a red fox in the snow at dawn, very detailed --ar 16:9 --steps 3');
        await page.press('#text', 'Enter');
        await page.waitForSelector(`${finals} img.result`, WAIT);
        // Judged with the picture in: the message is on the page before the image's pixels are.
        await imagesLoaded(page, `${finals} img.result`, WAIT);
        expect(await page.locator(`${finals} .buttons.rows button`).count()).toBeGreaterThan(10);
        expect(await page.evaluate('getComputedStyle(document.body).fontSize')).toBe(`${fontPx}px`);
        expect(await page.locator('#banner').isVisible()).toBe(true);
        states.push(await cut('result'));

        const result = page.locator(finals).last();
        await result.locator('button[data-action^="remix:"]').click();
        const box = result.locator('form.edit-form textarea');
        await box.press('End');
        await box.pressSequentially(' --ste');
        await result.locator('form.edit-form .palette li').first().waitFor(WAIT);
        states.push(await cut('remix-form'));
        await box.press('Escape');
        await box.press('Escape');

        await page.locator('#text').pressSequentially('/ima');
        await page.locator('#palette li').first().waitFor(WAIT);
        states.push(await cut('palette'));
        await page.fill('#text', '');

        await result.locator('img.result').click();
        await page.locator('#viewer[open]').waitFor(WAIT);
        await imagesLoaded(page, '#viewer-image', WAIT);
        states.push(await cut('viewer'));
        await page.keyboard.press('Escape');

        await attachShown(page, 'big.png', await solidPng('#3a3', 512));
        states.push(await cut('attached'));
        await page.check('#draw');
        states.push(await cut('brush'));
        await page.click('#mask-done');
        await page.click('#remove-image');

        await stack.stop(server);
        await page.locator('#connection').waitFor(WAIT);
        states.push(await cut('connection-lost'));
        ({ server } = await stack.start({ port: Number(new URL(server.url).port), bundledModel: true }));
        await page.locator('#connection').waitFor({ state: 'detached', ...WAIT });

        await result.locator('button[data-action^="delete:"]').click();
        states.push(await cut('undo'));
        await page.locator('.toast button.undo').click();

        expect(states.filter((s) => s.cut.length > 0)).toEqual([]);
        expect(pageErrors).toEqual([]);
      },
    );
    it('the full-size view closes with Escape or Close and gives the keyboard back to its image', async () => {
      const { page } = await openAt(16);
      await page.fill('#text', '/imagine a grey cat --steps 2');
      await page.press('#text', 'Enter');
      const image = page.locator(`${finals} img.result`).last();
      await image.waitFor(WAIT);
      await image.focus();
      await page.keyboard.press('Enter');
      expect(await page.evaluate("document.getElementById('viewer').open")).toBe(true);
      await page.keyboard.press('Escape');
      expect(await page.evaluate("document.getElementById('viewer').open")).toBe(false);
      expect(await focused(page)).toBe('IMG:a grey cat');
      await image.click();
      await page.click('#viewer-close');
      expect(await focused(page)).toBe('IMG:a grey cat');
      // Open while the server restarts: back, the page brings its messages up to date, which puts a new image in
      // the old one's place. Escape gives the keyboard to that one, not to the top of the page.
      await image.evaluate((img) => {
        (img as unknown as { dataset: Record<string, string> }).dataset.before = 'restart';
      });
      await image.click();
      await stack.stop(server);
      await page.locator('#connection').waitFor(WAIT);
      ({ server } = await stack.start({ port: Number(new URL(server.url).port), bundledModel: true }));
      await page.locator('img[data-before=restart]').waitFor({ state: 'detached', ...WAIT });
      await page.keyboard.press('Escape');
      // Handed on by the view's close event, which comes after the Escape (its opener is gone from the page).
      await expect.poll(() => focused(page), WAIT).toBe('IMG:a grey cat');
    });

    it('the full-screen brush keeps the keyboard in it, and Escape closes it back to what opened it', async () => {
      const { page, pageErrors } = await openAt(16);
      await attachShown(page, 'big.png', await solidPng('#3a3', 512));
      await page.focus('#draw');
      await page.keyboard.press('Space');
      await page.waitForSelector('#attachment.painting');
      // Tab goes round the view's own controls, never to the message box or Send hidden under the picture.
      const reached = new Set<string>();
      for (let i = 0; i < 8; i += 1) {
        await page.keyboard.press('Tab');
        reached.add(await focused(page));
      }
      // (Past the last, Tab leaves the page for the browser's own controls: <body> here.)
      reached.delete('BODY');
      expect([...reached].sort()).toEqual(['brush', 'clear-mask', 'draw', 'mask-done', 'remove-image']);
      // A stroke with a mouse leaves the keyboard on <body>: Escape closes the view all the same.
      const mask = await page.locator('#mask').boundingBox();
      if (!mask) throw new Error('no mask canvas');
      await page.mouse.move(mask.x + 20, mask.y + 20);
      await page.mouse.down();
      await page.mouse.move(mask.x + 90, mask.y + 90, { steps: 4 });
      await page.mouse.up();
      await page.keyboard.press('Escape');
      expect(await page.locator('#attachment.painting').count()).toBe(0);
      expect(await focused(page)).toBe('draw');
      expect(await page.locator('main').getAttribute('inert')).toBeNull();
      await page.click('#remove-image');

      // Opened by Vary (Region) in the conversation: Escape gives the keyboard back to that button.
      await page.fill('#text', '/imagine a red fox --steps 2');
      await page.press('#text', 'Enter');
      const vary = page.locator(`${finals} button[data-action^="vary_region:"]`).last();
      await vary.waitFor(WAIT);
      await vary.focus();
      await page.keyboard.press('Enter');
      await page.waitForSelector('#attachment.painting', WAIT);
      await page.keyboard.press('Escape');
      expect(await page.locator('#attachment.painting').count()).toBe(0);
      expect(await focused(page)).toBe('BUTTON:vary_region');
      expect(pageErrors).toEqual([]);
    });
  },
);
