// Several images of one request (`count`), seeds `seed`, `seed + 1`, …: drawn one after another where they cannot
// share forward passes, and put together as one result whose image is their grid.
import { EngineError, type GenerateOptions } from '../api.js';
import { tileImages } from '../image/grid.js';
import { LIMITS } from './context.js';
import type { ImageTaskOutput } from './image-loop.js';
import { checkInteger } from './validate.js';

/** The request's `count`, checked; more than one needs a temperature above 0, where seeds draw differently. */
export function checkCount(count: number | undefined, temperature: number): number {
  const n = checkInteger('count', count ?? 1, 1, LIMITS.maxCount);
  if (n > 1 && temperature === 0)
    throw new EngineError('bad_request', 'count > 1 needs a temperature above 0', {
      detail: 'count > 1 at temperature 0 would draw the same image each time',
    });
  return n;
}

/** The seed of image `i` of a request seeded `seed` (uint32, wrapping). */
export const candidateSeed = (seed: number, i: number) => (seed + i) >>> 0;

/**
 * Draws `count` images in turn; progress counts every image's steps as one run (image `i`'s step `s` is step
 * `i × steps + s` of `count × steps`), and each image's previews pass through.
 */
export async function oneByOne(
  count: number,
  steps: number,
  options: GenerateOptions,
  draw: (i: number, options: GenerateOptions) => Promise<ImageTaskOutput>,
): Promise<ImageTaskOutput[]> {
  const outputs: ImageTaskOutput[] = [];
  const onProgress = options.onProgress;
  for (let i = 0; i < count; i++) {
    outputs.push(
      await draw(i, {
        ...options,
        onProgress:
          onProgress &&
          ((event) => onProgress({ ...event, step: i * steps + event.step, total: count * steps })),
      }),
    );
  }
  return outputs;
}

/** The images as one result: their grid, the first seed, every image with its seed; `forwardMs` as given. */
export function gridOutput(
  outputs: readonly ImageTaskOutput[],
  seed: number,
  forwardMs: number,
): ImageTaskOutput {
  const first = outputs[0] as ImageTaskOutput;
  return {
    ...first,
    image: tileImages(outputs.map((o) => o.image)),
    seed,
    forwardMs,
    candidates: outputs.map((o) => ({ image: o.image, seed: o.seed })),
  };
}

export const totalForwardMs = (outputs: readonly ImageTaskOutput[]) =>
  outputs.reduce((sum, o) => sum + o.forwardMs, 0);
