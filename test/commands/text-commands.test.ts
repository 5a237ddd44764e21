import { describe, expect, it } from 'vitest';
import { isQuestion } from '../../commands/question.js';
import { COMMANDS } from '../../commands/registry.js';
import { settingsSpec } from '../../commands/settings/spec.js';
import { findSpec, parseArgs, parseTextCommand as parseText } from '../../commands/text-grammar.js';

// Each command's typed grammar comes from its spec; these name the old per-command splitters for readability.
const parseTextCommand = (text: string, bot?: string) => parseText(COMMANDS, text, bot);
const typedOptions = (name: string) => (args: string) => {
  const spec = findSpec(COMMANDS, name);
  if (!spec) throw new Error(`no command ${name}`);
  return parseArgs(spec, args).options;
};
const splitEditText = typedOptions('edit');
const splitRetouchText = typedOptions('retouch');
const splitOutpaintText = typedOptions('outpaint');
const parseSettingsText = (args: string) => {
  const { options, unknown } = parseArgs(settingsSpec, args);
  return { changes: options, unknown };
};

describe('text commands', () => {
  it('reads /name[@bot] args, resolves aliases, and ignores other bots and unknown commands', () => {
    expect(parseTextCommand('/imagine a fox --ar 16:9')).toEqual({
      name: 'imagine',
      args: 'a fox --ar 16:9',
    });
    expect(parseTextCommand('/draw@DimooBot  a\nfox ', 'dimoobot')).toEqual({
      name: 'imagine',
      args: 'a\nfox',
    });
    expect(parseTextCommand('/start')).toEqual({ name: 'help', args: '' });
    expect(parseTextCommand('/imagine@otherbot a fox', 'dimoobot')).toBeUndefined();
    expect(parseTextCommand('/frobnicate x')).toBeUndefined();
    expect(parseTextCommand('imagine a fox')).toBeUndefined();
  });

  it('splits retouch boxes and outpaint zoom or direction from the prompt', () => {
    expect(splitRetouchText('0.1,0.1,0.5,0.5; 0,0,1,0.2 a red hat')).toEqual({
      boxes: '0.1,0.1,0.5,0.5;0,0,1,0.2',
      prompt: 'a red hat',
    });
    expect(splitRetouchText('a red hat')).toEqual({ prompt: 'a red hat' });
    expect(splitOutpaintText('2x more sky')).toEqual({ zoom: 2, prompt: 'more sky' });
    expect(splitOutpaintText('x1.5 beach')).toEqual({ zoom: 1.5, prompt: 'beach' });
    expect(splitOutpaintText('Left a forest')).toEqual({ direction: 'left', prompt: 'a forest' });
    expect(splitOutpaintText('2 dogs on a beach')).toEqual({ prompt: '2 dogs on a beach' });
  });

  it('takes the --type, --box, --zoom and --pan options out of the line, wherever they stand', () => {
    expect(splitEditText('--type edit_remove the cat')).toEqual({
      type: 'edit_remove',
      instruction: 'the cat',
    });
    expect(splitEditText('make it blue --steps 8')).toEqual({ instruction: 'make it blue --steps 8' });
    expect(splitRetouchText('a hat --box 0,0,0.5,0.5')).toEqual({ boxes: '0,0,0.5,0.5', prompt: 'a hat' });
    expect(splitOutpaintText('more sky —zoom=2')).toEqual({ zoom: 2, prompt: 'more sky' });
    expect(splitOutpaintText('more sky --zoom 1.3')).toEqual({ zoom: 1.3, prompt: 'more sky' });
    expect(splitOutpaintText('--pan Up clouds')).toEqual({ direction: 'up', prompt: 'clouds' });
    expect(splitOutpaintText('Square more sand')).toEqual({ direction: 'square', prompt: 'more sand' });
  });

  it('reads settings as key=value pairs and names unknown keys', () => {
    expect(parseSettingsText('size=768 aspect=16:9 steps=20 language=zh-CN private=on colour=red')).toEqual({
      changes: { size: 768, aspect: '16:9', steps: 20, language: 'zh-CN', private: true },
      unknown: ['colour'],
    });
    expect(parseSettingsText('private=off').changes).toEqual({ private: false });
    expect(parseSettingsText('previews=off private=on').changes).toEqual({ previews: false, private: true });
    expect(parseSettingsText('PREVIEWS=on').changes).toEqual({ previews: true });
    // Any other word stays as typed, for validation to refuse: never a quiet "off".
    expect(parseSettingsText('private ja').changes).toEqual({ private: 'ja' });
    // A key with no value at all needs one, as a flag does: not an empty value for validation to quote.
    expect(() => parseSettingsText('previews')).toThrow(
      expect.objectContaining({ key: 'errors.flag.missing_value', params: { flag: 'previews' } }),
    );
  });

  it('reads a whole-number setting as a --flag reads it: digits only, no point or sign', () => {
    expect(parseSettingsText('steps=１６').changes).toEqual({ steps: 16 });
    // `2.0` and `+16` were 2 and 16 here while `--steps 2.0` was refused: one line, two readings.
    expect(parseSettingsText('steps=2.0 images=+2').changes).toEqual({ steps: '2.0', images: '+2' });
  });

  it('gives /settings no every word after it, so a negative prompt can hold spaces and keys', () => {
    expect(parseSettingsText('steps 20 no blurry, text steps 8')).toEqual({
      changes: { steps: 20, no: 'blurry, text steps 8' },
      unknown: [],
    });
    expect(parseSettingsText('No=watermark, frame').changes).toEqual({ no: 'watermark, frame' });
    expect(parseSettingsText('no: off').changes).toEqual({ no: 'off' });
    expect(parseSettingsText('no').changes).toEqual({ no: '' });
    // Only the key itself: a word that starts with it is no key.
    expect(parseSettingsText('noise=1')).toEqual({ changes: {}, unknown: ['noise'] });
  });

  it.each([
    ['what is in this picture', true],
    ['Is this a cat?', true],
    ['这是什么？', true],
    ['图里有几只猫', true],
    ['这只猫可爱吗', true],
    ['make the sky purple', false],
    ['把天空变成紫色', false],
    ['add a hat', false],
    ['isolate the cat', false],
    ['candle light on the table', false],
    ['however you like', false],
    ["what's that", true],
  ])('%s → question: %s', (text, question) => {
    expect(isQuestion(text)).toBe(question);
  });
});
