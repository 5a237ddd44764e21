// What a task command checks before it loads the model (minutes for the real one): the request's numbers, the
// output path, and (in each command) its input images. A mistake then costs a second, not a model load or a whole
// generation.
//
// The numbers go through the engine's own checks and limits (checkInteger, checkSize, REQUEST_LIMITS: its messages
// and code, `bad_request`, exit 1). The engine still checks every request: this only moves its refusal earlier, and
// a check missing here is refused there as before.
import { accessSync, closeSync, constants, openSync, readFileSync, type Stats, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import {
  checkCount as checkEngineCount,
  checkDilate as checkEngineDilate,
  checkInteger,
  checkNumber,
  checkRequestPrompt,
  EDIT_TYPES,
  EngineError,
  imageToImagePrompt,
  isKnownEditType,
  MAX_GEN_LENGTH,
  type MlCacheOptions,
  needsReferenceImage,
  type PaintRegion,
  parseVqConfig,
  planBlocks,
  planPaintRegion,
  REQUEST_LIMITS,
  resolveMlCache,
  TEXT_TO_IMAGE_DEFAULTS,
  UNDERSTAND_DEFAULTS,
  VQ_CONFIG_FILE,
} from '../../engine/index.js';
import { processTag } from '../process-tag.js';
import { CliError } from './command.js';
import { fileErrorReason, removeQuietly } from './files.js';
import { outputFormatOf } from './output-format.js';

export { checkSize } from '../../engine/index.js';

function bad(detail: string): EngineError {
  return new EngineError('bad_request', detail, { detail });
}

/** A flag given (an absent one is the engine's default, checked there). */
function wholeNumber(name: string, value: number | undefined, min: number, max: number): void {
  if (value !== undefined) checkInteger(name, value, min, max);
}

function number(name: string, value: number | undefined, min: number, max: number): void {
  if (value !== undefined) checkNumber(name, value, min, max);
}

export function checkPrompt(
  prompt: string | undefined,
  options: { allowEmpty?: boolean; name?: string } = {},
): void {
  if (prompt !== undefined) checkRequestPrompt(prompt, options);
}

/**
 * Every prompt of `batch`'s file, a refusal naming where in the file the prompt stands: one prompt too long among
 * thousands is otherwise not to be found.
 */
export function checkPromptFile(
  path: string,
  entries: ReadonlyArray<{ prompt: string; where: string }>,
): void {
  for (const { prompt, where } of entries) {
    try {
      checkRequestPrompt(prompt);
    } catch (error) {
      if (!(error instanceof EngineError)) throw error;
      throw new EngineError(error.code, `--prompts ${path} ${where}: ${error.message}`, error.params);
    }
  }
}

/**
 * The sampling flags given (an absent one is the engine's default, checked there); `maxSteps` is describe's wider
 * bound, `cfgImg` edit's image guidance. A negative prompt needs guidance: with `cfg` 0 it would be ignored, so it is refused.
 */
export function checkSampling(
  s: {
    steps?: number;
    cfg?: number;
    cfgImg?: number;
    temperature?: number;
    seed?: number;
    negativePrompt?: string;
  },
  maxSteps: number = REQUEST_LIMITS.maxSteps,
): void {
  wholeNumber('steps', s.steps, 1, maxSteps);
  number('cfg', s.cfg, 0, REQUEST_LIMITS.maxGuidance);
  number('cfgImg', s.cfgImg, 0, REQUEST_LIMITS.maxGuidance);
  number('temperature', s.temperature, 0, REQUEST_LIMITS.maxTemperature);
  wholeNumber('seed', s.seed, 0, 2 ** 32 - 1);
  checkPrompt(s.negativePrompt, { allowEmpty: true, name: 'negative prompt' });
  if (s.negativePrompt?.trim() && s.cfg === 0) throw bad('a negative prompt needs guidance, and cfg is 0');
}

/** `--count`: 1 to 4 images; more than one needs a temperature above 0 (an absent one is the engine's default). */
export function checkCount(count: number | undefined, temperature: number | undefined): void {
  if (count !== undefined) checkEngineCount(count, temperature ?? TEXT_TO_IMAGE_DEFAULTS.temperature);
}

/** ML-Cache's parameters against the steps, by the engine's own plan (with the steps not given, checked there). */
export function checkMlCache(cache: Partial<MlCacheOptions> | boolean, steps: number | undefined): void {
  if (steps !== undefined) resolveMlCache(cache, steps);
}

/** paint's `--dilate`: cells the region grows by. */
export function checkDilate(dilate: number | undefined): void {
  if (dilate !== undefined) checkEngineDilate(dilate);
}

/** describe's answer length and blocks, the flags not given at the engine's defaults (its own planBlocks). */
export function checkAnswerPlan(o: { steps?: number; genLength?: number; blockLength?: number }): void {
  wholeNumber('genLength', o.genLength, 1, MAX_GEN_LENGTH);
  planBlocks({
    steps: o.steps ?? UNDERSTAND_DEFAULTS.steps,
    genLength: o.genLength ?? UNDERSTAND_DEFAULTS.genLength,
    blockLength: o.blockLength ?? UNDERSTAND_DEFAULTS.blockLength,
  });
}

/**
 * An edit type the engine knows, with a prompt where the type needs one (by the engine's own prompt rules) and the
 * reference image exactly when the type takes one: in the engine's order, so the same mistake gives the same line.
 */
export function checkEditType(
  editType: string,
  o: { prompt: string; hasRefImage: boolean; densePrompt?: boolean },
): void {
  const { hasRefImage } = o;
  if (!isKnownEditType(editType))
    throw bad(
      `unknown edit type "${editType}"; expected one of ${EDIT_TYPES.join(', ')}, or multi_view_<direction>`,
    );
  imageToImagePrompt(editType, o.prompt, { densePrompt: o.densePrompt === true });
  if (needsReferenceImage(editType) && !hasRefImage)
    throw bad(`edit type "${editType}" needs a style reference image besides the content image`);
  if (!needsReferenceImage(editType) && hasRefImage)
    throw bad(`edit type "${editType}" takes one image; only image_ref_transfer takes a reference image`);
}

/**
 * Pixels per latent cell of the checkpoint in `model`, from its VQ config alone; undefined when that cannot be
 * read, and then the model's own load reports the folder (in seconds, before any weight is read).
 */
function cellSizeOf(model: string): number | undefined {
  try {
    return parseVqConfig(JSON.parse(readFileSync(join(model, VQ_CONFIG_FILE), 'utf8'))).scaleFactor;
  } catch {
    return undefined;
  }
}

/**
 * paint's region on the input image as the engine plans it (ratios, boxes, extension or share out of range, an
 * empty mask, a region covering no whole cell), on the checkpoint's cell size. An absent `--dilate` is 0 and an
 * absent seed 0: neither can make a valid region invalid (dilation only grows it, a scattered share keeps a cell).
 */
export function checkPaintRegion(
  model: string,
  region: PaintRegion,
  image: { width: number; height: number },
  o: { dilate?: number; seed?: number },
): void {
  const cellSize = cellSizeOf(model);
  if (cellSize === undefined) return;
  planPaintRegion(region, image, { dilate: o.dilate ?? 0, seed: o.seed ?? 0, cellSize });
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    // Nothing there, or a file where a folder of the path should be: both are "does not exist" to the caller.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

function unwritable(message: string): CliError {
  return new CliError('output_unwritable', message);
}

/**
 * `folder` exists, is a folder and takes new files; else one line naming the flag and the folder. `probe` false: no
 * file is made there (a device such as /dev/stdout is written directly, not through a file beside it).
 */
function checkFolderWritable(flag: string, given: string, folder: string, probe = true): void {
  const stat = statOf(folder);
  if (!stat) throw unwritable(`--${flag} ${given}: the folder ${folder} does not exist`);
  if (!stat.isDirectory()) throw unwritable(`--${flag} ${given}: ${folder} is not a folder`);
  try {
    accessSync(folder, constants.W_OK | constants.X_OK);
  } catch {
    throw unwritable(`--${flag} ${given}: the folder ${folder} is not writable`);
  }
  if (probe) checkCreates(flag, given, folder);
}

/**
 * A file can be made in `folder`, tried by making one and removing it: access() answers yes to root for a folder of
 * any mode, and to anyone on /proc or a mount whose rules it does not see, where the write then failed after the
 * generation. The refusal is the line that late failure gave.
 */
function checkCreates(flag: string, given: string, folder: string): void {
  const probe = join(folder, `.dimoo-write-check.${processTag()}.tmp`);
  for (let attempt = 0; ; attempt++) {
    try {
      closeSync(openSync(probe, 'wx'));
      break;
    } catch (error) {
      // Left by an earlier run of this PID here (killed between the two calls; the name is no other host's or
      // container's, `processTag`): removed, and the folder tried again. One that cannot go (another user's in a
      // sticky folder) says nothing against the folder: the write itself reports one that takes no file.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        if (attempt === 0 && removeQuietly(probe)) continue;
        return;
      }
      throw unwritable(`cannot write --${flag} ${given}: ${fileErrorReason(error)}`);
    }
  }
  // The folder took the file, which is all this asks; one that stays (a folder that lets no file go) is hidden.
  removeQuietly(probe);
}

/** An output file (`--out`): not a folder, in a folder that exists and is writable, itself writable if present. */
export function checkOutFile(flag: string, path: string): void {
  // resolve() drops a trailing slash: `--out results/` would else be a file named results, written over an
  // existing one, or fail with ENOTDIR only after the whole generation.
  if (path.endsWith('/') || path.endsWith(sep))
    throw unwritable(`--${flag} ${path} ends in "${path.at(-1)}", which names a folder; give a file name`);
  const full = resolve(path);
  const stat = statOf(full);
  if (stat?.isDirectory()) throw unwritable(`--${flag} ${path} is a folder; give a file name`);
  checkFolderWritable(flag, path, dirname(full), !stat || stat.isFile());
  if (stat) {
    try {
      accessSync(full, constants.W_OK);
    } catch {
      throw unwritable(`--${flag} ${path} exists and is not writable`);
    }
  }
}

/** An image output (`--out`): `checkOutFile`, and a name whose ending is a format it is written in (output-format.ts). */
export function checkImageOut(flag: string, path: string): void {
  checkOutFile(flag, path);
  outputFormatOf(flag, path);
}

/**
 * An output folder (`--out-dir`) that may not exist yet: it, or else the nearest folder above it that exists,
 * must be a writable folder (it is created after the checks, when the results are about to be written).
 */
export function checkOutFolder(flag: string, path: string): void {
  let folder = resolve(path);
  while (!statOf(folder) && dirname(folder) !== folder) folder = dirname(folder);
  checkFolderWritable(flag, path, folder);
}
