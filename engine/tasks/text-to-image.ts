// Text-to-image exactly as upstream's generate_image (dimoo-inference.md §3.1, §4.1): the prompt template with
// a fully masked image block, CFG `(1+s)·c − s·u` against the `<uncondition>` prompt (or a negative prompt in its
// place), 64 steps by default.
import {
  EngineError,
  type GenerateOptions,
  type ProgressEvent,
  type RgbImage,
  type TextToImageRequest,
} from '../api.js';
import { asEngineError } from '../errors.js';
import { tileImages } from '../image/grid.js';
import { resolveMlCache } from '../sampling/ml-cache.js';
import { gridForSize, type ImageCodes, textToImageSequence } from '../sequence.js';
import { candidateSeed, checkCount, gridOutput, oneImageAtATime } from './candidates.js';
import type { TaskContext } from './context.js';
import { finishingProgress } from './finishing.js';
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
  const count = checkCount(request.count, temperature);
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
  const progress = finishingProgress(options);
  // As upstream, ML-Cache is wired only for guided generation (cfg > 0).
  const loop =
    p.cachePlan && p.cfg > 0
      ? await runCachedImageLoop(p.seq, ctx.layout, await ctx.mlCache(), {
          ...loopOptions(ctx, p, progress.options),
          plan: p.cachePlan,
        })
      : await runImageLoop(p.seq, ctx.layout, ctx.imageStep, loopOptions(ctx, p, progress.options));
  progress.finishing();
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
  const shared: Array<{
    index: number;
    p: ReturnType<typeof prepare>;
    progress: ReturnType<typeof finishingProgress>;
  }> = [];
  for (const [index, { request, options = {} }] of items.entries()) {
    try {
      const p = prepare(ctx, request);
      if (p.cachePlan && p.cfg > 0) out[index] = await textToImage(ctx, request, options);
      else shared.push({ index, p, progress: finishingProgress(options) });
    } catch (error) {
      out[index] = asEngineError(error);
    }
  }
  const loops = await runImageLoops(
    shared.map(({ p, progress }) => ({ seq: p.seq, options: loopOptions(ctx, p, progress.options) })),
    ctx.layout,
    ctx.imageStep,
  );
  // Every job of the batch is finishing from here, not only the one whose image is being decoded.
  for (const [i, { progress }] of shared.entries())
    if (!(loops[i] instanceof EngineError)) progress.finishing();
  for (const [i, { index, p }] of shared.entries()) {
    const loop = loops[i] as ImageLoopResult | EngineError;
    out[index] = loop instanceof EngineError ? loop : await toResult(ctx, p, loop);
  }
  return out as Array<TextToImageOutput | EngineError>;
}

/**
 * `count` images of one request, from the seeds `seed`, `seed + 1`, …: one batch sharing each forward pass (ML-Cache
 * ones one after another), each image exactly what its seed draws alone, tiled into one grid. Progress counts the
 * whole: the batch's steps (previews show the grid forming), or every image's steps in turn.
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
    seed: candidateSeed(p.seed, i),
  });
  if (p.cachePlan && p.cfg > 0)
    return oneImageAtATime({ ...request, seed: p.seed }, TEXT_TO_IMAGE_DEFAULTS, options, (one, o) =>
      textToImage(ctx, one, o),
    );
  const members = Array.from({ length: p.count }, (_, i) => prepare(ctx, single(i)));
  const progress = finishingProgress(options);
  const reports = gridProgress(p.count, progress.options, (codes) => decodeCodes(ctx, codes));
  const loops = await runImageLoops(
    members.map((m, i) => ({
      seq: m.seq,
      options: { ...loopOptions(ctx, m, { signal: options.signal }), ...reports[i] },
    })),
    ctx.layout,
    ctx.imageStep,
  );
  const failed = loops.find((loop) => loop instanceof EngineError);
  if (failed) throw failed;
  progress.finishing();
  const outputs: TextToImageOutput[] = [];
  for (const [i, loop] of loops.entries())
    outputs.push(await toResult(ctx, members[i] as (typeof members)[number], loop as ImageLoopResult));
  // The members shared every forward pass: the batch's time is any one's.
  return gridOutput(outputs, p.seed, (outputs[0] as TextToImageOutput).forwardMs);
}

/** What a member decodes at a step whose preview nobody shows. */
const SKIPPED: RgbImage = { width: 0, height: 0, data: new Uint8Array(0) };

/**
 * One progress stream for a grid's members, which step together and report in member order, so the last one's
 * report closes a step. A preview is the members' previews tiled, at the steps the first member's pacing picks; the
 * others decode only at those steps.
 */
function gridProgress(
  count: number,
  options: GenerateOptions,
  decode: (codes: ImageCodes) => Promise<RgbImage>,
): Array<Pick<ImageLoopOptions, 'onProgress' | 'preview'>> {
  const { onProgress, previewIntervalMs } = options;
  const shown: Array<RgbImage | undefined> = [];
  let wanted = false;
  return Array.from({ length: count }, (_, i) => ({
    preview:
      previewIntervalMs === undefined || !onProgress
        ? undefined
        : {
            intervalMs: i === 0 ? previewIntervalMs : 0,
            decode: async (codes: ImageCodes) => {
              if (i === 0) wanted = true;
              return wanted ? decode(codes) : SKIPPED;
            },
          },
    onProgress: (event: ProgressEvent) => {
      shown[i] = wanted && event.preview !== SKIPPED ? event.preview : undefined;
      if (i < count - 1) return;
      const previews = shown.filter((image): image is RgbImage => image !== undefined);
      const preview = wanted && previews.length === count ? tileImages(previews) : undefined;
      wanted = false;
      onProgress?.({ step: event.step, total: event.total, ...(preview ? { preview } : {}) });
    },
  }));
}
