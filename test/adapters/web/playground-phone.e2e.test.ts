// The playground on a small phone (320×568 CSS px at 3× with touch) in Russian, one of its longest languages, in a
// real browser (Debian's Chromium via playwright-core) against the real server, commands and queue on the timed
// engine double (its results are plain grey pictures): a result with every button wraps without sideways scrolling
// and its Delete reads at 4.5:1 in light and dark; Attach, the box and Send share one row and leave the conversation
// room above an on-screen keyboard (the page resized to half its height, as index.html asks Android to); the
// suggestions have finger-sized rows; a finger drawing on the mask marks it without scrolling, leaves no gaps
// however quick, and does not swallow the next tap; Vary (Region) opens the brush without pulling up the keyboard.
// Screenshots go to test/artifacts/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solidPng } from '../e2e-services.js';
import {
  artifacts,
  attachShown,
  haveBrowser,
  imagesLoaded,
  openBrowserPage,
  type PageElement,
} from './playground-browser.js';
import { openPlaygroundOnDouble, type PlaygroundOnDouble } from './playground-server.js';

const PHONE = { width: 320, height: 568 };
const finals = '#log li.bot[data-state=final]';

interface Layout {
  width: number;
  scrollWidth: number;
  mainOverflow: number;
  /** Visible elements whose right edge is beyond the screen's. */
  offRight: string[];
}

// Browser-side code is passed as strings: this file is type-checked without the DOM library.
const LAYOUT = `(() => {
  const shown = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && !e.closest('[hidden], .visually-hidden'); };
  const main = document.querySelector('main');
  return {
    width: innerWidth,
    scrollWidth: document.documentElement.scrollWidth,
    mainOverflow: main.scrollWidth - main.clientWidth,
    offRight: [...document.querySelectorAll('body *')].filter(shown)
      .filter((e) => e.getBoundingClientRect().right > innerWidth + 0.5)
      .map((e) => e.tagName + '.' + e.className + ' ' + (e.textContent ?? '').slice(0, 30)),
  };
})()`;

/** The contrast of an element's text over its message's tint over the page (WCAG's formula). */
const CONTRAST = `((selector) => {
  const parse = (c) => {
    const srgb = /color\\(srgb ([\\d.]+) ([\\d.]+) ([\\d.]+)(?: \\/ ([\\d.]+))?\\)/.exec(c);
    if (srgb) return [srgb[1] * 255, srgb[2] * 255, srgb[3] * 255, srgb[4] === undefined ? 1 : Number(srgb[4])];
    const [r, g, b, a] = c.match(/[\\d.]+/g).map(Number);
    return [r, g, b, a === undefined ? 1 : a];
  };
  const over = (top, bottom) => top.slice(0, 3).map((v, i) => v * top[3] + bottom[i] * (1 - top[3]));
  const probe = document.createElement('div');
  probe.style.backgroundColor = 'Canvas';
  document.body.append(probe);
  const page = parse(getComputedStyle(probe).backgroundColor);
  probe.remove();
  const node = document.querySelector(selector);
  const tint = over(parse(getComputedStyle(node.closest('li')).backgroundColor), page);
  const text = over(parse(getComputedStyle(node).color), tint);
  const lum = (rgb) => rgb.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const [a, b] = [lum(text), lum(tint)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
})`;

describe.skipIf(!haveBrowser)('playground on a small phone', { timeout: 120_000 }, () => {
  let stack: PlaygroundOnDouble;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    stack = openPlaygroundOnDouble('phone', { RATE_LIMIT_PER_MINUTE: '0', QUEUE_MAX_PER_USER: '10' });
    const { server } = await stack.start({ bundledModel: true });
    stack.jobs.queue.start();
    ({ browser, page, pageErrors } = await openBrowserPage(server.url, {
      page: {
        locale: 'ru-RU',
        viewport: PHONE,
        deviceScaleFactor: 3,
        isMobile: true,
        hasTouch: true,
      },
    }));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const layout = () => page.evaluate(LAYOUT) as Promise<Layout>;
  const box = async (selector: string) => {
    const found = await page.locator(selector).boundingBox();
    if (!found) throw new Error(`${selector} is not shown`);
    return found;
  };

  /** A finger drawn through `points` (fractions of the mask's width and height), one touch event each. */
  async function fingerStroke(points: Array<[number, number]>) {
    const mask = await box('#mask');
    const at = ([x, y]: [number, number]) => ({ x: mask.x + mask.width * x, y: mask.y + mask.height * y });
    const cdp = await page.context().newCDPSession(page);
    const [first, ...rest] = points.map(at);
    await cdp.send('Input.dispatchTouchEvent', {
      type: 'touchStart',
      touchPoints: [first ?? at([0.5, 0.5])],
    });
    for (const point of rest)
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [point] });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await cdp.detach();
  }

  /** The mask's alpha at fractions of its width and height (0: nothing drawn there). */
  const maskAt = (points: Array<[number, number]>) =>
    page.evaluate(
      `(${JSON.stringify(points)}).map(([x, y]) => { const c = document.getElementById('mask'); return c.getContext('2d').getImageData(Math.round(c.width * x), Math.round(c.height * y), 1, 1).data[3]; })`,
    ) as Promise<number[]>;

  it('wraps a result with every button in Russian without sideways scrolling; Delete reads at 4.5:1', async () => {
    expect(await page.evaluate('document.documentElement.lang')).toBe('ru');
    await page.fill('#text', '/imagine a red fox in the snow at dawn, very detailed --ar 16:9 --steps 3');
    await page.locator('#send').tap();
    await page.waitForSelector(`${finals} img.result`, { timeout: 60_000 });
    // The layout with the picture in it: the message is there before the image's pixels are.
    await imagesLoaded(page, `${finals} img.result`, { timeout: 60_000 });
    const result = page.locator(finals).last();
    // The whole set: Re-roll, the Varys, the Upscales, Edit, Describe, the zooms, the arrows, Remix, Make square, Delete.
    const actions = (await result
      .locator('.buttons.rows button')
      .evaluateAll((buttons) =>
        buttons.map((b) => (b as unknown as PageElement).dataset.action?.split(':')[0]),
      )) as string[];
    expect(actions).toEqual(
      expect.arrayContaining([
        'reroll',
        'upscale_creative',
        'zoomcustom',
        'pan_down',
        'remix',
        'square',
        'delete',
      ]),
    );
    expect(actions.length).toBe(18);
    expect(await layout()).toEqual({ width: 320, scrollWidth: 320, mainOverflow: 0, offRight: [] });
    const heights = (await result
      .locator('.buttons button')
      .evaluateAll((buttons) =>
        buttons.map((b) => (b as unknown as { offsetHeight: number }).offsetHeight),
      )) as number[];
    expect(Math.min(...heights)).toBeGreaterThanOrEqual(44);
    const image = await result.locator('img.result').boundingBox();
    expect((image?.x ?? 0) + (image?.width ?? 999)).toBeLessThanOrEqual(320);
    await result.screenshot({ path: join(artifacts, 'playground-phone-result.png') });

    const danger = `${finals}:last-child .buttons button.danger`;
    expect(await page.evaluate(`${CONTRAST}(${JSON.stringify(danger)})`)).toBeGreaterThanOrEqual(4.5);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await page.evaluate(`${CONTRAST}(${JSON.stringify(danger)})`)).toBeGreaterThanOrEqual(4.5);
    await page.emulateMedia({ colorScheme: 'light' });

    // The inline forms fit as well.
    for (const action of ['remix:', 'zoomcustom:']) {
      await result.locator(`button[data-action^="${action}"]`).tap();
      const form = result.locator('form.edit-form textarea');
      await form.waitFor();
      expect(await layout()).toEqual({ width: 320, scrollWidth: 320, mainOverflow: 0, offRight: [] });
      await form.press('Escape');
    }
  });

  it('keeps Attach, the box and Send on one row, and the conversation in sight above the keyboard', async () => {
    const row = async () =>
      Promise.all(['label.file-button', '#text', '#send'].map(async (selector) => (await box(selector)).y));
    const [attachTop, textTop, sendTop] = await row();
    expect(textTop).toBe(attachTop);
    expect(sendTop).toBe(attachTop);
    expect((await box('#composer')).height).toBeLessThanOrEqual(70);
    // The attach button keeps its words as its name.
    expect(await page.getByLabel('Прикрепить изображение').count()).toBe(1);

    // The on-screen keyboard takes half the height (Android resizes the page, index.html's viewport asks it to).
    await page.locator('#text').focus();
    await page.setViewportSize({ width: PHONE.width, height: PHONE.height / 2 });
    try {
      await page.fill('#text', Array.from({ length: 8 }, (_, i) => `line ${i}`).join('\n'));
      await page.dispatchEvent('#text', 'input');
      await page.screenshot({ path: join(artifacts, 'playground-phone-keyboard.png') });
      const composer = await box('#composer');
      expect(composer.y).toBeGreaterThanOrEqual(0);
      expect(composer.y + composer.height).toBeLessThanOrEqual(PHONE.height / 2 + 0.5);
      // A long line scrolls inside the box rather than pushing the conversation off the screen.
      expect((await box('main')).height).toBeGreaterThanOrEqual(100);
      expect(await page.locator('h1').isVisible()).toBe(false);
    } finally {
      await page.fill('#text', '');
      await page.dispatchEvent('#text', 'input');
      await page.setViewportSize(PHONE);
    }
    expect(await page.locator('h1').isVisible()).toBe(true);
  });

  it('offers suggestions on screen, in rows a finger can hit', async () => {
    await page.locator('#text').pressSequentially('/');
    await page.waitForSelector('#palette:not([hidden])');
    const list = await box('#palette');
    expect(list.x).toBeGreaterThanOrEqual(0);
    expect(list.x + list.width).toBeLessThanOrEqual(PHONE.width);
    expect(list.y).toBeGreaterThanOrEqual(0);
    const rows = (await page
      .locator('#palette li')
      .evaluateAll((items) =>
        items.map((li) => (li as unknown as { offsetHeight: number }).offsetHeight),
      )) as number[];
    expect(Math.min(...rows)).toBeGreaterThanOrEqual(44);
    await page.locator('#text').press('Escape');
    await page.fill('#text', '');
  });

  it('draws the mask with a finger: marked without scrolling, no gaps however quick, and Done takes one tap', async () => {
    await attachShown(page, 'big.png', await solidPng('#3a3', 512));
    // The brush's switch is a whole line to tap, not a 13px box; Remove image is in sight in the small panel.
    expect((await box('.tools label:has(#draw)')).height).toBeGreaterThanOrEqual(44);
    const panel = await box('#attachment');
    const remove = await box('#remove-image');
    expect(remove.y + remove.height).toBeLessThanOrEqual(panel.y + panel.height);
    await page.locator('#draw').tap();
    await page.waitForSelector('#attachment.painting');
    const scrolled = `[scrollY, document.getElementById('attachment').scrollTop, document.querySelector('main').scrollTop]`;
    const before = await page.evaluate(scrolled);
    await page.evaluate(
      "window.pointerTypes = []; document.getElementById('mask').addEventListener('pointerdown', (e) => window.pointerTypes.push(e.pointerType))",
    );
    // A quick swipe: three touch events across the picture, each further from the last than the brush is wide.
    await fingerStroke([
      [0.1, 0.5],
      [0.5, 0.5],
      [0.9, 0.5],
    ]);
    expect(await page.evaluate('window.pointerTypes')).toEqual(['touch']);
    const marked = await maskAt([
      [0.1, 0.5],
      [0.3, 0.5],
      [0.5, 0.5],
      [0.7, 0.5],
      [0.9, 0.5],
    ]);
    expect(marked.every((alpha) => alpha > 0)).toBe(true);
    expect(await maskAt([[0.5, 0.1]])).toEqual([0]);
    expect(await page.evaluate(scrolled)).toEqual(before);
    await page.screenshot({ path: join(artifacts, 'playground-phone-mask.png') });
    await page.locator('#mask-done').tap();
    expect(await page.locator('#attachment.painting').count()).toBe(0);
    await page.locator('#remove-image').tap();
    expect(await page.locator('#attachment').isHidden()).toBe(true);
  });

  it('opens Vary (Region) in the full-screen brush without pulling up the keyboard over it', async () => {
    // From an empty composer, whatever the test before left.
    await page.evaluate(
      "document.getElementById('mask-done').click(); document.getElementById('remove-image').click()",
    );
    const result = page.locator(finals).last();
    await result.locator('button[data-action^="vary_region:"]').tap();
    await page.waitForSelector('#attachment.painting', { timeout: 30_000 });
    expect(await page.inputValue('#text')).toMatch(/^\/retouch a red fox/);
    expect(await page.evaluate('document.activeElement.id')).not.toBe('text');
    await page.locator('#mask-done').tap();
    await page.locator('#remove-image').tap();
    expect(pageErrors).toEqual([]);
  });
});
