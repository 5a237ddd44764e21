// While a start on a full disk waits to recover the jobs the last process left running (src/jobs/recovery.ts), those
// jobs do not run: /queue says each waits to restart (not "is running"), and no end is foreseen for them. Real
// commands and queue, over the full-disk store double.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JobQueue, JobStore } from '../../src/jobs/index.js';
import { FullDiskStoreDouble } from '../doubles/full-disk-store.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { queueLimits } from '../jobs/queue-limits.js';
import { commandsOverStore } from './full-disk-commands.js';

const ann = { platform: 'web' as const, userId: 'ann' };

/** A DATA_DIR a process killed mid-run left: ann's job running, the pace measured; opened on a full disk. */
function startedOnFullDisk() {
  const dir = mkdtempSync(join(tmpdir(), 'dimoo-queue-recovery-wait-'));
  const before = new JobStore(dir);
  const earlier = new JobQueue({ store: before, engine: new TimedEngineDouble(), limits: queueLimits() });
  const submitted = earlier.submit({
    owner: ann,
    scope: 'playground',
    kind: 'imagine',
    request: { task: 'text_to_image', prompt: 'a fox', width: 64, height: 64 },
  });
  if (!submitted.ok) throw new Error(submitted.refusal.key);
  before.update({ ...submitted.job, status: 'running', attempts: 1, startedAt: 1 });
  before.setCalibration('cpu', 10, 3);
  before.close();
  const store = new FullDiskStoreDouble(dir);
  store.full = true;
  const { queue, commands } = commandsOverStore(dir, store, new TimedEngineDouble());
  queue.start();
  return { store, queue, commands, id: submitted.job.id };
}

describe('the jobs the last process left running, while the recovery waits for the disk', () => {
  it('/queue lists each as waiting to restart, with its Cancel', async () => {
    const { queue, commands, id } = startedOnFullDisk();
    expect(queue.paceKnown).toBe(true);
    expect(queue.workersRunning).toBe(false);
    const ctx = commands.context({ user: ann, scope: 'playground', language: 'en' });
    const reply = await commands.runText(ctx, '/queue');
    const keys = reply?.text.map((line) => line.key);
    expect(keys).toContain('queue.mine_restarting');
    expect(keys).not.toContain('queue.mine_running');
    expect(reply?.text.find((line) => line.key === 'queue.mine_restarting')?.params).toMatchObject({
      id: id.slice(0, 8),
    });
    expect(reply?.buttons?.flat().map((b) => b.id)).toContainEqual(expect.stringContaining(id));
  });

  it('foresees no end for them', () => {
    const { commands, id } = startedOnFullDisk();
    const found = commands.unfinishedIn('playground');
    expect(found.map(({ job }) => job.id)).toEqual([id]);
    expect(found[0]?.endsInMs).toBeUndefined();
  });
});
