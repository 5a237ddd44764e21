// The engine's refusals as a CLI user reads them: a request field written as the flag that sets it, only where the
// command has that flag, and only where the word names the field (the bot's messages keep the engine's own words).
import { describe, expect, it } from 'vitest';
import { flagsOf, withFlagNames } from '../src/cli/flag-names.js';

const flags = (...names: string[]) => new Set(names);

describe('withFlagNames', () => {
  it('reads the flags from a usage line', () => {
    expect([
      ...flagsOf('dimoo paint [--inpaint|--outpaint] (--ratio H,W | --box x,y,w,h …) --out FILE.png'),
    ]).toEqual(['inpaint', 'outpaint', 'ratio', 'box', 'out']);
  });

  it('writes identifiers wherever they stand, plain words only as the subject', () => {
    const all = flags('steps', 'gen-length', 'block-length', 'warmup-ratio', 'refresh-interval', 'cfg-img');
    expect(withFlagNames('genLength must be a whole number from 1 to 2048, got 0', all)).toBe(
      '--gen-length must be a whole number from 1 to 2048, got 0',
    );
    expect(withFlagNames('cfgImg must be from 0 to 20, got 99', all)).toBe(
      '--cfg-img must be from 0 to 20, got 99',
    );
    expect(
      withFlagNames(
        'ML-Cache needs more steps: with 2 steps and warmup_ratio 0.3 no refresh_interval is valid',
        all,
      ),
    ).toBe('ML-Cache needs more steps: with 2 steps and --warmup-ratio 0.3 no --refresh-interval is valid');
  });

  it('leaves a name alone where the command has no such flag', () => {
    // batch reads its prompts from a file (--prompts): "prompt" is a line of it, not a flag.
    const batch = flagsOf('dimoo batch --prompts FILE --out-dir DIR [--steps 64]');
    expect(withFlagNames('prompt is 5000 characters; the limit is 4000', batch)).toBe(
      'prompt is 5000 characters; the limit is 4000',
    );
    // paint --cache takes ML-Cache's defaults, with no flag for them.
    expect(withFlagNames('refresh_interval must be an integer in (1, 4] for 7 steps', flags('steps'))).toBe(
      'refresh_interval must be an integer in (1, 4] for 7 steps',
    );
    expect(withFlagNames('the mask is empty: paint the area to change in white', flags('box'))).toBe(
      'the mask is empty: paint the area to change in white',
    );
  });
});
