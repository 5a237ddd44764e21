// The checkpoint's text tokenizer, from tokenizer.json + tokenizer_config.json. `encode` gives the ids upstream's
// `tokenizer(text)["input_ids"]` gives under the transformers it pins (4.46.2, Lumina-DiMOO requirements.txt): a
// generic PreTrainedTokenizerFast runs tokenizer.json's post-processor (add_special_tokens=True) and ignores the
// config's add_bos_token/add_eos_token; a Llama tokenizer class replaces that post-processor with BOS
// (add_bos_token, default true) and EOS (add_eos_token, default false). Whatever they add, the sequence builders
// put input images before the last id, as upstream does; with a post-processor that adds nothing (the generated
// test tokenizers) that id is `</user>`.
// The rule was read in transformers' source on both sides of 4.46.2 (4.45.0.dev0, 4.57.6): the generic class first
// reads the flags in v5 (`TokenizersBackend`; 4.x's PR #31316 was never merged). LLaDA-8B-Instruct's config names
// PreTrainedTokenizerFast with both flags false, and upstream writes no BOS into its prompts.
// Library: @huggingface/tokenizers (pure JS, synchronous). It is checked in test/engine/checkpoint against the
// reference Rust `tokenizers` on English, Chinese, Japanese, emoji and mixed text for the byte-level BPE
// tokenizers this project generates; stack-notes records where it differs (WordLevel, Whitespace pre-tokenizer),
// which byte-level BPE checkpoints such as LLaDA's do not use.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { EngineError } from '../api.js';
import type { TextTokenizer } from '../sampling/layout-type.js';
import { readCheckpointJson, refuseUnreachable } from './files.js';

/**
 * Tokenizer classes whose fast form (transformers 4.46) rebuilds the post-processor from add_bos_token (default
 * true) and add_eos_token (default false) instead of keeping tokenizer.json's.
 */
const LLAMA_CLASSES: ReadonlySet<string> = new Set([
  'LlamaTokenizer',
  'LlamaTokenizerFast',
  'CodeLlamaTokenizer',
  'CodeLlamaTokenizerFast',
]);

/**
 * A config flag as the Python class reads it: absent takes the signature's default, anything else Python's truth
 * (`"add_bos_token": null` is no BOS there, where `!== false` would have added one).
 */
function pythonFlag(value: unknown, absent: boolean): boolean {
  if (value === undefined) return absent;
  if (Array.isArray(value)) return value.length > 0;
  if (value !== null && typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

/** Where the ids around the text come from: tokenizer.json's post-processor, or the Llama flags. */
type SpecialTokenRule = { from: 'post_processor' } | { from: 'flags'; bos: boolean; eos: boolean };

export class CheckpointTokenizer implements TextTokenizer {
  private constructor(
    private readonly tokenizer: Tokenizer,
    private readonly rule: SpecialTokenRule,
    private readonly bosId: number | undefined,
    private readonly eosId: number | undefined,
    private readonly headRows: number,
  ) {}

  /** `headRows`: the model's embedding rows; an id at or beyond them is refused where it is made (`encode`). */
  static load(dir: string, headRows = Number.POSITIVE_INFINITY): CheckpointTokenizer {
    const path = join(dir, 'tokenizer.json');
    if (!existsSync(path)) {
      refuseUnreachable(path, 'tokenizer.json');
      throw new EngineError('checkpoint_missing', `${path} does not exist`, {
        detail: 'tokenizer.json is missing',
      });
    }
    const configPath = join(dir, 'tokenizer_config.json');
    const json = readCheckpointJson(path, 'tokenizer.json') as object;
    if (!existsSync(configPath)) refuseUnreachable(configPath, 'tokenizer_config.json');
    const raw = existsSync(configPath) ? readCheckpointJson(configPath, 'tokenizer_config.json') : {};
    // `null` or a list is valid JSON, and reading a key of null threw a raw TypeError.
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      const detail = 'tokenizer_config.json must hold a JSON object';
      throw new EngineError('checkpoint_invalid', detail, { detail });
    }
    const config = raw as Record<string, unknown>;
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(json, config);
    } catch (error) {
      const detail = `tokenizer.json could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
      throw new EngineError('checkpoint_invalid', detail, { detail });
    }
    const tokenOf = (key: string) => {
      const value = config[key];
      const text = typeof value === 'string' ? value : (value as { content?: string } | undefined)?.content;
      return text === undefined ? undefined : tokenizer.token_to_id(text);
    };
    const rule: SpecialTokenRule = LLAMA_CLASSES.has(String(config.tokenizer_class))
      ? {
          from: 'flags',
          bos: pythonFlag(config.add_bos_token, true),
          eos: pythonFlag(config.add_eos_token, false),
        }
      : { from: 'post_processor' };
    return new CheckpointTokenizer(tokenizer, rule, tokenOf('bos_token'), tokenOf('eos_token'), headRows);
  }

  encode(text: string): number[] {
    const { rule } = this;
    const ids: number[] = this.tokenizer
      .encode(text, { add_special_tokens: rule.from === 'post_processor' })
      .ids.map(Number);
    if (rule.from === 'flags' && rule.bos && this.bosId !== undefined) ids.unshift(this.bosId);
    if (rule.from === 'flags' && rule.eos && this.eosId !== undefined) ids.push(this.eosId);
    // An id past the embedding (a tokenizer.json of another model) failed inside onnxruntime's Gather as an
    // internal error; it is the checkpoint's fault, and said so.
    const beyond = ids.find((id) => id >= this.headRows);
    if (beyond !== undefined) {
      const token = this.tokenizer.id_to_token(beyond);
      const detail = `tokenizer.json gives ${JSON.stringify(token)} the id ${beyond}, beyond the model's ${this.headRows} embedding rows (config.json)`;
      throw new EngineError('checkpoint_invalid', detail, { detail });
    }
    return ids;
  }

  /**
   * Text of the ids. Byte-level tokens that do not form valid UTF-8 (a random checkpoint produces little else)
   * come back from the tokenizer as U+FFFD; they are dropped, so no replacement character ever reaches a user.
   */
  decode(ids: number[], opts: { skipSpecial?: boolean } = {}): string {
    return this.tokenizer
      .decode(ids, { skip_special_tokens: opts.skipSpecial ?? true })
      .replace(/\uFFFD/g, '');
  }

  tokenId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }
}
