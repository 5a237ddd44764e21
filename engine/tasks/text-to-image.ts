// Text-to-image exactly as upstream's generate_image (dimoo-inference.md §3.1, §4.1): the prompt template with
// a fully masked image block, CFG `(1+s)·c − s·u` against the `<uncondition>` prompt, 64 steps by default.
import type { GenerateOptions, ImageResult, TextToImageRequest } from '../api.js';
import { resolveMlCache } from '../sampling/ml-cache.js';
import { randomSeed } from '../sampling/rng.js';
import { gridForSize, textToImageSequence } from '../sequence.js';
import type { TaskContext } from './context.js';
import { LIMITS } from './context.js';
import { runImageLoop } from './image-loop.js';
import { runCachedImageLoop } from './ml-cache-loop.js';
import { checkInteger, checkNumber, checkPrompt, checkSeed, checkSize } from './validate.js';

export const TEXT_TO_IMAGE_DEFAULTS = Object.freeze({ steps: 64, cfg: 4.0, temperature: 1.0 });

export async function textToImage(
  ctx: TaskContext,
  request: TextToImageRequest,
  options: GenerateOptions = {},
): Promise<Omit<ImageResult, 'timings'> & { forwardMs: number }> {
  const prompt = checkPrompt(request.prompt);
  checkSize(request.width, request.height);
  const steps = checkInteger('steps', request.steps ?? TEXT_TO_IMAGE_DEFAULTS.steps, 1, LIMITS.maxSteps);
  const cfg = checkNumber('cfg', request.cfg ?? TEXT_TO_IMAGE_DEFAULTS.cfg, 0, LIMITS.maxGuidance);
  const temperature = checkNumber(
    'temperature',
    request.temperature ?? TEXT_TO_IMAGE_DEFAULTS.temperature,
    0,
    LIMITS.maxTemperature,
  );
  const seed = checkSeed(request.seed) ?? (temperature === 0 ? 0 : randomSeed());
  const cachePlan = resolveMlCache(request.cache, steps);

  const seq = textToImageSequence(
    ctx,
    prompt,
    gridForSize(request.width, request.height, ctx.vq.scaleFactor),
  );
  const decode = (codes: { rows: number; cols: number; codes: Int32Array }) =>
    ctx.vq.decode(codes.rows, codes.cols, codes.codes);
  const preview =
    options.previewIntervalMs === undefined ? undefined : { intervalMs: options.previewIntervalMs, decode };
  // As upstream, ML-Cache is wired only for guided generation (cfg > 0).
  const loop =
    cachePlan && cfg > 0
      ? await runCachedImageLoop(seq, ctx.layout, await ctx.mlCache(), {
          steps,
          temperature,
          seed,
          weights: [1 + cfg, -cfg],
          plan: cachePlan,
          signal: options.signal,
          onProgress: options.onProgress,
          preview,
        })
      : await runImageLoop(seq, ctx.layout, ctx.imageStep, {
          steps,
          temperature,
          seed,
          weights: cfg > 0 ? [1 + cfg, -cfg] : [1, 0],
          signal: options.signal,
          onProgress: options.onProgress,
          preview,
        });
  const image = await decode(loop.codes);
  return {
    kind: 'image',
    image,
    tokens: { rows: loop.codes.rows, cols: loop.codes.cols, data: loop.codes.codes },
    seed,
    steps,
    forwardMs: loop.forwardMs,
  };
}
