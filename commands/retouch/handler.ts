// Inpainting: the region from boxes or a mask, redrawn to the prompt.
import { UserInputError } from '../errors.js';
import { acceptImage, acceptMask, type InputImage } from '../inputs.js';
import type { JobMaker } from '../job-command.js';
import { PAINT_FLAGS } from '../prompt.js';
import { parseBoxes } from '../regions.js';
import { paintRequest, type StoredPaintRegion } from '../submit.js';
import { type Files, imagePrompt } from '../task-input.js';
import { MASK_SET_ASIDE_META } from '../unused-images.js';
import type { RetouchInput } from './spec.js';

export const retouch: JobMaker<RetouchInput> = async (deps, ctx, input) => {
  const { prompt, flags } = imagePrompt(deps, input.prompt, input.seed, true, PAINT_FLAGS);
  flags.images = input.images ?? flags.images;
  const boxes = input.boxes?.trim() ? parseBoxes(input.boxes) : undefined;
  if (!boxes && !input.mask) throw new UserInputError('errors.retouch.region_missing');
  const files: Files = {};
  // Kept by hand rather than by keepImage: a mask is read against the decoded picture.
  const picture = await acceptImage(input.image, 'input', deps.config.limits);
  files[picture.file] = picture.bytes;
  const image = { file: picture.file };
  let region: StoredPaintRegion;
  if (boxes) region = { kind: 'boxes', boxes };
  else {
    // Checked above: without boxes there is a mask.
    const mask = await acceptMask(input.mask as InputImage, picture.image, deps.config.limits);
    files[mask.file] = mask.bytes;
    region = { kind: 'mask', mask: { file: mask.file } };
  }
  const request = paintRequest(deps, ctx, { prompt, image, region }, flags);
  // Both given: the boxes are redrawn and the job says the mask was not (unused-images.ts).
  const setAside = boxes && input.mask ? MASK_SET_ASIDE_META : {};
  return { kind: 'paint', request, files, meta: { paint: 'retouch', ...setAside } };
};
