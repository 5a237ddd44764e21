// Test double for the image-step graph: samples deterministically from fake logits that favour a target code per
// cell (code = position mod codebook), with confidences from the noise, and records every call it gets.
import type {
  ImageStepBackend,
  ImageStepInput,
  ImageStepOutput,
} from '../../engine/runtime/image-step-backend.js';

export class ScriptedImageStep implements ImageStepBackend {
  readonly calls: ImageStepInput[] = [];
  /** Jobs served by each forward pass, in order (1 for `step`). */
  readonly passes: number[] = [];

  constructor(
    private readonly codebookSize: number,
    private readonly onStep?: (call: number) => void,
  ) {}

  async step(input: ImageStepInput): Promise<ImageStepOutput> {
    this.passes.push(1);
    return this.sample(input);
  }

  async stepBatch(inputs: readonly ImageStepInput[]): Promise<ImageStepOutput[]> {
    this.passes.push(inputs.length);
    return Promise.all(inputs.map((input) => this.sample(input)));
  }

  private async sample(input: ImageStepInput): Promise<ImageStepOutput> {
    this.calls.push(input);
    this.onStep?.(this.calls.length);
    const cond = input.positions[0] ?? new Int32Array(0);
    const m = cond.length;
    const best = Int32Array.from(cond, (p) => p % this.codebookSize);
    const codes = Int32Array.from(best, (c, i) =>
      input.temperature > 0 && (input.noise[i] ?? 0) > 0.9 ? (c + 1) % this.codebookSize : c,
    );
    const probs = Float32Array.from({ length: m }, (_, i) => 0.2 + 0.7 * (input.noise[i] ?? 0.5));
    return { codes, probs, best, forwardMs: 1 };
  }
}
