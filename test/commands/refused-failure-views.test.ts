// A failure whose end the database refuses (a full disk): its row still says `running`, but its owner was told it
// failed, and /queue lists it no more (stored-jobs.ts `runningJobs`). /info, a bare /cancel and an admin's typed id
// read it as /queue does: it neither counts as running nor is it the job a /cancel picks.
import { describe, expect, it } from 'vitest';
import { waitUntil } from '../doubles/shared/wait.js';
import { submitFox } from '../jobs/submit-fox.js';
import { commandsOnFullDisk } from './full-disk-commands.js';

const owner = { platform: 'discord' as const, userId: '1' };
const admin = { platform: 'discord' as const, userId: '9' };

/** A job of `owner`'s that failed while the disk was full: the queue holds its end, its row says `running`. */
async function refusedFailure() {
  const { store, engine, queue, commands } = commandsOnFullDisk('refused-failure-views', ['discord:9']);
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
