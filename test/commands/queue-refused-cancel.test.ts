// /queue of a job its owner cancelled while the disk is full: the cancel's own mark and the job's end are refused, so
// its row still says `running` with no cancel asked (src/jobs/refused-ends.ts). Its owner was answered "stopping":
// the list says it is stopping, with no percent and no Cancel to press again, as for any cancel still under way.
import { describe, expect, it } from 'vitest';
import { waitUntil } from '../doubles/shared/wait.js';
import { submitFox } from '../jobs/submit-fox.js';
import { commandsOnFullDisk } from './full-disk-commands.js';

const owner = { platform: 'discord' as const, userId: '1' };

describe('/queue of a cancel whose end the database refuses', () => {
  it('lists the job as stopping, without Cancel', async () => {
    const { store, engine, queue, commands } = commandsOnFullDisk('queue-refused-cancel');
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
