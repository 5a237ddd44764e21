// A result shown before `/settings language` takes the new language with the rest of the page, in a real browser
// (Debian's Chromium via playwright-core) against the real server and commands on the timed engine double: its
// buttons' labels and hints and its lines, as a reload would show them, without one.
import { describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import { haveBrowser, type PageScope, send, useDoublePlaygroundPage } from './playground-browser.js';

const WAIT = { timeout: 30_000 };

describe.skipIf(!haveBrowser)(
  'playground: results shown before a language change',
  { timeout: 120_000 },
  () => {
    const pg = useDoublePlaygroundPage(
      'relocalize',
      { RATE_LIMIT_PER_MINUTE: '0' },
      { run: true, settings: { bundledModel: false } },
    );

    it('relabel their buttons and reword their lines in the new language', async () => {
      const { page } = pg;
      await send(page, '/imagine a fox --steps 2');
      const result = page.locator('#log li.bot[data-job][data-state=final]').first();
      await result.waitFor(WAIT);
      const button = (action: string) => result.locator(`.buttons button[data-action^="${action}:"]`);
      expect(await button('remix').textContent()).toBe(t('en', 'button.remix'));
      // The same element before and after: a press is never lost to the change.
      await button('delete').evaluate((node) => {
        (node as unknown as { dataset: Record<string, string> }).dataset.marked = 'yes';
      });

      await send(page, '/settings language ja');
      await page.waitForFunction(
        () => (globalThis as unknown as PageScope).document.documentElement.lang === 'ja',
        undefined,
        WAIT,
      );
      await expect.poll(() => button('remix').textContent(), WAIT).toBe(t('ja', 'button.remix'));
      expect(await button('delete').textContent()).toBe(t('ja', 'button.delete'));
      expect(await button('delete').getAttribute('data-marked')).toBe('yes');
      expect(await button('reroll').textContent()).toBe(t('ja', 'button.reroll'));
      // A button of symbols is named by its hint, in the new language too.
      expect(await button('pan_left').getAttribute('aria-label')).toBe(t('ja', 'hint.pan_left'));
      expect(await result.locator('p').first().textContent()).toMatch(/^完了しました/);
      expect(pg.pageErrors).toEqual([]);
    });
  },
);
