// /queue's Cancel n in the playground on a job that takes longer to stop than the press's answer waits, in a real
// browser: the list first says "stopping", then, once the job has ended, the same message shows the list as it stands
// (the job gone, "Cancelled" on top), without a Refresh and without a message added.
import { describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import { HeldEngineDouble } from '../../doubles/held-engine-double.js';
import { haveBrowser, useDoublePlaygroundPage } from './playground-browser.js';

const WAIT = { timeout: 30_000 };

describe.skipIf(!haveBrowser)(
  'playground: /queue Cancel n of a job slow to stop',
  { timeout: 120_000 },
  () => {
    // Holds every run until the test lets it end (then cancelled, as its signal aborted). The cancelled job stops only
    // when the test lets it: a step of fixed length (6 s) stood in for that, and a click that came late in the step
    // (a loaded machine) saw the job stop within the answer's 2.5 s wait.
    const engine = new HeldEngineDouble('until-released');
    const pg = useDoublePlaygroundPage(
      'queue-slow-stop',
      { RATE_LIMIT_PER_MINUTE: '0' },
      { engine, run: true, settings: { bundledModel: false } },
    );

    const bots = () => pg.page.locator('#log li.bot');
    async function say(text: string): Promise<void> {
      const before = await bots().count();
      await pg.page.fill('#text', text);
      await pg.page.press('#text', 'Enter');
      await expect.poll(() => bots().count(), WAIT).toBeGreaterThan(before);
    }

    it('says "stopping", then shows the list without the job once it has ended', async () => {
      const { stack } = pg;
      await say('/imagine a slow fox --steps 2');
      const jobId = String(await bots().last().getAttribute('data-job'));
      const { store } = stack.jobs;
      await expect.poll(() => store.get(jobId)?.status, WAIT).toBe('running');
      await say('/queue');
      const list = bots().nth((await bots().count()) - 1);
      const cancel = list.locator(`button[data-action="queue_cancel:${jobId}"]`);
      await expect.poll(() => cancel.count(), WAIT).toBe(1);
      const count = await bots().count();

      await cancel.click();
      const firstLine = () => list.locator('p').first().textContent();
      const named = { prompt: 'a slow fox', id: jobId.slice(0, 8) };
      await expect.poll(firstLine, WAIT).toBe(t('en', 'cancel.stopping_named', named));
      expect(store.get(jobId)?.status).toBe('running');
      engine.release();
      await expect.poll(() => store.get(jobId)?.status, WAIT).toBe('cancelled');
      const done = t('en', 'cancel.done_named', named);
      await expect.poll(firstLine, WAIT).toBe(done);
      // Named in the first line, the job is gone from the list under it.
      expect((await list.textContent())?.replace(done, '')).not.toContain(jobId.slice(0, 8));
      expect(await bots().count()).toBe(count);
      expect(pg.pageErrors).toEqual([]);
    });

    it('shows the ended list when it overtakes the press\'s own "stopping" answer', async () => {
      const { page, stack } = pg;
      await say('/imagine a slow owl --steps 2');
      const jobId = String(await bots().last().getAttribute('data-job'));
      const { store } = stack.jobs;
      await expect.poll(() => store.get(jobId)?.status, WAIT).toBe('running');
      await say('/queue');
      const list = bots().nth((await bots().count()) - 1);
      const cancel = list.locator(`button[data-action="queue_cancel:${jobId}"]`);
      await expect.poll(() => cancel.count(), WAIT).toBe(1);
      // The press's answer is held back until the event stream has brought the list as it stands once the job ended.
      const pressed = `queue_cancel:${jobId}`;
      const events = () => page.evaluate('window.dimooEvents') as Promise<Array<{ replaces?: string }>>;
      const laterArrived = async () => (await events()).some((event) => event.replaces === pressed);
      await page.route('**/api/actions', async (route) => {
        // Answered "stopping" by the server: the job ends now, and its list is on its way before the answer.
        const response = await route.fetch();
        engine.release();
        await expect.poll(laterArrived, WAIT).toBe(true);
        await route.fulfill({ response });
      });
      const answered = page.waitForResponse('**/api/actions');
      await cancel.click();
      await answered;
      await page.unroute('**/api/actions');

      expect(store.get(jobId)?.status).toBe('cancelled');
      const firstLine = () => list.locator('p').first().textContent();
      const done = t('en', 'cancel.done_named', { prompt: 'a slow owl', id: jobId.slice(0, 8) });
      await expect.poll(firstLine, WAIT).toBe(done);
      // Named in the first line, the job is gone from the list under it.
      expect((await list.textContent())?.replace(done, '')).not.toContain(jobId.slice(0, 8));
      expect(pg.pageErrors).toEqual([]);
    });
  },
);
