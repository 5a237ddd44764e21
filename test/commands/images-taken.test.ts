// Which images a command takes, derived from its spec: an optional image (/imagine's subject) comes only with the
// message itself, never from the message it replies to, while a required one (/edit, /describe) still does; a
// typed command in a reply to one of our results runs as typed; and more images than a command takes are never
// dropped unseen: every message of the job says that only the first were used.
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/commands.js';
import { findCommand } from '../../commands/registry.js';
import { type RenderDeps, renderEvent } from '../../commands/render.js';
import type { Reply } from '../../commands/reply.js';
import { imageSlots } from '../../commands/spec.js';
import { encodePng } from '../../engine/index.js';
import type { Job } from '../../src/jobs/index.js';
import { commandsOnQueue } from './commands-on-queue.js';

function setup() {
  const { commands, store, queue } = commandsOnQueue('images-taken', { limits: { maxPerUser: 50 } });
  const ctx: CommandContext = commands.context({
    user: { platform: 'telegram', userId: '1' },
    scope: 'chat:1',
    language: 'en',
  });
  const job = (reply: Reply | undefined) => store.get(reply?.jobId as string) as Job;
  return { commands, ctx, job, store, queue };
}

const keys = (reply: Reply | undefined) => reply?.text.map((t) => t.key) ?? [];
const photo = async (shade = 120) => ({
  data: await encodePng({ width: 48, height: 32, data: new Uint8Array(48 * 32 * 3).fill(shade) }),
  filename: 'photo.png',
});

describe('the images a command takes', () => {
  it('is read from the spec: only a required first image reaches into a replied-to message', () => {
    const slots = (name: string) => {
      const spec = findCommand(name);
      if (!spec) throw new Error(`no /${name}`);
      return imageSlots(spec);
    };
    expect(slots('imagine')).toEqual({ own: 1, replied: false });
    expect(slots('edit')).toEqual({ own: 2, replied: true });
    expect(slots('describe')).toEqual({ own: 1, replied: true });
    expect(slots('queue')).toEqual({ own: 0, replied: false });
  });

  it('/imagine said to a replied-to image draws anew; said to the message’s own image draws from it', async () => {
    const { commands, ctx, job } = setup();
    for (const text of ['/imagine a red fox', 'imagine a red fox']) {
      const replied = await commands.replyToImage(ctx, { image: await photo(), text, replied: true });
      expect(job(replied).request, text).toMatchObject({ task: 'text_to_image', prompt: 'a red fox' });
      expect(keys(replied)).not.toContain('job.image_as_subject');
    }
    const own = await commands.replyToImage(ctx, { image: await photo(), text: '/imagine a red fox' });
    expect(job(own).request).toMatchObject({ editType: 'subject_driven', prompt: 'a red fox' });
  });

  it('a command that requires an image still takes the replied-to one, and so does a plain instruction', async () => {
    const { commands, ctx, job } = setup();
    const typed = await commands.replyToImage(ctx, {
      image: await photo(),
      text: '/edit make it night',
      replied: true,
    });
    expect(job(typed).request).toMatchObject({ task: 'image_to_image', prompt: 'make it night' });
    const plain = await commands.replyToImage(ctx, {
      image: await photo(),
      text: 'make it night',
      replied: true,
    });
    expect(job(plain).request).toMatchObject({ task: 'image_to_image', prompt: 'make it night' });
  });

  it('a typed command in a reply to one of our results runs as typed: /imagine anew, /describe on the result', async () => {
    const { commands, ctx, job, queue } = setup();
    const first = await commands.run(ctx, { name: 'imagine', options: { prompt: 'a red fox --steps 4' } });
    const firstId = first.jobId as string;
    await expect.poll(() => queue.get(firstId)?.status ?? job(first).status).toBe('done');
    const fresh = await commands.replyToResult(ctx, firstId, '/imagine a blue bird');
    expect(job(fresh).request).toMatchObject({ task: 'text_to_image', prompt: 'a blue bird' });
    expect(job(fresh).meta.origin).toBeUndefined();
    const spoken = await commands.replyToResult(ctx, firstId, 'imagine a blue bird');
    expect(job(spoken).request).toMatchObject({ task: 'text_to_image', prompt: 'a blue bird' });
    const described = await commands.replyToResult(ctx, firstId, '/describe what animal is it?');
    expect(job(described).request).toMatchObject({ task: 'understand', question: 'what animal is it?' });
    expect(job(described).meta.origin).toBe(firstId);
  });

  it('more images than the command takes: each of its messages says only the first were used', async () => {
    const { commands, ctx, job, store } = setup();
    const three = [await photo(10), await photo(20), await photo(30)];
    const edit = await commands.runText(ctx, '/edit make it night', three);
    expect(keys(edit)).toContain('job.only_first_images');
    expect(edit?.text.find((t) => t.key === 'job.only_first_images')?.params).toEqual({ n: 2 });
    const imagine = await commands.runText(ctx, '/imagine a red fox', three.slice(0, 2));
    expect(keys(imagine)).toContain('job.only_first_image');
    // Fetched only as many as it takes (Telegram), the others are counted all the same.
    const fetched = await commands.runText(ctx, '/imagine a red fox', three.slice(0, 1), undefined, 3);
    expect(keys(fetched)).toContain('job.only_first_image');
    const plain = await commands.replyToImage(ctx, {
      image: three[0] as never,
      text: 'make it night',
      offered: 3,
    });
    expect(keys(plain)).toContain('job.only_first_image');
    // The note stays on the job's later messages, its result included.
    // Both the queue's older and newer timing fields: the event's shape is another room's, changing meanwhile.
    const deps = {
      store,
      defaultLocale: 'en',
      now: () => 0,
      expectedMs: () => 1000,
    } as unknown as RenderDeps;
    const waiting = job(imagine);
    const moved = await renderEvent(
      { type: 'position', job: waiting, ahead: 1, etaMs: 2000, endMs: 3000 } as never,
      deps,
    );
    expect(keys(moved)).toContain('job.only_first_image');
    const started = await renderEvent({ type: 'started', job: waiting, etaMs: 1000 } as never, deps);
    expect(keys(started)).toContain('job.only_first_image');
  });

  it('as many images as it takes, or a command that takes none, adds no note', async () => {
    const { commands, ctx } = setup();
    const one = await commands.runText(ctx, '/imagine a red fox', [await photo()]);
    const two = await commands.runText(ctx, '/edit make it night', [await photo(), await photo(200)]);
    const none = await commands.runText(ctx, '/queue', [await photo(), await photo(200)]);
    for (const reply of [one, two, none]) {
      expect(keys(reply)).not.toContain('job.only_first_image');
      expect(keys(reply)).not.toContain('job.only_first_images');
    }
  });

  it('the playground’s drawn mask under a command that takes none is said to be unused; /retouch takes it', async () => {
    const { commands, ctx } = setup();
    const mask = await photo(255);
    const imagine = await commands.runChatLine(ctx, '/imagine a red fox', { image: await photo(), mask });
    expect(keys(imagine)).toContain('job.mask_unused');
    const retouch = await commands.runChatLine(ctx, '/retouch a hat', { image: await photo(), mask });
    expect(retouch?.startsJob).toBe(true);
    expect(keys(retouch)).not.toContain('job.mask_unused');
  });
});
