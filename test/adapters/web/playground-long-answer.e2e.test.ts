// A long answer to Remix in a real browser (Debian's Chromium via playwright-core) against the real server and
// commands on the timed engine double: one the bot reads but refuses (a prompt of 4,200 foxes, 16,800 bytes) is
// refused in its open form in the bot's words, as anywhere else; one longer than any line the bot takes is refused
// there in the same words before it is sent. Neither goes to the end of the page.
import { describe, expect, it } from 'vitest';
import { MAX_PROMPT_CHARS } from '../../../commands/index.js';
import { t } from '../../../src/i18n.js';
import { haveBrowser, jobsOfSent, resultsOf, useDoublePlaygroundPage } from './playground-browser.js';

const WAIT = { timeout: 30_000 };

describe.skipIf(!haveBrowser)('playground: a long answer to Remix', { timeout: 120_000 }, () => {
  const pg = useDoublePlaygroundPage(
    'long-answer',
    { RATE_LIMIT_PER_MINUTE: '0', QUEUE_MAX_PER_USER: '10' },
    { run: true, settings: { bundledModel: false }, page: { viewport: { width: 900, height: 700 } } },
  );

  it('is refused in its open form, in the words the bot uses everywhere, whether sent or not', async () => {
    const { page } = pg;
    const [job] = await resultsOf(
      page,
      await jobsOfSent(page, async () => {
        await page.fill('#text', '/imagine a fox --steps 2');
        await page.press('#text', 'Enter');
      }),
      WAIT,
    );
    const message = page.locator(`#log li.bot[data-job="${job}"]`);
    await message.locator('button[data-action^="remix:"]').click();
    const form = message.locator('form.edit-form');
    const box = form.locator('textarea');
    await box.waitFor(WAIT);
    const botMessages = await page.locator('#log li.bot').count();
    const answersSent: string[] = [];
    page.on('request', (request) => {
      const body = request.postData();
      if (request.url().endsWith('/api/actions') && body?.includes('"answer"')) answersSent.push(body);
    });
    /** Sends `answer` from the box and waits for `refusal` under it. */
    const refused = async (answer: string, refusal: string) => {
      await box.fill(answer);
      await form.locator('button[type=submit]').click();
      await form.locator('.refusal:not([hidden])', { hasText: refusal }).waitFor(WAIT);
    };

    // Read by the server (once past its limit on a press) and refused by the commands, in their sentence.
    await refused(
      '🦊'.repeat(4200),
      t('en', 'errors.prompt_too_long', { length: 4200, limit: MAX_PROMPT_CHARS }),
    );
    expect(answersSent).toHaveLength(1);

    // Longer than any line the commands take: refused in the form before it is sent, as the commands would.
    await refused(
      'x'.repeat(20_000),
      t('en', 'errors.line_too_long', { length: 20_000, limit: MAX_PROMPT_CHARS }),
    );
    expect(answersSent).toHaveLength(1);

    expect(await form.count()).toBe(1);
    expect(await box.getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate('document.activeElement?.tagName')).toBe('TEXTAREA');
    // In the form, not as messages at the end of the page.
    expect(await page.locator('#log li.bot').count()).toBe(botMessages);
    expect(pg.pageErrors).toEqual([]);
  });
});
