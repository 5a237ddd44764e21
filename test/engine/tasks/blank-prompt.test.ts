// A prompt of invisible marks only (zero-width spaces, word joiners, a soft hyphen) is empty, as one of spaces is: the
// CLI and any other caller of the engine get "prompt is empty", not a picture drawn from nothing. A negative prompt of
// marks only is none, so it needs no guidance.
import { describe, expect, it } from 'vitest';
import { checkRequestPrompt, EngineError } from '../../../engine/index.js';
import { checkNegativePrompt } from '../../../engine/tasks/validate.js';

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error instanceof EngineError ? [error.code, error.message] : error;
  }
  return undefined;
};

describe('a blank prompt', () => {
  it.each(['', '   ', '\u200b', '\u2060\u00ad', '\u200f \u200e\t'])('refuses %j as empty', (prompt) => {
    expect(refusal(() => checkRequestPrompt(prompt))).toEqual(['bad_request', 'prompt is empty']);
  });

  it('takes a prompt with something to see, marks and all', () => {
    expect(checkRequestPrompt('a\u200bfox')).toBe('a\u200bfox');
  });

  it('takes a negative prompt of marks only with no guidance, as none', () => {
    expect(refusal(() => checkNegativePrompt('\u200b', 0))).toBeUndefined();
    expect(refusal(() => checkNegativePrompt('blur', 0))).toEqual([
      'bad_request',
      'a negative prompt needs guidance, and cfg is 0',
    ]);
  });
});
