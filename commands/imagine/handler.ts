// Text to image: the prompt's flags, then the options (which win), then the user's defaults. A line with options in
// braces (`a {red, blue} bird`) is one job per combination (the spec's `permutes`, job-command.ts).
import type { StoredRequest } from '../../src/jobs/index.js';
import type { CommandContext } from '../context.js';
import type { CommandDeps } from '../deps.js';
import type { JobMaker } from '../job-command.js';
import { DEFAULT_SIZE_CLASS } from '../limits.js';
import { parseAspect, parsePrompt, sizeForAspect } from '../prompt.js';
import { sampling } from '../submit.js';
import { checkCacheSteps, checkText, imageCount, negativePrompt } from '../task-input.js';
import type { ImagineInput } from './spec.js';

export const imagine: JobMaker<ImagineInput> = async (deps, ctx, input) => ({
  kind: 'imagine',
  request: imagineRequest(deps, ctx, input),
  files: {},
});

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
