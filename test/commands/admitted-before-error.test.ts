// An error after the request's queue had admitted jobs: the reply says which (`Reply.admitted`) and tells the user in
// words every platform shows, so the request is not sent again to queue them twice. Real commands and queue over the
// full-disk store double, the queue wrapped so that a refused write escapes its submit (as the FrontQueue's does).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { toDiscordMessage } from '../../adapters/discord/render.js';
import { replyText } from '../../adapters/telegram/render.js';
import { Commands } from '../../commands/commands.js';
import { t } from '../../src/i18n.js';
import { JobQueue } from '../../src/jobs/index.js';
import { FullDiskStoreDouble } from '../doubles/full-disk-store.js';
import { HeldEngineDouble } from '../doubles/held-engine-double.js';
import { queueLimits } from '../jobs/queue-limits.js';
import { fillsAfterFirstQueueDouble } from './fills-after-first-queue-double.js';

function commandsFillingUp() {
  const dir = mkdtempSync(join(tmpdir(), 'dimoo-admitted-before-error-'));
  const store = new FullDiskStoreDouble(dir);
  const real = new JobQueue({ store, engine: new HeldEngineDouble('until-released'), limits: queueLimits() });
  const commands = new Commands({
    queue: fillsAfterFirstQueueDouble(real, store),
    store,
    config: {
      defaultLocale: 'en',
      limits: { rateLimitPerMinute: 0, maxInputBytes: 200_000, maxInputPixels: 1_000_000, blockedWords: [] },
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
    // The second line's write was refused inside the queue's submit: whether it was stored is not known.
    expect(error?.text.map((line) => line.key)).toEqual([
      'errors.disk_full',
      'job.queued_before_error',
      'job.maybe_queued',
    ]);
    expect(error?.admitted).toEqual({ jobs: [job?.id], unsure: true });
    // Said on each platform: the user learns the first line is queued and need not send the prompt again.
    const short = job?.id.slice(0, 8) ?? '?';
    expect(toDiscordMessage(error ?? { text: [] }, 'en').content).toContain(short);
    expect(replyText(error ?? { text: [] }, 'de')).toContain(
      t('de', 'job.queued_before_error', { ids: short }),
    );
  });

  it('a queue that threw while asked: the reply says the job may be queued, never that nothing was', async () => {
    const { store, real, commands, ctx } = commandsFillingUp();
    store.full = true;
    const reply = await commands.runText(ctx, '/imagine a fox');
    expect(reply?.text.map((line) => line.key)).toEqual(['errors.disk_full', 'job.maybe_queued']);
    expect(reply?.admitted).toEqual({ jobs: [], unsure: true });
    expect(real.plannedOrder()).toHaveLength(0);
  });

  it('a refusal before anything reached the queue carries nothing admitted', async () => {
    const { commands, ctx } = commandsFillingUp();
    const reply = await commands.runText(ctx, '/imagine a fox --steps 9999');
    expect(reply?.text[0]?.key).toMatch(/^errors\.flag\./);
    expect(reply).not.toHaveProperty('admitted');
  });
});
