// A typed /cancel of a running job in the playground, in a real browser: the job's own message says "Stopping your
// job…" at once, its Cancel gone, while the job's step still runs; the /cancel answer, under its line, says it was
// cancelled (by name) once the job has stopped, and the job's message ends "Cancelled.".
import { describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import { HeldEngineDouble } from '../../doubles/held-engine-double.js';
import { haveBrowser, useDoublePlaygroundPage } from './playground-browser.js';

const WAIT = { timeout: 30_000 };

describe.skipIf(!haveBrowser)('playground: a typed /cancel of a running job', { timeout: 120_000 }, () => {
  /** The run goes on until the test releases it: a long step of a large image. */
  const engine = new HeldEngineDouble('until-released');
  const pg = useDoublePlaygroundPage(
    'cancel-running',
    { RATE_LIMIT_PER_MINUTE: '0' },
    { engine, run: true, settings: { bundledModel: false } },
  );

  const bots = () => pg.page.locator('#log li.bot');

  it('shows the job stopping at once, then answers "Cancelled" once it has stopped', async () => {
    const { page, stack } = pg;
    const before = await bots().count();
    await page.fill('#text', '/imagine stop test --steps 2');
    await page.press('#text', 'Enter');
    await expect.poll(() => bots().count(), WAIT).toBe(before + 1);
    const jobId = String(await bots().last().getAttribute('data-job'));
    const job = page.locator(`#log li.bot[data-job="${jobId}"]`);
    const { store } = stack.jobs;
    await expect.poll(() => store.get(jobId)?.status, WAIT).toBe('running');
    await expect.poll(() => job.locator(`button[data-action="cancel:${jobId}"]`).count(), WAIT).toBe(1);

    await page.fill('#text', `/cancel ${jobId.slice(0, 8)}`);
    await page.press('#text', 'Enter');
    // Before the run ends: the job's own message says it is stopping, with nothing to press.
    await expect.poll(() => job.locator('p').first().textContent(), WAIT).toBe(t('en', 'cancel.stopping'));
    expect(await job.locator('button[data-action^="cancel:"]').count()).toBe(0);
    expect(store.get(jobId)?.status).toBe('running');

    engine.release();
    const answer = t('en', 'cancel.done_named', { prompt: 'stop test', id: jobId.slice(0, 8) });
    await expect.poll(() => page.locator('#log > li').last().textContent(), WAIT).toBe(answer);
    await expect.poll(() => job.locator('p').first().textContent(), WAIT).toBe(t('en', 'job.cancelled'));
    expect(pg.pageErrors).toEqual([]);
  });
});
