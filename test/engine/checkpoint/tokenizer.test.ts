import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer as RustTokenizer } from 'tokenizers';
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

// Upstream builds every prompt with `tokenizer(text)["input_ids"]` under transformers 4.46.2: a generic
// PreTrainedTokenizerFast applies tokenizer.json's post-processor (add_special_tokens=True) whatever the config's
// add_bos_token says; a Llama class replaces the post-processor with add_bos_token (default true) / add_eos_token.
describe('the ids around the text, as upstream’s tokenizer(text)', () => {
  const source = mkdtempSync(join(tmpdir(), 'dimoo-tok-'));
  makeTestCheckpoint({ out: source, preset: 'tiny' });
  const json = JSON.parse(readFileSync(join(source, 'tokenizer.json'), 'utf8')) as {
    added_tokens: Array<{ id: number; content: string }>;
    post_processor: unknown;
  };
  const config = JSON.parse(readFileSync(join(source, 'tokenizer_config.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const idOf = (content: string) => json.added_tokens.find((t) => t.content === content)?.id as number;
  const bos = idOf('<|startoftext|>');
  const eos = idOf('<|endoftext|>');
  // A template that puts BOS before the text (and before each text of a pair).
  const bosTemplate = {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '<|startoftext|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [
      { SpecialToken: { id: '<|startoftext|>', type_id: 0 } },
      { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: '<|startoftext|>', type_id: 1 } },
      { Sequence: { id: 'B', type_id: 1 } },
    ],
    special_tokens: { '<|startoftext|>': { id: '<|startoftext|>', ids: [bos], tokens: ['<|startoftext|>'] } },
  };
  const prompt = '<system>Generate an image according to the text prompt.</system><user>a cat</user>';
  // The generated config without its add_bos_token / add_eos_token, so each case states the flags it has.
  const { add_bos_token: _bos, add_eos_token: _eos, ...unflagged } = config;
  const folder = (postProcessor: unknown, configPatch: Record<string, unknown>) => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-tok-rule-'));
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ ...json, post_processor: postProcessor }));
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ ...unflagged, ...configPatch }));
    return dir;
  };
  const bare = CheckpointTokenizer.load(source).encode(prompt);

  // Llama 3's tokenizer.json wraps the template in a Sequence after a ByteLevel step.
  const llama3Form = {
    type: 'Sequence',
    processors: [
      { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
      bosTemplate,
    ],
  };

  it.each([
    ['a template', bosTemplate],
    ['Llama 3’s sequence', llama3Form],
  ])(
    'runs tokenizer.json’s post-processor (%s) on a PreTrainedTokenizerFast, as the reference library does',
    async (_, postProcessor) => {
      const dir = folder(postProcessor, { add_bos_token: false });
      const reference = await RustTokenizer.fromFile(join(dir, 'tokenizer.json')).encode(prompt, null, {
        addSpecialTokens: true,
      });
      const ids = CheckpointTokenizer.load(dir).encode(prompt);
      expect(ids).toEqual(reference.getIds());
      expect(ids).toEqual([bos, ...bare]);
    },
  );

  it('ignores add_bos_token / add_eos_token on a PreTrainedTokenizerFast whose post-processor adds nothing', () => {
    const dir = folder(null, { add_bos_token: true, add_eos_token: true });
    expect(CheckpointTokenizer.load(dir).encode(prompt)).toEqual(bare);
  });

  it('on a Llama class puts BOS first unless add_bos_token is false, and EOS last when add_eos_token is true', () => {
    const llama = (patch: Record<string, unknown>) =>
      CheckpointTokenizer.load(folder(bosTemplate, { ...patch, tokenizer_class: 'LlamaTokenizer' })).encode(
        prompt,
      );
    expect(
      CheckpointTokenizer.load(folder(null, { tokenizer_class: 'LlamaTokenizerFast' })).encode(prompt),
    ).toEqual([bos, ...bare]);
    expect(llama({ add_bos_token: false, add_eos_token: true })).toEqual([...bare, eos]);
    expect(llama({ add_bos_token: true })).toEqual([bos, ...bare]);
  });

  it('reads a Llama class’s flags as Python does: null or an empty value is false, absent the default', () => {
    const llama = (patch: Record<string, unknown>) =>
      CheckpointTokenizer.load(folder(null, { ...patch, tokenizer_class: 'LlamaTokenizerFast' })).encode(
        prompt,
      );
    expect(llama({ add_bos_token: null })).toEqual(bare);
    expect(llama({ add_bos_token: 0, add_eos_token: 1 })).toEqual([...bare, eos]);
    expect(llama({ add_eos_token: [] })).toEqual([bos, ...bare]);
  });
});
