// One understanding step through the text-step graph (engine/graphs/transformer.ts): the guided full-vocabulary
// logits of the block's positions, plus their argmax and its probability (all the host needs at τ = 0).
import { stepRowFeeds } from './image-step.js';
import { runTimed, type Session } from './ort.js';

export interface TextStepInput {
  /** [N, L] token ids, N = J·G branches, right-padded to L. */
  ids: BigInt64Array;
  /** [N, L] 1 for real tokens, 0 for padding. */
  attnMask: BigInt64Array;
  /** [N, B] the block's positions in each branch. */
  gatherPos: BigInt64Array;
  /** [J, G] guidance weight of each branch (CFG: [1+c, −c]). */
  branchW: Float32Array;
  J: number;
  G: number;
  L: number;
  B: number;
}

export interface TextStepOutput {
  /** [J, B, V] guided logits, unless the graph was built without them. */
  logits?: Float32Array;
  /** [J, B] argmax of the guided logits. */
  best: BigInt64Array;
  /** [J, B] softmax(guided logits)[best]. */
  bestProb: Float32Array;
  forwardMs: number;
}

export class TextStepRunner {
  constructor(private readonly session: Session) {}

  async run(input: TextStepInput): Promise<TextStepOutput> {
    const { J, G, L, B } = input;
    const feeds = stepRowFeeds(input, { J, G, L, P: B });
    const { out, forwardMs } = await runTimed(this.session, feeds);
    const result: TextStepOutput = {
      best: out.best?.data as BigInt64Array,
      bestProb: out.best_prob?.data as Float32Array,
      forwardMs,
    };
    if (out.logits) result.logits = out.logits.data as Float32Array;
    return result;
  }
}
