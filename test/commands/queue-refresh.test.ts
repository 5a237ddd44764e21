// /queue's Refresh: the list names positions and times as they stood when it was sent; a press answers with the list
// as it now stands, in place of the one pressed on (`replaceSource`), for the list's owner alone. Someone else's
// press (a Telegram group shows the list to all) is refused to them privately and replaces nothing.
import { describe, expect, it } from 'vitest';
import type { Commands } from '../../commands/commands.js';
import type { CommandContext } from '../../commands/context.js';
import type { Reply } from '../../commands/reply.js';
import { commandsOnQueue } from './commands-on-queue.js';

function contextOf(commands: Commands, userId: string, admin = false): CommandContext {
  return commands.context({
    user: { platform: 'telegram', userId },
    scope: 'chat:-5',
    language: 'en',
    admin,
  });
}

const ids = (reply: Reply) => (reply.buttons ?? []).flat().map((b) => [b.id, b.labelKey]);

describe('/queue Refresh', () => {
  it('answers the owner with the list as it now stands, in place: fresh positions once a job ahead ended', async () => {
    const { commands } = commandsOnQueue('queue-refresh', { start: false });
    const alice = contextOf(commands, '1');
    const bob = contextOf(commands, '2');
    const imagine = async (ctx: CommandContext, prompt: string) =>
      (await commands.run(ctx, { name: 'imagine', options: { prompt } })).jobId as string;
    const bobs = await imagine(bob, 'a boat');
    const first = await imagine(alice, 'a fox');
    const second = await imagine(alice, 'a heron');

    const list = await commands.run(alice, { name: 'queue' });
    expect(ids(list)).toEqual([
      [`queue_cancel:${first}`, 'button.cancel_n'],
      [`queue_cancel:${second}`, 'button.cancel_n'],
      [`queue_refresh:${first}`, 'button.refresh'],
    ]);
    // Within Telegram's 64 bytes of callback_data.
    expect(Buffer.byteLength(`queue_refresh:${first}`)).toBeLessThanOrEqual(64);
    expect(list.text[1]).toMatchObject({ key: 'queue.mine_queued', params: { n: 1, count: 1 } });

    // Bob's job ahead of hers ends: her list is stale until she presses Refresh.
    await commands.pressButton(bob, `cancel:${bobs}`);
    const fresh = await commands.pressButton(alice, `queue_refresh:${first}`);
    expect(fresh.replaceSource).toBe(true);
    expect(fresh.ephemeral).toBe(true);
    expect(fresh.text.map((line) => [line.key, line.params?.n, line.params?.count])).toEqual([
      ['queue.summary', undefined, undefined],
      ['queue.mine_queued', 1, 0],
      ['queue.mine_queued', 2, 1],
    ]);
    expect(ids(fresh)).toEqual(ids(list));

    // Her first job ends too: the Refresh of the old list still answers (its record names her), now naming the job
    // that is first; with none left, the list stands without buttons, in place all the same.
    await commands.pressButton(alice, `cancel:${first}`);
    const later = await commands.pressButton(alice, `queue_refresh:${first}`);
    expect([later.replaceSource, ids(later)]).toEqual([
      true,
      [
        [`queue_cancel:${second}`, 'button.cancel_n'],
        [`queue_refresh:${second}`, 'button.refresh'],
      ],
    ]);
    await commands.pressButton(alice, `cancel:${second}`);
    const empty = await commands.pressButton(alice, `queue_refresh:${first}`);
    expect([empty.replaceSource, empty.buttons]).toEqual([true, []]);
  });

  it("refuses anyone else's press privately, an admin's too, and puts nothing in the list's place", async () => {
    const { commands } = commandsOnQueue('queue-refresh-other', { start: false });
    const alice = contextOf(commands, '1');
    const job = (await commands.run(alice, { name: 'imagine', options: { prompt: 'a kite' } }))
      .jobId as string;
    await commands.run(contextOf(commands, '2'), { name: 'imagine', options: { prompt: 'his own' } });
    for (const presser of [contextOf(commands, '2'), contextOf(commands, '9', true)]) {
      const answer = await commands.pressButton(presser, `queue_refresh:${job}`);
      expect(answer).toEqual({ text: [{ key: 'errors.queue.not_yours' }], ephemeral: true });
    }
  });

  it('keeps a place for Refresh among Discord’s 25 buttons: the 25th job is listed without its Cancel', async () => {
    const { commands } = commandsOnQueue('queue-refresh-full', { start: false, limits: { maxPerUser: 30 } });
    const alice = contextOf(commands, '1');
    for (let n = 1; n <= 26; n++)
      await commands.run(alice, { name: 'imagine', options: { prompt: `kite ${n}` } });
    const list = await commands.run(alice, { name: 'queue' });
    const buttons = list.buttons?.flat() ?? [];
    expect(list.text.filter((line) => line.key === 'queue.mine_queued')).toHaveLength(26);
    expect(buttons.map((b) => b.labelKey)).toEqual([...Array(24).fill('button.cancel_n'), 'button.refresh']);
  });

  it('a list with no job of the user running or waiting has no Refresh', async () => {
    const { commands } = commandsOnQueue('queue-refresh-none', { start: false });
    const list = await commands.run(contextOf(commands, '1'), { name: 'queue' });
    expect(list.buttons).toEqual([]);
  });
});
