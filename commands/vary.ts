// Midjourney's Vary (Subtle) and Vary (Strong), and V1–V4 under a grid: a result redrawn around its own composition.
// A share of its cells, picked by a new seed, is sampled again with the job's prompt and settings while the others
// keep their codes (the engine's `scatter` region): masked re-sampling, as DiMOO was trained to fill masked cells,
// so a variation keeps the picture and changes its details, more of them for Strong. An /edit's result has no
// prompt that describes it, so no Vary is offered there (its Re-roll tries the edit again).
import type { StoredRequest } from '../src/jobs/index.js';
import type { Operation } from './context.js';
import { UserInputError } from './errors.js';
import { reroll } from './follow-ups.js';
import { judgeStoredImage } from './inputs.js';
import { VARY_SHARE, type VaryStrength } from './redraw-shares.js';
import { type ImageJob, imageJob, type RemakeableRequest, resultBytes } from './stored-jobs.js';
import { definedOnly, submit } from './submit.js';
import { imageCount } from './task-input.js';

/** A variation of a result, or of image `pick` (1-based) of a grid. */
export function vary(strength: VaryStrength, pick?: number): Operation<string> {
  return async (deps, ctx, jobId) => {
    const job = imageJob(deps.store, jobId);
    const r = job.request;
    if (r.task === 'image_to_image') {
      if (strength === 'strong' || pick !== undefined)
        throw new UserInputError('errors.button.not_available');
      // The Variations that /edit results showed until it was seen to run the Re-roll's job: pressed on a message
      // posted then, it is that Re-roll.
      return reroll(deps, ctx, jobId);
    }
    const request: StoredRequest = {
      ...redrawRequest(r, VARY_SHARE[strength], deps.randomSeed()),
      // A grid of variations where the user draws grids (`/settings images`), as Midjourney's Vary gives four.
      ...imageCount(undefined, r.temperature, ctx.settings.images),
    };
    const image = sourceImage(deps.store, job, pick);
    judgeStoredImage(image, deps.config.limits);
    return submit(deps, ctx, 'paint', request, { 'input.png': image }, { origin: job.id, paint: 'vary' });
  };
}

/** The picture a variation starts from: the result, or one image of a grid (never the grid itself). */
function sourceImage(
  store: Parameters<typeof resultBytes>[0],
  job: ImageJob,
  pick: number | undefined,
): Uint8Array {
  const candidates = job.result?.candidates;
  if (pick === undefined) {
    if (candidates) throw new UserInputError('errors.grid.pick_first');
    return resultBytes(store, job.id);
  }
  const candidate = job.status === 'done' ? candidates?.[pick - 1] : undefined;
  if (!candidate) throw new UserInputError('errors.button.not_available');
  return new Uint8Array(store.readFile(job.id, candidate.file));
}

/**
 * A share of `input.png`'s cells, picked by `seed`, drawn again with a result's prompt and settings (the engine's
 * `scatter` region): Vary on the result itself, Upscale on it scaled up.
 */
export function redrawRequest(
  r: Pick<RemakeableRequest, 'prompt' | 'steps' | 'cfg' | 'temperature' | 'negativePrompt' | 'cache'>,
  share: number,
  seed: number,
): Extract<StoredRequest, { task: 'paint' }> {
  return {
    task: 'paint',
    prompt: r.prompt,
    image: { file: 'input.png' },
    region: { kind: 'scatter', share },
    seed,
    ...definedOnly({
      steps: r.steps,
      cfg: r.cfg,
      temperature: r.temperature,
      negativePrompt: r.negativePrompt,
      // A result drawn with ML-Cache is redrawn with it.
      cache: r.cache,
    }),
  };
}
