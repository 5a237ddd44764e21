// Inpainting: the region from boxes or a mask, redrawn to the prompt.
import type { StoredRequest } from '../../src/jobs/index.js';
import type { Operation } from '../context.js';
import { UserInputError } from '../errors.js';
import type { InputImage } from '../inputs.js';
import { PAINT_FLAGS } from '../prompt.js';
import { parseBoxes } from '../regions.js';
import { sampling, submit } from '../submit.js';
import { type Files, imagePrompt, keepImage, negativePrompt } from '../task-input.js';
import type { RetouchInput } from './spec.js';

type StoredPaintRegion = Extract<StoredRequest, { task: 'paint' }>['region'];

export const retouch: Operation<RetouchInput> = async (deps, ctx, input) => {
  const { prompt, flags } = imagePrompt(deps, input.prompt, input.seed, true, PAINT_FLAGS);
  const boxes = input.boxes?.trim() ? parseBoxes(input.boxes) : undefined;
  if (!boxes && !input.mask) throw new UserInputError('errors.retouch.region_missing');
  const files: Files = {};
  const image = await keepImage(deps, files, input.image, 'input');
  const region: StoredPaintRegion = boxes
    ? { kind: 'boxes', boxes }
    : {
        kind: 'mask', // Checked above: without boxes there is a mask.
        mask: await keepImage(deps, files, input.mask as InputImage, 'mask'),
      };
  const request: StoredRequest = {
    task: 'paint',
    prompt,
    image,
    region,
    ...sampling(deps, ctx, flags),
    ...negativePrompt(flags.negative),
  };
  return submit(deps, ctx, 'paint', request, files, { paint: 'retouch' });
};
