// Text-to-image exactly as upstream's generate_image (dimoo-inference.md §3.1, §4.1): the prompt template with
// a fully masked image block, CFG `(1+s)·c − s·u` against the `<uncondition>` prompt (or a negative prompt in its
// place), 64 steps by default.
import { EngineError, type GenerateOptions, type TextToImageRequest } from '../api.js';
import { asEngineError } from '../errors.js';
import { tileImages } from '../image/grid.js';
import { resolveMlCache } from '../sampling/ml-cache.js';
import { gridForSize, type ImageCodes, textToImageSequence } from '../sequence.js';
import type { TaskContext } from './context.js';
import { LIMITS } from './context.js';
import {
  type ImageLoopOptions,
  type ImageLoopResult,
  type ImageTaskOutput,
  imageTaskOutput,
  runImageLoop,
  runImageLoops,
} from './image-loop.js';
import { runCachedImageLoop } from './ml-cache-loop.js';
import { checkInteger, checkNegativePrompt, checkPrompt, checkSampling, checkSize } from './validate.js';

export const TEXT_TO_IMAGE_DEFAULTS = Object.freeze({ steps: 64, cfg: 4.0, temperature: 1.0 });

type TextToImageOutput = ImageTaskOutput;

/** A validated request: its sequence and loop settings. */
function prepare(ctx: TaskContext, request: TextToImageRequest) {
  const prompt = checkPrompt(request.prompt);
  checkSize(request.width, request.height);
  const count = checkInteger('count', request.count ?? 1, 1, LIMITS.maxCount);
  const { steps, cfg, temperature, seed } = checkSampling(request, TEXT_TO_IMAGE_DEFAULTS);
  // At temperature 0 every seed draws the same image.
  if (count > 1 && temperature === 0)
    throw new EngineError('bad_request', 'count > 1 needs a temperature above 0', {
      detail: 'count > 1 at temperature 0 would draw the same image each time',
    });
  const negative = checkNegativePrompt(request.negativePrompt, cfg);
  const cachePlan = resolveMlCache(request.cache, steps);
  const seq = textToImageSequence(
    ctx,
    prompt,
    gridForSize(request.width, request.height, ctx.vq.scaleFactor),
    negative,
  );
  return {
    seq,
    count,
    steps,
    cfg,
    temperature,
    seed,
    cachePlan,
    weights: cfg > 0 ? [1 + cfg, -cfg] : [1, 0],
  };
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

/**
 * `count` images of one request, from the seeds `seed`, `seed + 1`, …: one batch sharing each forward pass (ML-Cache
 * ones one after another), each image exactly what its seed draws alone, tiled into one grid. Progress counts the
 * whole: the batch's steps, or every image's steps in turn.
 */
export async function textToImageCandidates(
  ctx: TaskContext,
  request: TextToImageRequest,
  options: GenerateOptions = {},
): Promise<TextToImageOutput> {
  const p = prepare(ctx, request);
  const single = (i: number): TextToImageRequest => ({
    ...request,
    count: undefined,
    seed: (p.seed + i) >>> 0,
  });
  const outputs: TextToImageOutput[] = [];
  if (p.cachePlan && p.cfg > 0) {
    for (let i = 0; i < p.count; i++) {
      const onProgress = options.onProgress;
      outputs.push(
        await textToImage(ctx, single(i), {
          ...options,
          onProgress:
            onProgress &&
            ((event) => onProgress({ ...event, step: i * p.steps + event.step, total: p.count * p.steps })),
        }),
      );
    }
  } else {
    // The first image reports progress and previews for the batch: every member steps together.
    const items = Array.from({ length: p.count }, (_, i) => ({
      request: single(i),
      options: i === 0 ? options : { signal: options.signal },
    }));
    for (const result of await textToImageBatch(ctx, items)) {
      if (result instanceof EngineError) throw result;
      outputs.push(result);
    }
  }
  const first = outputs[0] as TextToImageOutput;
  return {
    ...first,
    image: tileImages(outputs.map((o) => o.image)),
    seed: p.seed,
    forwardMs: p.cachePlan && p.cfg > 0 ? outputs.reduce((sum, o) => sum + o.forwardMs, 0) : first.forwardMs,
    candidates: outputs.map((o) => ({ image: o.image, seed: o.seed })),
  };
}
