// Test double for the image-step graph's runner (engine/runtime/image-step.ts): reads the packed [N, L] / [N, M] /
// [J, M] tensors as the graph does and draws every cell on its own, from its row's tokens, its gathered position,
// the branch weights and its uniform, so a cell read from the wrong job, row or offset changes what it draws.
// Confidences are coarse, as bf16 ones are, so re-masking ties and batched jobs' masked counts drift apart.
import type { ImageStepInput, ImageStepOutput } from '../../engine/runtime/image-step.js';

export class CellwiseStepRunner {
  /** Jobs (J) of every run, in order. */
  readonly runs: number[] = [];
  /** Cells (M) of every run, padding included. */
  readonly cells: number[] = [];

  constructor(private readonly codebookSize: number) {}

  async run(input: ImageStepInput): Promise<ImageStepOutput> {
    const { J, G, L, M } = input;
    this.runs.push(J);
    this.cells.push(M);
    const codes = new BigInt64Array(J * M);
    const best = new BigInt64Array(J * M);
    const probs = new Float32Array(J * M);
    for (let j = 0; j < J; j++) {
      for (let i = 0; i < M; i++) {
        let h = 0;
        for (let g = 0; g < G; g++) {
          const r = j * G + g;
          const pos = Number(input.gatherPos[r * M + i]);
          let row = 0;
          for (let t = 0; t < L; t++)
            if (input.attnMask[r * L + t]) row = (row * 31 + Number(input.ids[r * L + t])) >>> 0;
          h = (h * 131 + row + pos * 7 + Math.round((input.branchW[r] ?? 0) * 8)) >>> 0;
        }
        const u = input.noise[j * M + i] ?? 0;
        best[j * M + i] = BigInt(h % this.codebookSize);
        const drawn = (input.temperature[j] ?? 0) > 0 ? (h + Math.floor(u * 1e6)) >>> 0 : h;
        codes[j * M + i] = BigInt(drawn % this.codebookSize);
        // 64 levels of confidence: cells tie at the re-masking cutoff.
        probs[j * M + i] = 0.1 + (0.9 * ((h ^ Math.floor(u * 2 ** 20)) % 64)) / 64;
      }
    }
    return { codes, probs, best, forwardMs: 1 };
  }
}
