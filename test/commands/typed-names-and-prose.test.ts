// What a typed line names is read alike however a keyboard typed it, and prose stays prose: a /settings key or a
// /prefer name in an input method's full-width letters (`ｓｉｚｅ＝７６８`) is the key or name, its words untouched; a
// keyboard's dash before /outpaint's or /retouch's word in a `..` reply (`add a frying —pan`) is punctuation unless a
// value the word takes follows; a zero-width space glued before `--word` parts it only where the word is a flag.
import { describe, expect, it } from 'vitest';
import { withoutMarksAtFlags } from '../../commands/flag-marks.js';
import { outpaintSpec } from '../../commands/outpaint/spec.js';
import { isPromptFlag, parsePrompt } from '../../commands/prompt.js';
import type { Reply } from '../../commands/reply.js';
import { settingsSpec } from '../../commands/settings/spec.js';
import { parseArgs } from '../../commands/text-grammar.js';
import type { Owner } from '../../src/jobs/index.js';
import { commandsOnQueue } from './commands-on-queue.js';
import { finishedResults, imagineRequest, skyPainted } from './finished-results.js';

const user: Owner = { platform: 'telegram', userId: '12' };
const ZWSP = '\u200b';

async function setup() {
  const { commands, store } = commandsOnQueue('typed-names-prose', { start: false });
  const { finished } = await finishedResults(store, user, 'dm:12');
  const imagined = finished(imagineRequest('a fox'));
  const outpainted = finished(skyPainted());
  const ctx = () => commands.context({ user, scope: 'dm:12', language: 'en', ownMachine: true });
  const request = (reply: Reply | undefined) =>
    reply?.jobId ? store.get(reply.jobId)?.request : reply?.text[0];
  return { commands, ctx, imagined, outpainted, request };
}

describe('a /settings key in full-width letters', () => {
  it('is the key, as its full-width digits are the number; the negative prompt’s words stay as typed', async () => {
    expect(parseArgs(settingsSpec, 'ｓｉｚｅ＝７６８ ＳＴＥＰＳ ３２ ｐｒｉｖａｔｅ： ｏｎ').options).toEqual(
      {
        size: 768,
        steps: 32,
        private: true,
      },
    );
    const { commands, ctx } = await setup();
    expect((await commands.runText(ctx(), '/settings ｓｉｚｅ＝７６８'))?.text[0]?.key).toBe(
      'settings.saved',
    );
    expect(ctx().settings.size).toBe(768);
    await commands.runText(ctx(), '/settings ｎｏ＝ｂｌｕｒ， ｆｏｇ');
    expect(ctx().settings.negativePrompt).toBe('ｂｌｕｒ， ｆｏｇ');
  });

  it('naming no option is refused as typed', async () => {
    const { commands, ctx } = await setup();
    expect((await commands.runText(ctx(), '/settings ｓｉｚｅｓ＝７６８'))?.text[0]).toEqual({
      key: 'errors.settings.unknown',
      params: { option: 'ｓｉｚｅｓ' },
    });
  });
});

describe('a /prefer name in full-width letters', () => {
  it('is the name from a platform’s option too, as from a typed line: saved, shown, used, deleted', async () => {
    const { commands, ctx, request } = await setup();
    const prefer = (option: string, value?: string) =>
      commands.run(ctx(), { name: 'prefer', options: { option, ...(value ? { value } : {}) } });
    expect((await prefer('ｃｉｎｅ', '--steps 8 film')).text[0]).toMatchObject({
      key: 'prefer.saved',
      params: { name: 'cine' },
    });
    expect((await prefer('－－ＣＩＮＥ')).text[0]).toMatchObject({
      key: 'prefer.item',
      params: { name: 'cine' },
    });
    expect(request(await commands.runText(ctx(), '/imagine a harbour --cine'))).toMatchObject({
      prompt: 'a harbour film',
      steps: 8,
    });
    expect((await prefer('ｃｉｎｅ', 'off')).text[0]).toMatchObject({ key: 'prefer.deleted' });
    expect(ctx().settings.options).toBeUndefined();
  });
});

describe('a keyboard’s dash before /outpaint’s or /retouch’s word in a .. reply or Remix', () => {
  it('with no value the word takes is punctuation: the prompt’s words, as /imagine keeps them', async () => {
    const { commands, ctx, imagined, outpainted, request } = await setup();
    for (const line of [
      'add a frying —pan',
      'add a frying —pan handle',
      'a camera —zoom in',
      'a —box of chocolates',
      'a —zoom lens ーーpan flute',
    ]) {
      expect([line, request(await commands.runText(ctx(), `/imagine ${line}`))]).toEqual([
        line,
        expect.objectContaining({ prompt: line }),
      ]);
      expect([line, request(await commands.replyToResult(ctx(), imagined, `.. ${line}`))]).toEqual([
        line,
        expect.objectContaining({ task: 'text_to_image', prompt: line, seed: 3 }),
      ]);
      expect([line, request(await commands.replyToResult(ctx(), outpainted, `.. ${line}`))]).toEqual([
        line,
        expect.objectContaining({ task: 'paint', prompt: line, seed: 4 }),
      ]);
      const remix = `${line} --size 512x512 --seed 3`;
      expect([line, request(await commands.answerAsk(ctx(), 'imagine_line', imagined, remix))]).toEqual([
        line,
        expect.objectContaining({ prompt: line }),
      ]);
    }
  });

  it('with one is the word, refused with the pointer: —pan left, —zoom 2, —box top, typed any way', async () => {
    const { commands, ctx, imagined, outpainted } = await setup();
    for (const [line, key, flag] of [
      ['add —pan left', 'errors.rerun.zoom', '--pan'],
      ['add —pan ｌｅｆｔ', 'errors.rerun.zoom', '--pan'],
      ['a —zoom 2', 'errors.rerun.zoom', '--zoom'],
      ['a ーーzoom=１.５', 'errors.rerun.zoom', '--zoom'],
      ['a hat —box top', 'errors.rerun.region', '--box'],
      ['a hat —box 0,0,0.5,0.5', 'errors.rerun.region', '--box'],
      ['a hat —box center, top', 'errors.rerun.region', '--box'],
    ] as const)
      for (const id of [imagined, outpainted])
        expect([line, (await commands.replyToResult(ctx(), id, `.. ${line}`)).text[0]]).toEqual([
          line,
          { key, params: { flag } },
        ]);
  });

  it('typed with two hyphens is refused whatever follows, as /imagine refuses a --flag it cannot read', async () => {
    const { commands, ctx, imagined } = await setup();
    expect((await commands.runText(ctx(), '/imagine add a frying --pan'))?.text[0]).toEqual({
      key: 'errors.flag.unknown',
      params: { flag: '--pan' },
    });
    for (const line of ['.. add a frying --pan', '.. add a frying --pan handle', '.. --pan left'])
      expect([line, (await commands.replyToResult(ctx(), imagined, line)).text[0]]).toEqual([
        line,
        { key: 'errors.rerun.zoom', params: { flag: '--pan' } },
      ]);
  });
});

describe('a zero-width space glued before --word', () => {
  it('before a word that is no flag keeps the text as typed (a double hyphen in a word)', async () => {
    const line = `well${ZWSP}--known`;
    expect(withoutMarksAtFlags(line, isPromptFlag)).toBe(line);
    expect(parsePrompt(`a ${line} fact`)).toEqual({ prompt: `a ${line} fact`, flags: {} });
    expect(parseArgs(outpaintSpec, `sky ${line}`).options).toEqual({ prompt: `sky ${line}` });
    const { commands, ctx, imagined, request } = await setup();
    expect(request(await commands.runText(ctx(), `/imagine a ${line} fact`))).toMatchObject({
      prompt: `a ${line} fact`,
    });
    expect(request(await commands.replyToResult(ctx(), imagined, `.. a ${line} fact`))).toMatchObject({
      prompt: `a ${line} fact`,
    });
  });

  it('before a flag, a command’s own word or the user’s custom option parts them, as a space does', async () => {
    expect(parsePrompt(`a fox${ZWSP}--aspect 16:9`).flags).toEqual({ aspect: { w: 16, h: 9 } });
    expect(parseArgs(outpaintSpec, `sky${ZWSP}--zoom 2`).options).toEqual({ zoom: 2, prompt: 'sky' });
    const { commands, ctx, imagined, request } = await setup();
    await commands.runText(ctx(), '/prefer cine --steps 8 film');
    expect(request(await commands.runText(ctx(), `/imagine a harbour${ZWSP}--cine`))).toMatchObject({
      prompt: 'a harbour film',
      steps: 8,
    });
    expect((await commands.replyToResult(ctx(), imagined, `.. a hat${ZWSP}--box top`)).text[0]).toEqual({
      key: 'errors.rerun.region',
      params: { flag: '--box' },
    });
  });
});
