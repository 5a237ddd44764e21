// The playground's first ten minutes in a real browser (Debian's Chromium via playwright-core) against the real
// server, commands, queue and engine on the generated checkpoint: history that survives a reload, results with
// their context, full-size view and download with the PNG `parameters` chunk, one job per double-click, Delete
// with undo, Cancel of the running job, the drawn mask in the user's message, the connection-lost notice, and a
// phone-sized layout. Screenshots go to test/artifacts/.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Playground } from '../../../adapters/web/server.js';
import { readPngText } from '../../../engine/index.js';
import type { Services } from '../../../src/services.js';
import { solidPng } from '../e2e-services.js';
import {
  artifacts,
  attachShown,
  botCountAbove,
  drawOnMask,
  haveBrowser,
  imagesLoaded,
  lastBotFinal,
  openAsSameUser,
  openBrowserPage,
  openBrowserStack,
  type PageScope,
  send,
  WAIT,
  whenReady,
  withHeldJob,
} from './playground-browser.js';
import type { PlaygroundStack } from './playground-server.js';

describe.skipIf(!haveBrowser)('playground history and polish in a browser', { timeout: 300_000 }, () => {
  let services: Services;
  let playground: PlaygroundStack;
  let server: Playground;
  let port: number;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[] = [];

  const startServer = async () => {
    ({ server, port } = await playground.start({ port }));
  };

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    ({ services, playground } = await openBrowserStack('web-history'));
    port = 0;
    await startServer();
    services.start();
    ({ browser, page, pageErrors } = await openBrowserPage(server.url, { page: { acceptDownloads: true } }));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await playground?.close();
  });

  const count = (selector: string) => page.locator(selector).count();
  const finalResults = '#log li.bot[data-state=final] img.result';

  it('keeps the conversation over a reload, with labels and images', async () => {
    await send(page, '/imagine a lighthouse at dusk --steps 2 --seed 7 --ar 1:1');
    await page.waitForSelector(finalResults, WAIT);
    await page.reload();
    await whenReady(page);
    await page.waitForSelector(finalResults, WAIT);
    expect(await page.locator('#log li.user').first().textContent()).toContain('a lighthouse at dusk');
    const result = page.locator('#log li.bot[data-state=final]').last();
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's locator API, not a DOM node.
    const label = await result.locator('.context').innerText();
    expect(label).toContain('a lighthouse at dusk');
    expect(label).toContain('seed 7');
    expect(label).toMatch(/\d+×\d+/);
    expect(label).toContain('2 steps');
    // Every result image of the history loads (they are in the page before their pixels are).
    await imagesLoaded(page, finalResults, WAIT);
    await page.screenshot({ path: join(artifacts, 'playground-history-reload.png') });
  });

  it('opens a result full size and downloads the PNG with its parameters', async () => {
    await page.locator(finalResults).last().click();
    await page.waitForSelector('#viewer[open] #viewer-image');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#viewer-download')]);
    expect(download.suggestedFilename()).toBe('dimoo-7.png');
    const path = await download.path();
    const text = readPngText(readFileSync(path));
    expect(text.parameters?.split('\n')[0]).toBe('a lighthouse at dusk');
    expect(text.parameters).toMatch(
      /Steps: 2, .*Seed: 7, Size: \d+x\d+, Model: Lumina-DiMOO, Task: text_to_image/,
    );
    await page.click('#viewer-close');
  });

  it('makes one job per double-click', async () => {
    const before = await count('#log li.bot');
    const jobsBefore = services.jobs.store.pageOf(
      { platform: 'web', userId: ownerId() },
      undefined,
      100,
    ).length;
    await page.locator('#log li.bot[data-state=final] button[data-action^="vary:"]').last().dblclick();
    await botCountAbove(page, before);
    await page.waitForTimeout(1500);
    expect(await count('#log li.bot')).toBe(before + 1);
    const jobsAfter = services.jobs.store.pageOf(
      { platform: 'web', userId: ownerId() },
      undefined,
      100,
    ).length;
    expect(jobsAfter).toBe(jobsBefore + 1);
    await page.waitForFunction(
      () =>
        (globalThis as unknown as PageScope).document.querySelector('#log li.bot:last-child')?.dataset
          .state === 'final',
      undefined,
      WAIT,
    );
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's locator API, not a DOM node.
    expect(await page.locator('#log li.bot').last().locator('.context').innerText()).toMatch(
      /from #[0-9a-f]{8}/,
    );
  });

  let owner = '';
  const ownerId = () => owner;
  beforeAll(async () => {
    owner = (await page.context().cookies()).find((c) => c.name === 'dimoo_uid')?.value ?? '';
  });

  it('deletes with undo', async () => {
    const result = page.locator('#log li.bot[data-state=final]').first();
    const jobId = await result.getAttribute('data-job');
    await result.locator('button[data-action^="delete:"]').click();
    expect(await result.isHidden()).toBe(true);
    await page.click('.toast button.undo');
    expect(await result.isVisible()).toBe(true);
    await page.waitForTimeout(7000);
    expect(services.jobs.store.get(jobId as string)?.status).toBe('done');
    expect(await result.isVisible()).toBe(true);
  });

  it('cancels the running job with its visible Cancel button', async () => {
    // A test double around the real engine holds this one job open until it is cancelled, so the click never
    // races a job that finished first (a 128-step job took 1.3 s here, and lost that race under load).
    await withHeldJob(services, 'a held one', async () => {
      await send(page, '/imagine a held one --steps 4 --size 256x256');
      // Held before its first step, the job shows its start and its Cancel button.
      const cancel = page.locator('#log li.bot').last().locator('button[data-action^="cancel:"]');
      await cancel.waitFor({ state: 'visible', ...WAIT });
      await cancel.click();
      await page.waitForFunction(
        () => {
          const last = (globalThis as unknown as PageScope).document.querySelector('#log li.bot:last-child');
          // biome-ignore lint/performance/useDomNodeTextContent: the words shown, as the user reads them.
          return /Cancelled/.test(last?.innerText ?? '');
        },
        undefined,
        { ...WAIT, polling: 250 },
      );
    });
  });

  it('shows the drawn mask in the user message, also after a reload', async () => {
    await attachShown(page, 'blue.png', await solidPng('#36c'), WAIT);
    await page.check('#draw');
    await drawOnMask(page, 0.3, 0.7, 6);
    const before = await count('#log li.bot');
    await send(page, '/retouch a yellow star --steps 2');
    // The user's message (with its mask) appears once the page has posted it: wait for it rather than race it.
    await page.waitForSelector('#log li.user .mask-overlay', WAIT);
    expect(await count('#log li.user .mask-overlay')).toBeGreaterThan(0);
    await lastBotFinal(page, WAIT, before);
    await page.reload();
    await whenReady(page);
    expect(await count('#log li.user .mask-overlay')).toBe(1);
    await page.screenshot({ path: join(artifacts, 'playground-history-mask.png') });
  });

  it('lays out on a phone: no panel over 35% of the height', async () => {
    const phone = await openAsSameUser(browser, page, server.url, { viewport: { width: 390, height: 844 } });
    await attachShown(phone, 'big.png', await solidPng('#3a3', 1024), WAIT);
    await phone.screenshot({ path: join(artifacts, 'playground-phone.png') });
    const heights = (await phone.evaluate(`(() => ({
      header: document.querySelector('header').getBoundingClientRect().height,
      composer: document.getElementById('composer').getBoundingClientRect().height,
      main: document.querySelector('main').getBoundingClientRect().height,
      width: document.documentElement.scrollWidth,
    }))()`)) as { header: number; composer: number; main: number; width: number };
    expect(heights.header).toBeLessThanOrEqual(844 * 0.35);
    expect(heights.composer).toBeLessThanOrEqual(844 * 0.35);
    expect(heights.main).toBeGreaterThanOrEqual(844 * 0.3);
    expect(heights.width).toBeLessThanOrEqual(390);
    await phone.close();
  });

  it('says when the connection is lost and recovers when the server is back', async () => {
    await playground.stop(server);
    await page.waitForSelector('#connection:not([hidden])', { timeout: 30_000 });
    await page.screenshot({ path: join(artifacts, 'playground-connection-lost.png') });
    await startServer();
    await page.waitForSelector('#connection', { state: 'hidden', timeout: 30_000 });
    expect(pageErrors).toEqual([]);
  });
});
