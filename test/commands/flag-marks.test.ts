// Invisible format characters that phones and copy-paste put inside or right after a flag (a zero-width space, a
// direction mark, the BOM, a word joiner) are nothing there: the flag still works, where it used to become a prompt
// word without a word said. A zero-width space glued between a word and a flag parts them, as a space would. The same
// characters in the prompt's own words (an emoji's joiners, a subdivision flag's tags, a Persian non-joiner) are kept.
import { describe, expect, it } from 'vitest';
import { withoutMarksAtFlags } from '../../commands/flag-marks.js';
import { outpaintSpec } from '../../commands/outpaint/spec.js';
import { isPromptFlag, parsePrompt } from '../../commands/prompt.js';
import { parseBoxes } from '../../commands/regions.js';
import type { Reply } from '../../commands/reply.js';
import { settingsSpec } from '../../commands/settings/spec.js';
import { parseArgs } from '../../commands/text-grammar.js';
import type { Owner } from '../../src/jobs/index.js';
import { commandsOnQueue } from './commands-on-queue.js';
import { finishedResults, imagineRequest } from './finished-results.js';

const ZWSP = '\u200b';
const ZWNJ = '\u200c';
const ZWJ = '\u200d';
const LRM = '\u200e';
const RLM = '\u200f';
const WJ = '\u2060';
const BOM = '\ufeff';
const family = `👨${ZWJ}👩${ZWJ}👧`;
/** 🏴 and the tags (U+E0067 …, Cf too) that make it Scotland's flag. */
const scotland = '\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}';
const persian = `می${ZWNJ}خواهم`;

describe('marks at a prompt’s flags', () => {
  it.each([
    [`a fox --ar${RLM} 16:9`, 'a direction mark after the name'],
    [`a fox --ar${ZWSP}16:9`, 'a zero-width space between the name and its value'],
    [`a fox --${ZWSP}ar 16:9`, 'a zero-width space between the dashes and the name'],
    [`a fox -${WJ}-ar 16:9`, 'a word joiner between the dashes'],
    [`a fox ${LRM}--ar 16:9`, 'a mark before the dashes'],
    [`a fox --ar ${BOM}16:9${RLM}`, 'marks around the value'],
    [`a fox --a${ZWJ}r=16:9`, 'a joiner inside the name, the value after ='],
    [`a fox —ar${RLM} 16:9`, 'a phone dash and a mark'],
    [`a fox ーーar${RLM} １６：９`, 'an input method’s dashes and a mark'],
    [`a fox ー${ZWSP}ーar 16:9`, 'a zero-width space between an input method’s dashes'],
    [`a fox ${LRM}－－ａｒ${ZWSP}16:9`, 'full-width dashes and name between marks'],
  ])('%j (%s) is --ar 16:9', (line) => {
    expect(parsePrompt(line)).toEqual({ prompt: 'a fox', flags: { aspect: { w: 16, h: 9 } } });
  });

  it('reads every flag so: a number after a zero-width space, --no, a switch', () => {
    expect(parsePrompt(`x --${ZWSP}seed 5 --n${ZWSP}2 --no${RLM} fog --cache${LRM}`).flags).toEqual({
      seed: 5,
      images: 2,
      negative: 'fog',
      cache: true,
    });
  });

  it('reads a full-width name as its plain one there too: marks before it, in it before a digit, glued to a word', () => {
    expect(parsePrompt(`a fox --${ZWSP}ｓｔｅｐｓ ８ --ａｒ${ZWSP}１６:９`).flags).toEqual({
      steps: 8,
      aspect: { w: 16, h: 9 },
    });
    expect(parsePrompt(`a${ZWSP}--ｓｅｅｄ${RLM} ５`)).toEqual({ prompt: 'a', flags: { seed: 5 } });
  });

  it('keeps the marks of the prompt’s own words, emoji and scripts that need them', () => {
    const words = `a ${family} ${scotland} ${persian} wo${ZWSP}rd ${RLM}שלום${LRM}`;
    expect(parsePrompt(`${words} --seed${RLM} 5`)).toEqual({ prompt: words, flags: { seed: 5 } });
    expect(withoutMarksAtFlags(words, isPromptFlag)).toBe(words);
    // A flag glued to an emoji's joiner keeps the emoji whole.
    expect(parsePrompt(`${family} --${ZWJ}seed 5`)).toEqual({ prompt: family, flags: { seed: 5 } });
  });

  it('parts a word and a flag glued by a zero-width space, a break as a space is (and as the BOM is)', () => {
    for (const glue of [ZWSP, BOM, `${LRM}${ZWSP}`, `${ZWSP}${RLM}`])
      expect([glue, parsePrompt(`a fox${glue}--ar 16:9`)]).toEqual([
        glue,
        { prompt: 'a fox', flags: { aspect: { w: 16, h: 9 } } },
      ]);
    expect(parsePrompt(`a fox${ZWSP}-${ZWSP}-seed 5${ZWSP}--n 2`).flags).toEqual({ seed: 5, images: 2 });
    // The word joiner forbids a break, the non-joiner shapes a script: glued there, as in `a--ar`, it is words.
    for (const glue of [WJ, ZWNJ, '']) {
      const line = `a fox${glue}--ar 16:9`;
      expect(parsePrompt(line)).toEqual({ prompt: line, flags: {} });
    }
    // Beside a phone's single dash or one hyphen it is a dash's break (`well—known`), punctuation.
    for (const line of [`well${ZWSP}—known`, `well${ZWSP}–known`, `a${ZWSP}—ar 16:9`, `well${ZWSP}-known`])
      expect(parsePrompt(line)).toEqual({ prompt: line, flags: {} });
  });

  it('a line that is marks from end to end is read in one pass (a run of them was split every way: cubic)', () => {
    // 4500 is the most a typed line holds; the cubic pattern took about a minute on it, holding every chat.
    const marks = ZWSP.repeat(2250) + LRM.repeat(2249);
    expect(withoutMarksAtFlags(`a${marks}--ar 16:9`, isPromptFlag)).toBe('a --ar 16:9');
    expect(withoutMarksAtFlags(`a${marks} x`, isPromptFlag)).toBe(`a${marks} x`);
    expect(parsePrompt(`a${ZWNJ.repeat(4400)}`).prompt).toBe(`a${ZWNJ.repeat(4400)}`);
  }, 5000);

  it('leaves what is no flag as typed: a dash alone, dashes before a digit, a word with a dash inside', () => {
    for (const line of [`x --${ZWSP}`, `x --${ZWSP}5`, `well${ZWSP}-known`, `x —${ZWSP}`]) {
      expect(withoutMarksAtFlags(line, isPromptFlag)).toBe(line);
    }
  });
});

describe('marks at a command’s own words and in typed answers', () => {
  it('the outpaint and settings grammars and boxes read through them', () => {
    expect(parseArgs(outpaintSpec, `--zoom${ZWSP}1.5 sky`).options).toEqual({ zoom: 1.5, prompt: 'sky' });
    expect(parseArgs(outpaintSpec, `ーーzoom${RLM} 2 sky`).options).toEqual({ zoom: 2, prompt: 'sky' });
    expect(parseArgs(outpaintSpec, `sky --${ZWSP}pan left${RLM}`).options).toEqual({
      direction: 'left',
      prompt: 'sky',
    });
    expect(parseArgs(settingsSpec, `steps${ZWSP}=5 private on${RLM}`).options).toEqual({
      steps: 5,
      private: true,
    });
    expect(parseBoxes(`top${ZWSP}, center${RLM}`)).toEqual([parseBoxes('top')[0], parseBoxes('center')[0]]);
  });

  it('through the entries: a typed /imagine, a custom option, a .. reply, Custom zoom', async () => {
    const { commands, store } = commandsOnQueue('flag-marks', { start: false });
    const user: Owner = { platform: 'telegram', userId: '3' };
    const ctx = () => commands.context({ user, scope: 'dm:3', language: 'en', ownMachine: true });
    const requestOf = (reply: Reply | undefined) =>
      reply?.jobId ? store.get(reply.jobId)?.request : undefined;
    expect(
      requestOf(await commands.runText(ctx(), `/imagine a fox --ar${RLM} 16:9 --${ZWSP}seed 5`)),
    ).toMatchObject({ prompt: 'a fox', width: 688, height: 384, seed: 5 });
    expect((await commands.runText(ctx(), `/prefer ${LRM}--cine${ZWSP} --steps 8 film`))?.text[0]?.key).toBe(
      'prefer.saved',
    );
    expect(
      requestOf(await commands.runText(ctx(), `/imagine a harbour --cine${RLM} --seed 1`)),
    ).toMatchObject({
      prompt: 'a harbour film',
      steps: 8,
    });
    const { finished } = await finishedResults(store, user, 'dm:3');
    const id = finished(imagineRequest('a fox'), { input: false });
    // A reply opening with a marked flag is a re-run, not an edit whose instruction is "--seed 7".
    for (const line of [`${RLM}--seed 7`, `..${ZWSP}--seed 7`, `-${ZWSP}-seed${ZWSP}7`]) {
      expect([line, requestOf(await commands.replyToResult(ctx(), id, line))]).toMatchObject([
        line,
        { task: 'text_to_image', prompt: 'a fox', seed: 7 },
      ]);
    }
    // Glued to the word before it: a typed /imagine, a command's own word, a .. reply's flag.
    expect(requestOf(await commands.runText(ctx(), `/imagine a fox${ZWSP}--seed 5`))).toMatchObject({
      prompt: 'a fox',
      seed: 5,
    });
    expect(
      requestOf(await commands.answerAsk(ctx(), 'zoom_line', id, `a fox${ZWSP}--zoom 1.5`)),
    ).toMatchObject({ prompt: 'a fox', region: { kind: 'extend', left: 0.25 } });
    expect(requestOf(await commands.replyToResult(ctx(), id, `.. a cat${ZWSP}--seed 7`))).toMatchObject({
      prompt: 'a cat',
      seed: 7,
    });
    expect(
      requestOf(await commands.answerAsk(ctx(), 'zoom_line', id, `a fox --zoom${ZWSP}1.5`)),
    ).toMatchObject({
      task: 'paint',
      prompt: 'a fox',
      region: { kind: 'extend', left: 0.25 },
    });
  });
});
