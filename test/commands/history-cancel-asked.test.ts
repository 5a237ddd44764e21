// A waiting job whose cancel was asked but not yet written (a shared queue's cancel Redis refused is written again
// with backoff) shows on a reloaded history page as its live message does: stopping, no Cancel to press again.
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/commands.js';
import { commandsOnQueue } from './commands-on-queue.js';

describe('a reloaded history page', () => {
  it('shows a waiting job whose cancel was asked as stopping, without Cancel', async () => {
    // The queue not started: the job stays waiting while the page is read.
    const { commands, store } = commandsOnQueue('history-cancel-asked', { start: false });
    const ctx = (): CommandContext =>
      commands.context({ user: { platform: 'web', userId: 'u1' }, scope: 'web:u1', language: 'en' });
    const asked = await commands.runChatLine(ctx(), '/imagine a fox --steps 3');
    const other = await commands.runChatLine(ctx(), '/imagine a wolf --steps 3');
    const job = store.get(asked?.jobId as string);
    if (!job) throw new Error('the job was not stored');
    job.meta.cancelRequested = true;
    store.update(job);

    const entries = (await commands.history(ctx())).entries;
    const reply = (id: string | undefined) => entries.find((e) => e.jobId === id)?.reply;
    expect(reply(asked?.jobId)?.text).toEqual([{ key: 'cancel.stopping' }]);
    expect(reply(asked?.jobId)?.buttons ?? []).toEqual([]);
    // The other waiting job keeps its place and its Cancel.
    expect(reply(other?.jobId)?.text.map((line) => line.key)).toEqual(['job.queued']);
    expect(reply(other?.jobId)?.buttons?.flat().length).toBe(1);
  });
});
