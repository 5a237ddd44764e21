// Request checks shared by the tasks: each failure is one bad_request naming the field and its allowed range.
import { EngineError, type RgbImage } from '../api.js';
import { megapixelsOf } from '../image/header.js';
import { randomSeed } from '../sampling/rng.js';
import { LIMITS } from './context.js';

function bad(detail: string): EngineError {
  return new EngineError('bad_request', detail, { detail });
}

export function checkInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw bad(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  return value;
}

export function checkNumber(name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max)
    throw bad(`${name} must be from ${min} to ${max}, got ${value}`);
  return value;
}

/** Text with nothing to see: white space, format marks (a zero-width space, a direction mark), control characters. */
export function isBlankText(text: string): boolean {
  return /^[\s\p{Cf}\p{Cc}]*$/u.test(text);
}

export function checkPrompt(prompt: string, { allowEmpty = false, name = 'prompt' } = {}): string {
  if (typeof prompt !== 'string') throw bad(`${name} must be text`);
  // Zero-width marks alone draw as an empty prompt would, with nothing said: refused as one.
  if (!allowEmpty && isBlankText(prompt)) throw bad(`${name} is empty`);
  if (prompt.length > LIMITS.maxPromptChars)
    throw bad(`${name} is ${prompt.length} characters; the limit is ${LIMITS.maxPromptChars}`);
  return prompt;
}

/**
 * A negative prompt (TextToImageRequest.negativePrompt): may be blank, which is none. It steers through the
 * guidance branch, so with `cfg` 0 (no such branch) it is refused rather than silently ignored.
 */
export function checkNegativePrompt(value: string | undefined, cfg: number): string | undefined {
  if (value === undefined) return undefined;
  const negative = checkPrompt(value, { allowEmpty: true, name: 'negative prompt' });
  if (!isBlankText(negative) && cfg === 0) throw bad('a negative prompt needs guidance, and cfg is 0');
  return negative;
}

/** Output size: multiples of 16 within the side and pixel limits. */
export function checkSize(width: number, height: number): void {
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value % 16 !== 0 || value < LIMITS.minSide || value > LIMITS.maxSide) {
      throw bad(`${name} must be a multiple of 16 from ${LIMITS.minSide} to ${LIMITS.maxSide}, got ${value}`);
    }
  }
  if (width * height > LIMITS.maxPixels)
    throw bad(`${width}×${height} is more than ${LIMITS.maxPixels} pixels`);
}

export function checkSeed(seed: number | undefined): number | undefined {
  if (seed === undefined) return undefined;
  return checkInteger('seed', seed, 0, 2 ** 32 - 1);
}

/** An input image as the tasks receive it: a whole RGB buffer of a sane size. */
export function checkInputImage(name: string, image: RgbImage | undefined, maxPixels: number): RgbImage {
  if (!image || typeof image !== 'object') throw bad(`${name} is missing`);
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw bad(`${name} has no valid size (${width}×${height})`);
  if (width * height > maxPixels)
    throw new EngineError('image_too_large', `${name} is ${width}×${height}, over ${maxPixels} pixels`, {
      megapixels: megapixelsOf(maxPixels),
      size: `${width}×${height}`,
    });
  if (!(data instanceof Uint8Array) || data.length !== width * height * 3)
    throw bad(
      `${name} holds ${data?.length ?? 0} bytes, expected ${width * height * 3} for ${width}×${height} RGB`,
    );
  return image;
}

/**
 * The sampling settings every image task takes: steps, (text) guidance and temperature within their limits, and
 * the seed (a random one when absent; 0 at temperature 0, where none is drawn).
 */
export function checkSampling(
  request: { steps?: number; cfg?: number; temperature?: number; seed?: number },
  defaults: { steps: number; cfg: number; temperature: number },
): { steps: number; cfg: number; temperature: number; seed: number } {
  const steps = checkInteger('steps', request.steps ?? defaults.steps, 1, LIMITS.maxSteps);
  const cfg = checkNumber('cfg', request.cfg ?? defaults.cfg, 0, LIMITS.maxGuidance);
  const temperature = checkNumber(
    'temperature',
    request.temperature ?? defaults.temperature,
    0,
    LIMITS.maxTemperature,
  );
  const seed = checkSeed(request.seed) ?? (temperature === 0 ? 0 : randomSeed());
  return { steps, cfg, temperature, seed };
}
