// A small byte-level BPE tokenizer.json in the Hugging Face format, for generated checkpoints: the 256 byte
// symbols, merges learned from a built-in corpus, and the chat/special tokens as added tokens at given ids.
// It covers any UTF-8 text (Chinese, emoji, …) through the byte symbols, as LLaDA's byte-level BPE does.

/** GPT-2's printable stand-ins for the 256 byte values (the ByteLevel pre-tokenizer's alphabet). */
export function byteToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const table: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = printable.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++);
  }
  return table;
}

const CORPUS = [
  'Generate an image according to the text prompt.',
  'Generate an image applying the following editing instruction based on the original image.',
  'You are a multimodal model that can process both text and images. Answer the following question based on the provided images.',
  'a photo of a cat sitting on the table in the garden with a red fox and the blue sky',
  'describe this image in detail what is the color of the dog',
];

/** Learns `count` merges over the corpus words (each word with its leading space as GPT-2 does). */
function learnMerges(count: number, symbols: string[]): Array<[string, string]> {
  const encoder = new TextEncoder();
  const words = CORPUS.flatMap((line) => line.split(' ').map((w, i) => (i === 0 ? w : ` ${w}`))).map((w) =>
    Array.from(encoder.encode(w), (b) => symbols[b] as string),
  );
  const merges: Array<[string, string]> = [];
  for (let m = 0; m < count; m++) {
    const freq = new Map<string, number>();
    for (const w of words) {
      for (let i = 0; i + 1 < w.length; i++) {
        const key = `${w[i]}\u0000${w[i + 1]}`;
        freq.set(key, (freq.get(key) ?? 0) + 1);
      }
    }
    let best: string | undefined;
    let bestCount = 1;
    for (const [key, c] of freq) {
      if (c > bestCount || (c === bestCount && best !== undefined && key < best)) {
        best = key;
        bestCount = c;
      }
    }
    if (!best) break;
    const [a, b] = best.split('\u0000') as [string, string];
    merges.push([a, b]);
    for (const w of words) {
      for (let i = 0; i + 1 < w.length; i++) {
        if (w[i] === a && w[i + 1] === b) w.splice(i, 2, a + b);
      }
    }
  }
  return merges;
}

export interface AddedToken {
  id: number;
  content: string;
}

/** tokenizer.json text: byte symbols get ids 0–255, merges 256 onward, added tokens the ids given. */
export function buildByteLevelBpe(
  mergeCount: number,
  added: AddedToken[],
): { json: object; vocabEnd: number } {
  const symbols = byteToUnicode();
  const vocab: Record<string, number> = {};
  symbols.forEach((s, i) => {
    vocab[s] = i;
  });
  const merges = learnMerges(mergeCount, symbols);
  let next = 256;
  for (const [a, b] of merges) if (vocab[a + b] === undefined) vocab[a + b] = next++;
  // Special tokens are in the model vocabulary too, as in published tokenizers: the reference library then keeps
  // their ids even where they leave gaps (DiMOO's ids sit near 126,000).
  for (const t of added) vocab[t.content] = t.id;
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added.map((t) => ({
      id: t.id,
      content: t.content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
  return { json, vocabEnd: next };
}
