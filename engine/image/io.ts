// Image bytes in and out, and the resizes the tasks need. The only engine module that imports sharp.
import sharp, { type Metadata, type Sharp } from 'sharp';
import { EngineError, type RgbImage } from '../api.js';
import {
  type BucketClass,
  bucketList,
  type CropPlan,
  pickBucket,
  planCenterCrop,
  type Size,
} from './crop.js';
import {
  DEFAULT_MAX_ASPECT,
  DEFAULT_MIN_SIDE,
  type ImageHeader,
  judgeImageBody,
  judgeImageShape,
  readImageHeader,
} from './header.js';
import { boxHalve, paste, solidImage } from './pixels.js';

/** The formats the bot accepts (the locale texts name them). */
export const ACCEPTED_FORMATS = Object.freeze(['png', 'jpeg', 'webp'] as const);

export interface DecodeOptions {
  /** Largest accepted width × height, judged from the header before anything is decoded. */
  maxPixels: number;
  /** Smallest side and largest aspect (defaults: 8 px, 8:1). */
  minSide?: number;
  maxAspect?: number;
}

/**
 * Checks the header (format by magic bytes, size, shape) without running any image parser: the costly cases
 * (pixel bombs, 4000×1 strips, SVG, a JPEG of thousands of scans, a WebP of thousands of frames) are refused in
 * microseconds to milliseconds. Returns the header for the caller's use.
 */
export function judgeImage(bytes: Uint8Array, options: DecodeOptions): ImageHeader {
  const header = readImageHeader(bytes);
  judgeImageShape(header, {
    maxPixels: options.maxPixels,
    minSide: options.minSide ?? DEFAULT_MIN_SIDE,
    maxAspect: options.maxAspect ?? DEFAULT_MAX_ASPECT,
  });
  judgeImageBody(header.format, bytes);
  return header;
}

function decodeFailure(err: unknown): EngineError {
  const message = err instanceof Error ? err.message : String(err);
  return new EngineError('image_invalid', `the image could not be decoded: ${message}`);
}

// Untagged CMYK (no ICC profile) is device CMYK: the plain formula R = 255·(1−C)(1−K) is what its author saw on
// screen; libvips would instead assume a press profile and shift the colours (40,90,200 came out 51,80,131).
function naiveCmykToRgb(cmyk: Uint8Array, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    const k = 255 - cmyk[p * 4 + 3]!;
    for (let c = 0; c < 3; c++) out[p * 3 + c] = Math.round(((255 - cmyk[p * 4 + c]!) * k) / 255);
  }
  return out;
}

function rgbOf(data: Buffer, width: number, height: number): RgbImage {
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** An 8-bit sRGB image with straight (not premultiplied) alpha: RGBA per pixel, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Decodes PNG, JPEG or WebP bytes into 8-bit sRGB once the header passed `judgeImage`: EXIF
 * orientation applied, 16-bit reduced, grey and palette expanded, transparency flattened onto white (chat stickers
 * are mostly transparent), tagged colour spaces converted through their ICC profile, untagged CMYK by the device
 * formula. Empty → `image_empty`; not an accepted image → `image_unsupported`/`image_invalid`; too many pixels,
 * too small or too narrow → `image_too_large`/`image_too_small`/`image_aspect`; more frames or scans than any still
 * → `image_frames`; corrupt → `image_invalid`.
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions): Promise<RgbImage> {
  return decodePixels(bytes, options, false);
}

/**
 * As `decodeImage`, with the transparency kept (opaque 255 where the file has none): for a mask, whose
 * transparent parts mean something white would get wrong (`engine/paint/mask-image.ts` reads them).
 */
export async function decodeImageWithAlpha(bytes: Uint8Array, options: DecodeOptions): Promise<RgbaImage> {
  return decodePixels(bytes, options, true);
}

// RGB, or RGBA with `alpha` (the two types have one shape; the channel count differs).
async function decodePixels(
  bytes: Uint8Array,
  options: DecodeOptions,
  alpha: boolean,
): Promise<RgbImage | RgbaImage> {
  const header = judgeImage(bytes, options);
  // The header's size is trusted only this far: a file whose real frame is larger still stops at the limit.
  const input = () => sharp(bytes, { limitInputPixels: options.maxPixels, pages: 1, failOn: 'error' });
  let meta: Metadata;
  try {
    meta = await input().metadata();
  } catch (err) {
    throw decodeFailure(err);
  }
  if (meta.format !== header.format) {
    throw new EngineError('image_invalid', `header says ${header.format}, decoder says ${meta.format}`);
  }
  try {
    if (meta.space === 'cmyk' && !meta.hasProfile) {
      const { data, info } = await input()
        .rotate()
        .pipelineColourspace('cmyk')
        .toColourspace('cmyk')
        .raw()
        .toBuffer({ resolveWithObject: true });
      if (info.channels !== 4) throw new Error(`decoded ${info.channels} CMYK channels`);
      const rgb = naiveCmykToRgb(
        new Uint8Array(data.buffer, data.byteOffset, data.length),
        info.width * info.height,
      );
      return { width: info.width, height: info.height, data: alpha ? withOpaqueAlpha(rgb) : rgb };
    }
    // Working in sRGB from the start imports a tagged input once through its own profile (closer to the original
    // colours than converting at the end: 151,108,84 instead of 149,103,71 for a CMYK 150,110,90).
    const srgb = input().pipelineColourspace('srgb').rotate();
    const pipeline = alpha
      ? srgb.toColourspace('srgb').ensureAlpha(1)
      : srgb.flatten({ background: '#ffffff' }).toColourspace('srgb').removeAlpha();
    const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== (alpha ? 4 : 3)) throw new Error(`decoded ${info.channels} channels`);
    return rgbOf(data, info.width, info.height);
  } catch (err) {
    throw decodeFailure(err);
  }
}

function withOpaqueAlpha(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array((rgb.length / 3) * 4).fill(255);
  for (let p = 0; p < rgb.length / 3; p++) out.set(rgb.subarray(p * 3, p * 3 + 3), p * 4);
  return out;
}

function fromRaw(img: RgbImage): Sharp {
  if (img.data.length !== img.width * img.height * 3) {
    throw new EngineError(
      'internal',
      `RGB buffer of ${img.data.length} bytes for ${img.width}×${img.height}`,
    );
  }
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
}

async function toRgb(pipeline: Sharp): Promise<RgbImage> {
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

/** PNG bytes of an image (fixed settings, so the same pixels give the same bytes). */
export async function encodePng(img: RgbImage): Promise<Uint8Array> {
  const out = await fromRaw(img).png({ compressionLevel: 6, adaptiveFiltering: false }).toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Largest side of a progress preview: platforms show previews at chat size, and the result stays full size. */
export const PREVIEW_MAX_SIDE = 512;

/**
 * A progress preview's bytes: a JPEG at most PREVIEW_MAX_SIDE a side, a few dozen KB where a full-size PNG of a
 * half-finished 1024² picture is a few MB, sent every second or two to every page and chat that shows it.
 */
export async function encodePreview(img: RgbImage): Promise<Uint8Array> {
  const out = await fromRaw(img)
    .resize(PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 75 })
    .toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Resize to an exact size with the given kernel (`cubic` is Catmull-Rom, as PIL's BICUBIC). */
export async function resizeImage(
  img: RgbImage,
  size: Size,
  kernel: 'cubic' | 'lanczos3' | 'nearest' = 'lanczos3',
): Promise<RgbImage> {
  if (img.width === size.width && img.height === size.height) return img;
  return toRgb(fromRaw(img).resize(size.width, size.height, { kernel, fit: 'fill' }));
}

/** Runs a crop plan: box halvings, bicubic resize, centred crop. */
export async function applyCropPlan(img: RgbImage, plan: CropPlan): Promise<RgbImage> {
  let current = img;
  for (const _ of plan.halvings) current = boxHalve(current);
  const resized = await resizeImage(current, plan.resize, 'cubic');
  const { left, top, width, height } = plan.crop;
  if (left === 0 && top === 0 && width === resized.width && height === resized.height) return resized;
  return toRgb(fromRaw(resized).extract({ left, top, width, height }));
}

/** The input crop of §2.3: best-aspect bucket of the class, then a deterministic centred crop. */
export async function cropToBucket(
  img: RgbImage,
  bucketClass: BucketClass,
): Promise<{ image: RgbImage; bucket: Size }> {
  const bucket = pickBucket(img.width, img.height, bucketList(bucketClass));
  const image = await applyCropPlan(img, planCenterCrop(img.width, img.height, bucket));
  return { image, bucket };
}

/**
 * Painting input (§3.3, upstream's VaeImageProcessor): sides floored to multiples of `cell` with a Lanczos
 * resize; unchanged when they already are.
 */
export async function resizeToMultipleOf(img: RgbImage, cell = 16): Promise<RgbImage> {
  const size = { width: img.width - (img.width % cell), height: img.height - (img.height % cell) };
  if (size.width < cell || size.height < cell) {
    const detail = `the image is ${img.width}×${img.height}; both sides must be at least ${cell} pixels`;
    throw new EngineError('bad_request', detail, { detail });
  }
  return resizeImage(img, size, 'lanczos3');
}

/** The canvas of a zoom-out / pan: the image resized into `place` on a mid-grey canvas. */
export async function composeCanvas(
  img: RgbImage,
  canvas: Size,
  place: { left: number; top: number; width: number; height: number },
): Promise<RgbImage> {
  const out = solidImage(canvas.width, canvas.height, 127);
  paste(out, await resizeImage(img, place, 'lanczos3'), place.left, place.top);
  return out;
}
