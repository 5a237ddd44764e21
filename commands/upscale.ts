// Midjourney's Upscale (Subtle) and Upscale (Creative): a result redrawn at DiMOO's largest trained size (its long
// side MAX_SIDE pixels, as `--size` allows), the model drawing the detail that scaling cannot. The picture is scaled
// up first (Lanczos), then a share of its cells, picked by a new seed, is sampled again with the job's prompt and
// settings while the others keep the codes of the scaled picture: the `scatter` region that Vary uses, so the
// composition stays and the redrawn cells take their sharpness from the model. Creative redraws more of them.
import sharp from 'sharp';
import { readImageHeader } from '../engine/index.js';
import type { Operation } from './context.js';
import { UserInputError } from './errors.js';
import { judgeStoredImage } from './inputs.js';
import { MAX_SIDE } from './limits.js';
import { UPSCALE_SHARE, type UpscaleStrength } from './redraw-shares.js';
import { imageJob, isRemakeable, resultBytes } from './stored-jobs.js';
import { submit } from './submit.js';
import { upscaledSize } from './upscale-size.js';
import { redrawRequest } from './vary.js';

/** The Upscale buttons' action: one image at the larger size, with the result's prompt and settings. */
export function upscale(strength: UpscaleStrength): Operation<string> {
  return async (deps, ctx, jobId) => {
    const job = imageJob(deps.store, jobId);
    const r = job.request;
    // An /edit's instruction describes a change, not the picture the redrawn cells should show.
    if (!isRemakeable(r)) throw new UserInputError('errors.button.not_available');
    if (job.result?.candidates) throw new UserInputError('errors.grid.pick_first');
    const result = resultBytes(deps.store, jobId);
    judgeStoredImage(result, deps.config.limits);
    const scaled = await scaledForUpscale(result);
    const request = redrawRequest(r, UPSCALE_SHARE[strength], deps.randomSeed());
    return submit(deps, ctx, 'paint', request, { 'input.png': scaled }, { origin: job.id, paint: 'upscale' });
  };
}

/** The picture an upscale redraws: the result scaled (Lanczos) to `upscaledSize`, as a PNG. */
export async function scaledForUpscale(png: Uint8Array): Promise<Uint8Array> {
  const size = upscaledSize(readImageHeader(png));
  if (!size) throw new UserInputError('errors.upscale.largest', { max: MAX_SIDE });
  const scaled = await sharp(png)
    .resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' })
    .png()
    .toBuffer();
  return new Uint8Array(scaled.buffer, scaled.byteOffset, scaled.byteLength);
}
