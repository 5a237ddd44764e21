// The edit type an instruction names by its wording ("remove the fox" → edit_remove) is read from its words alone:
// flags typed before them, or the settings a follow-up keeps (the Edit button of a `--steps 4` result sends
// `--steps 4 remove the fox`), must not hide the verb the wording starts with.
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/commands.js';
import type { Reply } from '../../commands/reply.js';
import type { Job } from '../../src/jobs/index.js';
import { commandsOnQueue, seedsFrom } from './commands-on-queue.js';

function setup() {
  const updates: Array<{ job: Job; reply: Reply }> = [];
  const { commands, store } = commandsOnQueue('edit-type-words', {
    commands: { randomSeed: seedsFrom(300) },
    onUpdate: (u) => updates.push(u),
  });
  const ctx = (): CommandContext =>
    commands.context({ user: { platform: 'web', userId: '1' }, scope: 'web:1', language: 'en' });
  const finished = async (reply: Reply) => {
    const started = Date.now();
    while (!updates.some((u) => u.job.id === reply.jobId && u.reply.final === true)) {
      if (Date.now() - started > 5000) throw new Error(`no result: ${JSON.stringify(reply.text)}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return reply.jobId as string;
  };
  const request = (reply: Reply) => {
    expect(reply.startsJob, JSON.stringify(reply.text)).toBe(true);
    return store.get(reply.jobId as string)?.request;
  };
  return { commands, ctx, finished, request };
}

describe('an edit type inferred from the instruction', () => {
  it('the Edit button of a result drawn with kept settings reads the answer’s verb', async () => {
    const { commands, ctx, finished, request } = setup();
    const id = await finished(
      await commands.run(ctx(), { name: 'imagine', options: { prompt: 'a fox in the snow --steps 4' } }),
    );
    expect(request(await commands.answerAsk(ctx(), 'edit_instruction', id, 'remove the fox'))).toMatchObject({
      editType: 'edit_remove',
      prompt: 'remove the fox',
      steps: 4,
    });
    expect(request(await commands.editResult(ctx(), id, 'add a red hat'))).toMatchObject({
      editType: 'edit_add',
      prompt: 'add a red hat',
      steps: 4,
    });
  });

  it('a typed /edit with its flags first reads the words after them', async () => {
    const { commands, ctx, finished, request } = setup();
    const id = await finished(
      await commands.run(ctx(), { name: 'imagine', options: { prompt: 'a fox in the snow --steps 4' } }),
    );
    expect(request(await commands.editResult(ctx(), id, '--seed 9 remove the fox'))).toMatchObject({
      editType: 'edit_remove',
      prompt: 'remove the fox',
      seed: 9,
    });
  });
});
