// /queue's Cancel n and Refresh in the playground, in a real browser (Debian's Chromium via playwright-core) against
// the real server and commands: the list pressed on becomes the list as it now stands (after Cancel n, the cancel line
// first; after Refresh, without a job cancelled since), and no message is added. A typed /cancel is answered under
// its own line, never over the message of the job it names.
import { describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import { haveBrowser, useDoublePlaygroundPage } from './playground-browser.js';

const WAIT = { timeout: 30_000 };

describe.skipIf(!haveBrowser)('playground: /queue Cancel n, Refresh in place', { timeout: 120_000 }, () => {
  // The queue never starts: every job stays waiting, listed with its Cancel.
  const pg = useDoublePlaygroundPage(
    'queue-in-place',
    { RATE_LIMIT_PER_MINUTE: '0' },
    { settings: { bundledModel: false } },
  );

  const bots = () => pg.page.locator('#log li.bot');
  async function say(text: string): Promise<void> {
    const before = await bots().count();
    await pg.page.fill('#text', text);
    await pg.page.press('#text', 'Enter');
    await expect.poll(() => bots().count(), WAIT).toBeGreaterThan(before);
  }

  it('Cancel n replaces the pressed list with the list as it now stands', async () => {
    await say('/imagine a fox --steps 2');
    await say('/imagine a heron --steps 2');
    await say('/queue');
    // The list by its place, not as "the last message": a new message must not stand in for it.
    const list = bots().nth((await bots().count()) - 1);
    const cancels = list.locator('button[data-action^="queue_cancel:"]');
    await expect.poll(() => cancels.count(), WAIT).toBe(2);
    const kept = await cancels.first().getAttribute('data-action');
    const count = await bots().count();

    const pressed = String(await cancels.last().getAttribute('data-action')).slice('queue_cancel:'.length);
    await cancels.last().click();
    // The answer names the job: the numbered button pressed is gone from the list.
    const done = t('en', 'cancel.done_named', { prompt: 'a heron', id: pressed.slice(0, 8) });
    await expect.poll(() => list.locator('p').first().textContent(), WAIT).toBe(done);
    expect(await cancels.count()).toBe(1);
    expect(await cancels.first().getAttribute('data-action')).toBe(kept);
    expect(await bots().count()).toBe(count);
    expect(pg.pageErrors).toEqual([]);
  });

  it('Refresh replaces the pressed list with the list as it now stands', async () => {
    // The fox the test before left waiting, and a crane.
    await say('/imagine a crane --steps 2');
    await say('/queue');
    const list = bots().nth((await bots().count()) - 1);
    const cancels = list.locator('button[data-action^="queue_cancel:"]');
    await expect.poll(() => cancels.count(), WAIT).toBe(2);
    const [first, second] = await Promise.all([0, 1].map((n) => cancels.nth(n).getAttribute('data-action')));
    const refresh = list.locator('button[data-action^="queue_refresh:"]');
    expect(await refresh.count()).toBe(1);

    // The first job is cancelled elsewhere: the list still offers it until refreshed.
    const job = String(first).slice('queue_cancel:'.length);
    const { store, queue } = pg.stack.jobs;
    queue.cancel(job, store.get(job)?.owner ?? { platform: 'web', userId: '' });
    expect(store.get(job)?.status).toBe('cancelled');
    expect(await cancels.count()).toBe(2);
    const count = await bots().count();
    await refresh.click();
    await expect.poll(() => cancels.count(), WAIT).toBe(1);
    expect(await cancels.first().getAttribute('data-action')).toBe(second);
    expect(await bots().count()).toBe(count);
    expect(pg.pageErrors).toEqual([]);
  });

  it('answers a typed /cancel under its line, and leaves the job its own message', async () => {
    await say('/imagine a wren --steps 2');
    const jobId = String(await bots().last().getAttribute('data-job'));
    const job = pg.page.locator(`#log li.bot[data-job="${jobId}"]`);
    const id = jobId.slice(0, 8);
    const answers = ['cancel.done_named', 'cancel.already_cancelled_named'].map((key) =>
      t('en', key, { prompt: 'a wren', id }),
    );
    // Twice: once waiting, then already cancelled, when the job's own message is final.
    for (const answer of answers) {
      await say(`/cancel ${id}`);
      await expect.poll(() => pg.page.locator('#log > li').last().textContent(), WAIT).toBe(answer);
      expect(await pg.page.locator('#log > li').nth(-2).textContent()).toBe(`/cancel ${id}`);
    }
    await expect.poll(() => job.locator('p').first().textContent(), WAIT).toBe(t('en', 'job.cancelled'));
    expect(pg.pageErrors).toEqual([]);
  });
});
