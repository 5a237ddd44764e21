// The checkpoint's text tokenizer, from tokenizer.json + tokenizer_config.json, with no BOS/EOS added unless the
// config asks (LLaDA adds none; the prompt builder relies on the last id being `</user>`).
// Library: @huggingface/tokenizers (pure JS, synchronous). It is checked in test/engine/checkpoint against the
// reference Rust `tokenizers` on English, Chinese, Japanese, emoji and mixed text for the byte-level BPE
// tokenizers this project generates; stack-notes records where it differs (WordLevel, Whitespace pre-tokenizer),
// which byte-level BPE checkpoints such as LLaDA's do not use.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { EngineError } from '../api.js';
import type { TextTokenizer } from '../sampling/layout-type.js';

export class CheckpointTokenizer implements TextTokenizer {
  private constructor(
    private readonly tokenizer: Tokenizer,
    private readonly addBos: boolean,
    private readonly addEos: boolean,
    private readonly bosId: number | undefined,
    private readonly eosId: number | undefined,
  ) {}

  static load(dir: string): CheckpointTokenizer {
    const path = join(dir, 'tokenizer.json');
    if (!existsSync(path)) {
      throw new EngineError('checkpoint_missing', `${path} does not exist`, {
        detail: 'tokenizer.json is missing',
      });
    }
    const configPath = join(dir, 'tokenizer_config.json');
    let json: object;
    let config: Record<string, unknown> = {};
    try {
      json = JSON.parse(readFileSync(path, 'utf8')) as object;
      if (existsSync(configPath))
        config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
    } catch {
      throw new EngineError('checkpoint_invalid', `${path} or tokenizer_config.json is not valid JSON`, {
        detail: 'tokenizer.json or tokenizer_config.json is not valid JSON',
      });
    }
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
    return new CheckpointTokenizer(
      tokenizer,
      config.add_bos_token === true,
      config.add_eos_token === true,
      tokenOf('bos_token'),
      tokenOf('eos_token'),
    );
  }

  encode(text: string): number[] {
    const ids = this.tokenizer.encode(text, { add_special_tokens: false }).ids.map(Number);
    if (this.addBos && this.bosId !== undefined) ids.unshift(this.bosId);
    if (this.addEos && this.eosId !== undefined) ids.push(this.eosId);
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
