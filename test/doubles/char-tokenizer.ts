// Test double for the checkpoint's text tokenizer: one id per code point, and the chat tags and
// `<uncondition>` as single ids, as DiMOO's tokenizer treats them. Not a real BPE.
import type { TextTokenizer, TokenLayout } from '../../engine/sampling/layout-type.js';
import { DIMOO_TOKEN_LAYOUT } from '../../engine/sampling/layout-type.js';

export const CHAR_TOKENIZER_TAGS = {
  '<system>': 126090,
  '</system>': 126091,
  '<user>': 126092,
  '</user>': 126093,
} as const;

export class CharTokenizer implements TextTokenizer {
  private readonly specials: Map<string, number>;
  private readonly byId = new Map<number, string>();

  constructor(readonly layout: TokenLayout = DIMOO_TOKEN_LAYOUT) {
    this.specials = new Map<string, number>([
      ...Object.entries(CHAR_TOKENIZER_TAGS),
      ['<uncondition>', layout.uncondition],
      ['<answer>', layout.boa],
      ['</answer>', layout.eoa],
    ]);
    for (const [text, id] of this.specials) this.byId.set(id, text);
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    let i = 0;
    outer: while (i < text.length) {
      for (const [tag, id] of this.specials) {
        if (text.startsWith(tag, i)) {
          ids.push(id);
          i += tag.length;
          continue outer;
        }
      }
      const cp = text.codePointAt(i)!;
      if (cp >= 100000) throw new Error(`CharTokenizer: code point ${cp} is out of its range`);
      ids.push(cp);
      i += cp > 0xffff ? 2 : 1;
    }
    return ids;
  }

  decode(ids: number[], opts: { skipSpecial?: boolean } = {}): string {
    let out = '';
    for (const id of ids) {
      const special = this.byId.get(id);
      if (special !== undefined) {
        if (!opts.skipSpecial) out += special;
      } else if (id < 100000) {
        out += String.fromCodePoint(id);
      } else if (!opts.skipSpecial) {
        out += `<${id}>`;
      }
    }
    return out;
  }
}
