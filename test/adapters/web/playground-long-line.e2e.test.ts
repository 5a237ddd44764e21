// A long line of the user's in the conversation, in a real browser (Debian's Chromium via playwright-core) against the
// real server and commands on the timed engine double: folded to its first lines with a "Show more" button (it
// showed as one bubble taller than the window), opened and folded again from the keyboard, the button's words in the
// page's language; a line that fits the bubble's width has no button until the window narrows, nor once folded again
// on a wider window (the keyboard on the bubble); a line of few but wide characters (Japanese) folds as its height
// says; the fold's edge runs between two lines, of a set height; a reload folds it again from the history.
import { describe, expect, it } from 'vitest';
import { A11Y_PROBLEMS } from './a11y-checks.js';
import { haveBrowser, type PageScope, send, useDoublePlaygroundPage } from './playground-browser.js';

const WAIT = { timeout: 30_000 };

/** A line's paragraph and its toggle, as the page has them now. */
const STATE_OF = `((index) => {
  const li = document.querySelectorAll('#log li.user')[index];
  const p = li.querySelector('p');
  const toggle = li.querySelector('.fold-toggle');
  // One line's height in that bubble (a 'normal' line height computes to no number).
  const probe = Object.assign(document.createElement('p'), { textContent: 'x' });
  li.append(probe);
  const lineHeight = probe.clientHeight;
  probe.remove();
  // The lines' glyph boxes that the fold's edge runs through (a 'normal' line height grew with a fallback font, and
  // six of the line's own heights ended inside the sixth line).
  const edge = p.getBoundingClientRect().top + p.clientHeight;
  const range = document.createRange();
  range.selectNodeContents(p);
  const cut = [...range.getClientRects()].filter((r) => r.top < edge - 0.5 && r.bottom > edge + 0.5).length;
  return {
    shown: p.clientHeight,
    whole: p.scrollHeight,
    lineHeight,
    cssLineHeight: getComputedStyle(p).lineHeight,
    cut,
    bubbleFocused: document.activeElement === li,
    toggle: toggle && {
      hidden: toggle.hidden,
      text: toggle.textContent,
      expanded: toggle.getAttribute('aria-expanded'),
      controls: toggle.getAttribute('aria-controls') === p.id,
      focused: document.activeElement === toggle,
    },
  };
})`;

interface LineState {
  shown: number;
  whole: number;
  lineHeight: number;
  cssLineHeight: string;
  cut: number;
  bubbleFocused: boolean;
  toggle: { hidden: boolean; text: string; expanded: string; controls: boolean; focused: boolean } | null;
}

describe.skipIf(!haveBrowser)('playground: a long line of the user’s', { timeout: 120_000 }, () => {
  const pg = useDoublePlaygroundPage(
    'long-line',
    { RATE_LIMIT_PER_MINUTE: '0', QUEUE_MAX_PER_USER: '10' },
    { settings: { bundledModel: false }, page: { viewport: { width: 900, height: 700 } } },
  );
  const state = (index: number) => pg.page.evaluate(`${STATE_OF}(${index})`) as Promise<LineState>;
  /** After the page's next two frames: its ResizeObservers have run. */
  const settled = () =>
    pg.page.evaluate(
      'new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(undefined))))',
    );
  const long = `/imagine ${'a red fox in the deep snow under a pale winter moon, '.repeat(17)}`.trim();
  // Past the length that may fold, yet four lines or so at 900 px.
  const medium = `/imagine ${'a grey owl on a branch, '.repeat(13)}`.trim();

  it('folds a long line to a few lines, opened and folded again from the keyboard', async () => {
    const { page } = pg;
    await send(page, long);
    await page.locator('#log li.user').first().locator('.fold-toggle:not([hidden])').waitFor(WAIT);
    const folded = await state(0);
    // Six whole lines of a set height: the edge of the fold runs between two lines.
    expect(folded.cssLineHeight).toMatch(/^[\d.]+px$/);
    expect(folded.shown).toBeCloseTo(6 * Number.parseFloat(folded.cssLineHeight), 0);
    expect(folded.cut).toBe(0);
    expect(folded.whole).toBeGreaterThan(10 * folded.lineHeight);
    // No scroll box (find-in-page scrolled a match inside it, off the first lines, with no way back).
    const scrolled = `(() => {
      const p = document.querySelector('#log li.user p');
      p.scrollTop = 1000;
      return p.scrollTop;
    })()`;
    expect(await page.evaluate(scrolled)).toBe(0);
    expect(folded.toggle).toEqual({
      hidden: false,
      text: 'Show more',
      expanded: 'false',
      controls: true,
      focused: false,
    });
    // Its colours, outline and size pass as every control of the page does.
    expect(((await page.evaluate(A11Y_PROBLEMS)) as string[]).filter((p) => /Show/.test(p))).toEqual([]);

    await page.locator('.fold-toggle').first().focus();
    await page.keyboard.press('Enter');
    const open = await state(0);
    expect(open.shown).toBe(open.whole);
    expect(open.toggle).toMatchObject({ text: 'Show less', expanded: 'true', focused: true });

    await page.keyboard.press('Space');
    const again = await state(0);
    expect(again.shown).toBeLessThanOrEqual(6 * again.lineHeight + 1);
    expect(again.toggle).toMatchObject({
      hidden: false,
      text: 'Show more',
      expanded: 'false',
      focused: true,
    });
  });

  it('shows the button for a line only while it runs past the bubble’s width', async () => {
    const { page } = pg;
    await send(page, medium);
    await page.locator('#log li.user').nth(1).waitFor(WAIT);
    await settled();
    const wide = await state(1);
    expect(wide.whole).toBeLessThanOrEqual(6 * wide.lineHeight + 1);
    // None, or none shown.
    expect(wide.toggle?.hidden ?? true).toBe(true);
    await page.setViewportSize({ width: 320, height: 700 });
    await page.locator('#log li.user').nth(1).locator('.fold-toggle:not([hidden])').waitFor(WAIT);
    await page.setViewportSize({ width: 900, height: 700 });
    await page
      .locator('#log li.user')
      .nth(1)
      .locator('.fold-toggle[hidden]')
      .waitFor({ state: 'attached', ...WAIT });
  });

  it('hides the button that folds again a line opened narrow, once it fits, the keyboard on the bubble', async () => {
    const { page } = pg;
    await page.setViewportSize({ width: 320, height: 700 });
    const toggle = page.locator('#log li.user').nth(1).locator('.fold-toggle:not([hidden])');
    await toggle.waitFor(WAIT);
    await toggle.focus();
    await page.keyboard.press('Enter');
    expect((await state(1)).toggle).toMatchObject({ text: 'Show less', expanded: 'true', focused: true });
    // Wide enough now for the whole line within the fold: "Show less" folds it, and nothing is left to show.
    await page.setViewportSize({ width: 900, height: 700 });
    await settled();
    await page.keyboard.press('Enter');
    const after = await state(1);
    expect(after.toggle).toMatchObject({ hidden: true, expanded: 'false' });
    expect(after.shown).toBe(after.whole);
    expect(after.bubbleFocused).toBe(true);
    // Narrow again, it runs past the fold: the button is back, to open it.
    await page.setViewportSize({ width: 320, height: 700 });
    await toggle.waitFor(WAIT);
    expect((await state(1)).toggle).toMatchObject({ text: 'Show more', expanded: 'false' });
    await page.setViewportSize({ width: 900, height: 700 });
  });

  it('folds a line of Japanese that runs past the fold on a phone, however few its characters', async () => {
    const { page } = pg;
    await page.setViewportSize({ width: 360, height: 700 });
    // 229 characters: a dozen lines at 360 px.
    const japanese = `/imagine ${'雪の深い森で青白い冬の月の下に赤い狐がいる、'.repeat(10)}`;
    expect(japanese.length).toBe(229);
    await send(page, japanese);
    await page.locator('#log li.user').nth(2).locator('.fold-toggle:not([hidden])').waitFor(WAIT);
    const folded = await state(2);
    expect(folded.whole).toBeGreaterThan(10 * folded.lineHeight);
    expect(folded.shown).toBeCloseTo(6 * Number.parseFloat(folded.cssLineHeight), 0);
    expect(folded.cut).toBe(0);
    await page.setViewportSize({ width: 900, height: 700 });
  });

  it('folds the line again after a reload, in the language of the page', async () => {
    const { page } = pg;
    await page.reload();
    await page.waitForSelector('body[data-ready=true]', WAIT);
    await page.locator('#log li.user').first().locator('.fold-toggle:not([hidden])').waitFor(WAIT);
    expect((await state(0)).toggle).toMatchObject({ text: 'Show more', expanded: 'false' });
    await send(page, '/settings language de');
    await page.waitForFunction(
      () => (globalThis as unknown as PageScope).document.documentElement.lang === 'de',
      undefined,
      WAIT,
    );
    await page.locator('.fold-toggle', { hasText: 'Mehr anzeigen' }).first().waitFor(WAIT);
    await page.locator('.fold-toggle').first().click();
    expect((await state(0)).toggle?.text).toBe('Weniger anzeigen');
  });
});
