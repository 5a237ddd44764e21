// An /outpaint paints the new border from a description of the whole picture: one without a prompt is refused
// saying so (the bare "Please give a prompt." read as asking for the new part alone), and nothing is queued.
import { describe, expect, it } from 'vitest';
import type { Reply } from '../../commands/reply.js';
import { encodePng } from '../../engine/index.js';
import { commandsOnQueue } from './commands-on-queue.js';

function setup() {
  const { commands, store } = commandsOnQueue('outpaint-prompt', { start: false });
  const ctx = () =>
    commands.context({ user: { platform: 'web', userId: '1' }, scope: 'web:1', language: 'en' });
  const jobCount = () => store.recentOf({ platform: 'web', userId: '1' }, 100).length;
  return { commands, ctx, jobCount };
}

const image = () => encodePng({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(90) });
const keys = (reply: Reply | undefined) => reply?.text.map((line) => line.key);

describe('an /outpaint without a prompt', () => {
  it('is refused asking for the whole scene, typed or from a platform’s options', async () => {
    const { commands, ctx, jobCount } = setup();
    const data = await image();
    for (const line of ['/outpaint 2x', '/outpaint left --steps 8', '/outpaint 1.5x \u200b']) {
      expect(keys(await commands.runText(ctx(), line, [{ data }])), line).toEqual([
        'errors.outpaint.prompt_empty',
      ]);
    }
    const options = await commands.run(ctx(), { name: 'outpaint', options: { image: { data }, zoom: 2 } });
    expect(keys(options)).toEqual(['errors.outpaint.prompt_empty']);
    expect(jobCount()).toBe(0);
    // With one, it runs.
    expect((await commands.runText(ctx(), '/outpaint 2x a beach', [{ data }]))?.startsJob).toBe(true);
  });
});
