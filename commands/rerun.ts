// A result made again with changes: a reply of `..` or flags (ausbitbank's re-run: what it names changes, the rest
// and the seed stay), and Remix (Midjourney's: the whole line, every setting spelled out, changed and run as typed).
// An /imagine is typed back and run as the user's own /imagine; a /retouch or /outpaint keeps its picture and region
// and takes the new prompt and flags through the same checks.
import type { StoredRequest } from '../src/jobs/index.js';
import type { CommandContext, Operation } from './context.js';
import { expandCustomOptions, withoutCustomOptions } from './custom-options.js';
import type { CommandDeps } from './deps.js';
import { UserInputError } from './errors.js';
import { withoutMarksAtFlags } from './flag-marks.js';
import { describeResult, editResult, fromJob, typedNegative } from './follow-ups.js';
import { queueJobs } from './job-command.js';
import { DEFAULT_STEPS } from './job-context.js';
import { refitIfGrown } from './outpaint/fit.js';
import { outpaintSpec } from './outpaint/spec.js';
import { literalBraces } from './permutations.js';
import { checkLineLength, isPromptFlag, PAINT_FLAGS, parsePrompt, sizeForAspect } from './prompt.js';
import { isQuestion } from './question.js';
import { isBlank } from './quoted-text.js';
import { refuseRegionWords } from './region-words.js';
import { type Reply, textReply } from './reply.js';
import { retouchSpec } from './retouch/spec.js';
import { runCommand, runText, typedLine } from './run-text.js';
import { imageSlots } from './spec.js';
import {
  imageJob,
  inputFiles,
  isRemakeable,
  jobOf,
  type RemakeableRequest,
  resultBytes,
} from './stored-jobs.js';
import { definedOnly } from './submit.js';
import { checkCacheSteps, imageCount, imagePrompt, negativePrompt } from './task-input.js';
import { asGrammarWords } from './text-grammar.js';
import { asFlagToken, TYPED_DASHES_SOURCE } from './typed-dashes.js';

type ImagineRequest = Extract<StoredRequest, { task: 'text_to_image' }>;
type PaintRequest = Extract<StoredRequest, { task: 'paint' }>;

/**
 * A text reply to one of our results: `..` or flags first make it again with those changes, a typed command runs
 * (on the stored PNG where it requires an image), a question describes it, anything else edits it (from the stored
 * PNG); a grid is made again only (an image of it is picked first).
 */
export const replyToResult: Operation<{ jobId: string; text: string }> = async (
  deps,
  ctx,
  { jobId, text },
) => {
  const trimmed = withoutMarksAtFlags(text, isPromptFlag).trim();
  if (isRerunLine(trimmed))
    return madeAgain(deps, ctx, { jobId, changes: checkLineLength(trimmed).replace(/^\.\./, '') });
  const typed = typedLine(deps, trimmed);
  // A command typed in the reply runs as typed; the result is its image only where an image is required: a fresh
  // /imagine under an earlier picture draws anew (spec.ts `imageSlots`).
  if (typed && !imageSlots(typed.spec).replied)
    return (await runText(deps, ctx, { text: typed.line })) ?? textReply('errors.generic');
  // An edit or a question is about one picture, not the grid's four.
  if (jobOf(deps.store, jobId).result?.candidates) throw new UserInputError('errors.grid.pick_first');
  if (typed) {
    const images = [{ data: resultBytes(deps.store, jobId) }];
    return (
      (await runText(deps, fromJob(ctx, jobId), { text: typed.line, images })) ?? textReply('errors.generic')
    );
  }
  return isQuestion(text)
    ? describeResult(deps, ctx, { jobId, question: text })
    : editResult(deps, ctx, { jobId, instruction: text });
};

/**
 * `..` (ausbitbank's re-run; not an ellipsis) or a flag (`--ar`, a phone's `—ar`, an input method's `ーーａｒ`)
 * opening a reply.
 */
const CHANGES = new RegExp(String.raw`^(?:\.\.(?!\.)|--|${TYPED_DASHES_SOURCE})`, 'i');

export function isRerunLine(text: string): boolean {
  return CHANGES.test(withoutMarksAtFlags(text, isPromptFlag).trim());
}

/**
 * A `..` line where no message can be replied to (the playground): the user's latest finished /imagine, made again
 * with the changes.
 */
export const imagineLatestAgain: Operation<string> = async (deps, ctx, line) => {
  const latest = deps.store
    .recentOf(ctx.user, 50)
    .find(
      (job) => job.status === 'done' && job.request.task === 'text_to_image' && job.meta.deleted !== true,
    );
  if (!latest) return textReply('errors.rerun.no_result');
  return replyToResult(deps, ctx, { jobId: latest.id, text: line });
};

/**
 * A result once more, changed by a reply: `.. --ar 16:9 --steps 32` keeps the prompt, `.. a red fox` the flags.
 * The seed is kept unless given, so what changed is the only difference (Re-roll gives a new one); `--ar` keeps
 * the area; `--cfg 0` drops the negative prompt it could no longer steer by. A bare `..` changes nothing: with the
 * seed kept it would draw the identical image, so it takes a new seed, as Re-roll does, even where the original
 * named one (`--seed 42`): that image is already there, and `.. --seed 42` draws it again.
 */
export const madeAgain: Operation<{ jobId: string; changes: string }> = (deps, ctx, input) =>
  refusingRegionWords(input.changes, () => changedAgain(deps, ctx, input));

const changedAgain: Operation<{ jobId: string; changes: string }> = async (deps, ctx, input) => {
  const kept = rerunnable(deps.store, input.jobId);
  const old = isBlank(input.changes) ? { ...kept, seed: deps.randomSeed() } : kept;
  const changes = changesWithOptions(ctx, input.changes, old.prompt);
  if (old.task === 'paint') return paintAgain(deps, ctx, input.jobId, old, changes, 'merge');
  const { prompt, flags } = parsePrompt(changes);
  const size =
    flags.size ??
    (flags.aspect
      ? sizeForAspect(flags.aspect, Math.sqrt(old.width * old.height))
      : { width: old.width, height: old.height });
  const cfg = flags.cfg ?? old.cfg;
  const line = promptLine(ctx, {
    // The new prompt as typed (its braces are permutations); the old one as it ran.
    prompt: isBlank(prompt) ? literalBraces(old.prompt) : prompt,
    ...size,
    seed: flags.seed ?? old.seed,
    // Spelled out: left out, the user's current default would take the place of the engine's the job ran with.
    steps: flags.steps ?? old.steps ?? DEFAULT_STEPS.text_to_image,
    cfg,
    temperature: flags.temperature ?? old.temperature,
    cache: flags.cache ?? old.cache,
    count: flags.images ?? old.count ?? 1,
    // An asked-for negative prompt with --cfg 0 is refused by /imagine.
    negativePrompt:
      flags.negative ?? (cfg === 0 || !old.negativePrompt ? undefined : literalBraces(old.negativePrompt)),
  });
  return runCommand(deps, fromJob(ctx, input.jobId), { name: 'imagine', options: { prompt: line } });
};

/**
 * A `..` line with the user's custom options put in (`--cine`). Their flags are changes like any typed; their words
 * join the kept prompt when the user typed no words of their own (`.. --cine` keeps the picture's subject).
 */
function changesWithOptions(ctx: CommandContext, changes: string, oldPrompt: string): string {
  const expanded = expandCustomOptions(changes, ctx.settings.options);
  if (expanded === changes) return changes;
  try {
    const own = parsePrompt(withoutCustomOptions(changes, ctx.settings.options)).prompt;
    const added = parsePrompt(expanded).prompt;
    if (own || !added) return expanded;
    // A prompt made with the option already ends with its words: they are not added twice.
    const base =
      oldPrompt === added
        ? ''
        : oldPrompt.endsWith(` ${added}`)
          ? oldPrompt.slice(0, -added.length - 1)
          : oldPrompt;
    return [literalBraces(base), expanded].filter(Boolean).join(' ');
  } catch {
    // A mistake in the line is refused where the line is read, with its own message.
    return expanded;
  }
}

/** The answer to Remix: the changed line is the new job, as typed (a flag taken out is gone). */
export const remixResult: Operation<{ jobId: string; line: string }> = async (deps, ctx, input) =>
  refusingRegionWords(checkLineLength(input.line), async () => {
    const typed = withoutMarksAtFlags(input.line, isPromptFlag);
    const old = rerunnable(deps.store, input.jobId);
    if (old.task === 'paint') return paintAgain(deps, ctx, input.jobId, old, typed, 'replace');
    const line = withoutOfferedSize(ctx, typed, old);
    return runCommand(deps, fromJob(ctx, input.jobId), { name: 'imagine', options: { prompt: line } });
  });

/**
 * The command a Remix of the job makes again, as a user would type it: an /imagine's, or the /retouch or /outpaint
 * that painted it. A Vary or an Upscale is no command a user types.
 */
export function remixCommandOf(store: CommandDeps['store'], jobId: string): string | undefined {
  const job = imageJob(store, jobId);
  if (job.request.task === 'text_to_image') return 'imagine';
  const paint = job.meta.paint;
  return paint === 'retouch' || paint === 'outpaint' ? paint : undefined;
}

/**
 * A `..` reply and Remix make the job again on its picture and region, with a changed prompt and flags: an
 * /outpaint's or /retouch's own word typed there (`.. --zoom 2`, a phone's `—zoom 2`) is no unknown flag but a change
 * they do not make, refused with a pointer to what does (`region-words.ts`).
 */
async function refusingRegionWords(line: string, work: () => Promise<Reply>): Promise<Reply> {
  refuseRegionWords(line);
  return work();
}

/** `--ar` or `--aspect` with its value, in any typed form (`—ar`, `ーーａｒ＝１６：９`). */
const ASPECT_FLAG = /^--(?:ar|aspect)(?:[=＝]|$)/i;

/**
 * A Remix line spells out the job's `--size`; an `--ar` typed anywhere in it (or brought by a custom option) says the
 * shape the user wants, so that `--size`, left as offered, gives way. A `--size` the user changed stays, and then the
 * later of the two wins as in any line.
 */
function withoutOfferedSize(
  ctx: CommandContext,
  line: string,
  old: { width: number; height: number },
): string {
  const tokens = expandCustomOptions(line, ctx.settings.options).split(/\s+/);
  if (!tokens.some((token) => ASPECT_FLAG.test(asFlagToken(token)))) return line;
  const offered = new RegExp(`(^|\\s)(?:--|[—–])size(?:=|\\s+)${old.width}[x×*]${old.height}(?=\\s|$)`, 'i');
  return line.replace(offered, '$1').replace(/\s+/g, ' ').trim();
}

/** A result's prompt line, every setting spelled out, for Remix to offer. */
export function remixLineOf(store: CommandDeps['store'], ctx: CommandContext, jobId: string): string {
  return remakeLineOf(ctx, rerunnable(store, jobId));
}

/** A remakeable request as its line, every setting spelled out (Remix's, and the history's typed line). */
export function remakeLineOf(ctx: CommandContext, request: RemakeableRequest): string {
  // An /imagine's steps spelled out as in `madeAgain`; a paint job made again takes no user default.
  // The line's braces are permutations when it runs: the job's own braces stay literal.
  // A stored prompt's words that a re-run, or the /outpaint or /retouch line the history shows, reads as those
  // commands' own (`—zoom 2`, kept as words by /imagine) lose their dashes: sent back unchanged, the line is taken.
  const texts = {
    prompt: asGrammarWords(outpaintSpec, asGrammarWords(retouchSpec, literalBraces(request.prompt))),
    ...(request.negativePrompt ? { negativePrompt: literalBraces(request.negativePrompt) } : {}),
  };
  return promptLine(
    ctx,
    request.task === 'text_to_image'
      ? {
          ...request,
          ...texts,
          steps: request.steps ?? DEFAULT_STEPS.text_to_image,
          count: request.count ?? 1,
        }
      : { ...request, ...texts, count: request.count ?? 1 },
  );
}

/** The request of a job that can be made again with changes (`isRemakeable`). */
function rerunnable(store: CommandDeps['store'], jobId: string): RemakeableRequest {
  const request = imageJob(store, jobId).request;
  if (isRemakeable(request)) return request;
  throw new UserInputError('errors.rerun.imagine_only');
}

/**
 * A /retouch or /outpaint again on the same picture and region. `merge` (a `..` reply) keeps what the text does not
 * name, the seed too; `replace` (Remix) takes the text as the whole line, with the user's default negative prompt
 * where it names none, as a new /retouch would.
 */
async function paintAgain(
  deps: CommandDeps,
  ctx: CommandContext,
  jobId: string,
  old: PaintRequest,
  text: string,
  mode: 'merge' | 'replace',
): Promise<Reply> {
  const job = imageJob(deps.store, jobId);
  // Once for all the lines below: an old outpaint that would grow past MAX_SIDE has its source scaled down.
  const { request: fitted, files } = await refitIfGrown(
    old,
    inputFiles(deps.store, job),
    deps.config.limits.maxInputPixels,
  );
  // The text's braces are permutations, as in a new /retouch: one job per line, each on the same picture.
  return queueJobs(deps, ctx, { text }, 'text', async (lineDeps, _ctx, { text: line }) => ({
    kind: job.kind,
    request: paintRequestAgain(lineDeps, ctx, fitted, line, mode),
    files: { ...files },
    meta: { origin: job.id, paint: job.meta.paint },
  }));
}

function paintRequestAgain(
  deps: CommandDeps,
  ctx: CommandContext,
  old: PaintRequest,
  text: string,
  mode: 'merge' | 'replace',
): PaintRequest {
  const { prompt, flags } = imagePrompt(deps, text, undefined, false, PAINT_FLAGS);
  const kept = mode === 'merge' ? old : undefined;
  const cfg = flags.cfg ?? kept?.cfg;
  const negative = flags.negative ?? (cfg === 0 ? undefined : kept?.negativePrompt);
  const { task, image, region } = old;
  const request: PaintRequest = {
    task,
    image,
    region,
    prompt: prompt || old.prompt,
    seed: flags.seed ?? kept?.seed ?? deps.randomSeed(),
    ...definedOnly({
      steps: flags.steps ?? kept?.steps,
      cfg,
      temperature: flags.temperature ?? kept?.temperature,
      cache: flags.cache ?? kept?.cache,
    }),
    ...negativePrompt(negative, cfg, mode === 'replace' ? ctx.settings.negativePrompt : undefined),
    ...imageCount(
      flags.images ?? kept?.count,
      flags.temperature ?? kept?.temperature,
      mode === 'replace' ? ctx.settings.images : undefined,
    ),
  };
  checkCacheSteps(request);
  return request;
}

/**
 * A request typed as the line that makes it again: `--size` (an /imagine's) and `--seed` always, and `--no none`
 * for a job without a negative prompt (`--n 1` for one image) where the user's default would otherwise add one.
 */
function promptLine(
  ctx: CommandContext,
  r: {
    prompt: string;
    width?: number;
    height?: number;
    seed?: number;
    steps?: number;
    cfg?: number;
    temperature?: number;
    /** On or off (the commands set no ML-Cache options of their own). */
    cache?: ImagineRequest['cache'];
    /** How many images (a grid when more than one). */
    count?: number;
    negativePrompt?: string;
  },
): string {
  const negative = typedNegative(r) ?? (ctx.settings.negativePrompt && r.cfg !== 0 ? 'none' : undefined);
  return [
    r.prompt,
    ...(r.width !== undefined && r.height !== undefined ? [`--size ${r.width}x${r.height}`] : []),
    // Spelled out where the user's default would change it, as the steps are.
    ...(r.count !== undefined && (r.count > 1 || (ctx.settings.images ?? 1) > 1) ? [`--n ${r.count}`] : []),
    ...(r.seed !== undefined ? [`--seed ${r.seed}`] : []),
    ...(r.steps !== undefined ? [`--steps ${r.steps}`] : []),
    ...(r.cfg !== undefined ? [`--cfg ${r.cfg}`] : []),
    ...(r.temperature !== undefined ? [`--temperature ${r.temperature}`] : []),
    ...(r.cache !== undefined ? [r.cache === false ? '--no-cache' : '--cache'] : []),
    // Last: `--no` takes every word up to the next flag.
    ...(negative ? [`--no ${negative}`] : []),
  ].join(' ');
}
