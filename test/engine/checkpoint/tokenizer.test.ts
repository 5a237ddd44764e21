import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointTokenizer } from '../../../engine/checkpoint/tokenizer.js';
import { makeTestCheckpoint } from '../../../engine/testing/make-test-checkpoint.js';
import { referenceIds, TOKENIZER_SAMPLES } from '../../fixtures/make-tokenizer-fixtures.js';

const fixtures = JSON.parse(
  readFileSync(new URL('../../fixtures/tokenizer-ids.json', import.meta.url), 'utf8'),
) as {
  samples: string[];
  ids: Record<string, number[][]>;
};

describe.each(['tiny', 'dimoo-ids'] as const)('the %s tokenizer', (preset) => {
  const dir = mkdtempSync(join(tmpdir(), 'dimoo-tok-'));
  makeTestCheckpoint({ out: dir, preset });
  const tokenizer = CheckpointTokenizer.load(dir);

  it('gives the ids the reference library gave (committed fixtures) on every language sample', () => {
    expect(fixtures.samples).toEqual(TOKENIZER_SAMPLES);
    TOKENIZER_SAMPLES.forEach((text, i) => {
      expect(tokenizer.encode(text), text).toEqual(fixtures.ids[preset]?.[i]);
    });
  });

  it('agrees with the reference Rust library run now', async () => {
    const reference = await referenceIds(dir);
    TOKENIZER_SAMPLES.forEach((text, i) => {
      expect(tokenizer.encode(text), text).toEqual(reference[i]);
    });
  });

  it('adds no BOS/EOS, maps the tags to single ids and ends the prompt with </user>', () => {
    const ids = tokenizer.encode(
      '<system>Generate an image according to the text prompt.</system><user>a cat</user>',
    );
    expect(ids[0]).toBe(tokenizer.tokenId('<system>'));
    expect(ids.at(-1)).toBe(tokenizer.tokenId('</user>'));
    expect(tokenizer.encode('<uncondition>')).toEqual([tokenizer.tokenId('<uncondition>')]);
    if (preset === 'dimoo-ids') expect(tokenizer.tokenId('<uncondition>')).toBe(126351);
  });

  it('round-trips non-ASCII text', () => {
    for (const text of TOKENIZER_SAMPLES.slice(2, 6))
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
  });
});
