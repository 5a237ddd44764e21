// The playground while a job's image is being finished (its steps done, the engine's VQ decode still running): the
// message says so in words, its bar moves (a <progress> with no value) where a full, still one looked hung, the tab
// title keeps the job's share, and Cancel stays; the result then takes the message as before.
import { describe, expect, it } from 'vitest';
import { FinishingEngineDouble } from '../../doubles/finishing-engine.js';
import { haveBrowser, openBrowserPage, send, WAIT } from './playground-browser.js';
import { openPlaygroundOnDouble } from './playground-server.js';

describe.skipIf(!haveBrowser)('playground: a job finishing its image', { timeout: 120_000 }, () => {
  it('says it is finishing, with a moving bar and Cancel, until the result comes', async () => {
    const engine = new FinishingEngineDouble(100, 3, true);
    const stack = openPlaygroundOnDouble('finishing', {}, {}, engine);
    stack.jobs.queue.start();
    const { server } = await stack.start({ bundledModel: false });
    const { browser, page, pageErrors } = await openBrowserPage(server.url);
    try {
      const title = await page.title();
      await send(page, '/imagine a fox');
      const job = page.locator('#log li.bot[data-job]').last();
      await job.getByText('Finishing the image…').waitFor(WAIT);
      const bar = job.locator('progress.steps');
      expect(await bar.count()).toBe(1);
      // No value: the browser draws it moving (indeterminate).
      expect(await bar.evaluate((node) => node.hasAttribute('value'))).toBe(false);
      expect(await job.getByRole('button', { name: 'Cancel' }).count()).toBe(1);
      expect(await page.title()).toBe(`100% · ${title}`);
      engine.release();
      await page.waitForSelector('#log li.bot[data-state=final]', WAIT);
      expect(await job.locator('progress').count()).toBe(0);
      expect(await job.getByText('Finishing the image…').count()).toBe(0);
      expect(await page.title()).toBe(title);
      expect(pageErrors).toEqual([]);
    } finally {
      engine.release();
      await browser.close();
      await stack.close();
    }
  });
});
