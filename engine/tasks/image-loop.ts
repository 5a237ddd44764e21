// The image loop shared by text-to-image, image-to-image and painting (dimoo-inference.md §4.1–4.2): each step
// runs the conditional sequence and its guidance branches as one batch through the image-step graph, which
// returns only a sampled code and its confidence per masked cell; the host commits them and re-masks the least
// confident by the cosine schedule. Everything is committed at the last step.
import { EngineError, type ProgressEvent, type RgbImage } from '../api.js';
import type { ImageStepBackend } from '../runtime/image-step-backend.js';
import { applyImageStep } from '../sampling/image-step.js';
import type { TokenLayout } from '../sampling/layout-type.js';
import { samplingNoise } from '../sampling/rng.js';
import {
  branchIds,
  type ImageCodes,
  type ImageGenerationSequence,
  maskedCellPositions,
  readImageCodes,
  toBranchPositions,
} from '../sequence.js';

export interface ImageLoopOptions {
  steps: number;
  temperature: number;
  seed: number;
  /** Weight of the conditional sequence, then of each of `seq.branches` in order; zero-weight branches are skipped. */
  weights: number[];
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  /** Decodes a preview grid; called at most every `previewIntervalMs`. */
  preview?: { intervalMs: number; decode: (codes: ImageCodes) => Promise<RgbImage> };
}

export interface ImageLoopResult {
  codes: ImageCodes;
  forwardMs: number;
  stepsRun: number;
}

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new EngineError('cancelled', 'the job was cancelled');
}

export async function runImageLoop(
  seq: ImageGenerationSequence,
  layout: TokenLayout,
  backend: ImageStepBackend,
  options: ImageLoopOptions,
): Promise<ImageLoopResult> {
  const x = Int32Array.from(seq.ids);
  const branches = seq.branches.filter((_, i) => (options.weights[i + 1] ?? 0) !== 0);
  const weights = [
    options.weights[0] ?? 1,
    ...seq.branches.map((_, i) => options.weights[i + 1] ?? 0).filter((w) => w !== 0),
  ];
  let masked = maskedCellPositions(seq, x, layout);
  const initialMasked = masked.length;
  let forwardMs = 0;
  let lastPreview = Number.NEGATIVE_INFINITY;
  let stepsRun = 0;

  for (let step = 0; step < options.steps && masked.length > 0; step++) {
    throwIfCancelled(options.signal);
    const out = await backend.step({
      sequences: [x, ...branches.map((b) => branchIds(seq, b, x))],
      positions: [masked, ...branches.map((b) => toBranchPositions(masked, b))],
      weights,
      temperature: options.temperature,
      noise:
        options.temperature > 0
          ? samplingNoise(options.seed, step, masked.length, 1)
          : new Float32Array(masked.length),
    });
    forwardMs += out.forwardMs;
    const stillMasked = applyImageStep(
      x,
      masked,
      out.codes,
      out.probs,
      {
        step,
        totalSteps: options.steps,
        initialMasked,
        temperature: options.temperature,
        seed: options.seed,
      },
      layout,
    ).masked;
    stepsRun = step + 1;
    const event: ProgressEvent = { step: stepsRun, total: options.steps };
    const now = performance.now();
    if (options.preview && stillMasked.length > 0 && now - lastPreview >= options.preview.intervalMs) {
      lastPreview = now;
      event.preview = await options.preview.decode(previewCodes(seq, x, masked, out.best, layout));
    }
    masked = stillMasked;
    options.onProgress?.(event);
  }
  if (masked.length > 0)
    throw new EngineError('internal', `${masked.length} cells were still masked after the last step`);
  return { codes: readImageCodes(seq, x, layout), forwardMs, stepsRun };
}

/** The current grid with every still-masked cell shown as its most likely code. */
function previewCodes(
  seq: ImageGenerationSequence,
  x: Int32Array,
  sampled: Int32Array,
  best: Int32Array,
  layout: TokenLayout,
): ImageCodes {
  const filled = Int32Array.from(x);
  for (let i = 0; i < sampled.length; i++) {
    const p = sampled[i]!;
    if (filled[p] === layout.mask) filled[p] = layout.imageCodeOffset + best[i]!;
  }
  return readImageCodes(seq, filled, layout);
}
