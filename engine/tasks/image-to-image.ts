// Image-to-image as upstream's generate_i2i (dimoo-inference.md §3.2, §4.2): every input image gets a 512-class
// bucket crop (ours centred, upstream's offset is random) and goes inside the user turn; dual guidance
// `c + a·(c − u_text) + b·(c − u_img)` = weights [1+a+b, −a, −b] over [cond, uncond_text, uncond_image].
// The output has the (last) input crop's size.
import { EngineError, type GenerateOptions, type ImageToImageRequest } from '../api.js';
import { cropToBucket } from '../image/io.js';
import { imageToImagePrompt, needsReferenceImage } from '../prompts.js';
import { type ImageCodes, imageToImageSequence } from '../sequence.js';
import { oneImageAtATime } from './candidates.js';
import { LIMITS, MAX_INPUT_PIXELS, type TaskContext } from './context.js';
import { finishingProgress } from './finishing.js';
import { type ImageTaskOutput, imageTaskOutput, runImageLoop, throwIfCancelled } from './image-loop.js';
import { checkInputImage, checkNumber, checkPrompt, checkSampling } from './validate.js';

export const IMAGE_TO_IMAGE_DEFAULTS = Object.freeze({ steps: 64, cfg: 2.5, cfgImg: 4.0, temperature: 1.0 });

/** Guidance weights for [cond, uncond_text, uncond_image]; both scales 0 run the conditional branch alone. */
export function dualGuidanceWeights(cfg: number, cfgImg: number): number[] {
  return [1 + cfg + cfgImg, -cfg, -cfgImg];
}

/** An image-to-image request; with `count` > 1 its images one after another (seeds `seed`, `seed + 1`, …). */
export async function imageToImage(
  ctx: TaskContext,
  request: ImageToImageRequest,
  options: GenerateOptions = {},
): Promise<ImageTaskOutput> {
  return oneImageAtATime(request, IMAGE_TO_IMAGE_DEFAULTS, options, (one, o) => imageToImageOne(ctx, one, o));
}

async function imageToImageOne(
  ctx: TaskContext,
  request: ImageToImageRequest,
  options: GenerateOptions,
): Promise<ImageTaskOutput> {
  const editType = String(request.editType ?? '');
  // The prompt rules refuse unknown edit types and empty prompts before any pixel work.
  imageToImagePrompt(editType, checkPrompt(request.prompt ?? '', { allowEmpty: true }), request);
  const content = checkInputImage('the image', request.image, MAX_INPUT_PIXELS);
  const inputs = [content];
  if (needsReferenceImage(editType)) {
    if (!request.refImage) {
      const detail = `edit type "${editType}" needs a style reference image besides the content image`;
      throw new EngineError('bad_request', detail, { detail });
    }
    inputs.push(checkInputImage('the reference image', request.refImage, MAX_INPUT_PIXELS));
  } else if (request.refImage) {
    const detail = `edit type "${editType}" takes one image; only image_ref_transfer takes a reference image`;
    throw new EngineError('bad_request', detail, { detail });
  }
  const { steps, cfg, temperature, seed } = checkSampling(request, IMAGE_TO_IMAGE_DEFAULTS);
  const cfgImg = checkNumber(
    'cfgImg',
    request.cfgImg ?? IMAGE_TO_IMAGE_DEFAULTS.cfgImg,
    0,
    LIMITS.maxGuidance,
  );

  const encoded: ImageCodes[] = [];
  for (const input of inputs) {
    throwIfCancelled(options.signal);
    const { image } = await cropToBucket(input, 512);
    const vq = await ctx.vq.encode(image);
    encoded.push({ rows: vq.rows, cols: vq.cols, codes: vq.indices });
  }
  const seq = imageToImageSequence(
    ctx,
    { editType, prompt: request.prompt ?? '', densePrompt: request.densePrompt },
    encoded,
  );
  const decode = (codes: ImageCodes) => ctx.vq.decode(codes.rows, codes.cols, codes.codes);
  const progress = finishingProgress(options);
  const loop = await runImageLoop(seq, ctx.layout, ctx.imageStep, {
    steps,
    temperature,
    seed,
    weights: dualGuidanceWeights(cfg, cfgImg),
    signal: options.signal,
    onProgress: progress.options.onProgress,
    preview:
      options.previewIntervalMs === undefined ? undefined : { intervalMs: options.previewIntervalMs, decode },
  });
  progress.finishing();
  return imageTaskOutput(await decode(loop.codes), loop, { seed, steps });
}
