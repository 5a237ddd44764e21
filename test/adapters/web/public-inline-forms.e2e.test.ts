// The playground's inline forms (Edit, Remix, Custom zoom, and Vary (Region) where the result cannot go into the
// composer) in a real browser (Debian's Chromium via playwright-core), on the page's own files with the server's
// answers stubbed (no engine): each offers the composer's palette for the flags, and Escape closes that list first,
// then the form, giving the keyboard back to the button that opened it. An answer the server could not take stays in
// its form, to send again; so does one the bot refused, its refusal shown and said in the form, not at the page's end.
import { existsSync, readFileSync } from 'node:fs';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toWebMessage } from '../../../adapters/web/render.js';
import { ALL_FLAGS, textReply } from '../../../commands/index.js';
import { recordSaid, timesSaid } from './live-regions.js';
import { haveBrowser, openBrowserPage, suggestionsShow } from './playground-browser.js';

const ORIGIN = 'http://playground.test';
const FORM_LIST = { list: 'form.edit-form .palette' };
const publicDir = new URL('../../../adapters/web/public/', import.meta.url);
const TYPES: Record<string, string> = { js: 'text/javascript', css: 'text/css', svg: 'image/svg+xml' };

const BUTTONS = [
  { id: 'edit:job1', label: 'Edit', style: 'secondary' },
  { id: 'remix:job1', label: 'Remix', style: 'secondary' },
  { id: 'zoomcustom:job1', label: 'Custom zoom', style: 'secondary' },
  { id: 'vary_region:job1', label: 'Vary (Region)', style: 'secondary' },
];
const ASKS: Record<string, string> = {
  remix: 'imagine_line',
  zoomcustom: 'zoom_line',
  vary_region: 'region_line',
};

/** Whether the server is out of reach (restarting): the page's requests then fail as a refused connection does. */
let down = false;

/** The bot's refusals of a flag out of range, as the server renders them (commands/validate.ts's keys). */
const REFUSALS: Array<[RegExp, ReturnType<typeof toWebMessage>]> = [
  [
    /--zoom 5\b/,
    toWebMessage(
      textReply('errors.flag.range_number', { flag: '--zoom', min: 1.1, max: 2, value: '5' }),
      'en',
    ),
  ],
  [
    /--steps 999\b/,
    toWebMessage(
      textReply('errors.flag.range_integer', { flag: '--steps', min: 1, max: 256, value: '999' }),
      'en',
    ),
  ],
];
/** The page's refusal of an empty answer (`web.answer_empty`; this stub sends no strings, so the page's own). */
const EMPTY = 'The box is empty: type your answer, or press Close.';
/** Answers the bot refused, in order. */
const refused: string[] = [];

/** The server as the page sees it: its files, one finished job with the four buttons, and the asks they get. */
async function serve(route: Route, answers: string[]) {
  const request = route.request();
  if (down && request.url().includes('/api/')) return route.abort('connectionrefused');
  const url = new URL(request.url());
  const json = (body: unknown) =>
    route.fulfill({ contentType: 'application/json', body: JSON.stringify(body) });
  if (url.pathname === '/api/info')
    return json({
      locale: 'en',
      strings: {},
      bundledModel: false,
      device: 'cpu',
      commands: [{ name: 'imagine', description: 'Draw a picture' }],
      flags: ALL_FLAGS.map((flag) => `--${flag}`),
    });
  if (url.pathname === '/api/history')
    return json({
      entries: [
        {
          jobId: 'job1',
          asked: { text: '/imagine a fox', images: [] },
          reply: {
            jobId: 'job1',
            lines: ['Done.'],
            images: [],
            buttons: [BUTTONS],
            final: true,
            outcome: 'done',
          },
        },
      ],
    });
  if (url.pathname === '/api/suggest') return json({ suggestions: [] });
  if (url.pathname === '/api/events')
    return route.fulfill({ contentType: 'text/event-stream', body: 'retry: 600000\n\n' });
  if (url.pathname === '/api/actions') {
    const { id, answer } = JSON.parse(request.postData() ?? '{}') as { id: string; answer?: string };
    const refusal = answer === undefined ? undefined : REFUSALS.find(([typed]) => typed.test(answer));
    if (answer !== undefined && refusal) {
      refused.push(answer);
      return json(refusal[1]);
    }
    if (answer !== undefined) {
      answers.push(answer);
      return json({ lines: ['Queued.'], images: [], buttons: [] });
    }
    const kind = ASKS[id.split(':')[0] ?? ''] ?? 'edit_instruction';
    return json({
      lines: [],
      images: [],
      buttons: [],
      ask: { kind, jobId: 'job1', title: 'Change it', label: 'The line', value: '/imagine a fox' },
    });
  }
  const file = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
  const path = new URL(file, publicDir);
  if (!/^[\w.-]+$/.test(file) || !existsSync(path)) return route.fulfill({ status: 404, body: 'Not found' });
  const type = TYPES[file.split('.').pop() ?? ''] ?? 'text/html';
  return route.fulfill({ contentType: `${type}; charset=utf-8`, body: readFileSync(path) });
}

describe.skipIf(!haveBrowser)('playground inline forms: the palette and Escape', { timeout: 60_000 }, () => {
  let browser: Browser;
  let page: Page;
  const answers: string[] = [];
  let pageErrors: string[] = [];

  beforeAll(async () => {
    ({ browser, page, pageErrors } = await openBrowserPage(`${ORIGIN}/`, {
      prepare: (page) => page.route('**/*', (route) => serve(route, answers)),
    }));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  // Browser-side code is passed as strings: this file is type-checked without the DOM library.
  const active = () =>
    page.evaluate(
      'document.activeElement.tagName + ":" + document.activeElement.textContent',
    ) as Promise<string>;

  /** Presses `label` under the first result and waits for its form: the form and its box. */
  async function openForm(label: string) {
    const message = page.locator('#log li.bot[data-job=job1]');
    await message.locator('.buttons button', { hasText: label }).click();
    const form = message.locator('form.edit-form');
    const box = form.locator('textarea');
    await box.waitFor();
    return { form, box };
  }

  it.each(BUTTONS.map((b) => b.label))(
    '%s: Escape closes the open flag list only, the next one the form, back to its button',
    async (label) => {
      const { form, box } = await openForm(label);
      await box.press('End');
      await box.pressSequentially(' --ste');
      const list = form.locator('.palette');
      await suggestionsShow(page, ['--steps'], FORM_LIST);
      expect(await box.getAttribute('aria-expanded')).toBe('true');

      await box.press('Escape');
      expect(await list.isHidden()).toBe(true);
      expect(await form.count()).toBe(1);
      expect(await active()).toBe('TEXTAREA:');

      await box.press('Escape');
      expect(await form.count()).toBe(0);
      expect(await active()).toBe(`BUTTON:${label}`);
    },
  );

  it('a flag chosen with the arrows and Enter goes into the box; the form is not sent', async () => {
    const { form, box } = await openForm('Edit');
    await box.pressSequentially('make it night --ste');
    // The list itself, not a row of it: the one for `--s` (three rows) may still be shown, its answer on its way.
    await suggestionsShow(page, ['--steps'], FORM_LIST);
    await box.press('ArrowDown');
    await box.press('ArrowUp');
    await box.press('Enter');
    expect(await box.inputValue()).toBe('make it night --steps ');
    expect(await form.count()).toBe(1);
    await box.press('Escape');
    expect(await form.count()).toBe(0);
    expect(answers).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('a row chosen with the arrows while its answer is on its way stays chosen, and what is shown meanwhile completes the word', async () => {
    const { form, box } = await openForm('Edit');
    await box.pressSequentially('make it night --s');
    await suggestionsShow(page, ['--size', '--seed', '--steps'], FORM_LIST);
    // The answer for `--ste` held until the row is chosen.
    const held: Route[] = [];
    await page.route('**/api/suggest*', (route) => {
      held.push(route);
    });
    const asked = (typed: string) =>
      held.some((route) => new URL(route.request().url()).searchParams.get('typed') === typed);
    try {
      await box.pressSequentially('te');
      // Before it comes, the rows for `--s` that no longer complete the word are gone (a Tab took --size).
      expect(await form.locator('.palette li').allInnerTexts()).toEqual(['--steps']);
      await box.press('ArrowDown');
      await expect.poll(() => asked('--ste'), { timeout: 10_000 }).toBe(true);
      await form.locator('.palette li').evaluateAll((rows) => {
        for (const row of rows) (row as unknown as { dataset: Record<string, string> }).dataset.old = 'yes';
      });
    } finally {
      await page.unroute('**/api/suggest*');
      for (const route of held) await route.fallback();
    }
    // The answer drew the list again: the row chosen before it is still the one Enter takes.
    await form.locator('.palette li[data-old]').waitFor({ state: 'detached', timeout: 10_000 });
    await box.press('Enter');
    expect(await box.inputValue()).toBe('make it night --steps ');
    expect(await form.count()).toBe(1);
    await box.press('Escape');
    expect(await form.count()).toBe(0);
    expect(answers).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('an answer the server could not take (it was restarting) stays in its form, and is taken once it is back', async () => {
    const { form, box } = await openForm('Remix');
    await box.fill('/imagine a fox at night');
    down = true;
    await form.locator('button[type=submit]').click();
    await page
      .locator('#log li.bot', { hasText: 'The bot could not be reached.' })
      .waitFor({ timeout: 10_000 });
    expect(await form.count()).toBe(1);
    expect(await box.inputValue()).toBe('/imagine a fox at night');
    expect(await form.locator('button[type=submit]').isEnabled()).toBe(true);
    expect(answers).toEqual([]);

    down = false;
    await form.locator('button[type=submit]').click();
    await form.waitFor({ state: 'detached', timeout: 10_000 });
    expect(answers).toEqual(['/imagine a fox at night']);
    expect(pageErrors).toEqual([]);
  });

  /** Whether the page keeps what its live regions said (`recordSaid`, once: each call watches anew). */
  let recording = false;
  it.each([
    [
      'Custom zoom',
      '/outpaint a fox --zoom 5',
      '--zoom must be a number from 1.1 to 2',
      '/outpaint a fox --zoom 1.5',
    ],
    [
      'Remix',
      '/imagine a fox --steps 999',
      '--steps must be a whole number from 1 to 256',
      '/imagine a fox --steps 64',
    ],
    ['Edit', 'make it night --steps 999', '--steps must be a whole number', 'make it night'],
    ['Vary (Region)', '/retouch a hat --steps 999', '--steps must be a whole number', '/retouch a hat'],
  ])(
    '%s: a refused answer keeps its form open with the words typed, the refusal shown and said beside it; the answer put right closes it',
    async (label, typed, refusal, fixed) => {
      if (!recording) await recordSaid(page);
      recording = true;
      const saidBefore = await timesSaid(page, refusal);
      const { form, box } = await openForm(label);
      await box.fill(typed);
      const botMessages = await page.locator('#log li.bot').count();
      const before = refused.length;
      await form.locator('button[type=submit]').click();
      await expect.poll(() => refused.length, { timeout: 10_000 }).toBe(before + 1);
      const shown = form.locator('.refusal', { hasText: refusal });
      await shown.waitFor({ timeout: 10_000 });

      expect(await form.count()).toBe(1);
      expect(await box.inputValue()).toBe(typed);
      expect(await shown.isVisible()).toBe(true);
      // Beside the form, not a message of its own at the end of the page.
      expect(await page.locator('#log li.bot').count()).toBe(botMessages);
      expect(await page.locator('#log li.bot', { hasText: refusal }).count()).toBe(1);
      expect(await active()).toBe('TEXTAREA:');
      expect(await box.getAttribute('aria-invalid')).toBe('true');
      expect(await box.getAttribute('aria-describedby')).toBe(await shown.getAttribute('id'));
      await expect.poll(() => timesSaid(page, refusal), { timeout: 10_000 }).toBe(saidBefore + 1);
      expect(await form.locator('button[type=submit]').isEnabled()).toBe(true);

      // Emptied (or left with spaces alone) and sent: nothing is sent, and the refusal of the words that were there
      // gives way to the page's own, in the form, said as the bot's are; the box stays required to assistive tech.
      const sent = answers.length;
      for (const blank of ['', '  \n ']) {
        const saidEmpty = await timesSaid(page, EMPTY);
        await box.fill(blank);
        await form.locator('button[type=submit]').click();
        await expect.poll(() => timesSaid(page, EMPTY), { timeout: 10_000 }).toBe(saidEmpty + 1);
        expect(await form.locator('.refusal').textContent()).toBe(EMPTY);
        expect(await shown.count()).toBe(0);
        expect(await box.getAttribute('aria-invalid')).toBe('true');
        expect(await box.getAttribute('aria-describedby')).toBe(
          await form.locator('.refusal').getAttribute('id'),
        );
        expect(await active()).toBe('TEXTAREA:');
      }
      expect(await box.getAttribute('required')).not.toBeNull();
      expect(refused.length).toBe(before + 1);
      expect(answers.length).toBe(sent);
      expect(await form.count()).toBe(1);

      await box.fill(fixed);
      await box.press('Enter');
      await form.waitFor({ state: 'detached', timeout: 10_000 });
      expect(answers.at(-1)).toBe(fixed);
      expect(pageErrors).toEqual([]);
    },
  );
});
