// Results are lossless PNGs, but a platform caps each upload (Discord's `attachment_size_limit`, Telegram's 10 MB
// photos). A PNG over the cap is re-encoded as WebP, then JPEG, stepping the quality down, and only as a last resort
// scaled down, so the user always gets the picture and is told it is not the original PNG.
import sharp from 'sharp';
import type { ReplyImage } from './reply.js';

export type FitFormat = 'png' | 'webp' | 'jpeg';

export interface FittedImage extends ReplyImage {
  format: FitFormat;
  /** True when the bytes are not the original PNG (re-encoded, maybe scaled). */
  converted: boolean;
}

const WEBP_QUALITIES = [90, 80, 65, 50] as const;
const JPEG_QUALITIES = [85, 70, 55, 40] as const;
/** Each downscale keeps this share of the width and height; below MIN_SIDE pixels we give up. */
const SCALE_STEP = 0.7;
const MIN_SIDE = 32;

const MIME = { png: 'image/png', webp: 'image/webp', jpeg: 'image/jpeg' } as const;
const EXTENSION = { png: 'png', webp: 'webp', jpeg: 'jpg' } as const;

function renamed(filename: string, format: FitFormat): string {
  const stem = filename.replace(/\.[A-Za-z0-9]+$/, '');
  return `${stem}.${EXTENSION[format]}`;
}

/**
 * The image itself when it fits `maxBytes`, else the best-quality WebP or JPEG that fits, else a scaled-down
 * JPEG; undefined when not even a tiny thumbnail fits (a limit of a few hundred bytes).
 */
export async function fitImage(image: ReplyImage, maxBytes: number): Promise<FittedImage | undefined> {
  if (image.data.byteLength <= maxBytes) return { ...image, format: formatOf(image), converted: false };
  // Decoded once; every attempt encodes from the same pixels.
  const { data: pixels, info } = await sharp(image.data).raw().toBuffer({ resolveWithObject: true });
  const raw = { width: info.width, height: info.height, channels: info.channels };
  const attempt = async (
    format: 'webp' | 'jpeg',
    quality: number,
    width = info.width,
    height = info.height,
  ) => {
    let pipeline = sharp(pixels, { raw });
    if (width !== info.width || height !== info.height) pipeline = pipeline.resize(width, height);
    const bytes =
      format === 'webp'
        ? await pipeline.webp({ quality, effort: 4 }).toBuffer()
        : await pipeline.flatten({ background: '#ffffff' }).jpeg({ quality, mozjpeg: true }).toBuffer();
    return bytes.byteLength <= maxBytes ? bytes : undefined;
  };
  const done = (bytes: Buffer, format: 'webp' | 'jpeg'): FittedImage => ({
    ...image,
    data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    filename: renamed(image.filename, format),
    mime: MIME[format],
    format,
    converted: true,
  });
  for (const quality of WEBP_QUALITIES) {
    const bytes = await attempt('webp', quality);
    if (bytes) return done(bytes, 'webp');
  }
  for (const quality of JPEG_QUALITIES) {
    const bytes = await attempt('jpeg', quality);
    if (bytes) return done(bytes, 'jpeg');
  }
  const lowest = JPEG_QUALITIES[JPEG_QUALITIES.length - 1] ?? 40;
  for (let scale = SCALE_STEP; ; scale *= SCALE_STEP) {
    const width = Math.round(info.width * scale);
    const height = Math.round(info.height * scale);
    if (Math.min(width, height) < MIN_SIDE) return undefined;
    const bytes = await attempt('jpeg', lowest, width, height);
    if (bytes) return done(bytes, 'jpeg');
  }
}

function formatOf(image: ReplyImage): FitFormat {
  if (image.mime === 'image/webp') return 'webp';
  if (image.mime === 'image/jpeg') return 'jpeg';
  return 'png';
}
