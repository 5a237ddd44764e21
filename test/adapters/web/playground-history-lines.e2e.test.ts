// The user's lines of an /edit and a /describe after a reload, in a real browser (Debian's Chromium via
// playwright-core) against the real server and commands on the timed engine double (the queue never starts): each is
// the command to type again, every setting the edit ran with spelled out, with the picture beside it, as the live
// page showed the attachment beside what was typed (a /describe without a question is no empty bubble).
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { solidPng } from '../e2e-services.js';
import {
  attachShown,
  haveBrowser,
  openAsSameUser,
  send,
  useDoublePlaygroundPage,
} from './playground-browser.js';

describe.skipIf(!haveBrowser)('playground history: /edit and /describe lines', { timeout: 60_000 }, () => {
  const pg = useDoublePlaygroundPage('history-lines');

  /** The user's bubbles as the page shows them: their text and how many pictures beside it. */
  const userLines = (on: Page) =>
    on.$$eval('#log li.user', (items) =>
      items.map((li) => ({
        text: li.querySelector('p')?.textContent ?? '',
        pictures: li.querySelectorAll('.thumb img').length,
      })),
    );

  it('shows each as the command to type again, with its settings, beside its picture', async () => {
    for (const line of [
      '/edit make it blue --steps 4 --seed 5',
      '/describe',
      '/describe what colour is it?',
    ]) {
      const before = (await userLines(pg.page)).length;
      await attachShown(pg.page, 'picture.png', await solidPng('#36c', 96));
      await send(pg.page, line);
      await expect.poll(async () => (await userLines(pg.page)).length, { timeout: 10_000 }).toBe(before + 1);
    }
    const reloaded = await openAsSameUser(pg.browser, pg.page, pg.server.url);
    try {
      await expect
        .poll(() => userLines(reloaded), { timeout: 10_000 })
        .toEqual([
          { text: '/edit make it blue --seed 5 --steps 4 --type edit_replace', pictures: 1 },
          { text: '/describe', pictures: 1 },
          { text: '/describe what colour is it?', pictures: 1 },
        ]);
    } finally {
      await reloaded.close();
    }
    expect(pg.pageErrors).toEqual([]);
  });
});
