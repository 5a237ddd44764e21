// The image loop shared by text-to-image, image-to-image and painting (dimoo-inference.md §4.1–4.2): each step
// runs the conditional sequence and its guidance branches as one batch through the image-step graph, which
// returns only a sampled code and its confidence per masked cell; the host commits them and re-masks the least
// confident by the cosine schedule. Everything is committed at the last step.
import { EngineError, type ImageResult, type ProgressEvent, type RgbImage } from '../api.js';
import type { ImageStepBackend, ImageStepInput, ImageStepOutput } from '../runtime/image-step-backend.js';
import { applyImageStep } from '../sampling/image-step.js';
import type { TokenLayout } from '../sampling/layout-type.js';
import { samplingNoise } from '../sampling/rng.js';
import { scheduledSteps } from '../sampling/schedule.js';
import {
  branchIds,
  type ImageCodes,
  type ImageGenerationSequence,
  maskedCellPositions,
  readImageCodes,
  toBranchPositions,
} from '../sequence.js';
import { type PreviewOption, PreviewPacer, previewCodes } from './preview.js';

export interface ImageLoopOptions {
  steps: number;
  temperature: number;
  seed: number;
  /** Weight of the conditional sequence, then of each of `seq.branches`; all zero: the branches are skipped. */
  weights: number[];
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  /** Decodes a preview grid; called at most every `intervalMs`. */
  preview?: PreviewOption;
}

export interface ImageLoopResult {
  codes: ImageCodes;
  forwardMs: number;
  stepsRun: number;
}

/** What an image task returns before the engine adds its timings: the image, its tokens and the loop's time. */
export type ImageTaskOutput = Omit<ImageResult, 'timings'> & { forwardMs: number };

export function imageTaskOutput(
  image: RgbImage,
  loop: ImageLoopResult,
  sampling: { seed: number; steps: number },
): ImageTaskOutput {
  const { codes } = loop;
  return {
    kind: 'image',
    image,
    tokens: { rows: codes.rows, cols: codes.cols, data: codes.codes },
    seed: sampling.seed,
    steps: sampling.steps,
    forwardMs: loop.forwardMs,
  };
}

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new EngineError('cancelled', 'the job was cancelled');
}

export interface ImageLoopJob {
  seq: ImageGenerationSequence;
  options: ImageLoopOptions;
}

/** One job's progress through the loop. */
class LoopState {
  readonly x: Int32Array;
  readonly branches: ImageGenerationSequence['branches'];
  readonly weights: number[];
  readonly initialMasked: number;
  /** The steps progress counts: fewer than asked when there are fewer cells than steps. */
  readonly plannedSteps: number;
  masked: Int32Array;
  forwardMs = 0;
  stepsRun = 0;
  readonly previews: PreviewPacer;
  error: EngineError | undefined;

  constructor(
    readonly job: ImageLoopJob,
    layout: TokenLayout,
  ) {
    const { seq, options } = job;
    this.x = Int32Array.from(seq.ids);
    // Without guidance (every other weight 0) only the conditional branch runs, as upstream's. With it, every branch
    // runs, as upstream's do: image-to-image with one scale 0 stays a three-branch guidance, whose rounding order
    // (graphs/bf16-sampling.ts guideBf16) the graph tells by its three branches.
    const guided = seq.branches.some((_, i) => (options.weights[i + 1] ?? 0) !== 0);
    this.branches = guided ? seq.branches : [];
    this.weights = [options.weights[0] ?? 1, ...this.branches.map((_, i) => options.weights[i + 1] ?? 0)];
    // Three sequences are image-to-image's c + a(c − t) + b(c − i), whose weights the graph reads as (1+a+b, −a, −b):
    // any other three-way sum would be guided wrongly without a word.
    const [c, a, b] = this.weights;
    if (this.weights.length === 3 && Math.abs((c as number) + (a as number) + (b as number) - 1) > 1e-5)
      throw new Error(
        `three-branch guidance must be image-to-image's form (weights ${this.weights.join(', ')})`,
      );
    this.masked = maskedCellPositions(seq, this.x, layout);
    this.initialMasked = this.masked.length;
    this.plannedSteps = scheduledSteps(this.initialMasked, options.steps);
    this.previews = new PreviewPacer(options.preview);
  }

  wantsStep(step: number): boolean {
    if (this.error || this.masked.length === 0 || step >= this.job.options.steps) return false;
    if (this.job.options.signal?.aborted) {
      this.error = new EngineError('cancelled', 'the job was cancelled');
      return false;
    }
    return true;
  }

  input(step: number): ImageStepInput {
    const { seq, options } = this.job;
    const m = this.masked.length;
    return {
      sequences: [this.x, ...this.branches.map((b) => branchIds(seq, b, this.x))],
      positions: [this.masked, ...this.branches.map((b) => toBranchPositions(this.masked, b))],
      weights: this.weights,
      temperature: options.temperature,
      noise: options.temperature > 0 ? samplingNoise(options.seed, step, m, 1) : new Float32Array(m),
    };
  }
}

/**
 * Jobs whose steps share one forward pass: the same number of branches and the same grid. Not the same number of
 * masked cells: bf16 ties let a step commit more cells than scheduled (as upstream), so jobs of one shape drift
 * apart by a few cells, and the backend pads each job's cells to the batch's largest count.
 */
function groupsOf(states: LoopState[]): LoopState[][] {
  const groups = new Map<string, LoopState[]>();
  for (const s of states) {
    const { rows, cols } = s.job.seq.grid;
    const key = `${s.branches.length}:${rows}x${cols}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.values()];
}

/**
 * Runs several jobs' loops side by side: each step, jobs with the same branch count and grid (same task family
 * and size) go through the graph as one batch. A cancelled job leaves the batch at the next step and
 * gets its own `cancelled` error; the others carry on. A failing forward pass fails the jobs it served.
 */
export async function runImageLoops(
  jobs: readonly ImageLoopJob[],
  layout: TokenLayout,
  backend: ImageStepBackend,
): Promise<Array<ImageLoopResult | EngineError>> {
  const states = jobs.map((job) => new LoopState(job, layout));
  const maxSteps = Math.max(0, ...jobs.map((j) => j.options.steps));
  for (let step = 0; step < maxSteps; step++) {
    const active = states.filter((s) => s.wantsStep(step));
    if (active.length === 0) break;
    for (const group of groupsOf(active)) {
      const inputs = group.map((s) => s.input(step));
      let outputs: ImageStepOutput[];
      try {
        outputs =
          group.length === 1
            ? [await backend.step(inputs[0] as ImageStepInput)]
            : await backend.stepBatch(inputs);
      } catch (error) {
        if (jobs.length === 1) throw error;
        const failure =
          error instanceof EngineError
            ? error
            : new EngineError('internal', String(error), { detail: String(error) });
        for (const s of group) s.error = failure;
        continue;
      }
      for (const [i, s] of group.entries()) await advance(s, outputs[i] as ImageStepOutput, step, layout);
    }
  }
  return states.map((s) => {
    if (s.error) return s.error;
    if (s.masked.length > 0)
      return new EngineError('internal', `${s.masked.length} cells were still masked after the last step`);
    return { codes: readImageCodes(s.job.seq, s.x, layout), forwardMs: s.forwardMs, stepsRun: s.stepsRun };
  });
}

/** Commits one step's samples into a job, reports progress and, when due, a preview. */
async function advance(s: LoopState, out: ImageStepOutput, step: number, layout: TokenLayout): Promise<void> {
  const { seq, options } = s.job;
  s.forwardMs += out.forwardMs;
  const stillMasked = applyImageStep(
    s.x,
    s.masked,
    out.codes,
    out.probs,
    {
      step,
      totalSteps: options.steps,
      initialMasked: s.initialMasked,
      temperature: options.temperature,
      seed: options.seed,
    },
    layout,
  ).masked;
  s.stepsRun = step + 1;
  const preview = await s.previews.maybe(stillMasked.length, () =>
    previewCodes(seq, s.x, s.masked, out.best, layout),
  );
  const event: ProgressEvent = { step: s.stepsRun, total: s.plannedSteps, ...(preview ? { preview } : {}) };
  s.masked = stillMasked;
  options.onProgress?.(event);
}

/** One job's loop; failures (cancellation included) are thrown. */
export async function runImageLoop(
  seq: ImageGenerationSequence,
  layout: TokenLayout,
  backend: ImageStepBackend,
  options: ImageLoopOptions,
): Promise<ImageLoopResult> {
  throwIfCancelled(options.signal);
  const [result] = await runImageLoops([{ seq, options }], layout, backend);
  if (result instanceof EngineError) throw result;
  return result as ImageLoopResult;
}
