// What the understanding loop needs from the model for one step, independent of how the ONNX graph is fed:
// the guided full-vocabulary logits of some positions, with their argmax and its probability.
import { EngineError } from '../api.js';
import type { TextStepInput as GraphInput, TextStepOutput } from './text-step.js';

export interface TextStepRequest {
  /** The sequence, then each guidance branch (all the same length for understanding). */
  sequences: Int32Array[];
  /** Positions whose logits are wanted (the same in every branch). */
  positions: Int32Array;
  /** Guidance weight of each sequence: logits = Σ weight · logits(sequence). */
  weights: number[];
}

export interface TextStepResult {
  /** [B, V] guided logits. */
  logits: Float32Array;
  /** [B] argmax of the guided logits. */
  best: Int32Array;
  /** [B] softmax(guided logits)[best]. */
  bestProb: Float32Array;
  forwardMs: number;
}

export interface TextStepBackend {
  step(request: TextStepRequest): Promise<TextStepResult>;
}

/** Packs one job's branches into the text-step graph's [G, L] batch (J = 1), right-padded with a key mask. */
export function packTextStep(request: TextStepRequest, padId = 0): GraphInput {
  const G = request.sequences.length;
  if (request.weights.length !== G) {
    throw new EngineError('internal', `text step got ${G} sequences and ${request.weights.length} weights`);
  }
  const L = Math.max(...request.sequences.map((s) => s.length));
  const B = request.positions.length;
  const ids = new BigInt64Array(G * L).fill(BigInt(padId));
  const attnMask = new BigInt64Array(G * L);
  const gatherPos = new BigInt64Array(G * B);
  request.sequences.forEach((seq, r) => {
    for (let i = 0; i < seq.length; i++) {
      ids[r * L + i] = BigInt(seq[i]!);
      attnMask[r * L + i] = 1n;
    }
    for (let i = 0; i < B; i++) gatherPos[r * B + i] = BigInt(request.positions[i]!);
  });
  return { ids, attnMask, gatherPos, branchW: Float32Array.from(request.weights), J: 1, G, L, B };
}

/** The text-step graph behind the backend interface. */
export class TextStepSession implements TextStepBackend {
  constructor(private readonly runner: { run(input: GraphInput): Promise<TextStepOutput> }) {}

  async step(request: TextStepRequest): Promise<TextStepResult> {
    const out = await this.runner.run(packTextStep(request));
    if (!out.logits)
      throw new EngineError('internal', 'the text-step graph was built without its logits output');
    return {
      logits: out.logits,
      best: Int32Array.from(out.best, Number),
      bestProb: Float32Array.from(out.bestProb),
      forwardMs: out.forwardMs,
    };
  }
}
