// Text to image: the prompt's flags, then the options (which win), then the user's defaults. A line with options in
// braces (`a {red, blue} bird`) is one job per combination (permutations.ts).
import type { StoredRequest } from '../../src/jobs/index.js';
import type { CommandContext, Operation } from '../context.js';
import type { CommandDeps } from '../deps.js';
import { UserInputError } from '../errors.js';
import { DEFAULT_SIZE_CLASS } from '../limits.js';
import { expandPermutations } from '../permutations.js';
import { parseAspect, parsePrompt, sizeForAspect } from '../prompt.js';
import type { Reply } from '../reply.js';
import { sampling, submit } from '../submit.js';
import { checkText, imageCount, negativePrompt } from '../task-input.js';
import type { ImagineInput } from './spec.js';

export const imagine: Operation<ImagineInput> = async (deps, ctx, input) => {
  const lines = expandPermutations(input.prompt);
  if (lines.length === 1)
    return submit(
      deps,
      ctx,
      'imagine',
      imagineRequest(deps, ctx, { ...input, prompt: lines[0] as string }),
      {},
    );
  // One seed for them all unless a line names its own: the images then differ where the braces did.
  const seed = deps.randomSeed();
  // Every line is checked before any is queued, so a mistake in one queues none.
  const requests = lines.map((prompt) => imagineRequest(deps, ctx, { ...input, prompt }, seed));
  const replies: Reply[] = [];
  for (const [i, request] of requests.entries()) {
    const meta = { permutation: { n: i + 1, of: lines.length, line: lines[i] } };
    const reply = submit(deps, ctx, 'imagine', request, {}, meta);
    replies.push(reply);
    // A refusal (the user's queue is full, the rate limit) would refuse the rest alike: it is said once.
    if (!reply.startsJob) break;
  }
  const [first, ...more] = replies as [Reply, ...Reply[]];
  return more.length > 0 ? { ...first, more } : first;
};

/** The request one /imagine line makes; `seed` stands in where neither the line nor an option names one. */
function imagineRequest(
  deps: CommandDeps,
  ctx: CommandContext,
  input: ImagineInput,
  seed?: number,
): StoredRequest {
  const { prompt, flags } = parsePrompt(input.prompt);
  const text = checkText(deps, prompt);
  if (input.aspect !== undefined) flags.aspect = parseAspect(input.aspect, 'aspect');
  flags.steps = input.steps ?? flags.steps;
  flags.cfg = input.cfg ?? flags.cfg;
  flags.seed = input.seed ?? flags.seed ?? seed;
  const count = imageCount(input.images ?? flags.images, flags.temperature, ctx.settings.images);
  if (flags.aspect && flags.size)
    throw new UserInputError('errors.flag.conflict', { a: '--ar', b: '--size' });
  const sizeClass = input.size ?? ctx.settings.size ?? DEFAULT_SIZE_CLASS;
  const aspect = flags.aspect ?? parseAspect(ctx.settings.aspect ?? '1:1');
  const { width, height } = flags.size ?? sizeForAspect(aspect, sizeClass);
  return {
    task: 'text_to_image',
    prompt: text,
    width,
    height,
    ...sampling(deps, ctx, flags),
    ...(flags.cache !== undefined ? { cache: flags.cache } : {}),
    ...negativePrompt(input.no ?? flags.negative, flags.cfg, ctx.settings.negativePrompt),
    ...count,
  };
}
