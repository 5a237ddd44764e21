// An image given with /imagine is used, never dropped: the prompt's scene is drawn with the image as its subject
// (the engine's subject_driven), and the queued message says so. Whatever only a text-to-image has (its shape, its
// negative prompt) is refused by name rather than ignored. Typed, spoken (`imagine …` to an image) or structured.
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/commands.js';
import { type RenderDeps, renderEvent, renderQueued } from '../../commands/render.js';
import type { Reply } from '../../commands/reply.js';
import { encodePng } from '../../engine/index.js';
import type { Job } from '../../src/jobs/index.js';
import { commandsOnQueue, seedsFrom } from './commands-on-queue.js';

function setup() {
  const { commands, store } = commandsOnQueue('imagine-image', { commands: { randomSeed: seedsFrom(100) } });
  const ctx: CommandContext = commands.context({
    user: { platform: 'discord', userId: '1' },
    scope: 'guild:1',
    language: 'en',
  });
  const job = (reply: Reply) => store.get(reply.jobId as string);
  return { commands, ctx, job, store };
}

const keys = (reply: Reply) => reply.text.map((t) => t.key);
const photo = async () => ({
  data: await encodePng({ width: 48, height: 32, data: new Uint8Array(48 * 32 * 3).fill(120) }),
  filename: 'photo.png',
});

describe('/imagine with an image', () => {
  it('draws the prompt with the image as its subject, keeps the image, and says so while it waits', async () => {
    const { commands, ctx, job, store } = setup();
    const reply = await commands.run(ctx, {
      name: 'imagine',
      options: { prompt: 'a red fox --steps 8', seed: 7, images: 2 },
      images: { image: await photo() },
    });
    expect(reply.startsJob).toBe(true);
    expect(keys(reply)).toContain('job.image_as_subject');
    const made = job(reply);
    expect(made?.kind).toBe('edit');
    expect(made?.request).toMatchObject({
      task: 'image_to_image',
      editType: 'subject_driven',
      prompt: 'a red fox',
      image: { file: 'input.png' },
      steps: 8,
      seed: 7,
      count: 2,
    });
    // Every later rendering of the waiting job (its place in the queue) keeps the line.
    const waiting = made as Job;
    const deps: RenderDeps = { store, defaultLocale: 'en', now: () => 0 };
    const moved = await renderEvent(
      { type: 'position', job: waiting, ahead: 1, etaMs: 2000, endMs: 3000 },
      deps,
    );
    expect(keys(moved)).toEqual(['job.image_as_subject', 'job.queued']);
    const noWorker = renderQueued(waiting, 1, 0, { ...deps, workersRunning: () => false });
    expect(keys(noWorker)).toEqual(['job.image_as_subject', 'job.queued_no_worker']);
  });

  it('without an image is the text-to-image it always was, with no such line', async () => {
    const { commands, ctx, job } = setup();
    const reply = await commands.run(ctx, { name: 'imagine', options: { prompt: 'a red fox' } });
    expect(keys(reply)).not.toContain('job.image_as_subject');
    expect(job(reply)?.request).toMatchObject({ task: 'text_to_image', prompt: 'a red fox' });
  });

  it('refuses by name what only a text-to-image has, as an option or typed, and queues nothing', async () => {
    const { commands, ctx } = setup();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ prompt: 'a red fox', aspect: '16:9' }, 'aspect'],
      [{ prompt: 'a red fox', size: 768 }, 'size'],
      [{ prompt: 'a red fox', no: 'trees' }, 'no'],
      [{ prompt: 'a red fox --ar 16:9' }, '--ar'],
      [{ prompt: 'a red fox --no trees' }, '--no'],
      [{ prompt: 'a red fox --cache' }, '--cache'],
    ];
    for (const [options, flag] of cases) {
      const reply = await commands.run(ctx, { name: 'imagine', options, images: { image: await photo() } });
      expect(reply.startsJob, flag).toBeUndefined();
      expect(reply.text, flag).toEqual([{ key: 'errors.imagine.image_flag', params: { flag } }]);
    }
  });

  it('typed with a photo (a caption, the playground) uses the photo too', async () => {
    const { commands, ctx, job } = setup();
    const captioned = await commands.runText(ctx, '/imagine a red fox', [await photo()]);
    expect(job(captioned as Reply)?.request).toMatchObject({
      editType: 'subject_driven',
      prompt: 'a red fox',
    });
    const chat = await commands.runChatLine(ctx, '/draw a red fox', { image: await photo() });
    expect(job(chat as Reply)?.request).toMatchObject({ editType: 'subject_driven', prompt: 'a red fox' });
  });

  it('said to an image (a mention, a reply, a plain caption) as `imagine …` is the same /imagine', async () => {
    const { commands, ctx, job } = setup();
    const spoken = await commands.replyToImage(ctx, { image: await photo(), text: 'Imagine a red fox' });
    expect(keys(spoken)).toContain('job.image_as_subject');
    expect(job(spoken)?.request).toMatchObject({ editType: 'subject_driven', prompt: 'a red fox' });
    const typed = await commands.replyToImage(ctx, { image: await photo(), text: '/imagine a red fox' });
    expect(job(typed)?.request).toMatchObject({ editType: 'subject_driven', prompt: 'a red fox' });
    // Other words stay what they were: an instruction edits the picture, a question describes it.
    const edit = await commands.replyToImage(ctx, { image: await photo(), text: 'draw a hat on him' });
    expect(job(edit)?.request).toMatchObject({ editType: 'edit_replace', prompt: 'draw a hat on him' });
    const question = await commands.replyToImage(ctx, { image: await photo(), text: 'what is it?' });
    expect(job(question)?.request).toMatchObject({ task: 'understand' });
  });

  it('a command that takes no image answers as without one, adding nothing about it', async () => {
    const { commands, ctx } = setup();
    const plain = await commands.runText(ctx, '/queue');
    const withPhoto = await commands.runText(ctx, '/queue', [await photo()]);
    expect(withPhoto).toEqual(plain);
  });
});
