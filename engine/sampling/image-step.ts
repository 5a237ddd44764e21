// The host half of one step of DiMOO's image loop (dimoo-inference.md §4.1): the graph returned a sampled code
// and its confidence for every masked cell; fill them all in, then re-mask the scheduled number of least
// confident ones. Used by text-to-image, image-to-image and painting alike.
// @see Alpha-VLLM/Lumina-DiMOO generators/image_generation_generator.py: generate_image (loop body)
import type { TokenLayout } from './layout-type.js';
import { remaskGumbels, remaskLeastConfident } from './remask.js';
import { remaskCount } from './schedule.js';

export interface ImageStep {
  /** 0-based step index. */
  step: number;
  totalSteps: number;
  /** Cells masked before step 0 (the schedule runs on this count). */
  initialMasked: number;
  temperature: number;
  /** Needed when temperature > 0. */
  seed: number;
}

export interface ImageStepResult {
  /** Cells committed this step. */
  committed: number;
  /** Positions still masked, in sequence order: the next step's graph rows. */
  masked: Int32Array;
}

/**
 * Applies one step to the conditional sequence `x` (in place). `masked` are the positions masked at the start
 * of the step, in the order the graph returned `codes` (VQ indices) and `probs` for them.
 */
export function applyImageStep(
  x: Int32Array,
  masked: Int32Array,
  codes: Int32Array,
  probs: Float32Array,
  step: ImageStep,
  layout: TokenLayout,
): ImageStepResult {
  const m = masked.length;
  if (codes.length !== m || probs.length !== m) {
    throw new RangeError(`expected ${m} codes and confidences, got ${codes.length} and ${probs.length}`);
  }
  for (const code of codes) {
    if (code < 0 || code >= layout.codebookSize)
      throw new RangeError(`sampled code ${code} is outside the codebook`);
  }
  for (let i = 0; i < m; i++) x[masked[i]!] = layout.imageCodeOffset + codes[i]!;
  const k = remaskCount(step.step, step.totalSteps, step.initialMasked, m);
  const noise = step.temperature === 0 || k === 0 ? null : remaskGumbels(step.seed, step.step, m);
  const remask = k === 0 ? new Uint8Array(m) : remaskLeastConfident(probs, k, step.temperature, noise);
  const still: number[] = [];
  for (let i = 0; i < m; i++) {
    if (remask[i]) {
      x[masked[i]!] = layout.mask;
      still.push(masked[i]!);
    }
  }
  return { committed: m - still.length, masked: Int32Array.from(still) };
}
