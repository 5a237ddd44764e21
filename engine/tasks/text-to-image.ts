// Text-to-image exactly as upstream's generate_image (dimoo-inference.md §3.1, §4.1): the prompt template with
// a fully masked image block, CFG `(1+s)·c − s·u` against the `<uncondition>` prompt (or a negative prompt in its
// place), 64 steps by default.
import { EngineError, type GenerateOptions, type TextToImageRequest } from '../api.js';
import { asEngineError } from '../errors.js';
import { resolveMlCache } from '../sampling/ml-cache.js';
import { gridForSize, type ImageCodes, textToImageSequence } from '../sequence.js';
import type { TaskContext } from './context.js';
import {
  type ImageLoopOptions,
  type ImageLoopResult,
  type ImageTaskOutput,
  imageTaskOutput,
  runImageLoop,
  runImageLoops,
} from './image-loop.js';
import { runCachedImageLoop } from './ml-cache-loop.js';
import { checkNegativePrompt, checkPrompt, checkSampling, checkSize } from './validate.js';

export const TEXT_TO_IMAGE_DEFAULTS = Object.freeze({ steps: 64, cfg: 4.0, temperature: 1.0 });

type TextToImageOutput = ImageTaskOutput;

/** A validated request: its sequence and loop settings. */
function prepare(ctx: TaskContext, request: TextToImageRequest) {
  const prompt = checkPrompt(request.prompt);
  checkSize(request.width, request.height);
  const { steps, cfg, temperature, seed } = checkSampling(request, TEXT_TO_IMAGE_DEFAULTS);
  const negative = checkNegativePrompt(request.negativePrompt, cfg);
  const cachePlan = resolveMlCache(request.cache, steps);
  const seq = textToImageSequence(
    ctx,
    prompt,
    gridForSize(request.width, request.height, ctx.vq.scaleFactor),
    negative,
  );
  return { seq, steps, cfg, temperature, seed, cachePlan, weights: cfg > 0 ? [1 + cfg, -cfg] : [1, 0] };
}

function loopOptions(
  ctx: TaskContext,
  p: ReturnType<typeof prepare>,
  options: GenerateOptions,
): ImageLoopOptions {
  return {
    steps: p.steps,
    temperature: p.temperature,
    seed: p.seed,
    weights: p.weights,
    signal: options.signal,
    onProgress: options.onProgress,
    preview:
      options.previewIntervalMs === undefined
        ? undefined
        : { intervalMs: options.previewIntervalMs, decode: (codes) => decodeCodes(ctx, codes) },
  };
}

function decodeCodes(ctx: TaskContext, codes: ImageCodes) {
  return ctx.vq.decode(codes.rows, codes.cols, codes.codes);
}

async function toResult(
  ctx: TaskContext,
  p: ReturnType<typeof prepare>,
  loop: ImageLoopResult,
): Promise<TextToImageOutput> {
  return imageTaskOutput(await decodeCodes(ctx, loop.codes), loop, p);
}

export async function textToImage(
  ctx: TaskContext,
  request: TextToImageRequest,
  options: GenerateOptions = {},
): Promise<TextToImageOutput> {
  const p = prepare(ctx, request);
  // As upstream, ML-Cache is wired only for guided generation (cfg > 0).
  const loop =
    p.cachePlan && p.cfg > 0
      ? await runCachedImageLoop(p.seq, ctx.layout, await ctx.mlCache(), {
          ...loopOptions(ctx, p, options),
          plan: p.cachePlan,
        })
      : await runImageLoop(p.seq, ctx.layout, ctx.imageStep, loopOptions(ctx, p, options));
  return toResult(ctx, p, loop);
}

/**
 * Several text-to-image requests at once: requests of the same size, step count and guidance share each forward
 * pass (runImageLoops groups them). A request that fails validation or is cancelled gets its own error.
 * ML-Cache requests run alone (their caches are per sequence).
 */
export async function textToImageBatch(
  ctx: TaskContext,
  items: ReadonlyArray<{ request: TextToImageRequest; options?: GenerateOptions }>,
): Promise<Array<TextToImageOutput | EngineError>> {
  const out: Array<TextToImageOutput | EngineError | undefined> = items.map(() => undefined);
  const shared: Array<{ index: number; p: ReturnType<typeof prepare>; options: GenerateOptions }> = [];
  for (const [index, { request, options = {} }] of items.entries()) {
    try {
      const p = prepare(ctx, request);
      if (p.cachePlan && p.cfg > 0) out[index] = await textToImage(ctx, request, options);
      else shared.push({ index, p, options });
    } catch (error) {
      out[index] = asEngineError(error);
    }
  }
  const loops = await runImageLoops(
    shared.map(({ p, options }) => ({ seq: p.seq, options: loopOptions(ctx, p, options) })),
    ctx.layout,
    ctx.imageStep,
  );
  for (const [i, { index, p }] of shared.entries()) {
    const loop = loops[i] as ImageLoopResult | EngineError;
    out[index] = loop instanceof EngineError ? loop : await toResult(ctx, p, loop);
  }
  return out as Array<TextToImageOutput | EngineError>;
}
