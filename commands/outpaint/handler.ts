// Outpainting: the canvas grows by the zoom, toward the direction or to a square, and the new border is painted.
import type { JobMaker } from '../job-command.js';
import { PAINT_FLAGS } from '../prompt.js';
import { extensionOf } from '../regions.js';
import { paintRequest } from '../submit.js';
import { type Files, imagePrompt, keepSizedImage } from '../task-input.js';
import type { OutpaintInput } from './spec.js';

export const outpaint: JobMaker<OutpaintInput> = async (deps, ctx, input, label) => {
  const { prompt, flags } = imagePrompt(deps, input.prompt, input.seed, true, PAINT_FLAGS);
  flags.images = input.images ?? flags.images;
  const files: Files = {};
  const { stored: image, ...size } = await keepSizedImage(deps, files, input.image, 'input');
  // A refusal names the options as this user gave them: the flags of a typed line, a platform's own options.
  const shown = { zoom: label('zoom'), direction: label('direction') };
  const region = extensionOf(input.zoom, input.direction, size, shown);
  const request = paintRequest(deps, ctx, { prompt, image, region }, flags);
  return { kind: 'paint', request, files, meta: { paint: 'outpaint' } };
};
