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
import { boxHalve, paste, solidImage } from './pixels.js';

/** The formats the bot accepts (the locale texts name them). */
export const ACCEPTED_FORMATS = Object.freeze(['png', 'jpeg', 'webp'] as const);

export interface DecodeOptions {
  /** Largest accepted width × height; also sharp's `limitInputPixels`, so a bomb is refused before decoding. */
  maxPixels: number;
}

function classify(err: unknown, maxPixels: number): EngineError {
  const message = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(message)) {
    return new EngineError('image_too_large', `image exceeds ${maxPixels} pixels`, {
      limit: `${maxPixels} pixels`,
    });
  }
  if (/unsupported image format/i.test(message)) {
    return new EngineError('image_unsupported', `unsupported image format: ${message}`);
  }
  return new EngineError('image_invalid', `the image could not be decoded: ${message}`);
}

/**
 * Decodes PNG, JPEG or WebP bytes into 8-bit RGB: EXIF orientation applied, transparency flattened onto white
 * (chat stickers are mostly transparent), other colour spaces converted to sRGB. Larger than `maxPixels` →
 * `image_too_large`; not an image → `image_unsupported`; corrupt or truncated → `image_invalid`.
 */
export async function decodeImage(bytes: Uint8Array, { maxPixels }: DecodeOptions): Promise<RgbImage> {
  if (bytes.length === 0) throw new EngineError('image_invalid', 'the image is empty');
  const input = () => sharp(bytes, { limitInputPixels: maxPixels, pages: 1 });
  let meta: Metadata;
  try {
    meta = await input().metadata();
  } catch (err) {
    throw classify(err, maxPixels);
  }
  if (!(ACCEPTED_FORMATS as readonly string[]).includes(meta.format ?? '')) {
    throw new EngineError('image_unsupported', `unsupported image format: ${meta.format ?? 'unknown'}`);
  }
  if ((meta.width ?? 0) * (meta.height ?? 0) > maxPixels) {
    throw new EngineError(
      'image_too_large',
      `image is ${meta.width}×${meta.height}, over ${maxPixels} pixels`,
      {
        limit: `${maxPixels} pixels`,
      },
    );
  }
  try {
    const { data, info } = await input()
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels`);
    return {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
  } catch (err) {
    throw classify(err, maxPixels);
  }
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
