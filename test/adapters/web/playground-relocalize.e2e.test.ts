// A result shown before `/settings language` takes the new language with the rest of the page, in a real browser
// (Debian's Chromium via playwright-core) against the real server and commands on the timed engine double: its
// buttons' labels and hints and its lines, as a reload would show them, without one; an answer form open on it, its
// label and buttons, the words typed in it kept.
import { beforeAll, describe, expect, it } from 'vitest';
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

    it('keep an answer form open on a result, with the words typed in it, its own words in the new language', async () => {
      const { page } = pg;
      // The page speaks Japanese since the test before: the change here is back to English.
      await send(page, '/imagine a heron --steps 2');
      const results = page.locator('#log li.bot[data-job][data-state=final]');
      await expect.poll(() => results.count(), WAIT).toBe(2);
      const result = results.last();
      await result.locator('.buttons button[data-action^="remix:"]').click();
      const form = result.locator('form.edit-form');
      const box = form.locator('textarea');
      await box.waitFor(WAIT);
      await box.fill('my half-written remix');
      const words = () =>
        Promise.all([
          form.locator('label').textContent(),
          form.locator('button[type=submit]').textContent(),
          form.locator('button[type=button]').textContent(),
        ]);
      expect(await words()).toEqual([t('ja', 'ask.remix.label'), t('ja', 'web.send'), t('ja', 'web.close')]);

      await send(page, '/settings language en');
      await expect
        .poll(() => result.locator('.buttons button[data-action^="remix:"]').textContent(), WAIT)
        .toBe(t('en', 'button.remix'));
      // Redrawn in English around the form, which is the same one, its words as typed.
      expect(await result.locator('p').first().textContent()).toMatch(/^Done/);
      expect(await box.inputValue()).toBe('my half-written remix');
      // The form's own words, its question's label and its buttons, in English too.
      await expect
        .poll(words, WAIT)
        .toEqual([t('en', 'ask.remix.label'), t('en', 'web.send'), t('en', 'web.close')]);
      expect(pg.pageErrors).toEqual([]);
    });
  },
);

describe.skipIf(!haveBrowser)(
  'playground: a waiting job shown before a language change',
  { timeout: 120_000 },
  () => {
    // The queue never starts: the job stays waiting, its countdown ticking.
    const pg = useDoublePlaygroundPage(
      'relocalize-waiting',
      { RATE_LIMIT_PER_MINUTE: '0' },
      { settings: { bundledModel: false } },
    );
    // A pace measured on the double's device, so the job's reply gives a time, which the page counts down.
    beforeAll(() => pg.stack.jobs.store.setCalibration('cpu', 1, 1));

    it('is reworded in the new language, its countdown too', async () => {
      const { page } = pg;
      await send(page, '/imagine a fox --steps 2');
      const job = page.locator('#log li.bot[data-job][data-state=live]').first();
      await job.waitFor(WAIT);
      const before = await job.locator('p').first().textContent();
      expect(before).toMatch(/^Queued/);
      const cancel = job.locator('.buttons button[data-action^="cancel:"]');
      await cancel.evaluate((node) => {
        (node as unknown as { dataset: Record<string, string> }).dataset.marked = 'yes';
      });

      await send(page, '/settings language ja');
      await expect.poll(() => job.locator('p').first().textContent(), WAIT).toMatch(/^受け付けました/);
      expect(await cancel.textContent()).toBe(t('ja', 'button.cancel'));
      expect(await cancel.getAttribute('data-marked')).toBe('yes');
      const eta = job.locator('p.eta');
      expect(await eta.textContent()).toMatch(/^残り約/);
      expect(pg.pageErrors).toEqual([]);
    });
  },
);
