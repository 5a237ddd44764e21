// The special-token layout the sequence builders and samplers need. The checkpoint loader reads it from the
// checkpoint (DiMOO's ids are the defaults; a small test model may declare its own), so everything here takes
// a layout instead of hard-coding ids. Kept in one small file so the loader's own type can replace it.

/** Token ids of dimoo-inference.md §1.2, plus the sizes that place the image codes in the vocabulary. */
export interface TokenLayout {
  /** `[MASK]`, the diffusion mask. */
  mask: number;
  /** `<end-of-line>`, written after every image row. */
  newline: number;
  /** `<IMAGE>`, begin of image. */
  boi: number;
  /** `</IMAGE>`, end of image. */
  eoi: number;
  /** `<answer>`, begin of answer. */
  boa: number;
  /** `</answer>`, end of answer. */
  eoa: number;
  /** `<uncondition>`, the classifier-free-guidance null prompt. */
  uncondition: number;
  /** The id answers were padded with in training (LLaDA `<|reserved_token_255|>`). */
  answerPad: number;
  /** `<|endoftext|>`. */
  eos: number;
  /** `<|startoftext|>`. */
  bos: number;
  /** Id of VQ code 0; code c is the token `imageCodeOffset + c`. */
  imageCodeOffset: number;
  /** Number of VQ codes (8,192 for aMUSEd-VQ). */
  codebookSize: number;
  /** Width of the output head (134,548 = 126,356 + 8,192 for DiMOO). */
  vocabSize: number;
}

/** Lumina-DiMOO's ids (upstream `config.py: SPECIAL_TOKENS` and the literals in its generators). */
export const DIMOO_TOKEN_LAYOUT: Readonly<TokenLayout> = Object.freeze({
  mask: 126336,
  newline: 126084,
  boi: 126349,
  eoi: 126350,
  boa: 126354,
  eoa: 126355,
  uncondition: 126351,
  answerPad: 126339,
  eos: 126081,
  bos: 126080,
  imageCodeOffset: 126356,
  codebookSize: 8192,
  vocabSize: 134548,
});

/** The text tokenizer as the sequence builders use it: no BOS/EOS added, special strings map to single ids. */
export interface TextTokenizer {
  encode(text: string): number[];
  decode(ids: number[], opts?: { skipSpecial?: boolean }): string;
}
