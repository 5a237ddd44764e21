// /queue's numbered Cancel answers with the list as it now stands, to be shown in place of the list pressed on
// (`Reply.replaceSource`); an answer that is not the presser's list (an admin's press on another's job) is a word
// for the presser alone, never put over the list they pressed on.
import { describe, expect, it } from 'vitest';
import type { Commands } from '../../commands/commands.js';
import type { CommandContext } from '../../commands/context.js';
import { commandsOnQueue } from './commands-on-queue.js';

function contextOf(commands: Commands, userId: string, admin = false): CommandContext {
  return commands.context({
    user: { platform: 'discord', userId },
    scope: 'guild:1',
    language: 'en',
    admin,
  });
}

describe('/queue Cancel n in place', () => {
  it("replaces the owner's list, the cancel line first; an admin's press on another's job replaces nothing", async () => {
    const { commands } = commandsOnQueue('queue-cancel-in-place', { start: false });
    const owner = contextOf(commands, '1');
    const imagine = async (prompt: string) =>
      (await commands.run(owner, { name: 'imagine', options: { prompt } })).jobId as string;
    const first = await imagine('a fox');
    const second = await imagine('a heron');

    const answer = await commands.pressButton(owner, `queue_cancel:${first}`);
    expect(answer.replaceSource).toBe(true);
    expect(answer.text.map((line) => line.key)).toEqual([
      'cancel.done_named',
      'queue.summary',
      'queue.mine_queued',
    ]);
    // The last one cancelled: the list that is left has no buttons, and still takes the old one's place.
    const last = await commands.pressButton(owner, `queue_cancel:${second}`);
    expect([last.replaceSource, last.buttons]).toEqual([true, []]);

    const third = await imagine('a kite');
    const admin = await commands.pressButton(contextOf(commands, '9', true), `queue_cancel:${third}`);
    expect(admin.text).toEqual([{ key: 'cancel.done_theirs' }]);
    expect(admin.replaceSource).toBeUndefined();
  });
});
