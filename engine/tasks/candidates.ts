// Several images of one request (`count`), seeds `seed`, `seed + 1`, …: drawn one after another where they cannot
// share forward passes (ML-Cache, image-to-image, paint), and put together as one result whose image is their grid.
import { EngineError, type GenerateOptions } from '../api.js';
import { tileImages } from '../image/grid.js';
import { LIMITS } from './context.js';
import type { ImageTaskOutput } from './image-loop.js';
import { checkInteger, checkSampling } from './validate.js';

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
 * A request whose `drawOne` draws one image: alone when `count` is 1 (its seed fixed here, so a random one is
 * reported back), else its images one after another from the seeds `seed`, `seed + 1`, …, as one grid. Progress
 * counts every image's steps as one run (image `i`'s step `s` is step `i × steps + s` of `count × steps`), and each
 * image's previews pass through; only the last image's finishing is told.
 */
export async function oneImageAtATime<R extends Parameters<typeof checkSampling>[0] & { count?: number }>(
  request: R,
  defaults: Parameters<typeof checkSampling>[1],
  options: GenerateOptions,
  drawOne: (request: R, options: GenerateOptions) => Promise<ImageTaskOutput>,
): Promise<ImageTaskOutput> {
  const { temperature, seed } = checkSampling(request, defaults);
  const count = checkCount(request.count, temperature);
  if (count === 1) return drawOne({ ...request, seed }, options);
  const outputs: ImageTaskOutput[] = [];
  const onProgress = options.onProgress;
  for (let i = 0; i < count; i++) {
    outputs.push(
      await drawOne(
        { ...request, count: undefined, seed: candidateSeed(seed, i) },
        {
          ...options,
          onProgress:
            onProgress &&
            ((event) => {
              // An image before the last is followed by the next one's steps, not by the result.
              if (event.phase === 'finishing' && i < count - 1) return;
              onProgress({ ...event, step: i * event.total + event.step, total: count * event.total });
            }),
        },
      ),
    );
  }
  return gridOutput(
    outputs,
    seed,
    outputs.reduce((sum, o) => sum + o.forwardMs, 0),
  );
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
