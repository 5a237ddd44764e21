// Inpainting, outpainting, box retouching, mask images, canvas extension and scattered variation
// (dimoo-inference.md §3.3): the T2I template and CFG over the image's own grid, kept cells carrying their VQ codes
// and only the regenerated cells sampled. Upstream shows the VQ reconstruction of the kept area; by default we paste the original pixels back
// outside the regenerated cells with a soft edge, so untouched pixels stay untouched. ML-Cache (`cache`) is the
// engine's own here: upstream wires it for text-to-image only.
import {
  EngineError,
  type GenerateOptions,
  type PaintRegion,
  type PaintRequest,
  type RgbImage,
} from '../api.js';
import type { Size } from '../image/crop.js';
import { composeCanvas, resizeImage, resizeToMultipleOf } from '../image/io.js';
import { cropImage } from '../image/pixels.js';
import { extensionPasteMask } from '../paint/extension.js';
import { areaResize, type PaintPlan, type PixelMask, pasteBack, planPaint } from '../paint/mask.js';
import { resolveMlCache } from '../sampling/ml-cache.js';
import { type ImageCodes, paintSequence } from '../sequence.js';
import { oneImageAtATime } from './candidates.js';
import { LIMITS, MAX_INPUT_PIXELS, type TaskContext } from './context.js';
import { finishingProgress } from './finishing.js';
import { type ImageTaskOutput, imageTaskOutput, runImageLoop, throwIfCancelled } from './image-loop.js';
import { runCachedImageLoop } from './ml-cache-loop.js';
import {
  checkInputImage,
  checkInteger,
  checkNegativePrompt,
  checkPrompt,
  checkSampling,
} from './validate.js';

export const PAINT_DEFAULTS = Object.freeze({
  steps: 64,
  cfg: 4.0,
  temperature: 1.0,
  dilate: 0,
  /** Width in pixels of the blend on each side of the regenerated area's edge. */
  feather: 8,
});
/** `dilate`: latent cells the region grows by; 16 already covers a 256-pixel margin on the VQ grid. */
export function checkDilate(dilate: number | undefined): number {
  return checkInteger('dilate', dilate ?? PAINT_DEFAULTS.dilate, 0, 16);
}

/**
 * The cells a region repaints on a `source`-sized image, refused as paint refuses them (ratios, boxes, extension
 * or share out of range, an empty mask, a region covering no whole cell, a canvas over the pixel limit, a grown one
 * with a side over the side limit). Pure and model-free, so a caller can refuse a region before a model loads;
 * `cellSize` is the VQ model's (16 for DiMOO).
 */
export function planPaintRegion(
  region: PaintRegion,
  source: Size,
  options: { dilate: number; seed: number; cellSize: number },
): PaintPlan {
  const plan = planPaint(region, source, { ...options, maxPixels: LIMITS.maxPixels });
  if (plan.canvas.width * plan.canvas.height > LIMITS.maxPixels) {
    const detail = `the painting canvas ${plan.canvas.width}×${plan.canvas.height} is over ${LIMITS.maxPixels} pixels`;
    throw new EngineError('bad_request', detail, { detail });
  }
  // The pixel cap alone passes a long strip: a pan of a 2048×512 picture would paint 3072×512.
  if (region.kind === 'extend' && Math.max(plan.canvas.width, plan.canvas.height) > LIMITS.maxSide) {
    const detail = `the extended canvas ${plan.canvas.width}×${plan.canvas.height} has a side over ${LIMITS.maxSide} pixels`;
    throw new EngineError('bad_request', detail, { detail });
  }
  return plan;
}

const REGION_KINDS: readonly string[] = [
  'inpaint_ratio',
  'outpaint_ratio',
  'boxes',
  'mask',
  'extend',
  'scatter',
];

/** A paint request; with `count` > 1 its images one after another (seeds `seed`, `seed + 1`, …) as one grid. */
export async function paint(
  ctx: TaskContext,
  request: PaintRequest,
  options: GenerateOptions = {},
): Promise<ImageTaskOutput> {
  return oneImageAtATime(request, PAINT_DEFAULTS, options, (one, o) => paintOne(ctx, one, o));
}

async function paintOne(
  ctx: TaskContext,
  request: PaintRequest,
  options: GenerateOptions,
): Promise<ImageTaskOutput> {
  const prompt = checkPrompt(request.prompt);
  const source = checkInputImage('the image', request.image, MAX_INPUT_PIXELS);
  if (!request.region || !REGION_KINDS.includes(request.region.kind)) {
    const detail =
      'say where to paint: a ratio, boxes, a mask image, a canvas extension or a scattered share';
    throw new EngineError('bad_request', detail, { detail });
  }
  if (request.region.kind === 'mask') checkInputImage('the mask', request.region.mask, MAX_INPUT_PIXELS);
  const { steps, cfg, temperature, seed } = checkSampling(request, PAINT_DEFAULTS);
  const negative = checkNegativePrompt(request.negativePrompt, cfg);
  const dilate = checkDilate(request.dilate);
  const cachePlan = resolveMlCache(request.cache, steps);

  const plan = planPaintRegion(request.region, source, { dilate, seed, cellSize: ctx.vq.scaleFactor });
  const canvas: RgbImage =
    request.region.kind === 'extend'
      ? await composeCanvas(source, plan.canvas, plan.place)
      : await resizeToMultipleOf(source, ctx.vq.scaleFactor);
  throwIfCancelled(options.signal);
  const vq = await ctx.vq.encode(canvas);
  const encoded: ImageCodes = { rows: vq.rows, cols: vq.cols, codes: vq.indices };
  const seq = paintSequence(ctx, prompt, encoded, plan.cells, negative);
  const decode = (codes: ImageCodes) => ctx.vq.decode(codes.rows, codes.cols, codes.codes);
  const progress = finishingProgress(options);
  const loopOptions = {
    steps,
    temperature,
    seed,
    weights: cfg > 0 ? [1 + cfg, -cfg] : [1, 0],
    signal: options.signal,
    onProgress: progress.options.onProgress,
    preview:
      options.previewIntervalMs === undefined ? undefined : { intervalMs: options.previewIntervalMs, decode },
  };
  // ML-Cache as text-to-image runs it, over the same template (guided only, as there); kept cells are ordinary
  // positions of the sequence, cached or recomputed by their max logit like any other.
  const loop =
    cachePlan && cfg > 0
      ? await runCachedImageLoop(seq, ctx.layout, await ctx.mlCache(), { ...loopOptions, plan: cachePlan })
      : await runImageLoop(seq, ctx.layout, ctx.imageStep, loopOptions);
  progress.finishing();
  const decoded = await decode(loop.codes);
  // Scattered cells are redrawn among kept ones: pasting the original around each would show its seams.
  const paste = request.pasteBack ?? request.region.kind !== 'scatter';
  const image = !paste
    ? decoded
    : request.region.kind === 'extend'
      ? pastedIntoExtension(canvas, decoded, plan)
      : await pastedAtSourceSize(source, canvas, decoded, plan.regenerated);
  return imageTaskOutput(image, loop, { seed, steps });
}

/**
 * An extension's result: the new canvas as drawn, the source as it came (placed at its own size), blended over the
 * feather's width inside the source only, as the canvas beside it is grey, not the user's.
 */
function pastedIntoExtension(canvas: RgbImage, decoded: RgbImage, plan: PaintPlan): RgbImage {
  const half = Math.round(PAINT_DEFAULTS.feather / 2);
  const mask = extensionPasteMask(plan, half);
  return pasteBack(cropImage(canvas, plan.result), cropImage(decoded, plan.result), mask, half);
}

/**
 * Upstream encodes a painting image with its sides floored to multiples of 16 (a Lanczos resize), so what it draws
 * is that size, a little squeezed. With paste-back the kept pixels are the user's own: the result comes back at the
 * source's own size, the drawing scaled up to it and pasted into the source through the region scaled likewise, so
 * outside the region the user's pixels are untouched, byte for byte.
 */
async function pastedAtSourceSize(
  source: RgbImage,
  canvas: RgbImage,
  decoded: RgbImage,
  regenerated: PixelMask,
): Promise<RgbImage> {
  if (source.width === canvas.width && source.height === canvas.height)
    return pasteBack(canvas, decoded, regenerated, PAINT_DEFAULTS.feather);
  const drawn = await resizeImage(decoded, source, 'lanczos3');
  const region = areaResize(regenerated, source.width, source.height);
  return pasteBack(source, drawn, region, PAINT_DEFAULTS.feather);
}
