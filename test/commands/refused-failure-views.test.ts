// A failure whose end the database refuses (a full disk): its row still says `running`, but its owner was told it
// failed, and /queue lists it no more (stored-jobs.ts `runningJobs`). /info, a bare /cancel and an admin's typed id
// read it as /queue does: it neither counts as running nor is it the job a /cancel picks.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Commands } from '../../commands/commands.js';
import { JobQueue } from '../../src/jobs/index.js';
import { FullDiskStoreDouble } from '../doubles/full-disk-store.js';
import { HeldEngineDouble } from '../doubles/held-engine-double.js';
import { waitUntil } from '../doubles/shared/wait.js';
import { queueLimits } from '../jobs/queue-limits.js';
import { submitFox } from '../jobs/submit-fox.js';

const owner = { platform: 'discord' as const, userId: '1' };
const admin = { platform: 'discord' as const, userId: '9' };

/** A job of `owner`'s that failed while the disk was full: the queue holds its end, its row says `running`. */
async function refusedFailure() {
  const dir = mkdtempSync(join(tmpdir(), 'dimoo-refused-failure-views-'));
  const store = new FullDiskStoreDouble(dir);
  const engine = new HeldEngineDouble('until-released');
  const queue = new JobQueue({ store, engine, limits: queueLimits(), admins: ['discord:9'] });
  const commands = new Commands({
    queue,
    store,
    config: {
      defaultLocale: 'en',
      limits: { rateLimitPerMinute: 0, maxInputBytes: 200_000, maxInputPixels: 1_000_000, blockedWords: [] },
    },
  });
  onTestFinished(async () => {
    await queue.stop({ waitMs: 20, abortWaitMs: 20 });
    commands.closeUpdates();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const id = submitFox(queue, owner);
  queue.start();
  await waitUntil(() => queue.get(id)?.status === 'running', 'the job started');
  store.full = true;
  await waitUntil(() => {
    engine.release();
    return queue.get(id)?.status === 'failed';
  }, 'the run failed');
  expect(store.get(id)?.status).toBe('running');
  const as = (user: typeof owner) => commands.context({ user, scope: 'guild:1', language: 'en' });
  return { commands, id, as };
}

describe('a failure held back by a refused write', () => {
  it('is not running in /info', async () => {
    const { commands, as } = await refusedFailure();
    const info = await commands.runText(as(owner), '/info');
    expect(info?.text.find((line) => line.key === 'info.now')?.params).toMatchObject({ running: 0 });
  });

  it('is not the job a bare /cancel picks', async () => {
    const { commands, as } = await refusedFailure();
    expect((await commands.runText(as(owner), '/cancel'))?.text[0]?.key).toBe('cancel.nothing');
  });

  it("is not among the unfinished jobs an admin's typed id reaches", async () => {
    const { commands, id, as } = await refusedFailure();
    expect((await commands.runText(as(admin), `/cancel ${id.slice(0, 8)}`))?.text[0]?.key).toBe(
      'cancel.unknown_id',
    );
  });
});
