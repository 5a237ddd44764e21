// Commands over a real queue whose store is the full-disk double and whose engine holds each run until released:
// the set-up of the tests of what a user sees of a job whose end the database refused, or of jobs a start on a full
// disk waits to recover (`commandsOverStore`, with the store and engine a test opens).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { Commands } from '../../commands/commands.js';
import { JobQueue, type JobQueueOptions } from '../../src/jobs/index.js';
import { FullDiskStoreDouble } from '../doubles/full-disk-store.js';
import { HeldEngineDouble } from '../doubles/held-engine-double.js';
import { queueLimits } from '../jobs/queue-limits.js';

/** Closed, and its folder removed, when the test finishes. `admins` as the queue's option (owner keys). */
export function commandsOnFullDisk(name: string, admins: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), `dimoo-${name}-`));
  return commandsOverStore(dir, new FullDiskStoreDouble(dir), new HeldEngineDouble('until-released'), admins);
}

/** Commands over a queue on `store` (opened on `dir`) and `engine`; the queue stops, the store closes and `dir` is
 * removed when the test finishes. */
export function commandsOverStore<E extends JobQueueOptions['engine']>(
  dir: string,
  store: FullDiskStoreDouble,
  engine: E,
  admins: string[] = [],
) {
  const queue = new JobQueue({ store, engine, limits: queueLimits(), admins });
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
  return { store, engine, queue, commands };
}
