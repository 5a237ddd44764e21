// Outpainting: the canvas grows by the zoom or toward the direction, and the new border is painted.
import type { StoredRequest } from '../../src/jobs/index.js';
import type { Operation } from '../context.js';
import { PAINT_FLAGS } from '../prompt.js';
import { extensionOf } from '../regions.js';
import { sampling, submit } from '../submit.js';
import { type Files, imagePrompt, keepImage, negativePrompt } from '../task-input.js';
import type { OutpaintInput } from './spec.js';

export const outpaint: Operation<OutpaintInput> = async (deps, ctx, input) => {
  const { prompt, flags } = imagePrompt(deps, input.prompt, input.seed, true, PAINT_FLAGS);
  const region = extensionOf(input.zoom, input.direction);
  const files: Files = {};
  const image = await keepImage(deps, files, input.image, 'input');
  const request: StoredRequest = {
    task: 'paint',
    prompt,
    image,
    region,
    ...sampling(deps, ctx, flags),
    ...negativePrompt(flags.negative),
  };
  return submit(deps, ctx, 'paint', request, files, { paint: 'outpaint' });
};
