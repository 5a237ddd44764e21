// The lines the bot offers or types back itself (Remix, a `..` reply, Custom zoom, Vary (Region), Zoom out, Edit,
// Imagine this) at the limits: a prompt and a negative prompt of the most characters each may have, braces and
// commas to escape, astral characters, every setting spelled out. Sent back unchanged, such a line is accepted and
// makes the same settings again: only the prompt and the negative prompt are measured, each by its own limit.
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/commands.js';
import { MAX_LINE_CHARS, MAX_PROMPT_CHARS } from '../../commands/limits.js';
import { literalBraces } from '../../commands/permutations.js';
import type { Reply } from '../../commands/reply.js';
import { encodePng } from '../../engine/index.js';
import { t } from '../../src/i18n.js';
import type { Job } from '../../src/jobs/index.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { commandsOnQueue, seedsFrom } from './commands-on-queue.js';

/** `count` code points of `pieces` over and over, ending in no space. */
function textOf(pieces: readonly string[], count: number): string {
  const chars = [...pieces.join(' ').repeat(Math.ceil(count / 4) + 1)].slice(0, count);
  while (chars.at(-1) === ' ') chars.splice(-1, 1, 'z');
  return chars.join('');
}

/** At the prompt limit: braces (escaped when typed), commas, a backslash before a comma, astral characters. */
const PROMPT = textOf(
  ['a {glass} jar,', 'é', '🦊', 'x}y{', 'salt, pepper', 'a\\, b', 'ー'],
  MAX_PROMPT_CHARS,
);
/** At the limit as the `/settings no` option counts it (UTF-16 units): braces and commas, no astral characters. */
const NEGATIVE = textOf(['{blur}', 'fog, rain', 'x{'], MAX_PROMPT_CHARS);
const MOST = '--size 1024x1024 --seed 4294967295 --steps 128 --cfg 20 --temperature 2 --cache';
const SETTINGS = {
  prompt: PROMPT,
  negativePrompt: NEGATIVE,
  steps: 128,
  cfg: 20,
  temperature: 2,
  cache: true,
};

function setup() {
  const updates: Array<{ job: Job; reply: Reply }> = [];
  const engine = new TimedEngineDouble(1, 3);
  const { commands, store } = commandsOnQueue('offered-lines', {
    engine,
    commands: { randomSeed: seedsFrom(100) },
    onUpdate: (u) => updates.push(u),
  });
  const ctx: CommandContext = commands.context({
    user: { platform: 'discord', userId: '1' },
    scope: 'guild:1',
    language: 'en',
  });
  const finished = (reply: Reply) =>
    new Promise<string>((resolve, reject) => {
      const started = Date.now();
      const poll = () => {
        const hit = updates.find((u) => u.job.id === reply.jobId && u.reply.final === true);
        if (hit) return resolve(reply.jobId as string);
        if (Date.now() - started > 5000) return reject(new Error(`no result: ${JSON.stringify(reply.text)}`));
        setTimeout(poll, 2);
      };
      poll();
    });
  const request = (reply: Reply) => {
    expect(reply.text.map((t) => t.key).filter((k) => k.startsWith('errors.'))).toEqual([]);
    return store.get(reply.jobId as string)?.request as unknown as Record<string, unknown>;
  };
  /** The user's `/settings no`, then an /imagine of the longest prompt with every setting. */
  const drawn = async (flags: string) => {
    await commands.run(ctx, { name: 'settings', options: { no: NEGATIVE } });
    // The context as the next event makes it, with the default just saved.
    const settled = commands.context({ user: ctx.user, scope: ctx.scope, language: 'en' });
    const reply = await commands.run(settled, {
      name: 'imagine',
      options: { prompt: `${literalBraces(PROMPT)} ${MOST} ${flags}` },
    });
    expect(request(reply)).toMatchObject(SETTINGS);
    return { ctx: settled, id: await finished(reply), original: request(reply) };
  };
  return { commands, engine, drawn, request, finished, ctx };
}

describe('a line the bot offers, at the limits', () => {
  it('a prompt at its limit, set by options, with the saved negative prompt: every offered line is taken', async () => {
    const { commands, ctx, request, finished } = setup();
    await commands.run(ctx, { name: 'settings', options: { no: NEGATIVE } });
    const settled = commands.context({ user: ctx.user, scope: ctx.scope, language: 'en' });
    const plain = 'a'.repeat(MAX_PROMPT_CHARS);
    const reply = await commands.run(settled, {
      name: 'imagine',
      options: { prompt: plain, steps: 128, cfg: 20, seed: 7 },
    });
    const original = request(reply);
    expect(original).toMatchObject({ prompt: plain, negativePrompt: NEGATIVE });
    const id = await finished(reply);
    const remix = (await commands.pressButton(settled, `remix:${id}`)).ask?.value as string;
    expect(request(await commands.answerAsk(settled, 'imagine_line', id, remix))).toEqual(original);
    // A bare `..` the same but for its seed: kept, it would draw the identical image (rerun-bare-seed.test.ts).
    expect(request(await commands.replyToResult(settled, id, '..'))).toEqual({ ...original, seed: 100 });
    const same = { prompt: plain, negativePrompt: NEGATIVE, steps: 128, cfg: 20 };
    const zoom = (await commands.pressButton(settled, `zoomcustom:${id}`)).ask?.value as string;
    expect(request(await commands.answerAsk(settled, 'zoom_line', id, zoom))).toMatchObject(same);
    const region = (await commands.pressButton(settled, `vary_region:${id}`)).ask?.value as string;
    expect(request(await commands.answerAsk(settled, 'region_line', id, region))).toMatchObject(same);
    expect(request(await commands.pressButton(settled, `pan_left:${id}`))).toMatchObject(same);
  });

  it('Remix and a bare `..` reply make the same /imagine again, the `..` with a new seed', async () => {
    const { commands, drawn, request } = setup();
    const { ctx, id, original } = await drawn('--n 4');
    expect(original).toMatchObject({ count: 4, width: 1024, height: 1024, seed: 4_294_967_295 });
    const line = (await commands.pressButton(ctx, `remix:${id}`)).ask?.value as string;
    expect([...line].length).toBeGreaterThan(2 * MAX_PROMPT_CHARS);
    expect(request(await commands.answerAsk(ctx, 'imagine_line', id, line))).toEqual(original);
    expect(request(await commands.replyToResult(ctx, id, '..'))).toEqual({ ...original, seed: 100 });
  });

  it('Custom zoom, Vary (Region), Zoom out and a Remix of their result keep the prompt and settings', async () => {
    const { commands, drawn, request, finished } = setup();
    // Grown by 2 in each direction, the largest picture would be more than the engine draws.
    const { ctx, id } = await drawn('--size 512x512');
    const zoomLine = (await commands.pressButton(ctx, `zoomcustom:${id}`)).ask?.value as string;
    const zoomed = await commands.answerAsk(ctx, 'zoom_line', id, zoomLine);
    expect(request(zoomed)).toMatchObject({ task: 'paint', ...SETTINGS });
    const regionLine = (await commands.pressButton(ctx, `vary_region:${id}`)).ask?.value as string;
    expect(request(await commands.answerAsk(ctx, 'region_line', id, regionLine))).toMatchObject({
      task: 'paint',
      ...SETTINGS,
    });
    expect(request(await commands.pressButton(ctx, `zoomout:${id}`))).toMatchObject(SETTINGS);
    const zoomedId = await finished(zoomed);
    const paintLine = (await commands.pressButton(ctx, `remix:${zoomedId}`)).ask?.value as string;
    expect(request(await commands.answerAsk(ctx, 'imagine_line', zoomedId, paintLine))).toMatchObject(
      SETTINGS,
    );
  });

  it('the longest line it can offer, every character escaped and every number at its longest, is within the limit', async () => {
    const { commands, ctx, request, finished } = setup();
    await commands.run(ctx, { name: 'settings', options: { no: '}'.repeat(MAX_PROMPT_CHARS) } });
    const settled = commands.context({ user: ctx.user, scope: ctx.scope, language: 'en' });
    const longest = `${'\\{'.repeat(MAX_PROMPT_CHARS)} --size 512x512 --n 4 --seed 4294967295 --steps 128 --cfg 0.30000000000000004 --temperature 1.0000000000000002 --cache`;
    const reply = await commands.run(settled, { name: 'imagine', options: { prompt: longest } });
    const original = request(reply);
    expect(original).toMatchObject({ prompt: '{'.repeat(MAX_PROMPT_CHARS), cfg: 0.30000000000000004 });
    const id = await finished(reply);
    const line = (await commands.pressButton(settled, `remix:${id}`)).ask?.value as string;
    expect(line.length).toBeGreaterThan(4 * MAX_PROMPT_CHARS);
    expect(line.length).toBeLessThanOrEqual(MAX_LINE_CHARS);
    expect(request(await commands.answerAsk(settled, 'imagine_line', id, line))).toEqual(original);
  });

  it('measures the prompt and the negative prompt by their own limit, the line as a whole only by the line limit', async () => {
    const { commands, ctx } = setup();
    const said = async (prompt: string) =>
      (await commands.run(ctx, { name: 'imagine', options: { prompt } })).text.map((t) => [t.key, t.params]);
    const over = MAX_PROMPT_CHARS + 1;
    const tooLong = [['errors.prompt_too_long', { length: over, limit: MAX_PROMPT_CHARS }]];
    expect(await said(`${'a'.repeat(over)} --seed 1`)).toEqual(tooLong);
    expect(await said(`a fox --no ${'b'.repeat(over)}`)).toEqual(tooLong);
    // Past the line limit the line is not read, flags or none; the refusal still names the limit a user can act on,
    // the prompt's, in its own sentence, which names no option: it carries what the sentence shows, and nothing else.
    const plain = await said('a'.repeat(5000));
    expect(plain).toEqual([['errors.line_too_long', { length: 5000, limit: MAX_PROMPT_CHARS }]]);
    expect(t('en', 'errors.line_too_long', plain[0]?.[1] as Record<string, number>)).toBe(
      'Your message is too long (5000 characters); a prompt may have up to 1000.',
    );
    const flagged = `a fox --seed 1 --no ${'b'.repeat(MAX_LINE_CHARS)}`;
    expect(await said(flagged)).toEqual([
      ['errors.line_too_long', { length: flagged.length, limit: MAX_PROMPT_CHARS }],
    ]);
  });

  it('Edit takes an instruction at the limit beside the settings it keeps', async () => {
    const { commands, drawn, request } = setup();
    // Within the 1 MP an input image may have here.
    const { ctx, id } = await drawn('--size 512x512');
    const instruction = textOf(['make it', 'night'], MAX_PROMPT_CHARS);
    expect(request(await commands.editResult(ctx, id, instruction))).toMatchObject({
      task: 'image_to_image',
      prompt: instruction,
      steps: 128,
    });
  });

  it('Imagine this takes as much of a describe answer as the prompt limit holds, its braces counted once', async () => {
    const { commands, engine, ctx, request, finished } = setup();
    engine.answer = '{a} '.repeat(400);
    const image = await encodePng({ width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(90) });
    const described = await commands.run(ctx, { name: 'describe', options: { image: { data: image } } });
    const id = await finished(described);
    const drawn = request(await commands.pressButton(ctx, `imagine:${id}`));
    expect(drawn.prompt).toBe(Array(250).fill('{a}').join(' '));
  });
});

describe('a stored prompt or negative prompt that reads otherwise when typed back', () => {
  it('a backslash before a comma in a prompt with braces stays', async () => {
    const { commands, ctx, request, finished } = setup();
    const reply = await commands.run(ctx, {
      name: 'imagine',
      options: { prompt: '\\{x\\} salt\\\\, pepper --seed 5' },
    });
    expect(request(reply)).toMatchObject({ prompt: '{x} salt\\, pepper' });
    const id = await finished(reply);
    const line = (await commands.pressButton(ctx, `remix:${id}`)).ask?.value as string;
    expect(request(await commands.answerAsk(ctx, 'imagine_line', id, line))).toMatchObject({
      prompt: '{x} salt\\, pepper',
      seed: 5,
    });
  });

  it('a negative prompt with a flag typed the way a Japanese keyboard types it does not change the size', async () => {
    const { commands, ctx, request, finished } = setup();
    const reply = await commands.run(ctx, {
      name: 'imagine',
      options: { prompt: 'a boat --size 512x512', no: 'fog ーーar 16:9' },
    });
    const id = await finished(reply);
    const line = (await commands.pressButton(ctx, `remix:${id}`)).ask?.value as string;
    expect(request(await commands.answerAsk(ctx, 'imagine_line', id, line))).toMatchObject({
      width: 512,
      height: 512,
      negativePrompt: 'fog ar 16:9',
    });
  });

  it('a prompt word named like the line’s own option (`—box`, `—zoom`) stays a word, without its dash', async () => {
    const { commands, ctx, request, finished } = setup();
    const reply = await commands.run(ctx, {
      name: 'imagine',
      options: { prompt: 'a fox —box of chocolates —zoom lens —pan flute' },
    });
    const id = await finished(reply);
    // Each line loses only the dashes its own command would read: /outpaint's `--zoom` and `--pan`, /retouch's `--box`.
    const zoomLine = (await commands.pressButton(ctx, `zoomcustom:${id}`)).ask?.value as string;
    expect(request(await commands.answerAsk(ctx, 'zoom_line', id, zoomLine))).toMatchObject({
      prompt: 'a fox —box of chocolates zoom lens pan flute',
    });
    const regionLine = (await commands.pressButton(ctx, `vary_region:${id}`)).ask?.value as string;
    expect(request(await commands.answerAsk(ctx, 'region_line', id, regionLine))).toMatchObject({
      prompt: 'a fox box of chocolates —zoom lens —pan flute',
    });
  });
});
