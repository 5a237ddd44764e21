// Outpainting: the canvas grows by the zoom, toward the direction or to a square, and the new border is painted.
// The result stays within MAX_SIDE: a source too large for its growth is scaled down first (`fit.ts`).
import { WIDEST_EXTENDABLE_ASPECT } from '../../engine/index.js';
import { UserInputError } from '../errors.js';
import { acceptImage } from '../inputs.js';
import type { JobMaker } from '../job-command.js';
import { PAINT_FLAGS, type ParsedPrompt } from '../prompt.js';
import { paintRequest } from '../submit.js';
import { type Files, imagePrompt } from '../task-input.js';
import { fitOutpaint, scaledSource } from './fit.js';
import type { OutpaintInput } from './spec.js';

export const outpaint: JobMaker<OutpaintInput> = async (deps, ctx, input, label) => {
  const { prompt, flags } = outpaintPrompt(() =>
    imagePrompt(deps, input.prompt, input.seed, true, PAINT_FLAGS),
  );
  flags.images = input.images ?? flags.images;
  // Make square is the way back from a picture past the 8:1 every input is held to (older versions' pans made
  // such results): what it makes is squarer than its source, which may be as long as one outpaint can bring back.
  const anyShape = input.direction === 'square' ? WIDEST_EXTENDABLE_ASPECT : undefined;
  const source = await acceptImage(input.image, 'input', deps.config.limits, anyShape);
  // A refusal names the options as this user gave them: the flags of a typed line, a platform's own options.
  const shown = { zoom: label('zoom'), direction: label('direction') };
  const { region, scaledTo } = fitOutpaint(input.zoom, input.direction, source.image, shown);
  // The original bytes where they are placed as they came; else the scaled copy the job places.
  const files: Files = scaledTo
    ? { 'input.png': await scaledSource(source.image, scaledTo) }
    : { [source.file]: source.bytes };
  const image = { file: scaledTo ? 'input.png' : source.file };
  const request = paintRequest(deps, ctx, { prompt, image, region }, flags);
  return { kind: 'paint', request, files, meta: { paint: 'outpaint' } };
};

/**
 * The model paints the new border from a description of the whole picture, the source's part included: a missing
 * prompt is refused saying so, not with the bare "give a prompt" a user reads as asking for the new part alone.
 */
function outpaintPrompt(read: () => ParsedPrompt): ParsedPrompt {
  try {
    return read();
  } catch (error) {
    if (error instanceof UserInputError && error.key === 'errors.prompt_empty')
      throw new UserInputError('errors.outpaint.prompt_empty');
    throw error;
  }
}
