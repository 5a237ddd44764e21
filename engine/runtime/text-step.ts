// One understanding step through the text-step graph, or through the engine's step or drawing graph, whose
// understanding head sits beside the image head (engine/graphs/transformer.ts, drawing-graph.ts): the guided
// full-vocabulary logits of the block's positions, plus their argmax and its probability (all the host needs at
// τ = 0).
import { branchFeeds } from './drawing-feeds.js';
import { stepRowFeeds } from './image-step.js';
import { type Session, Tensor } from './ort.js';
import { type MlpScale, probabilityFault, runGuarded } from './overflow-guard.js';

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
  /** '' on the text-step graph; 'text_' on an image-step graph built with the understanding head (textHead). */
  private readonly prefix: string;
  private readonly fetches: string[];

  /** `scale`: the engine's MLP rung (ImageStepRunner). */
  constructor(
    private readonly session: Session,
    private readonly scale?: MlpScale,
  ) {
    this.prefix = session.inputNames.includes('text_pos') ? 'text_' : '';
    this.fetches = ['logits', 'best', 'best_prob']
      .map((name) => `${this.prefix}${name}`)
      .filter((name) => session.outputNames.includes(name));
  }

  async run(input: TextStepInput): Promise<TextStepOutput> {
    const { J, G, L, B } = input;
    const rows = stepRowFeeds(input, { J, G, L, P: B });
    // On the shared graph the block's positions go to the understanding head, and the image head samples one
    // cell (the first position) whose outputs are not read.
    const feeds = this.prefix
      ? {
          ...rows,
          text_pos: rows.gather_pos as Tensor,
          gather_pos: new Tensor('int64', new BigInt64Array(J * G), [J * G, 1]),
          temperature: new Tensor('float32', new Float32Array(J).fill(1), [J]),
          noise: new Tensor('float32', new Float32Array(J).fill(0.5), [J, 1]),
        }
      : rows;
    const { out, forwardMs } = await runGuarded(
      this.session,
      branchFeeds(this.session, 'step', feeds),
      this.fetches,
      this.scale,
      (o) => probabilityFault('best_prob', o[`${this.prefix}best_prob`]?.data as Float32Array),
    );
    const read = (name: string) => out[`${this.prefix}${name}`];
    const result: TextStepOutput = {
      best: read('best')?.data as BigInt64Array,
      bestProb: read('best_prob')?.data as Float32Array,
      forwardMs,
    };
    const logits = read('logits');
    if (logits) result.logits = logits.data as Float32Array;
    return result;
  }
}
