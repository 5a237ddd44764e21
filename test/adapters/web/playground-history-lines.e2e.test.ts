// The user's lines after a reload and in another tab, in a real browser (Debian's Chromium via playwright-core)
// against the real server and commands on the timed engine double (the queue never starts): each as it was typed,
// with no setting the user did not write (a seed, a size) and none moved, beside its picture, as the live page
// showed the attachment beside what was typed (a /describe without a question is no empty bubble).
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { solidPng } from '../e2e-services.js';
import {
  attachShown,
  haveBrowser,
  openAsSameUser,
  send,
  useDoublePlaygroundPage,
  whenReady,
} from './playground-browser.js';

describe.skipIf(!haveBrowser)('playground history: the user’s lines', { timeout: 60_000 }, () => {
  const pg = useDoublePlaygroundPage('history-lines');

  /** The user's bubbles as the page shows them: their text and how many pictures beside it. */
  const userLines = (on: Page) =>
    on.$$eval('#log li.user', (items) =>
      items.map((li) => ({
        text: li.querySelector('p')?.textContent ?? '',
        pictures: li.querySelectorAll('.thumb img').length,
      })),
    );

  it('shows each as typed, beside its picture', async () => {
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
          { text: '/edit make it blue --steps 4 --seed 5', pictures: 1 },
          { text: '/describe', pictures: 1 },
          { text: '/describe what colour is it?', pictures: 1 },
        ]);
    } finally {
      await reloaded.close();
    }
    expect(pg.pageErrors).toEqual([]);
  });

  it('shows another tab’s lines as typed there, live and after a reload', async () => {
    // A user of their own: the first test's jobs fill its waiting slots (QUEUE_MAX_PER_USER).
    const tabA = await pg.browser.newPage({ locale: 'en-US' });
    await tabA.goto(pg.server.url);
    await whenReady(tabA);
    const tabB = await openAsSameUser(pg.browser, tabA, pg.server.url);
    const typed = ['/imagine from tab A --steps 8', '/imagine a red fox in the snow --steps 8 --seed 42'];
    const asTyped = typed.map((text) => ({ text, pictures: 0 }));
    try {
      for (const [i, line] of typed.entries()) {
        await send(tabA, line);
        await expect.poll(() => userLines(tabA), { timeout: 10_000 }).toHaveLength(i + 1);
      }
      // The jobs' events lack the line: tab B has it from the store.
      await expect.poll(() => userLines(tabB), { timeout: 10_000 }).toEqual(asTyped);
      await tabB.reload();
      await whenReady(tabB);
      expect(await userLines(tabB)).toEqual(asTyped);
    } finally {
      await tabB.close();
      await tabA.close();
    }
  });
});
