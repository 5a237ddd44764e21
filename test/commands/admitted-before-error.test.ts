// An error after the request's queue had admitted jobs: the reply says which (`Reply.admitted`) and tells the user in
// words every platform shows, so the request is not sent again to queue them twice. A submission the queue failed to
// store (NotStored) is a plain error, its rate-limit slot given back; one that failed after it was stored may have
// queued the job, and says so. Real commands and queue over the full-disk store double, the queue wrapped so that a
// refused write escapes its submit as NotStored (or a throw follows the stored job).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { toDiscordMessage } from '../../adapters/discord/render.js';
import { replyText } from '../../adapters/telegram/render.js';
import { Commands } from '../../commands/commands.js';
import { t } from '../../src/i18n.js';
import { type Job, JobQueue, type JobStatus } from '../../src/jobs/index.js';
import { FullDiskStoreDouble } from '../doubles/full-disk-store.js';
import { HeldEngineDouble } from '../doubles/held-engine-double.js';
import { queueLimits } from '../jobs/queue-limits.js';
import { fillsAfterFirstQueueDouble } from './fills-after-first-queue-double.js';

/**
 * Test double: the full-disk store, whose reads of jobs by status fail (an I/O error) once `placeUnreadable` is set and
 * a job was stored: the queue stores a submission, then fails telling its place.
 */
class PlaceUnreadableStoreDouble extends FullDiskStoreDouble {
  placeUnreadable = false;
  private stored = false;

  override insert(job: Job): void {
    super.insert(job);
    if (this.placeUnreadable) this.stored = true;
  }

  override byStatus(...statuses: JobStatus[]): Job[] {
    if (this.placeUnreadable && this.stored)
      throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_READ' });
    return super.byStatus(...statuses);
  }
}

function commandsFillingUp({ rateLimitPerMinute = 0, throwsAfter = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'dimoo-admitted-before-error-'));
  const store = new PlaceUnreadableStoreDouble(dir);
  const real = new JobQueue({ store, engine: new HeldEngineDouble('until-released'), limits: queueLimits() });
  const commands = new Commands({
    queue: fillsAfterFirstQueueDouble(real, store, { throwsAfter }),
    store,
    config: {
      defaultLocale: 'en',
      limits: { rateLimitPerMinute, maxInputBytes: 200_000, maxInputPixels: 1_000_000, blockedWords: [] },
    },
  });
  onTestFinished(async () => {
    await real.stop({ waitMs: 20, abortWaitMs: 20 });
    commands.closeUpdates();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const ctx = commands.context({
    user: { platform: 'discord', userId: '1' },
    scope: 'guild:1',
    language: 'en',
  });
  return { store, real, commands, ctx };
}

describe('an error after jobs were queued', () => {
  it('a permutation’s second line on a full disk: the first line’s message stays, the error names its job', async () => {
    const { real, commands, ctx } = commandsFillingUp();
    const reply = await commands.runText(ctx, '/imagine a {red, blue} fox');
    const [job, ...others] = real.plannedOrder();
    expect(others).toHaveLength(0);
    expect(reply).toMatchObject({ jobId: job?.id, startsJob: true });
    const error = reply?.more?.[0];
    expect(reply?.more).toHaveLength(1);
    // The second line's write was refused before the queue stored anything: only the first line's job is queued.
    expect(error?.text.map((line) => line.key)).toEqual(['errors.disk_full', 'job.queued_before_error']);
    expect(error?.admitted).toEqual({ jobs: [job?.id] });
    // Said on each platform: the user learns the first line is queued and need not send the prompt again.
    const short = job?.id.slice(0, 8) ?? '?';
    expect(toDiscordMessage(error ?? { text: [] }, 'en').content).toContain(short);
    expect(replyText(error ?? { text: [] }, 'de')).toContain(
      t('de', 'job.queued_before_error', { ids: short }),
    );
  });

  it('a queue that failed before storing the job: a plain error, and the rate-limit slot is given back', async () => {
    const { store, real, commands, ctx } = commandsFillingUp({ rateLimitPerMinute: 1 });
    store.full = true;
    const reply = await commands.runText(ctx, '/imagine a fox');
    // Nothing was stored: "it may have been queued" would send the user to a /queue that shows nothing.
    expect(reply?.text.map((line) => line.key)).toEqual(['errors.disk_full']);
    expect(reply).not.toHaveProperty('admitted');
    expect(real.plannedOrder()).toHaveLength(0);
    // The disk has room again: the same request is queued, not refused by the slot the failure took.
    store.full = false;
    const again = await commands.runText(ctx, '/imagine a fox');
    expect(again?.text.map((line) => line.key)).not.toContain('errors.rate_limited');
    expect(again).toMatchObject({ startsJob: true });
    expect(real.plannedOrder()).toHaveLength(1);
  });

  it('a queue that threw once the job was stored: the reply says it may be queued, never that nothing was', async () => {
    const { real, commands, ctx } = commandsFillingUp({ throwsAfter: true });
    const reply = await commands.runText(ctx, '/imagine a fox');
    expect(reply?.text.map((line) => line.key)).toEqual(['errors.generic', 'job.maybe_queued']);
    expect(reply?.admitted).toEqual({ jobs: [], unsure: true });
    expect(real.plannedOrder()).toHaveLength(1);
  });

  it('the queue stored the job, then failed telling its place: the reply names the queued job, not "may be"', async () => {
    const { store, real, commands, ctx } = commandsFillingUp({ rateLimitPerMinute: 1 });
    store.placeUnreadable = true;
    const reply = await commands.runText(ctx, '/imagine a fox');
    store.placeUnreadable = false;
    const [job, ...others] = real.plannedOrder();
    expect(others).toHaveLength(0);
    expect(reply?.text.map((line) => line.key)).toEqual(['errors.generic', 'job.queued_before_error']);
    expect(reply?.admitted).toEqual({ jobs: [job?.id] });
    expect(reply?.text[1]?.params).toEqual({ ids: job?.id.slice(0, 8) });
    // It is queued: its rate-limit slot stays taken, as any queued job's does.
    const again = await commands.runText(ctx, '/imagine a fox');
    expect(again?.text.map((line) => line.key)).toEqual(['errors.rate_limited']);
  });

  it('a refusal before anything reached the queue carries nothing admitted', async () => {
    const { commands, ctx } = commandsFillingUp();
    const reply = await commands.runText(ctx, '/imagine a fox --steps 9999');
    expect(reply?.text[0]?.key).toMatch(/^errors\.flag\./);
    expect(reply).not.toHaveProperty('admitted');
  });
});
