// What every image task does with its validated options before it becomes a job: the text checked against the
// config (blocked words: a schema cannot know them), prompt flags read, images accepted and kept as job files.
import { minMlCacheSteps } from '../engine/index.js';
import type { CommandDeps } from './deps.js';
import { UserInputError } from './errors.js';
import { acceptImage, type InputImage } from './inputs.js';
import { DEFAULT_STEPS } from './job-context.js';
import { checkPrompt, type FlagName, IMAGE_FLAGS, type ParsedPrompt, parsePrompt } from './prompt.js';

export type Files = Record<string, Uint8Array>;

export function checkText(deps: CommandDeps, text: string, required = true): string {
  return checkPrompt(text, { blockedWords: deps.config.limits.blockedWords, required });
}

/** The checked text and flags of an image task (the output shape follows the image); a seed option wins. */
export function imagePrompt(
  deps: CommandDeps,
  text: string,
  seed: number | undefined,
  required = true,
  allowed: readonly FlagName[] = IMAGE_FLAGS,
): ParsedPrompt {
  const { prompt, flags } = parsePrompt(text, allowed);
  flags.seed = seed ?? flags.seed;
  return { prompt: checkText(deps, prompt, required), flags };
}

/**
 * The request's negative prompt (`--no`, or an option that wins): length-checked only, since naming what must not
 * appear is what it is for; nothing when blank. Without guidance (`cfg` 0) there is no branch for it to steer by:
 * an asked-for one is refused, the user's default (`/settings no`) is left out. `--no none` asks for none, not even
 * the default (what a re-run or Remix of a job made without one types back).
 */
/** `--no none`: no negative prompt at all. */
const NONE = /^none$/i;

export function negativePrompt(
  text: string | undefined,
  cfg: number | undefined,
  preferred: string | undefined,
): { negativePrompt?: string } {
  const negative = checkPrompt(text ?? '', { required: false });
  if (NONE.test(negative)) return {};
  if (negative && cfg === 0) throw new UserInputError('errors.flag.conflict', { a: '--no', b: '--cfg 0' });
  if (negative) return { negativePrompt: negative };
  return preferred && cfg !== 0 ? { negativePrompt: preferred } : {};
}

/**
 * How many images a job draws (a grid when more than one): the asked-for number, else the user's default
 * (`/settings images`). At temperature 0 every seed draws the same image: an asked-for grid is refused there, the
 * default left out.
 */
export function imageCount(
  asked: number | undefined,
  temperature: number | undefined,
  preferred: number | undefined,
): { count?: number } {
  if (asked !== undefined && asked > 1 && temperature === 0)
    throw new UserInputError('errors.flag.conflict', { a: '--n', b: '--temperature 0' });
  const count = asked ?? (temperature === 0 ? 1 : (preferred ?? 1));
  return count > 1 ? { count } : {};
}

/** Accepts an image (size, pixels, format) and adds it to the job's files under `<stem>.<ext>`. */
export async function keepImage(
  deps: CommandDeps,
  files: Files,
  input: InputImage,
  stem: string,
): Promise<{ file: string }> {
  const image = await acceptImage(input, stem, deps.config.limits);
  files[image.file] = image.bytes;
  return { file: image.file };
}

/**
 * `--cache` with fewer steps than ML-Cache's refresh interval needs is refused here, in the user's language, rather
 * than by the engine once the job runs. A request without steps runs the engine's 64.
 */
export function checkCacheSteps(request: { cache?: unknown; steps?: number }): void {
  if (!request.cache) return;
  const steps = request.steps ?? DEFAULT_STEPS.text_to_image;
  const min = minMlCacheSteps();
  if (steps < min) throw new UserInputError('errors.flag.cache_steps', { min, steps });
}
