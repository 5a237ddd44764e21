// Image inputs arrive as bytes (adapters download them at once): checked for size, judged from their header
// (format by magic bytes, pixels, smallest side, aspect) before any decoder runs, then decoded to prove they are
// images, and kept as the original bytes under a name that says their format.
import {
  type AcceptedFormat,
  decodeImage,
  decodeMaskImage,
  type ImageHeader,
  judgeImage,
  maskMarksSomething,
  type RgbImage,
} from '../engine/index.js';
import { UserInputError } from './errors.js';

export interface InputImage {
  data: Uint8Array;
  /** The name it had on the platform, for messages only. */
  filename?: string;
}

export interface AcceptedImage {
  /** Stored file name in the job folder, e.g. `input.jpg`. */
  file: string;
  bytes: Uint8Array;
  image: RgbImage;
}

export interface InputLimits {
  maxInputBytes: number;
  maxInputPixels: number;
}

const EXTENSION: Record<AcceptedFormat, 'png' | 'jpg' | 'webp'> = { png: 'png', jpeg: 'jpg', webp: 'webp' };

/**
 * Throws UserInputError (too large) or the engine's EngineError (image_invalid / image_too_large / unsupported).
 * `maxAspect` widens the engine's 8:1 for a use whose result is less elongated than its input (Make square).
 */
export async function acceptImage(
  input: InputImage,
  stem: string,
  limits: InputLimits,
  maxAspect?: number,
): Promise<AcceptedImage> {
  const header = judged(input, limits, maxAspect);
  const image = await decodeImage(input.data, { maxPixels: limits.maxInputPixels, maxAspect });
  return { file: `${stem}.${EXTENSION[header.format]}`, bytes: input.data, image };
}

/**
 * As `acceptImage` for a paint mask, read against its `picture` as the job will read it (engine `readMask`), and
 * refused now, in the user's language, when it would redraw nothing: the job would fail the same way only once
 * it ran, after its wait in the queue.
 */
export async function acceptMask(
  input: InputImage,
  picture: RgbImage,
  limits: InputLimits,
): Promise<AcceptedImage> {
  const header = judged(input, limits);
  const image = await decodeMaskImage(input.data, { maxPixels: limits.maxInputPixels }, picture);
  if (!maskMarksSomething(image)) throw new UserInputError('errors.retouch.mask_empty');
  return { file: `mask.${EXTENSION[header.format]}`, bytes: input.data, image };
}

/**
 * A stored picture a button redraws (Vary, Upscale), judged as an upload would be: a result an older version made
 * beyond what inputs may be (a pan past 8:1) is refused now, in the user's language, not by the job after its wait.
 */
export function judgeStoredImage(data: Uint8Array, limits: InputLimits): void {
  judged({ data }, limits);
}

function judged(input: InputImage, limits: InputLimits, maxAspect?: number): ImageHeader {
  if (input.data.length > limits.maxInputBytes) {
    throw new UserInputError('errors.input.too_large', {
      sizeBytes: input.data.length,
      limitBytes: limits.maxInputBytes,
    });
  }
  // Cheap refusals first: the header alone settles format, pixel bombs and odd shapes in microseconds.
  return judgeImage(input.data, { maxPixels: limits.maxInputPixels, maxAspect });
}
