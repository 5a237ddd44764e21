// The history’s line of a typed /edit or /describe: the command to type again with the picture shown beside it (the
// attachment, as on the live page), not the instruction or question alone. An edit’s settings are spelled out as a
// /retouch’s are, with its type; an /imagine given a picture (that edit’s subject_driven) is the /imagine it was.
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/commands.js';
import { encodePng } from '../../engine/index.js';
import { commandsOnQueue, seedsFrom } from './commands-on-queue.js';

async function setup() {
  const { commands, store } = commandsOnQueue('history-edit-lines', {
    commands: { randomSeed: seedsFrom(100) },
    start: false,
  });
  const image = {
    data: await encodePng({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(90) }),
  };
  const ctx = (): CommandContext =>
    commands.context({ user: { platform: 'web', userId: 'u8' }, scope: 'web:u8', language: 'en' });
  const line = async (typed: string, images = [image]) => {
    const reply = await commands.runChatLine(ctx(), typed, images);
    expect([typed, reply?.jobId ?? reply?.text]).toEqual([typed, expect.any(String)]);
    const entry = (await commands.history(ctx())).entries.find((e) => e.jobId === reply?.jobId);
    const job = store.get(reply?.jobId as string);
    return { text: entry?.asked.text, roles: entry?.asked.images.map((i) => i.role), request: job?.request };
  };
  return { commands, ctx, line, image };
}

describe('the history’s line of a typed /edit or /describe', () => {
  it('is the /edit with its settings and type, and typed again on the picture makes the same job', async () => {
    const { line } = await setup();
    const cases = [
      ['/edit make it blue --steps 4', '/edit make it blue --seed 100 --steps 4 --type edit_replace'],
      [
        '/edit --type edit_add a \\{red\\} hat --cfg 3 --temperature 0.5 --seed 9',
        '/edit a \\{red\\} hat --seed 9 --steps 64 --cfg 3 --temperature 0.5 --type edit_add',
      ],
      ['/edit make it blue --n 2', '/edit make it blue --n 2 --seed 101 --steps 64 --type edit_replace'],
      ['/imagine a cat in a hat --steps 6', '/imagine a cat in a hat --seed 102 --steps 6'],
    ] as const;
    for (const [typed, shown] of cases) {
      const first = await line(typed);
      expect([typed, first.text, first.roles]).toEqual([typed, shown, ['image']]);
      const again = await line(shown);
      expect([typed, again.request]).toEqual([typed, { steps: 64, ...first.request }]);
    }
  });

  it('makes the same /edit typed again after the user’s defaults changed', async () => {
    const { commands, ctx, line } = await setup();
    const first = await line('/edit make it blue');
    await commands.runText(ctx(), '/settings steps=16 images=2');
    const shown = (await commands.history(ctx())).entries.at(-1)?.asked.text as string;
    expect(shown).toBe('/edit make it blue --n 1 --seed 100 --steps 64 --type edit_replace');
    expect((await line(shown)).request).toEqual({ steps: 64, ...first.request });
  });

  it('is /describe with its question, or alone, the picture beside it', async () => {
    const { line } = await setup();
    expect(await line('/describe')).toMatchObject({ text: '/describe', roles: ['image'] });
    expect(await line('/describe what colour is the sky?')).toMatchObject({
      text: '/describe what colour is the sky?',
      roles: ['image'],
    });
  });
});
