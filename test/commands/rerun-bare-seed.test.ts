// A bare `..` (a reply to a result, or the playground's line for the latest /imagine) changes nothing: with the seed
// kept it would draw the identical image, so it takes a new seed, as Re-roll does, even where the original named
// one. With changes the seed stays, so the change is the only difference; `.. --seed 42` names the seed to draw by.
import { describe, expect, it } from 'vitest';
import type { Reply } from '../../commands/reply.js';
import type { Owner, StoredRequest } from '../../src/jobs/index.js';
import { commandsOnQueue, seedsFrom } from './commands-on-queue.js';
import { finishedResults, imagineRequest, skyPainted } from './finished-results.js';

const user: Owner = { platform: 'web', userId: '5' };

async function setup() {
  const { commands, store } = commandsOnQueue('rerun-bare-seed', {
    start: false,
    commands: { randomSeed: seedsFrom(100) },
  });
  const { finished } = await finishedResults(store, user, 'web:5');
  const ctx = () => commands.context({ user, scope: 'web:5', language: 'en' });
  const request = (reply: Reply | undefined): StoredRequest | undefined => {
    expect(reply?.startsJob, JSON.stringify(reply?.text)).toBe(true);
    return store.get(reply?.jobId as string)?.request;
  };
  return { commands, ctx, finished, request };
}

describe('a .. reply with no changes', () => {
  it('draws an /imagine result again with a new seed; with changes, the seed stays', async () => {
    const { commands, ctx, finished, request } = await setup();
    const id = finished({ ...imagineRequest('a red fox in the snow'), steps: 8 });
    // A phone's invisible mark after it is nothing.
    for (const line of ['..', ' .. ', '..\u200b']) {
      const again = request(await commands.replyToResult(ctx(), id, line));
      expect([line, again]).toEqual([
        line,
        expect.objectContaining({ prompt: 'a red fox in the snow', steps: 8, width: 512 }),
      ]);
      expect(again).not.toMatchObject({ seed: 3 });
    }
    expect(request(await commands.replyToResult(ctx(), id, '.. --steps 4'))).toMatchObject({
      seed: 3,
      steps: 4,
    });
    expect(request(await commands.replyToResult(ctx(), id, '.. a grey fox'))).toMatchObject({
      prompt: 'a grey fox',
      seed: 3,
    });
  });

  it('takes a new seed where the original named one, unless the reply names it again', async () => {
    const { commands, ctx, finished, request } = await setup();
    const id = finished({ ...imagineRequest('a fox'), seed: 42 });
    const seeds = [
      request(await commands.replyToResult(ctx(), id, '..')),
      request(await commands.replyToResult(ctx(), id, '..')),
    ].map((r) => (r as { seed?: number }).seed);
    expect(seeds).toEqual([100, 101]);
    expect(request(await commands.replyToResult(ctx(), id, '.. --seed 42'))).toMatchObject({ seed: 42 });
  });

  it('on the playground (the latest /imagine) and on a painted result too', async () => {
    const { commands, ctx, finished, request } = await setup();
    const painted = finished(skyPainted());
    expect(request(await commands.replyToResult(ctx(), painted, '..'))).toMatchObject({
      task: 'paint',
      prompt: 'sky',
      seed: 100,
    });
    expect(request(await commands.replyToResult(ctx(), painted, '.. more clouds'))).toMatchObject({
      seed: 4,
    });
    finished(imagineRequest('a harbour'));
    expect(request(await commands.runChatLine(ctx(), '..'))).toMatchObject({
      prompt: 'a harbour',
      seed: 101,
    });
  });
});
