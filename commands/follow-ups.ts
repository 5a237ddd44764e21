// Operations on a job the user already has (its buttons, a reply to its result): run it again with a new seed,
// edit / describe / zoom out / pan its result, or fetch the lossless file. Those that make a new job from the result
// run the same command (and validation) as a user's own /edit, /describe or /outpaint. Making a result again with
// changes (a `..` reply, Remix) is `rerun.ts`; its variations are `vary.ts`, a grid's images `grid.ts`.
import { readImageHeader } from '../engine/index.js';
import type { StoredRequest } from '../src/jobs/index.js';
import type { CommandContext, Operation } from './context.js';
import { type CustomOptions, expandCustomOptions } from './custom-options.js';
import type { CommandDeps } from './deps.js';
import { UserInputError } from './errors.js';
import { LIMITS, MAX_PROMPT_CHARS } from './limits.js';
import { refitIfGrown } from './outpaint/fit.js';
import { type Direction, outpaintSpec, type Zoom } from './outpaint/spec.js';
import { literalBraces } from './permutations.js';
import {
  checkLineLength,
  nearestAspect,
  type PromptFlags,
  parsePrompt,
  withoutFlagDashes,
} from './prompt.js';
import { isBlank } from './quoted-text.js';
import type { Reply } from './reply.js';
import { runCommand } from './run-text.js';
import {
  drawsAlike,
  type ImageJob,
  imageJob,
  inputFiles,
  isRemakeable,
  jobOf,
  lostResult,
  resultBytes,
} from './stored-jobs.js';
import { submit } from './submit.js';
import { asGrammarWords, parseArgs, parseTextCommand } from './text-grammar.js';

/**
 * The same request again with a new seed; inputs are copied from the original job. An outpaint stored before
 * results were kept within MAX_SIDE is scaled to fit first, as `..` and Remix do (rerun.ts).
 */
export const reroll: Operation<string> = async (deps, ctx, jobId) => {
  const job = imageJob(deps.store, jobId);
  // Its button is not offered then; pressed on an older message, a job that would draw the same picture is not run.
  if (drawsAlike(job.request)) throw new UserInputError('errors.reroll.same_picture');
  const { request, files } = await refitIfGrown(
    { ...job.request, seed: deps.randomSeed() } as StoredRequest,
    inputFiles(deps.store, job),
    deps.config.limits.maxInputPixels,
  );
  return submit(deps, ctx, job.kind, request, files, { origin: job.id, paint: job.meta.paint });
};

/**
 * An edit of a finished job's result (the Edit button's modal or reply answer), with the result's sampling settings
 * typed first, so that flags of the instruction's own win.
 */
export const editResult: Operation<{ jobId: string; instruction: string }> = async (deps, ctx, input) => {
  const kept = keptSampling(imageJob(deps.store, input.jobId).request, 'image_to_image');
  try {
    return await runCommand(deps, fromJob(ctx, input.jobId), {
      name: 'edit',
      options: { instruction: [...kept, input.instruction].join(' ') },
      images: { image: { data: resultBytes(deps.store, input.jobId) } },
    });
  } catch (error) {
    // The Edit button asked for an instruction, not a prompt: a blank answer (or flags alone) is refused in its words.
    if (error instanceof UserInputError && error.key === 'errors.prompt_empty')
      throw new UserInputError('errors.edit.instruction_empty');
    throw error;
  }
};

/**
 * A button's answer without the name of the command it runs typed first (`/imagine a fox`, `/draw …`, Telegram's
 * `/imagine@bot …`, read as a typed command is): users type the command into the answer, and its name is no word of
 * the prompt. Another command's name stays, as words: no answer runs it, and no message says so yet. So does ours
 * addressed to a bot not known to be this one (`/imagine@otherbot`, or any `@name` where the platform told no
 * `botUsername`): a name meant for another bot is no name of ours to drop.
 */
export function withoutCommandName(
  deps: CommandDeps,
  line: string,
  runs: string | undefined,
  botUsername?: string,
): string {
  if (runs === undefined) return line;
  const typed = parseTextCommand(deps.registry.specs, line, botUsername);
  // parseTextCommand takes any `@name` where no username is known to compare it with.
  const ours = botUsername !== undefined || !ADDRESSED.test(line.trim());
  return typed?.name === runs && ours ? typed.args : line;
}

const ADDRESSED = /^\/[a-z0-9_]+@/i;

/**
 * The flags that keep a result's sampling settings in a follow-up drawn by another task (Midjourney's follow-ups
 * keep the source's settings: a 4-step sketch zoomed out should not take 64 steps). Steps and temperature mean the
 * same in every task; a guidance scale only between tasks that guide alike (an edit's text guidance is weighed
 * against its image guidance, a prompt's is not).
 */
export function keptSampling(
  request: ImageJob['request'],
  target: 'paint' | 'image_to_image',
  typed: PromptFlags = {},
): string[] {
  const sameGuidance = target === 'paint' ? isRemakeable(request) : request.task === 'image_to_image';
  return [
    ...(request.steps !== undefined && typed.steps === undefined ? [`--steps ${request.steps}`] : []),
    ...(sameGuidance && request.cfg !== undefined && typed.cfg === undefined ? [`--cfg ${request.cfg}`] : []),
    ...(request.temperature !== undefined && typed.temperature === undefined
      ? [`--temperature ${request.temperature}`]
      : []),
  ];
}

export const describeResult: Operation<{ jobId: string; question?: string }> = async (deps, ctx, input) =>
  runCommand(deps, fromJob(ctx, input.jobId), {
    name: 'describe',
    options: { question: input.question },
    images: { image: { data: resultBytes(deps.store, input.jobId) } },
  });

/** The context of a job made from another job's result: the new job remembers its origin (shown as its parent). */
export function fromJob(ctx: CommandContext, jobId: string): CommandContext {
  return { ...ctx, meta: { ...ctx.meta, origin: jobId } };
}

/** Zoom out (×1.5 or ×2) around a finished result, with its prompt and what it was to leave out. */
export function zoomOut(zoom: Zoom): Operation<string> {
  return async (deps, ctx, jobId) => extendResult(deps, ctx, jobId, { zoom });
}

/**
 * Pan a finished result: the canvas grows toward one side (Midjourney's arrows), or its short sides grow until it
 * is square (Make Square); the rest as Zoom out.
 */
export function pan(direction: Direction): Operation<string> {
  return async (deps, ctx, jobId) => extendResult(deps, ctx, jobId, { direction });
}

/** A finished result outpainted by the user's own /outpaint, typed back from its prompt and negative prompt. */
async function extendResult(
  deps: CommandDeps,
  ctx: CommandContext,
  jobId: string,
  growth: { zoom: Zoom } | { direction: Direction },
): Promise<Reply> {
  return outpaintResult(deps, ctx, jobId, { prompt: outpaintLineOf(deps.store, jobId), ...growth });
}

/**
 * A result's prompt and negative prompt as an /outpaint line (`.` where it had no prompt), with its sampling
 * settings (`keptSampling`) and `--cache` where it was drawn with ML-Cache; their braces stay text, as /outpaint
 * reads braces as permutations.
 */
function outpaintLineOf(store: CommandDeps['store'], jobId: string): string {
  const { request } = imageJob(store, jobId);
  return [resultPrompt(request), ...keptFlags(request)].join(' ');
}

function resultPrompt(request: ImageJob['request']): string {
  return ('prompt' in request ? literalBraces(request.prompt) : '') || '.';
}

/**
 * A result's settings as flags, less those a typed line sets itself: they come after it, where a flag would win. A
 * typed `--no` says what to leave out now, so the result's is not joined to it; with `--cfg 0` typed there is no
 * guidance for it to steer by (as a `..` reply drops it).
 */
function keptFlags(request: ImageJob['request'], typed: PromptFlags = {}): string[] {
  const cache = 'cache' in request && request.cache && typed.cache === undefined ? '--cache' : '';
  const negative = typed.negative === undefined && typed.cfg !== 0 ? typedNegative(request) : undefined;
  return [
    ...keptSampling(request, 'paint', typed),
    cache,
    // Last: `--no` takes every word up to the next flag.
    negative ? `--no ${literalBraces(negative)}` : '',
  ].filter(Boolean);
}

function outpaintResult(
  deps: CommandDeps,
  ctx: CommandContext,
  jobId: string,
  options: Record<string, unknown> & { prompt: string },
  labels?: Readonly<Record<string, string>>,
): Promise<Reply> {
  return runCommand(deps, fromJob(ctx, jobId), {
    name: 'outpaint',
    options,
    images: { image: { data: resultBytes(deps.store, jobId) } },
    labels,
  });
}

/** Custom zoom (Midjourney's): the line it offers, the result's prompt with the largest zoom to change. */
export function zoomLineOf(store: CommandDeps['store'], jobId: string): string {
  return `${asGrammarWords(outpaintSpec, outpaintLineOf(store, jobId))} --zoom ${LIMITS.zoom.max}`;
}

/**
 * The answer to Custom zoom: the changed line read as an /outpaint's (`--zoom 1.3`, `1.3x`, or a pan), around the
 * result; its options are validated as the command's, and a refusal names them as typed (`--zoom`). A blank answer
 * is refused as Remix's is. The answer is read over what the form showed: the settings it does not type are the
 * result's (`keptFlags`; a new seed; a typed `--no` replaces the result's), and without a zoom or pan it zooms by the
 * offered `--zoom`, so `abc` typed over the whole line runs as shown with a new prompt. One without prompt words
 * (`1.5x`, a lone `1.8`, `--steps 8`: the offered prompt deleted, or a Telegram reply typed afresh) zooms the result's
 * prompt, as the Zoom out buttons do. A setting is dropped by typing another value (`--no none`, `--no-cache`).
 */
export const customZoom: Operation<{ jobId: string; line: string }> = async (deps, ctx, { jobId, line }) => {
  if (isBlank(line)) throw new UserInputError('errors.prompt_empty');
  const { options, labels } = parseArgs(outpaintSpec, asZoomFlag(checkLineLength(line)));
  const typed = typeof options.prompt === 'string' ? options.prompt : '';
  const prompt = keepingResultPrompt(imageJob(deps.store, jobId).request, typed, ctx.settings.options);
  const offered =
    options.zoom === undefined && options.direction === undefined ? { zoom: LIMITS.zoom.max } : {};
  return outpaintResult(deps, ctx, jobId, { ...offered, ...options, prompt }, labels);
};

/**
 * An answer's prompt line (Custom zoom, Vary (Region)) read over the line its form offered: the result's settings
 * it does not type join it (`keptFlags`), and with no words of a prompt, the result's prompt too, as Zoom out keeps
 * them. One its flags make unreadable goes as typed: the command refuses it, naming the flag.
 */
export function keepingResultPrompt(
  request: ImageJob['request'],
  typedLine: string,
  custom: CustomOptions | undefined,
): string {
  const typed = typedLine.trim();
  const read = readTyped(typed, custom);
  if (!read) return typed;
  return [read.named ? '' : resultPrompt(request), typed, ...keptFlags(request, read.flags)]
    .filter(Boolean)
    .join(' ');
}

/**
 * A number alone, as the form asks for (`2`, an input method's `１．８`), with a decimal comma as de/fr/es/pt-BR/ru
 * write it (`1,5`), or no leading digit (`.5`).
 */
const LONE_NUMBER = /^(?:\d+|\d*[.,]\d+)$/;

/**
 * A lone number answered to Custom zoom is the factor asked for, not a prompt of one word: the prefilled line's
 * prompt and `--zoom` replaced by `1.8` keeps the result's prompt and settings, and one out of range is refused as
 * `--zoom 5` is.
 */
function asZoomFlag(line: string): string {
  const number = line.trim().normalize('NFKC');
  // The flag's number is read with a decimal point only.
  return LONE_NUMBER.test(number) ? `--zoom ${number.replace(',', '.')}` : line;
}

/**
 * A typed prompt line's flags, and whether it has words of a prompt besides them, the user's custom options put in
 * (`--cine` may stand for words and flags); undefined for a line its flags make unreadable.
 */
function readTyped(
  typed: string,
  custom: CustomOptions | undefined,
): { named: boolean; flags: PromptFlags } | undefined {
  try {
    const { prompt, flags } = parsePrompt(expandCustomOptions(typed, custom));
    return { named: !isBlank(prompt), flags };
  } catch (error) {
    if (error instanceof UserInputError) return undefined;
    throw error;
  }
}

/**
 * A describe answer made an /imagine (Midjourney's describe → imagine): the answer is the prompt, the nearest offered
 * aspect to the described picture its shape. It runs as the user's own /imagine, checks and all.
 */
export const imagineAnswer: Operation<string> = async (deps, ctx, jobId) => {
  const job = jobOf(deps.store, jobId);
  const request = job.request;
  const answer = request.task === 'understand' ? job.result?.text?.trim() : undefined;
  if (request.task !== 'understand' || !answer) throw new UserInputError('errors.button.not_available');
  const header = readImageHeader(new Uint8Array(deps.store.readFile(job.id, request.image.file)));
  return runCommand(deps, fromJob(ctx, jobId), {
    name: 'imagine',
    options: { prompt: promptOfAnswer(answer), aspect: nearestAspect(header) },
  });
};

/**
 * Prose as a prompt line: words that would read as flags lose their dashes, braces stay text (not permutations);
 * cut at a word within the prompt's limit, measured as the prompt it makes (an escape is not part of it).
 */
function promptOfAnswer(text: string): string {
  const words = withoutFlagDashes(text).split(/\s+/).filter(Boolean);
  let length = 0;
  let kept = 0;
  for (const word of words) {
    length += (kept > 0 ? 1 : 0) + [...word].length;
    if (length > MAX_PROMPT_CHARS) break;
    kept++;
  }
  return words.slice(0, kept).map(literalBraces).join(' ');
}

/** A job's negative prompt to type back as `--no …` (Discord's option may have held flag-like words). */
export function typedNegative(request: { negativePrompt?: string } | StoredRequest): string | undefined {
  const negative = 'negativePrompt' in request ? request.negativePrompt : undefined;
  return (negative && withoutFlagDashes(negative)) || undefined;
}

/**
 * The lossless PNG of a result, as a file. Fetched by its owner from /queue (undelivered), it delivers the job once
 * the platform took the file (`Reply.delivers`): refused, the job stays listed. A file known lost is said instead,
 * and that line, once sent, ends the job's listing: the user was told, and pressing again cannot bring it back.
 */
export const originalFile: Operation<string> = async (deps, _ctx, jobId) => {
  const job = deps.store.get(jobId);
  const lost = job && lostResult(deps.store, job);
  if (lost) return { text: [{ ...lost, delivers: jobId }], ephemeral: true };
  return {
    text: [],
    // As privately as the job was made (`/settings private`): its own ending was for its owner alone.
    ephemeral: job?.meta.private === true,
    asFiles: true,
    images: [
      { data: resultBytes(deps.store, jobId), filename: `dimoo-${jobId.slice(0, 8)}.png`, mime: 'image/png' },
    ],
    delivers: [jobId],
  };
};
