// Answers to a result's questions that leave out what the question asked for: a blank Custom zoom answer is refused
// as Remix's is, one with a factor or flags alone zooms the result's own prompt with its settings (as Zoom out does),
// and the Edit button's blank answer asks for an instruction, not a prompt.
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/commands.js';
import type { Reply } from '../../commands/reply.js';
import type { Job } from '../../src/jobs/index.js';
import { commandsOnQueue, seedsFrom } from './commands-on-queue.js';

function setup() {
  const updates: Array<{ job: Job; reply: Reply }> = [];
  const { commands, store } = commandsOnQueue('blank-answers', {
    commands: { randomSeed: seedsFrom(100) },
    onUpdate: (u) => updates.push(u),
  });
  const ctx = (): CommandContext =>
    commands.context({ user: { platform: 'web', userId: '1' }, scope: 'web:1', language: 'en' });
  const finished = (jobId: string | undefined) =>
    new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const poll = () => {
        if (updates.some((u) => u.job.id === jobId && u.reply.final === true)) return resolve();
        if (Date.now() - started > 5000) return reject(new Error('timed out waiting for a result'));
        setTimeout(poll, 2);
      };
      poll();
    });
  const drawn = async (prompt: string) => {
    const reply = await commands.run(ctx(), { name: 'imagine', options: { prompt } });
    await finished(reply.jobId);
    return reply.jobId as string;
  };
  const request = (reply: Reply) => store.get(reply.jobId as string)?.request;
  const jobCount = () => store.recentOf({ platform: 'web', userId: '1' }, 100).length;
  return { commands, ctx, drawn, request, jobCount };
}

const keys = (reply: Reply) => reply.text.map((t) => t.key);

describe('Custom zoom answered without a prompt', () => {
  it('refuses a blank answer as Remix does, queueing nothing', async () => {
    const { commands, ctx, drawn, jobCount } = setup();
    const id = await drawn('a lighthouse --steps 4');
    const before = jobCount();
    for (const blank of ['', '   ', '\u200b']) {
      const zoom = await commands.answerAsk(ctx(), 'zoom_line', id, blank);
      expect(keys(zoom), JSON.stringify(blank)).toEqual(['errors.prompt_empty']);
      expect(zoom.startsJob).toBeFalsy();
    }
    const remix = await commands.answerAsk(ctx(), 'imagine_line', id, '   ');
    expect(keys(remix)).toEqual(['errors.prompt_empty']);
    expect(jobCount()).toBe(before);
  });

  it('with only a factor, a pan or flags, zooms the result’s own prompt with its settings; typed flags win', async () => {
    const { commands, ctx, drawn, request } = setup();
    await commands.runText(ctx(), '/prefer grain film grain --steps 6');
    const id = await drawn('a lighthouse --steps 4 --temperature 0.8 --no gulls');
    const kept = {
      task: 'paint',
      prompt: 'a lighthouse',
      negativePrompt: 'gulls',
      steps: 4,
      temperature: 0.8,
    };
    for (const answer of ['--zoom 1.5', '1.5x', 'left']) {
      const zoom = await commands.answerAsk(ctx(), 'zoom_line', id, answer);
      expect(zoom.startsJob, answer).toBe(true);
      expect(request(zoom), answer).toMatchObject(kept);
    }
    const own = await commands.answerAsk(ctx(), 'zoom_line', id, '--zoom 1.5 --steps 8');
    expect(request(own)).toMatchObject({ ...kept, steps: 8 });
    // A prompt of its own is the answer's, as before.
    const named = await commands.answerAsk(ctx(), 'zoom_line', id, 'a harbour --zoom 1.5');
    expect(request(named)).toMatchObject({ prompt: 'a harbour' });
    // So is a custom option that stands for words.
    const custom = await commands.answerAsk(ctx(), 'zoom_line', id, '--grain --zoom 1.5');
    expect(request(custom)).toMatchObject({ prompt: 'film grain', steps: 6 });
  });
});

describe('the Edit button answered without an instruction', () => {
  it('asks for what to change, not for a prompt, queueing nothing', async () => {
    const { commands, ctx, drawn, jobCount } = setup();
    const id = await drawn('a lighthouse --steps 4');
    const before = jobCount();
    for (const blank of ['', '   ', '--steps 8']) {
      expect(keys(await commands.answerAsk(ctx(), 'edit_instruction', id, blank)), blank).toEqual([
        'errors.edit.instruction_empty',
      ]);
      expect(keys(await commands.editResult(ctx(), id, blank)), blank).toEqual([
        'errors.edit.instruction_empty',
      ]);
    }
    expect(jobCount()).toBe(before);
  });
});
