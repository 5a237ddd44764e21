// Adapts the image loop's per-step request (one sequence per guidance branch) to the image-step graph's
// batched tensors: branches right-padded into one [G, L] batch with a key-padding mask, one job (J = 1).
import { EngineError } from '../api.js';
import type { ImageStepInput as GraphInput, ImageStepRunner } from './image-step.js';
import type { ImageStepBackend, ImageStepInput, ImageStepOutput } from './image-step-backend.js';

/** Packs one job's branches for the graph; padding uses `padId` (masked out, so its value never matters). */
export function packImageStep(input: ImageStepInput, padId = 0): GraphInput {
  const G = input.sequences.length;
  const M = input.positions[0]?.length ?? 0;
  if (input.positions.length !== G || input.weights.length !== G) {
    const detail = `image step got ${G} sequences, ${input.positions.length} position sets, ${input.weights.length} weights`;
    throw new EngineError('internal', detail, { detail });
  }
  const L = Math.max(...input.sequences.map((s) => s.length));
  const ids = new BigInt64Array(G * L).fill(BigInt(padId));
  const attnMask = new BigInt64Array(G * L);
  const gatherPos = new BigInt64Array(G * M);
  input.sequences.forEach((seq, r) => {
    for (let i = 0; i < seq.length; i++) {
      ids[r * L + i] = BigInt(seq[i] as number);
      attnMask[r * L + i] = 1n;
    }
    const positions = input.positions[r] as Int32Array;
    if (positions.length !== M)
      throw new EngineError('internal', 'guidance branches disagree on the cells to sample');
    for (let i = 0; i < M; i++) gatherPos[r * M + i] = BigInt(positions[i] as number);
  });
  return {
    ids,
    attnMask,
    gatherPos,
    branchW: Float32Array.from(input.weights),
    temperature: Float32Array.of(input.temperature),
    noise: input.noise,
    J: 1,
    G,
    L,
    M,
  };
}

export class ImageStepSession implements ImageStepBackend {
  constructor(private readonly runner: ImageStepRunner) {}

  async step(input: ImageStepInput): Promise<ImageStepOutput> {
    const out = await this.runner.run(packImageStep(input));
    return {
      codes: Int32Array.from(out.codes, Number),
      probs: Float32Array.from(out.probs),
      best: Int32Array.from(out.best, Number),
      forwardMs: out.forwardMs,
    };
  }
}
