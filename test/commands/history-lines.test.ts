// The user's lines in the playground's history after a reload (or in a second tab): what the live page showed, a
// command the user could type again, not the prompt alone.
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/commands.js';
import type { Job } from '../../src/jobs/index.js';
import { commandsOnQueue, seedsFrom } from './commands-on-queue.js';

function setup() {
  const finals: string[] = [];
  const { commands, store } = commandsOnQueue('history-lines', {
    commands: { randomSeed: seedsFrom(100) },
    onUpdate: ({ job, reply }) => {
      if (reply.final) finals.push(job.id);
    },
  });
  const ctx = (): CommandContext =>
    commands.context({ user: { platform: 'web', userId: 'u1' }, scope: 'web:u1', language: 'en' });
  const finished = async (id: string): Promise<Job> => {
    const started = Date.now();
    while (!finals.includes(id)) {
      if (Date.now() - started > 5000) throw new Error(`job ${id} did not finish`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return store.get(id) as Job;
  };
  const askedText = async (jobId: string) =>
    (await commands.history(ctx())).entries.find((e) => e.jobId === jobId)?.asked.text;
  return { commands, ctx, finished, askedText };
}

describe('the history’s user lines', () => {
  it('spell out the command and the job’s settings, a permutation’s as each job ran', async () => {
    const { commands, ctx, askedText } = setup();
    const typed = await commands.runChatLine(ctx(), '/imagine tab one job --steps 32 --size 768');
    expect(await askedText(typed?.jobId as string)).toBe(
      '/imagine tab one job --size 768x768 --seed 100 --steps 32',
    );

    await commands.runChatLine(ctx(), '/imagine a {red,blue} fox --steps 4');
    // Newest first: the two permutations above the first job.
    const lines = (await commands.history(ctx())).entries.slice(0, 2).map((e) => e.asked.text);
    expect(lines.sort()).toEqual([
      expect.stringMatching(/^\/imagine a blue fox --size \d+x\d+ --seed \d+ --steps 4$/),
      expect.stringMatching(/^\/imagine a red fox --size \d+x\d+ --seed \d+ --steps 4$/),
    ]);
  });

  it('show none for a job a button made, as the live page does', async () => {
    const { commands, ctx, finished, askedText } = setup();
    const first = await commands.runChatLine(ctx(), '/imagine a fox --steps 3');
    await finished(first?.jobId as string);
    const rerolled = await commands.pressButton(ctx(), `reroll:${first?.jobId}`);
    expect(rerolled.jobId).toBeDefined();
    expect(await askedText(rerolled.jobId as string)).toBe('');
    const remixed = await commands.answerAsk(
      ctx(),
      'imagine_line',
      first?.jobId as string,
      'a wolf --steps 3',
    );
    expect(await askedText(remixed.jobId as string)).toBe('');
    // The typed one keeps its line.
    expect(await askedText(first?.jobId as string)).toMatch(/^\/imagine a fox /);
  });

  it('show the line as the playground kept it typed, a permutation’s once above its first job', async () => {
    const { commands, ctx, askedText } = setup();
    // As adapters/web/router.ts runs a chat line: the line as typed in the jobs' meta.
    const typedCtx = (line: string): CommandContext => ({ ...ctx(), meta: { typed: line } });
    const line = '/imagine a red fox in the snow --steps 8 --seed 42';
    const one = await commands.runChatLine(typedCtx(line), line);
    expect(await askedText(one?.jobId as string)).toBe(line);

    const permuted = '/imagine a {red,blue} fox --steps 4';
    const first = await commands.runChatLine(typedCtx(permuted), permuted);
    const [other] = first?.more ?? [];
    expect(await askedText(first?.jobId as string)).toBe(permuted);
    expect(await askedText(other?.jobId as string)).toBe('');
  });
});
