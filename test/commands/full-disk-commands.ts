// Commands over a real queue whose store is the full-disk double and whose engine holds each run until released:
// the set-up of the tests of what a user sees of a job whose end the database refused.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { Commands } from '../../commands/commands.js';
import { JobQueue } from '../../src/jobs/index.js';
import { FullDiskStoreDouble } from '../doubles/full-disk-store.js';
import { HeldEngineDouble } from '../doubles/held-engine-double.js';
import { queueLimits } from '../jobs/queue-limits.js';

/** Closed, and its folder removed, when the test finishes. `admins` as the queue's option (owner keys). */
export function commandsOnFullDisk(name: string, admins: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), `dimoo-${name}-`));
  const store = new FullDiskStoreDouble(dir);
  const engine = new HeldEngineDouble('until-released');
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
