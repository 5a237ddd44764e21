// /queue of a job its owner cancelled while the disk is full: the cancel's own mark and the job's end are refused, so
// its row still says `running` with no cancel asked (src/jobs/refused-ends.ts). Its owner was answered "stopping":
// the list says it is stopping, with no percent and no Cancel to press again, as for any cancel still under way.
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

describe('/queue of a cancel whose end the database refuses', () => {
  it('lists the job as stopping, without Cancel', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-queue-refused-cancel-'));
    const store = new FullDiskStoreDouble(dir);
    const engine = new HeldEngineDouble('until-released');
    const queue = new JobQueue({ store, engine, limits: queueLimits() });
    const commands = new Commands({
      queue,
      store,
      config: {
        defaultLocale: 'en',
        limits: {
          rateLimitPerMinute: 0,
          maxInputBytes: 200_000,
          maxInputPixels: 1_000_000,
          blockedWords: [],
        },
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
    expect(queue.cancel(id, owner)).toBe('cancelling');
    // Released once the engine has the run (the job is marked running first).
    await waitUntil(() => {
      engine.release();
      return queue.get(id)?.status === 'cancelled';
    }, 'the run ended');
    expect(store.get(id)).toMatchObject({ status: 'running', meta: {} });

    const ctx = commands.context({ user: owner, scope: 'guild:1', language: 'en' });
    const list = await commands.run(ctx, { name: 'queue' });
    expect(list.text[1]).toMatchObject({ key: 'queue.mine_stopping', params: { n: 1, id: id.slice(0, 8) } });
    expect(list.buttons?.flat().some((b) => b.id.startsWith('queue_cancel'))).toBe(false);
    // A bare /cancel takes it as /queue shows it: still stopping, not "nothing to cancel".
    const bare = await commands.run(ctx, { name: 'cancel' });
    expect(bare.text[0]?.key).toBe('cancel.stopping_named');
  });
});
