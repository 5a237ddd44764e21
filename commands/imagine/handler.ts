// Text to image: the prompt's flags, then the options (which win), then the user's defaults. A line with options in
// braces (`a {red, blue} bird`) is one job per combination (the spec's `permutes`, job-command.ts).
// With an image, the prompt is drawn with the image as its subject (`fromImage`).
import type { StoredRequest } from '../../src/jobs/index.js';
import type { CommandContext, OptionLabel } from '../context.js';
import type { CommandDeps } from '../deps.js';
import { UserInputError } from '../errors.js';
import type { InputImage } from '../inputs.js';
import type { JobMaker, PreparedJob } from '../job-command.js';
import { DEFAULT_SIZE_CLASS } from '../limits.js';
import { EDIT_FLAGS, parseAspect, parsePrompt, sizeForAspect } from '../prompt.js';
import { IMAGE_AS_SUBJECT } from '../render.js';
import { definedOnly, sampling } from '../submit.js';
import {
  checkCacheSteps,
  checkText,
  type Files,
  imageCount,
  imagePrompt,
  keepImage,
  negativePrompt,
} from '../task-input.js';
import type { ImagineInput } from './spec.js';

export const imagine: JobMaker<ImagineInput> = async (deps, ctx, input, label) =>
  input.image
    ? fromImage(deps, ctx, input, input.image, label)
    : { kind: 'imagine', request: imagineRequest(deps, ctx, input), files: {} };

/**
 * An image and a description of what to draw: of the engine's image tasks only `subject_driven` ("according to
 * the text prompt and the given object image") reads the text as a scene rather than as an instruction to change
 * the picture (the `edit_*` types), a control map (`*_control`) or nothing at all (style transfer). It is the
 * /edit of that type, so every follow-up of its result works as on an /edit's. The output follows the image's
 * shape and image guidance has no negative branch: what would shape it otherwise is refused, not ignored.
 */
async function fromImage(
  deps: CommandDeps,
  ctx: CommandContext,
  input: ImagineInput,
  image: InputImage,
  label: OptionLabel,
): Promise<PreparedJob> {
  for (const option of ['aspect', 'size', 'no'] as const) {
    if (input[option] !== undefined)
      throw new UserInputError('errors.imagine.image_flag', { flag: label(option) });
  }
  const { prompt, flags } = subjectPrompt(deps, input.prompt, input.seed);
  flags.steps = input.steps ?? flags.steps;
  flags.cfg = input.cfg ?? flags.cfg;
  const files: Files = {};
  const stored = await keepImage(deps, files, image, 'input');
  const { steps, cfg, temperature, seed } = sampling(deps, ctx, flags);
  const request: StoredRequest = {
    task: 'image_to_image',
    editType: 'subject_driven',
    prompt,
    image: stored,
    ...definedOnly({ steps, cfg, temperature }),
    seed,
    ...imageCount(input.images ?? flags.images, temperature, ctx.settings.images),
  };
  return { kind: 'edit', request, files, meta: { [IMAGE_AS_SUBJECT]: true } };
}

/** The prompt and the flags an image job takes; a flag only a text-to-image has is named as not working here. */
function subjectPrompt(deps: CommandDeps, text: string, seed: number | undefined) {
  try {
    return imagePrompt(deps, text, seed, true, EDIT_FLAGS);
  } catch (error) {
    if (error instanceof UserInputError && error.key === 'errors.flag.not_here')
      throw new UserInputError('errors.imagine.image_flag', error.params);
    throw error;
  }
}

function imagineRequest(deps: CommandDeps, ctx: CommandContext, input: ImagineInput): StoredRequest {
  const { prompt, flags } = parsePrompt(input.prompt);
  const text = checkText(deps, prompt);
  // The options win over the prompt's flags: the aspect option over a typed `--size` too.
  if (input.aspect !== undefined) {
    flags.aspect = parseAspect(input.aspect, 'aspect');
    delete flags.size;
  }
  flags.steps = input.steps ?? flags.steps;
  flags.cfg = input.cfg ?? flags.cfg;
  flags.seed = input.seed ?? flags.seed;
  const count = imageCount(input.images ?? flags.images, flags.temperature, ctx.settings.images);
  const sizeClass = input.size ?? ctx.settings.size ?? DEFAULT_SIZE_CLASS;
  const aspect = flags.aspect ?? parseAspect(ctx.settings.aspect ?? '1:1');
  // A typed `--size` is exact, unless the size option asks for another class: then its shape at that class.
  const typed = flags.size;
  const { width, height } = typed
    ? input.size === undefined
      ? typed
      : sizeForAspect({ w: typed.width, h: typed.height }, input.size)
    : sizeForAspect(aspect, sizeClass);
  const request: StoredRequest = {
    task: 'text_to_image',
    prompt: text,
    width,
    height,
    ...sampling(deps, ctx, flags),
    ...(flags.cache !== undefined ? { cache: flags.cache } : {}),
    ...negativePrompt(input.no ?? flags.negative, flags.cfg, ctx.settings.negativePrompt),
    ...count,
  };
  checkCacheSteps(request);
  return request;
}
