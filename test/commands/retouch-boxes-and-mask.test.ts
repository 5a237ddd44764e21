// A /retouch given both boxes and a mask (the playground's drawn mask under `--box top-left`, or both of Discord's
// options): the boxes are redrawn and every message of the job says the mask was not used, as for any other image
// a job left out; a mask alone, or boxes alone, says nothing of the kind.
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/commands.js';
import { type RenderDeps, renderEvent } from '../../commands/render.js';
import type { Reply } from '../../commands/reply.js';
import { encodePng } from '../../engine/index.js';
import type { Job } from '../../src/jobs/index.js';
import { commandsOnQueue } from './commands-on-queue.js';

function setup() {
  const { commands, store } = commandsOnQueue('retouch-boxes-mask', { start: false });
  const ctx: CommandContext = commands.context({
    user: { platform: 'web', userId: '1' },
    scope: 'web:1',
    language: 'en',
  });
  const job = (reply: Reply | undefined) => store.get(reply?.jobId as string) as Job;
  return { commands, ctx, job, store };
}

const keys = (reply: Reply | undefined) => reply?.text.map((t) => t.key) ?? [];
const png = async (shade: number) => ({
  data: await encodePng({ width: 48, height: 32, data: new Uint8Array(48 * 32 * 3).fill(shade) }),
  filename: 'image.png',
});
const NOTE = 'job.mask_unused_boxes';

describe('/retouch with both boxes and a mask', () => {
  it('redraws the typed boxes and says, in the queued reply and later messages, that the mask was not used', async () => {
    const { commands, ctx, job, store } = setup();
    const images = { image: await png(120), mask: await png(255) };
    const reply = await commands.runChatLine(ctx, '/retouch a cat --steps 4 --box top-left', images);
    expect(reply?.startsJob).toBe(true);
    expect(keys(reply)).toContain(NOTE);
    // Not the note of a command that takes no mask: /retouch does take one, just not beside boxes.
    expect(keys(reply)).not.toContain('job.mask_unused');
    const queued = job(reply);
    expect(queued.request).toMatchObject({
      task: 'paint',
      prompt: 'a cat',
      steps: 4,
      region: { kind: 'boxes' },
    });
    const deps = {
      store,
      defaultLocale: 'en',
      now: () => 0,
      expectedMs: () => 1000,
    } as unknown as RenderDeps;
    const started = await renderEvent({ type: 'started', job: queued, etaMs: 1000 } as never, deps);
    expect(keys(started)).toContain(NOTE);
    // A mask alone, or boxes alone, is used without the note.
    const masked = await commands.runChatLine(ctx, '/retouch a hat', {
      image: await png(120),
      mask: await png(255),
    });
    expect(job(masked).request).toMatchObject({ region: { kind: 'mask' } });
    const boxed = await commands.runChatLine(ctx, '/retouch a hat --box center', { image: await png(120) });
    expect(job(boxed).request).toMatchObject({ region: { kind: 'boxes' } });
    for (const alone of [masked, boxed]) expect(keys(alone)).not.toContain(NOTE);
  });

  it('says the same where a platform gives both as options (Discord)', async () => {
    const { commands, ctx } = setup();
    const reply = await commands.run(ctx, {
      name: 'retouch',
      options: { prompt: 'a cat', boxes: 'center' },
      images: { image: await png(120), mask: await png(255) },
    });
    expect(reply.startsJob).toBe(true);
    expect(keys(reply)).toContain(NOTE);
  });
});
