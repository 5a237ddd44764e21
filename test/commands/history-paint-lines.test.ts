// The history’s line of a /retouch or /outpaint the user typed: the command to type again with the picture shown
// beside it (it cannot be typed: it is the attachment, as on the live page), its region spelled out as the command’s
// own word, every setting spelled out as an /imagine’s line is. A drawn mask is the attachment too.
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/commands.js';
import { encodePng } from '../../engine/index.js';
import { commandsOnQueue, seedsFrom } from './commands-on-queue.js';

async function setup() {
  const { commands, store } = commandsOnQueue('history-paint-lines', {
    commands: { randomSeed: seedsFrom(100) },
    start: false,
  });
  const png = (width: number, height: number) =>
    encodePng({ width, height, data: new Uint8Array(width * height * 3).fill(90) });
  const ctx = (): CommandContext =>
    commands.context({ user: { platform: 'web', userId: 'u7' }, scope: 'web:u7', language: 'en' });
  const line = async (typed: string, images: Array<{ data: Uint8Array }>) => {
    const reply = await commands.runChatLine(ctx(), typed, images);
    expect([typed, reply?.jobId ?? reply?.text]).toEqual([typed, expect.any(String)]);
    const entry = (await commands.history(ctx())).entries.find((e) => e.jobId === reply?.jobId);
    return { text: entry?.asked.text, request: store.get(reply?.jobId as string)?.request };
  };
  return { commands, ctx, line, png };
}

describe('the history’s line of a typed /retouch or /outpaint', () => {
  it('is the command with its region and settings, and typed again on the picture makes the same job', async () => {
    const { line, png } = await setup();
    const image = { data: await png(64, 64) };
    const cases = [
      ['/retouch a hat --box top-left --steps 8', '/retouch a hat --seed 100 --steps 8 --box top-left'],
      [
        '/retouch a hat --box 0.1,0.2,0.3,0.4;right',
        '/retouch a hat --seed 101 --steps 64 --box 0.1,0.2,0.3,0.4;right',
      ],
      ['/outpaint 1.7x more sky', '/outpaint more sky --seed 102 --steps 64 --zoom 1.7'],
      ['/outpaint more sky', '/outpaint more sky --seed 103 --steps 64 --zoom 1.5'],
      ['/outpaint left more sky --no fog', '/outpaint more sky --seed 104 --steps 64 --no fog --pan left'],
      ['/outpaint —pan up more sky', '/outpaint more sky --seed 105 --steps 64 --pan up'],
    ] as const;
    for (const [typed, shown] of cases) {
      const first = await line(typed, [image]);
      expect([typed, first.text]).toEqual([typed, shown]);
      // Its steps spelled out are the engine's, where none were typed.
      const again = await line(shown, [image]);
      expect([typed, again.request]).toEqual([typed, { steps: 64, ...first.request }]);
    }
  });

  it('makes the same job typed again after the user’s defaults changed', async () => {
    const { commands, ctx, line, png } = await setup();
    const image = { data: await png(64, 64) };
    const first = await line('/retouch --box center a hat --n 1', [image]);
    expect(first.text).toBe('/retouch a hat --seed 100 --steps 64 --box center');
    await commands.runText(ctx(), '/settings steps=16 images=2 no=blur');
    const shown = (await commands.history(ctx())).entries.at(-1)?.asked.text as string;
    expect(shown).toBe('/retouch a hat --n 1 --seed 100 --steps 64 --no none --box center');
    expect((await line(shown, [image])).request).toEqual({ steps: 64, ...first.request });
  });

  it('with a drawn mask is the command with its settings: the mask is the attachment beside it', async () => {
    const { line, png } = await setup();
    const image = { data: await png(64, 64) };
    // White: a mask that marks nothing (the grey picture itself) is refused when sent.
    const mask = {
      data: await encodePng({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(255) }),
    };
    const first = await line('/retouch a hat', [image, mask]);
    expect(first.text).toBe('/retouch a hat --seed 100 --steps 64');
  });
});
