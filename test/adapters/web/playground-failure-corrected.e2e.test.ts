// A failure the playground showed whose end the database refused to store (a full disk) is corrected at the stop:
// "paused, will restart" (`Reply.corrects`), as the next start runs the job again. Through the event stream, in a real
// browser, the failed message takes that one state; any other state after an ending stays ignored, and a correction
// changes no other ending; the job's own end after a correction, in a background tab, counts in the tab title (it
// did not: the failure seen before kept it from counting). A state that should be ignored is worded unlike the
// correction ("keeps its place"), so a page that let it through shows it; a later event on another message, in the
// same stream, tells it was delivered.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Playground } from '../../../adapters/web/server.js';
import { t } from '../../../src/i18n.js';
import { type Job, type JobEvent, JobQueue } from '../../../src/jobs/index.js';
import { haveBrowser, openBrowserPage } from './playground-browser.js';
import { openPlaygroundOnDouble, type PlaygroundOnDouble } from './playground-server.js';

const WAIT = { timeout: 30_000 };
const RESTARTS = t('en', 'job.paused_restart');
const WAITING = t('en', 'job.paused_waiting');

describe.skipIf(!haveBrowser)('playground: a failure shown, then corrected', { timeout: 120_000 }, () => {
  let stack: PlaygroundOnDouble;
  let server: Playground;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    // The worker is never started: each job stays queued, and the test plays its events as the queue emits them
    // (the queue still holds all four, as its events are the test's).
    stack = openPlaygroundOnDouble('failure-corrected', {
      RATE_LIMIT_PER_MINUTE: '0',
      QUEUE_MAX_PER_USER: '10',
    });
    ({ server } = await stack.start({ bundledModel: false }));
    ({ browser, page, pageErrors } = await openBrowserPage(server.url));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const bots = () => page.locator('#log li.bot');

  /** Sends a prompt; the job's message once it is on the page, and the job as stored. */
  async function submit(text: string): Promise<{ job: Job; text: () => Promise<string | null> }> {
    const before = await bots().count();
    await page.fill('#text', text);
    await page.press('#text', 'Enter');
    await expect.poll(() => bots().count(), WAIT).toBeGreaterThan(before);
    const jobId = String(await bots().last().getAttribute('data-job'));
    const job = stack.jobs.store.get(jobId);
    if (!job) throw new Error('the job was not stored');
    const message = page.locator(`#log li.bot[data-job="${jobId}"]`);
    return { job, text: () => message.textContent() };
  }

  /** An event as the queue emits it to its listeners, the playground's commands among them. */
  const emit = (event: JobEvent) => {
    const { queue } = stack.jobs;
    if (!(queue instanceof JobQueue)) throw new Error('the playground runs on the local queue');
    queue.events.emit(event);
  };
  const failed = (job: Job): Job => ({
    ...job,
    status: 'failed',
    error: { key: 'errors.disk_full', params: {} },
  });
  const failure = t('en', 'errors.disk_full');

  /**
   * Resolves once every event emitted before it has reached the page: one stream carries them all in order, and this
   * one ("keeps its place") lands on a message still waiting, which takes any state.
   */
  async function delivered(marker: { job: Job; text: () => Promise<string | null> }): Promise<void> {
    emit({ type: 'paused', job: marker.job, restarts: false });
    await expect.poll(marker.text, WAIT).toContain(WAITING);
  }

  it('the failed message takes the correction, and only it', async () => {
    const fox = await submit('/imagine a fox');
    const marker = await submit('/imagine a hare');
    const { job, text } = fox;
    emit({ type: 'failed', job: failed(job) });
    await expect.poll(text, WAIT).toContain(failure);
    // A plain state after the ending (a late "paused", not a correction) changes nothing.
    emit({ type: 'paused', job, restarts: false });
    await delivered(marker);
    expect(await text()).toContain(failure);
    expect(await text()).not.toContain(WAITING);
    emit({ type: 'paused', job, restarts: true, corrects: true });
    await expect.poll(text, WAIT).toContain(RESTARTS);
    expect(await text()).not.toContain(failure);
    expect(pageErrors).toEqual([]);
  });

  it('counts the corrected job’s own end, heard in a background tab, in the title', async () => {
    const { job, text } = await submit('/imagine a lynx');
    const title = await page.title();
    // The failure, seen in view: nothing to count.
    emit({ type: 'failed', job: failed(job) });
    await expect.poll(text, WAIT).toContain(failure);
    emit({ type: 'paused', job, restarts: true, corrects: true });
    await expect.poll(text, WAIT).toContain(RESTARTS);
    await page.evaluate(`Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      document.dispatchEvent(new Event('visibilitychange'));`);
    // The run again ends (failed once more) while the tab is in the background: news (it was not counted).
    emit({ type: 'failed', job: failed(job) });
    await expect.poll(text, WAIT).toContain(failure);
    expect(await page.title()).toBe(`(1) ${title}`);
    await page.evaluate(`Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
      document.dispatchEvent(new Event('visibilitychange'));`);
    expect(await page.title()).toBe(title);
    expect(pageErrors).toEqual([]);
  });

  it('a correction never reopens an ending that was not a failure', async () => {
    const { job, text } = await submit('/imagine an owl');
    const marker = await submit('/imagine a stoat');
    emit({ type: 'cancelled', job: { ...job, status: 'cancelled' } });
    const cancelled = t('en', 'job.cancelled');
    await expect.poll(text, WAIT).toContain(cancelled);
    emit({ type: 'paused', job, restarts: true, corrects: true });
    await delivered(marker);
    expect(await text()).toContain(cancelled);
    expect(await text()).not.toContain(RESTARTS);
    expect(pageErrors).toEqual([]);
  });
});
