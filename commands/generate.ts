// The operations that make a job from what the user gave: imagine, edit, retouch, outpaint, describe. Each parses
// and checks its input (prompt flags, images), builds the stored request and submits it.
import { inferEditType, isKnownEditType, needsReferenceImage } from '../engine/index.js';
import type { StoredRequest } from '../src/jobs/index.js';
import type { Operation } from './context.js';
import type { CommandDeps } from './deps.js';
import {
  acceptImage,
  type DescribeInput,
  type EditInput,
  type ImagineInput,
  type InputImage,
  type OutpaintInput,
  type RetouchInput,
} from './inputs.js';
import {
  checkPrompt,
  DEFAULT_SIZE_CLASS,
  IMAGE_FLAGS,
  LIMITS,
  type ParsedPrompt,
  parseAspect,
  parseNumber,
  parsePrompt,
  SIZE_CLASSES,
  sizeForAspect,
  UserInputError,
} from './prompt.js';
import { extensionOf, parseBoxes } from './regions.js';
import { definedOnly, sampling, submit } from './submit.js';

type Files = Record<string, Uint8Array>;
type StoredPaintRegion = Extract<StoredRequest, { task: 'paint' }>['region'];

export const imagine: Operation<ImagineInput> = async (deps, ctx, input) => {
  const { prompt, flags } = parsePrompt(input.prompt);
  const text = checkText(deps, prompt);
  if (input.aspect !== undefined) flags.aspect = parseAspect(input.aspect, 'aspect');
  flags.steps = optionNumber(input.steps, 'steps', true) ?? flags.steps;
  flags.cfg = optionNumber(input.cfg, 'cfg', false) ?? flags.cfg;
  flags.seed = optionNumber(input.seed, 'seed', true) ?? flags.seed;
  if (flags.aspect && flags.size)
    throw new UserInputError('errors.flag.conflict', { a: '--ar', b: '--size' });
  if (input.size !== undefined && !(SIZE_CLASSES as readonly number[]).includes(input.size)) {
    throw new UserInputError('errors.settings.choice', {
      option: 'size',
      value: String(input.size),
      choices: SIZE_CLASSES.join(', '),
    });
  }
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
  };
  return submit(deps, ctx, 'imagine', request, {});
};

export const edit: Operation<EditInput> = async (deps, ctx, input) => {
  const editType = input.type ?? inferEditType(input.instruction);
  if (!isKnownEditType(editType))
    throw new UserInputError('errors.edit.type', { type: editType.slice(0, 40) });
  // Style transfer ignores the text (upstream forces its own), so only it may come without one.
  const { prompt, flags } = imagePrompt(deps, input.instruction, input.seed, !needsReferenceImage(editType));
  if (needsReferenceImage(editType) && !input.reference) {
    throw new UserInputError('errors.edit.reference_missing', { type: editType });
  }
  const files: Files = {};
  const image = await keepImage(deps, files, input.image, 'input');
  const refImage = input.reference ? await keepImage(deps, files, input.reference, 'reference') : undefined;
  const { steps, cfg, temperature, seed } = sampling(deps, ctx, flags);
  const request: StoredRequest = {
    task: 'image_to_image',
    editType,
    prompt,
    image,
    ...(refImage ? { refImage } : {}),
    ...definedOnly({ steps, cfg, temperature }),
    seed,
  };
  return submit(deps, ctx, 'edit', request, files);
};

export const retouch: Operation<RetouchInput> = async (deps, ctx, input) => {
  const { prompt, flags } = imagePrompt(deps, input.prompt, input.seed);
  const boxes = input.boxes?.trim() ? parseBoxes(input.boxes) : undefined;
  if (!boxes && !input.mask) throw new UserInputError('errors.retouch.region_missing');
  const files: Files = {};
  const image = await keepImage(deps, files, input.image, 'input');
  const region: StoredPaintRegion = boxes
    ? { kind: 'boxes', boxes }
    : { kind: 'mask', mask: await keepImage(deps, files, input.mask as InputImage, 'mask') };
  const request: StoredRequest = { task: 'paint', prompt, image, region, ...sampling(deps, ctx, flags) };
  return submit(deps, ctx, 'paint', request, files, { paint: 'retouch' });
};

export const outpaint: Operation<OutpaintInput> = async (deps, ctx, input) => {
  const { prompt, flags } = imagePrompt(deps, input.prompt, input.seed);
  const region = extensionOf(input.zoom, input.direction);
  const files: Files = {};
  const image = await keepImage(deps, files, input.image, 'input');
  const request: StoredRequest = { task: 'paint', prompt, image, region, ...sampling(deps, ctx, flags) };
  return submit(deps, ctx, 'paint', request, files, { paint: 'outpaint' });
};

export const describe: Operation<DescribeInput> = async (deps, ctx, input) => {
  const question = input.question?.trim() ? checkText(deps, input.question) : undefined;
  const files: Files = {};
  const image = await keepImage(deps, files, input.image, 'input');
  const request: StoredRequest = { task: 'understand', image, ...(question ? { question } : {}) };
  return submit(deps, ctx, 'describe', request, files);
};

function checkText(deps: CommandDeps, text: string, required = true): string {
  return checkPrompt(text, { blockedWords: deps.config.limits.blockedWords, required });
}

/** The checked text and flags of an image task (the output shape follows the image); a seed option wins. */
function imagePrompt(
  deps: CommandDeps,
  text: string,
  seed: number | undefined,
  required = true,
): ParsedPrompt {
  const { prompt, flags } = parsePrompt(text, IMAGE_FLAGS);
  flags.seed = optionNumber(seed, 'seed', true) ?? flags.seed;
  return { prompt: checkText(deps, prompt, required), flags };
}

/** A number given as a platform option (not a flag), checked against the same limits, named without `--`. */
function optionNumber(
  value: number | undefined,
  name: 'seed' | 'steps' | 'cfg',
  integer: boolean,
): number | undefined {
  return value === undefined ? undefined : parseNumber(String(value), name, LIMITS[name], integer);
}

/** Accepts an image (size, pixels, format) and adds it to the job's files under `<stem>.<ext>`. */
async function keepImage(
  deps: CommandDeps,
  files: Files,
  input: InputImage,
  stem: string,
): Promise<{ file: string }> {
  const image = await acceptImage(input, stem, deps.config.limits);
  files[image.file] = image.bytes;
  return { file: image.file };
}
