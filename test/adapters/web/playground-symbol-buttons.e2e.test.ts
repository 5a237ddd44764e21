// Buttons that show symbols alone (the pan arrows ⬅️ ➡️ ⬆️ ⬇️), in a real browser (Debian's Chromium via
// playwright-core) against the real server and commands on the timed engine double: each is named to a screen reader
// by what it does, in the page's language, never by its emoji's name; no button of a result is named by symbols.
import { describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import { A11Y_PROBLEMS } from './a11y-checks.js';
import { haveBrowser, type PageScope, send, useDoublePlaygroundPage } from './playground-browser.js';

const WAIT = { timeout: 30_000 };
const PANS = ['pan_left', 'pan_right', 'pan_up', 'pan_down'] as const;

describe.skipIf(!haveBrowser)('playground: buttons of symbols', { timeout: 120_000 }, () => {
  const pg = useDoublePlaygroundPage(
    'symbol-buttons',
    { RATE_LIMIT_PER_MINUTE: '0', QUEUE_MAX_PER_USER: '10' },
    { run: true, settings: { bundledModel: false }, page: { viewport: { width: 900, height: 900 } } },
  );

  /** Sends a job and gives the names and titles of its result's pan arrows once it has ended. */
  async function pansOf(line: string, finals: number) {
    const { page } = pg;
    await send(page, line);
    const selector = '#log li.bot[data-job][data-state=final]';
    await page.waitForFunction(
      ([s, n]) => (globalThis as unknown as PageScope).document.querySelectorAll(s).length >= n,
      [selector, finals] as const,
      WAIT,
    );
    const result = page.locator(selector).nth(finals - 1);
    const named = [];
    for (const action of PANS) {
      const button = result.locator(`.buttons button[data-action^="${action}:"]`);
      named.push({
        name: await button.getAttribute('aria-label'),
        title: await button.getAttribute('title'),
        shown: await button.textContent(),
      });
    }
    return named;
  }

  it('names each pan arrow by what it does, in the page’s language', async () => {
    const english = await pansOf('/imagine a fox --steps 2', 1);
    expect(english.map((b) => b.name)).toEqual(PANS.map((action) => t('en', `hint.${action}`)));
    expect(english.map((b) => b.title)).toEqual(english.map((b) => b.name));
    expect(english.map((b) => b.shown)).toEqual(PANS.map((action) => t('en', `button.${action}`)));
    const problems = (await pg.page.evaluate(A11Y_PROBLEMS)) as string[];
    expect(problems.filter((p) => p.startsWith('NAME'))).toEqual([]);

    await send(pg.page, '/settings language de');
    await pg.page.waitForFunction(
      () => (globalThis as unknown as PageScope).document.documentElement.lang === 'de',
      undefined,
      WAIT,
    );
    const german = await pansOf('/imagine ein Fuchs --steps 2', 2);
    expect(german.map((b) => b.name)).toEqual(PANS.map((action) => t('de', `hint.${action}`)));
  });
});
