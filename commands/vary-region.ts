// Midjourney's Vary (Region): a part of a result redrawn, the rest kept. The button asks for a line, the result's
// prompt with `--box center` to change (a region's name, `top-left`, or `x,y,w,h` fractions; Discord: a modal,
// Telegram: a question to reply to), and the answer runs the user's own /retouch on the result. The playground
// opens its mask editor on the result instead, where the region is drawn.
import type { Operation } from './context.js';
import type { CommandDeps } from './deps.js';
import { UserInputError } from './errors.js';
import { fromJob, keepingResultPrompt, keptSampling, typedNegative } from './follow-ups.js';
import { literalBraces } from './permutations.js';
import { checkLineLength } from './prompt.js';
import { isBlank } from './quoted-text.js';
import type { ReplyAsk } from './reply.js';
import { retouchSpec } from './retouch/spec.js';
import { runCommand } from './run-text.js';
import { imageJob, isRemakeable, resultBytes } from './stored-jobs.js';
import { asGrammarWords, parseArgs } from './text-grammar.js';

/** Where the offered line redraws until the user says otherwise. */
export const DEFAULT_REGION = 'center';

/**
 * The question: the result's prompt and negative prompt, and the region. An /edit's result has none: its
 * instruction describes a change, not the picture.
 */
export function regionAsk(store: CommandDeps['store'], jobId: string): ReplyAsk {
  const { request } = retouchable(store, jobId).job;
  if (!isRemakeable(request)) throw new UserInputError('errors.button.not_available');
  const negative = typedNegative(request);
  const line = [
    asGrammarWords(retouchSpec, literalBraces(request.prompt)),
    // Its steps and other settings kept, and a result drawn with ML-Cache retouched with it, as its other
    // follow-ups are.
    ...keptSampling(request, 'paint'),
    request.cache && '--cache',
    negative && `--no ${literalBraces(negative)}`,
    `--box ${DEFAULT_REGION}`,
  ];
  return {
    kind: 'region_line',
    jobId,
    titleKey: 'ask.region.title',
    labelKey: 'ask.region.label',
    value: line.filter(Boolean).join(' '),
  };
}

/**
 * The answer: the line read as a /retouch's (`--box`, flags, prompt) over the settings the form offered (those it
 * does not type are the result's), run on the result's lossless PNG. Without a `--box` it is refused, saying how
 * to give one: a region redrawn is the user's choice, not the offered center's.
 */
export const retouchResult: Operation<{ jobId: string; line: string }> = async (
  deps,
  ctx,
  { jobId, line },
) => {
  if (isBlank(line)) throw new UserInputError('errors.prompt_empty');
  const { job, png } = retouchable(deps.store, jobId);
  const { options, labels } = parseArgs(retouchSpec, checkLineLength(line));
  // `--box top-left` alone moves the region and keeps the result's prompt, as a factor alone does for Custom zoom.
  const typed = typeof options.prompt === 'string' ? options.prompt : '';
  return runCommand(deps, fromJob(ctx, jobId), {
    name: 'retouch',
    options: { ...options, prompt: keepingResultPrompt(job.request, typed, ctx.settings.options) },
    images: { image: { data: png } },
    labels,
  });
};

/** A finished single image and its PNG: a grid's tiled picture is no picture to retouch (one of its images is). */
function retouchable(store: CommandDeps['store'], jobId: string) {
  const job = imageJob(store, jobId);
  if (job.result?.candidates) throw new UserInputError('errors.grid.pick_first');
  return { job, png: resultBytes(store, jobId) };
}
