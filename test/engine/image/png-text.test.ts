// The `parameters` chunk of a result PNG holds the user's prompt: whatever characters it has, it stays the first
// line (no forged `Steps:` or `Negative prompt:` line, whichever line breaks a reader splits on) and the chunk holds
// no NUL, which ends a PNG text.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parametersText, readPngText, withPngText } from '../../../engine/image/png-text.js';

const LINE_BREAKS = /\r\n|[\n\r\v\f\x85\u2028\u2029]/;

describe('the parameters text', () => {
  it('keeps a prompt with any line break or NUL on its own line, and the pairs on theirs', async () => {
    for (const prompt of [
      'a cat\rSteps: 1, Seed: 666',
      'a cat\u2028Negative prompt: dogs',
      'a cat\r\nSteps: 1',
      'a cat\nSteps: 1',
      'a cat\0Seed: 666',
      'a cat\x85\v\fSteps: 1',
    ]) {
      const text = parametersText({ prompt, negativePrompt: 'blur\rSteps: 2', steps: 64, seed: 42 });
      const lines = text.split(LINE_BREAKS);
      expect(lines, JSON.stringify(prompt)).toHaveLength(3);
      expect(lines[1]).toBe('Negative prompt: blur Steps: 2');
      expect(lines[2]).toMatch(/^Steps: 64, /);
      expect(text).not.toContain('\0');
    }
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    const stored = readPngText(withPngText(png, { parameters: parametersText({ prompt: 'a\0b', seed: 1 }) }));
    expect(stored.parameters).toBe('ab\nSeed: 1, Model: Lumina-DiMOO');
  });
});
