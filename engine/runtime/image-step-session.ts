// Adapts the image loop's per-step requests (one sequence per guidance branch, one request per job) to the
// image-step graph's batched tensors: every branch of every job right-padded into one [J·G, L] batch with a
// key-padding mask, so J jobs share each forward pass.
import { EngineError } from '../api.js';
import type { ImageStepInput as GraphInput, ImageStepRunner } from './image-step.js';
import type { ImageStepBackend, ImageStepInput, ImageStepOutput } from './image-step-backend.js';

function mismatch(detail: string): EngineError {
  return new EngineError('internal', detail, { detail });
}

/** The cells a job samples this step (its own count, before the batch pads it). */
function cellsOf(input: ImageStepInput): number {
  return input.positions[0]?.length ?? 0;
}

/**
 * Packs J jobs' branches for the graph (job j's branch g at row j·G + g). Every job needs the same number of
 * branches G; padding uses `padId` (masked out, so its value never matters). Jobs may sample different numbers of
 * cells (bf16 ties let a step commit more than scheduled, so batched jobs drift apart): each is padded to the
 * batch's largest M by repeating its own last cell, position and uniform alike. The graph samples every cell on
 * its own, so a repeated cell draws what the original draws and the job's real cells are what it gets alone.
 */
export function packImageSteps(inputs: readonly ImageStepInput[], padId = 0): GraphInput {
  const J = inputs.length;
  const first = inputs[0];
  if (!first) throw mismatch('image step got no jobs');
  const G = first.sequences.length;
  const M = Math.max(...inputs.map(cellsOf));
  for (const input of inputs) {
    if (input.sequences.length !== G || input.positions.length !== G || input.weights.length !== G) {
      throw mismatch(
        `image step got ${input.sequences.length} sequences, ${input.positions.length} position sets, ${input.weights.length} weights (batch has ${G} branches)`,
      );
    }
  }
  const L = Math.max(...inputs.flatMap((input) => input.sequences.map((s) => s.length)));
  const N = J * G;
  const ids = new BigInt64Array(N * L).fill(BigInt(padId));
  const attnMask = new BigInt64Array(N * L);
  const gatherPos = new BigInt64Array(N * M);
  const branchW = new Float32Array(J * G);
  const temperature = new Float32Array(J);
  const noise = new Float32Array(J * M);
  inputs.forEach((input, j) => {
    const m = cellsOf(input);
    if (input.noise.length !== m) throw mismatch('a job has a different number of cells and uniforms');
    if (m === 0 && M > 0) throw mismatch('a job with no cells to sample cannot share a batch');
    input.sequences.forEach((seq, g) => {
      const r = j * G + g;
      for (let i = 0; i < seq.length; i++) {
        ids[r * L + i] = BigInt(seq[i] as number);
        attnMask[r * L + i] = 1n;
      }
      const positions = input.positions[g] as Int32Array;
      if (positions.length !== m) throw mismatch('guidance branches disagree on the cells to sample');
      for (let i = 0; i < M; i++) gatherPos[r * M + i] = BigInt(positions[Math.min(i, m - 1)] as number);
      branchW[r] = input.weights[g] as number;
    });
    temperature[j] = input.temperature;
    noise.set(input.noise, j * M);
    noise.fill(input.noise[m - 1] ?? 0, j * M + m, (j + 1) * M);
  });
  return { ids, attnMask, gatherPos, branchW, temperature, noise, J, G, L, M };
}

/** One job's step (J = 1). */
export function packImageStep(input: ImageStepInput, padId = 0): GraphInput {
  return packImageSteps([input], padId);
}

export class ImageStepSession implements ImageStepBackend {
  constructor(private readonly runner: Pick<ImageStepRunner, 'run'>) {}

  async step(input: ImageStepInput): Promise<ImageStepOutput> {
    const [out] = await this.stepBatch([input]);
    return out as ImageStepOutput;
  }

  async stepBatch(inputs: readonly ImageStepInput[]): Promise<ImageStepOutput[]> {
    const packed = packImageSteps(inputs);
    const out = await this.runner.run(packed);
    const { M } = packed;
    // One forward pass served every job; each is charged an equal share of it.
    const share = out.forwardMs / inputs.length;
    // Each job gets its own cells back, its padding dropped.
    return inputs.map((input, j) => {
      const end = j * M + cellsOf(input);
      return {
        codes: Int32Array.from(out.codes.subarray(j * M, end), Number),
        probs: out.probs.slice(j * M, end),
        best: Int32Array.from(out.best.subarray(j * M, end), Number),
        forwardMs: share,
      };
    });
  }
}
