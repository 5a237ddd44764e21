// Text to image: the prompt's flags, then the options (which win), then the user's defaults.
import type { StoredRequest } from '../../src/jobs/index.js';
import type { Operation } from '../context.js';
import { UserInputError } from '../errors.js';
import { DEFAULT_SIZE_CLASS } from '../limits.js';
import { parseAspect, parsePrompt, sizeForAspect } from '../prompt.js';
import { sampling, submit } from '../submit.js';
import { checkText, negativePrompt } from '../task-input.js';
import type { ImagineInput } from './spec.js';

export const imagine: Operation<ImagineInput> = async (deps, ctx, input) => {
  const { prompt, flags } = parsePrompt(input.prompt);
  const text = checkText(deps, prompt);
  if (input.aspect !== undefined) flags.aspect = parseAspect(input.aspect, 'aspect');
  flags.steps = input.steps ?? flags.steps;
  flags.cfg = input.cfg ?? flags.cfg;
  flags.seed = input.seed ?? flags.seed;
  // At temperature 0 every seed draws the same image: an asked-for grid is refused, the user's default left out.
  const asked = input.images ?? flags.images;
  if (asked !== undefined && asked > 1 && flags.temperature === 0)
    throw new UserInputError('errors.flag.conflict', { a: '--n', b: '--temperature 0' });
  const images = asked ?? (flags.temperature === 0 ? 1 : (ctx.settings.images ?? 1));
  if (flags.aspect && flags.size)
    throw new UserInputError('errors.flag.conflict', { a: '--ar', b: '--size' });
  const sizeClass = input.size ?? ctx.settings.size ?? DEFAULT_SIZE_CLASS;
  const aspect = flags.aspect ?? parseAspect(ctx.settings.aspect ?? '1:1');
  const { width, height } = flags.size ?? sizeForAspect(aspect, sizeClass);
  const request: StoredRequest = {
    task: 'text_to_image',
    prompt: text,
    width,
    height,
    ...sampling(deps, ctx, flags),
    ...(flags.cache !== undefined ? { cache: flags.cache } : {}),
    ...negativePrompt(input.no ?? flags.negative, flags.cfg, ctx.settings.negativePrompt),
    ...(images > 1 ? { count: images } : {}),
  };
  return submit(deps, ctx, 'imagine', request, {});
};
