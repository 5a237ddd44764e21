// What a result's follow-ups keep of it: its steps and sampling settings (a 4-step sketch zoomed out is not drawn in
// 64 steps), in the jobs they make and in the lines they offer; and what a describe answer shows beside it.
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/commands.js';
import type { Reply } from '../../commands/reply.js';
import { encodePng } from '../../engine/index.js';
import type { Job } from '../../src/jobs/index.js';
import { commandsOnQueue, seedsFrom } from './commands-on-queue.js';

function setup() {
  const updates: Array<{ job: Job; reply: Reply }> = [];
  const { commands, store } = commandsOnQueue('follow-ups', {
    commands: { randomSeed: seedsFrom(100) },
    onUpdate: (u) => updates.push(u),
  });
  const ctx = (userId: string): CommandContext =>
    commands.context({ user: { platform: 'discord', userId }, scope: 'guild:1', language: 'en' });
  const finished = (jobId: string | undefined) =>
    new Promise<Reply>((resolve, reject) => {
      const started = Date.now();
      const poll = () => {
        const hit = updates.find((u) => u.job.id === jobId && u.reply.final === true);
        if (hit) return resolve(hit.reply);
        if (Date.now() - started > 5000) return reject(new Error('timed out waiting for a result'));
        setTimeout(poll, 2);
      };
      poll();
    });
  const request = (reply: Reply) => store.get(reply.jobId as string)?.request;
  /** User 1's /imagine of `prompt`, once its result is in; its job id. */
  const drawn = async (prompt: string) => {
    const queued = await commands.run(ctx('1'), { name: 'imagine', options: { prompt } });
    await finished(queued.jobId);
    return queued.jobId as string;
  };
  return { commands, ctx, finished, request, drawn };
}

const SETTINGS = { steps: 4, cfg: 3, temperature: 0.8 };

describe('follow-ups of a result', () => {
  it('keep its steps, guidance and temperature: Zoom out, the pans, Make square, Custom zoom, Vary (Region)', async () => {
    const { commands, ctx, request, drawn } = setup();
    const id = await drawn('a lighthouse --ar 16:9 --steps 4 --cfg 3 --temperature 0.8 --no gulls');
    for (const action of ['zoomout', 'zoomout2', 'pan_left', 'pan_up', 'square']) {
      const made = await commands.pressButton(ctx('1'), `${action}:${id}`);
      expect(request(made), action).toMatchObject({ task: 'paint', prompt: 'a lighthouse', ...SETTINGS });
    }
    const zoomLine = await commands.pressButton(ctx('1'), `zoomcustom:${id}`);
    expect(zoomLine.ask?.value).toBe('a lighthouse --steps 4 --cfg 3 --temperature 0.8 --no gulls --zoom 2');
    const zoomed = await commands.answerAsk(ctx('1'), 'zoom_line', id, zoomLine.ask?.value ?? '');
    expect(request(zoomed)).toMatchObject(SETTINGS);
    // The line offered (on the playground: put in the message box) says them, and the answer runs with them.
    const regionLine = await commands.pressButton(ctx('1'), `vary_region:${id}`);
    expect(regionLine.ask?.value).toBe(
      'a lighthouse --steps 4 --cfg 3 --temperature 0.8 --no gulls --box center',
    );
    const retouched = await commands.answerAsk(ctx('1'), 'region_line', id, regionLine.ask?.value ?? '');
    expect(request(retouched)).toMatchObject({ task: 'paint', negativePrompt: 'gulls', ...SETTINGS });
    // Changed in the line, the change wins.
    const changed = await commands.answerAsk(ctx('1'), 'zoom_line', id, 'a lighthouse --steps 12 --zoom 1.5');
    expect(request(changed)).toMatchObject({ steps: 12 });
  });

  it('Edit keeps the steps and temperature, not a prompt’s guidance scale; the instruction’s own flags win', async () => {
    const { commands, ctx, finished, request, drawn } = setup();
    const id = await drawn('a lighthouse --steps 4 --cfg 3 --temperature 0.8');
    const edit = await commands.editResult(ctx('1'), id, 'add a moon');
    expect(request(edit)).toMatchObject({
      task: 'image_to_image',
      prompt: 'add a moon',
      steps: 4,
      temperature: 0.8,
    });
    expect(request(edit)).not.toHaveProperty('cfg');
    const own = await commands.editResult(ctx('1'), id, 'add a moon --steps 16');
    expect(request(own)).toMatchObject({ prompt: 'add a moon', steps: 16 });
    // From an edit's result, its guidance scale is an edit's and is kept.
    const edited = await commands.editResult(ctx('1'), id, 'add stars --cfg 2');
    await finished(edited.jobId);
    const again = await commands.editResult(ctx('1'), edited.jobId as string, 'add a cat');
    expect(request(again)).toMatchObject({ steps: 4, cfg: 2, temperature: 0.8 });
  });

  it('Custom zoom answered with flags only keeps the result’s prompt and the settings it does not type', async () => {
    const { commands, ctx, request, drawn } = setup();
    const id = await drawn('a lighthouse --steps 12 --cfg 3 --temperature 0.8 --cache --no gulls');
    const zoom = (answer: string) => commands.answerAsk(ctx('1'), 'zoom_line', id, answer);
    const own = await zoom('--steps 16 --temperature 0.5 --no-cache --zoom 1.5');
    expect(request(own)).toMatchObject({
      prompt: 'a lighthouse',
      steps: 16,
      cfg: 3,
      temperature: 0.5,
      cache: false,
      negativePrompt: 'gulls',
    });
  });

  it('Custom zoom and Vary (Region) answered with words run them over the settings the form showed', async () => {
    const { commands, ctx, request, drawn } = setup();
    const id = await drawn('a lighthouse --steps 12 --cfg 3 --temperature 0.8 --cache --no gulls');
    const kept = { steps: 12, cfg: 3, temperature: 0.8, cache: true, negativePrompt: 'gulls' };
    const zoom = (answer: string) => commands.answerAsk(ctx('1'), 'zoom_line', id, answer);
    // The whole offered line typed over with a prompt: its settings and its `--zoom 2` (a quarter more each side
    // at 1.5, half at 2) still run, as shown.
    expect(request(await zoom('a harbour'))).toMatchObject({
      prompt: 'a harbour',
      ...kept,
      region: { kind: 'extend', left: 0.5, right: 0.5 },
    });
    expect(request(await zoom('a harbour --zoom 1.5 --steps 16'))).toMatchObject({
      prompt: 'a harbour',
      ...kept,
      steps: 16,
      region: { kind: 'extend', left: 0.25 },
    });
    // A pan typed instead of the zoom pans, with no zoom of the form's joined to it.
    expect(request(await zoom('a harbour --pan left'))).toMatchObject({
      ...kept,
      region: { kind: 'extend', right: 0 },
    });
    // Another value drops one: `--no none`, `--no-cache`.
    const dropped = request(await zoom('a harbour --no none --no-cache'));
    expect(dropped).toMatchObject({ steps: 12, cache: false });
    expect(dropped).not.toHaveProperty('negativePrompt');
    const region = await commands.answerAsk(ctx('1'), 'region_line', id, 'a red door --box top-left');
    expect(request(region)).toMatchObject({ task: 'paint', prompt: 'a red door', ...kept });
  });

  it('a typed `--no` in a Custom zoom answer replaces the result’s; `--no none` and `--cfg 0` leave it out', async () => {
    const { commands, ctx, request, drawn } = setup();
    const id = await drawn('a lighthouse --steps 4 --cfg 3 --no gulls');
    const zoom = (answer: string) => commands.answerAsk(ctx('1'), 'zoom_line', id, answer);
    for (const answer of ['--zoom 1.5 --no boats', '1.5x --no boats']) {
      expect(request(await zoom(answer)), answer).toMatchObject({
        negativePrompt: 'boats',
        steps: 4,
        cfg: 3,
      });
    }
    for (const answer of ['--zoom 1.5 --no none', '1.5x --no none']) {
      expect(request(await zoom(answer)), answer).not.toHaveProperty('negativePrompt');
    }
    // Without guidance there is nothing for the result's `--no` to steer by: dropped, not refused.
    const unguided = await zoom('--zoom 1.5 --cfg 0');
    expect(request(unguided)).toMatchObject({ prompt: 'a lighthouse', cfg: 0, steps: 4 });
    expect(request(unguided)).not.toHaveProperty('negativePrompt');
  });

  it('a result without settings of its own offers none (the user’s defaults apply as before)', async () => {
    const { commands, ctx, drawn } = setup();
    const id = await drawn('a lighthouse');
    const zoomLine = await commands.pressButton(ctx('1'), `zoomcustom:${id}`);
    expect(zoomLine.ask?.value).toBe('a lighthouse --zoom 2');
  });
});

describe('a describe answer', () => {
  it('shows neither a seed nor steps beside it: nothing there to draw again', async () => {
    const { commands, ctx, finished } = setup();
    const image = encodePng({ width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(90) });
    const described = await commands.run(ctx('1'), {
      name: 'describe',
      options: { image: { data: await image }, question: 'what is it?' },
    });
    const answer = await finished(described.jobId);
    expect(answer.context).toEqual({ task: 'understand', prompt: 'what is it?' });
  });
});
