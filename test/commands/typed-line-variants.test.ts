// A value or flag typed the way a keyboard types it (an input method's full-width digits `１６：９`, its dashes
// `ーーzoom`) is read the same at every entry that takes typed lines: `--ar=１６:９` as `--ar １６:９` and `--cfg=４．５`,
// `/outpaint ２x` as `--zoom ２`, a `..` reply opening with `ーーar` as one opening with `—ar`. Numbers are decimal
// digits wherever they are typed: a region's `0x0` or empty field is no 0.
import { describe, expect, it } from 'vitest';
import { outpaintSpec } from '../../commands/outpaint/spec.js';
import { parsePrompt } from '../../commands/prompt.js';
import { parseBoxes } from '../../commands/regions.js';
import type { Reply } from '../../commands/reply.js';
import { retouchSpec } from '../../commands/retouch/spec.js';
import { settingsSpec } from '../../commands/settings/spec.js';
import { parseArgs } from '../../commands/text-grammar.js';
import type { Owner } from '../../src/jobs/index.js';
import { commandsOnQueue } from './commands-on-queue.js';
import { finishedResults, imagineRequest } from './finished-results.js';

const user: Owner = { platform: 'telegram', userId: '8' };

async function setup() {
  const { commands, store } = commandsOnQueue('typed-variants', { start: false });
  const { png, finished } = await finishedResults(store, user, 'dm:8');
  const imagined = (prompt = 'a fox') => finished(imagineRequest(prompt));
  const ctx = () => commands.context({ user, scope: 'dm:8', language: 'en', ownMachine: true });
  const request = (reply: Reply | undefined) =>
    reply?.jobId ? store.get(reply.jobId)?.request : reply?.text[0];
  return { commands, ctx, imagined, request, image: { data: png } };
}

describe('full-width digits', () => {
  it('are the same value after = as after a space, for every numeric flag', () => {
    const lines: Array<[string, string]> = [
      ['--ar=１６:９', '--ar 16:9'],
      ['--ar=１６：９', '--ar 16:9'],
      ['--ar １６：９', '--ar 16:9'],
      ['--size=７６８x５１２', '--size 768x512'],
      ['--size=７６８ｘ５１２', '--size 768x512'],
      ['--size ７６８ｘ５１２', '--size 768x512'],
      ['--size=７６８', '--size 768'],
      ['--cfg=４．５', '--cfg 4.5'],
      ['--temperature ０．５', '--temperature 0.5'],
      ['--steps=１６ --seed ４２ --n=２', '--steps 16 --seed 42 --n 2'],
      // An input method's `＝` too.
      ['--ar＝１６：９', '--ar 16:9'],
    ];
    for (const [typed, plain] of lines)
      expect([typed, parsePrompt(`猫 ${typed}`)]).toEqual([typed, parsePrompt(`猫 ${plain}`)]);
  });

  it('are refused as typed where the value is out of range, in either form', () => {
    for (const typed of ['--ar=１６：１', '--ar １６：１'])
      expect(() => parsePrompt(`x ${typed}`)).toThrow(
        expect.objectContaining({
          key: 'errors.flag.aspect',
          params: expect.objectContaining({ value: '１６：１' }),
        }),
      );
  });

  it('read as /settings, /outpaint’s zoom and /retouch’s boxes take them', () => {
    expect(parseArgs(settingsSpec, 'aspect=１６：９ size＝７６８ steps： ６４').options).toEqual({
      aspect: '16:9',
      size: 768,
      steps: 64,
    });
    for (const line of ['２x sky', '２ｘ sky', 'ｘ２ sky', '--zoom=２ sky', '--zoom ２ sky'])
      expect([line, parseArgs(outpaintSpec, line).options]).toEqual([line, { zoom: 2, prompt: 'sky' }]);
    expect(parseArgs(outpaintSpec, '--pan ｌｅｆｔ sky').options).toEqual({
      direction: 'left',
      prompt: 'sky',
    });
    expect(parseArgs(retouchSpec, '０.１,０.１,０.５,０.５ a hat').options).toEqual({
      boxes: '0.1,0.1,0.5,0.5',
      prompt: 'a hat',
    });
    expect(parseBoxes('０.１，０.１，０.５，０.５； ｔｏｐ')).toEqual([
      parseBoxes('0.1,0.1,0.5,0.5')[0],
      parseBoxes('top')[0],
    ]);
  });

  it('through the entries: /imagine, /settings, /prefer, a .. reply, Remix, Custom zoom, Vary (Region)', async () => {
    const { commands, ctx, imagined, request, image } = await setup();
    const wide = { width: 688, height: 384 };
    expect(request(await commands.runText(ctx(), '/imagine a fox --ar=１６:９'))).toMatchObject(wide);
    expect(request(await commands.runText(ctx(), '/imagine a fox --size=７６８ｘ５１２'))).toMatchObject({
      width: 768,
      height: 512,
    });
    expect((await commands.runText(ctx(), '/settings aspect=１６：９'))?.text[0]?.key).toBe('settings.saved');
    // Saved as the ratio it names.
    expect(ctx().settings.aspect).toBe('16:9');
    expect((await commands.runText(ctx(), '/prefer wide --ar=２１：９'))?.text[0]?.key).toBe('prefer.saved');
    const id = imagined();
    expect(request(await commands.replyToResult(ctx(), id, '.. --ar=１６：９'))).toMatchObject(wide);
    expect(request(await commands.answerAsk(ctx(), 'imagine_line', id, 'a fox --ar=１６：９'))).toMatchObject(
      wide,
    );
    expect(request(await commands.answerAsk(ctx(), 'zoom_line', id, '２x a fox'))).toMatchObject({
      region: { kind: 'extend', left: 0.5, right: 0.5 },
    });
    expect(
      request(await commands.answerAsk(ctx(), 'region_line', id, 'a hat --box ０,０,０.５,０.５')),
    ).toMatchObject({ region: { kind: 'boxes', boxes: [{ x: 0, y: 0, w: 0.5, h: 0.5 }] } });
    expect(request(await commands.runText(ctx(), '/retouch ０,０,１,０.５ a hat', [image]))).toMatchObject({
      prompt: 'a hat',
      region: { kind: 'boxes', boxes: [{ x: 0, y: 0, w: 1, h: 0.5 }] },
    });
  });
});

describe('a region’s numbers', () => {
  it('are decimal fractions, as every typed number: hexadecimal, exponents and empty fields are refused', () => {
    for (const bad of ['0x0,0,0.5,0.5', '0,,0.5,0.5', '1e-1,0,0.5,0.5', '0b0,0,0.5,0.5'])
      expect(() => parseBoxes(bad), bad).toThrow(expect.objectContaining({ key: 'errors.retouch.boxes' }));
    expect(parseBoxes('.5,0,0.5,1')).toEqual([{ x: 0.5, y: 0, w: 0.5, h: 1 }]);
  });
});

describe('an input method’s dashes', () => {
  it('name a command’s own words as a phone’s dash does: /outpaint, /retouch, Custom zoom, Vary (Region)', async () => {
    const { commands, ctx, imagined, request, image } = await setup();
    for (const line of ['ーーzoom 2 sky', '－－ｚｏｏｍ＝２ sky', '—zoom 2 sky'])
      expect([line, parseArgs(outpaintSpec, line).options]).toEqual([line, { zoom: 2, prompt: 'sky' }]);
    expect(parseArgs(retouchSpec, 'a hat ーーbox top').options).toEqual({ boxes: 'top', prompt: 'a hat' });
    // A list typed with an input method's comma goes on past its space, as one typed with `,` does.
    expect(parseArgs(retouchSpec, 'a hat --box center， top-left').options).toEqual({
      boxes: 'center， top-left',
      prompt: 'a hat',
    });
    // Without a value it stays a word, as a phone's dash does: punctuation.
    expect(parseArgs(outpaintSpec, 'sky ーーzoom').options).toEqual({ prompt: 'sky ーーzoom' });
    expect(request(await commands.runText(ctx(), '/outpaint ーーpan left sky', [image]))).toMatchObject({
      prompt: 'sky',
      region: { kind: 'extend', left: 0.5, right: 0 },
    });
    const id = imagined();
    expect(request(await commands.answerAsk(ctx(), 'zoom_line', id, 'a fox ーーzoom 2'))).toMatchObject({
      prompt: 'a fox',
      region: { kind: 'extend', left: 0.5 },
    });
    expect(request(await commands.answerAsk(ctx(), 'region_line', id, 'a hat －－ｂｏｘ top'))).toMatchObject(
      {
        prompt: 'a hat',
        region: { kind: 'boxes', boxes: [{ x: 0, y: 0, w: 1, h: 0.5 }] },
      },
    );
  });

  it('in a stored prompt typed back into Vary (Region)’s line stay words', async () => {
    const { commands, ctx, imagined, request } = await setup();
    const id = imagined('a ーーbox of chocolates');
    const line = (await commands.pressButton(ctx(), `vary_region:${id}`)).ask?.value as string;
    expect(line.startsWith('a box of chocolates ')).toBe(true);
    expect(request(await commands.answerAsk(ctx(), 'region_line', id, line))).toMatchObject({
      prompt: 'a box of chocolates',
      region: { kind: 'boxes', boxes: [{ x: 0.25, y: 0.25, w: 0.5, h: 0.5 }] },
    });
  });

  it('opening a reply make it again, as a phone’s dash does, rather than edit it', async () => {
    const { commands, ctx, imagined, request } = await setup();
    const id = imagined();
    for (const line of ['—ar 16:9', 'ーーar 16:9', '－－ａｒ １６：９'])
      expect([line, request(await commands.replyToResult(ctx(), id, line))]).toEqual([
        line,
        expect.objectContaining({ task: 'text_to_image', prompt: 'a fox', width: 688, height: 384, seed: 3 }),
      ]);
  });

  it('before --ar anywhere in a Remix line let the offered --size give way', async () => {
    const { commands, ctx, imagined, request } = await setup();
    const id = imagined();
    for (const aspect of ['--ar 16:9', 'ーーar 16:9', '－－ａｒ＝１６：９'])
      expect(
        request(
          await commands.answerAsk(ctx(), 'imagine_line', id, `${aspect} a fox --size 512x512 --seed 3`),
        ),
      ).toMatchObject({ width: 688, height: 384 });
  });

  it('name the user’s custom options, in full-width letters too', async () => {
    const { commands, ctx, request } = await setup();
    expect((await commands.runText(ctx(), '/prefer ーーcine --steps 8 film'))?.text[0]).toMatchObject({
      key: 'prefer.saved',
      params: { name: 'cine' },
    });
    for (const typed of ['--cine', '—cine', 'ーーcine', '－－ｃｉｎｅ', '{ーーcine, --cine}'])
      expect([typed, request(await commands.runText(ctx(), `/imagine a harbour ${typed}`))]).toEqual([
        typed,
        expect.objectContaining({ prompt: 'a harbour film', steps: 8 }),
      ]);
    // A value names no other option, whatever its dashes.
    expect((await commands.runText(ctx(), '/prefer two ーーcine'))?.text[0]).toEqual({
      key: 'errors.flag.unknown',
      params: { flag: '--cine' },
    });
  });
});
