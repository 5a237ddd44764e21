// An image judged from its first bytes: the container by its magic bytes and the size from its header, read in
// plain TypeScript so that no image parser (and no pixel buffer) is involved before a bomb or an odd shape is
// refused.
import { EngineError } from '../api.js';
import { ascii, be16, be32, jpegSegments, le16, le24 } from './bytes.js';
import { exifOrientation, turnsQuarter } from './orientation.js';

export type AcceptedFormat = 'png' | 'jpeg' | 'webp';

export interface ImageHeader {
  format: AcceptedFormat;
  /** The size upright, as decoded: a stored 4032×3024 of EXIF orientation 6 is 3024 wide and 4032 high. */
  width: number;
  height: number;
}

export interface InputShapeLimits {
  /** Largest width × height. */
  maxPixels: number;
  /** Smallest side, in pixels. */
  minSide: number;
  /** Largest long side : short side. */
  maxAspect: number;
}

/** Defaults for the shape: below 8 px there is nothing to edit or describe; 8:1 is twice the widest bucket. */
export const DEFAULT_MIN_SIDE = 8;
export const DEFAULT_MAX_ASPECT = 8;

/** A name for a container we recognise but do not accept, for the refusal and the log. */
function foreignFormat(bytes: Uint8Array): string | undefined {
  const head = ascii(bytes, 0, 256).trimStart().toLowerCase();
  if (head.startsWith('<?xml') || head.startsWith('<svg') || head.startsWith('<!doctype')) return 'svg';
  if (head.startsWith('<')) return 'markup';
  if (ascii(bytes, 4, 8) === 'ftyp') return `isobmff:${ascii(bytes, 8, 12).trim()}`; // HEIC, AVIF, MP4
  if (ascii(bytes, 0, 4) === 'II*\0' || ascii(bytes, 0, 4) === 'MM\0*') return 'tiff';
  if (ascii(bytes, 0, 2) === 'BM') return 'bmp';
  if (ascii(bytes, 0, 4) === 'GIF8') return 'gif';
  if (ascii(bytes, 0, 4) === '%PDF') return 'pdf';
  return undefined;
}

function pngSize(b: Uint8Array): { width: number; height: number } | undefined {
  // Signature, then IHDR must be the first chunk: length 13, type, width, height.
  if (b.length < 24 || ascii(b, 12, 16) !== 'IHDR') return undefined;
  return { width: be32(b, 16), height: be32(b, 20) };
}

function webpSize(b: Uint8Array): { width: number; height: number } | undefined {
  const chunk = ascii(b, 12, 16);
  if (chunk === 'VP8 ' && b.length >= 30)
    return { width: le16(b, 26) & 0x3fff, height: le16(b, 28) & 0x3fff };
  if (chunk === 'VP8L' && b.length >= 25) {
    const bits = (b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24)) >>> 0;
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X' && b.length >= 30) return { width: le24(b, 24) + 1, height: le24(b, 27) + 1 };
  return undefined;
}

// Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but are not frames.
const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function jpegSize(b: Uint8Array): { width: number; height: number } | undefined {
  for (const { marker, at } of jpegSegments(b)) {
    if (!SOF.has(marker)) continue;
    if (at + 9 > b.length) return undefined;
    return { width: be16(b, at + 7), height: be16(b, at + 5) };
  }
  return undefined;
}

function sizeOf(format: AcceptedFormat, bytes: Uint8Array) {
  switch (format) {
    case 'png':
      return pngSize(bytes);
    case 'jpeg':
      return jpegSize(bytes);
    case 'webp':
      return webpSize(bytes);
  }
}

/**
 * Most scans a JPEG may have. Every scan is another pass over every block of the image, and an empty one takes
 * about 40 bytes: 5000 of them on a 4096² frame held libjpeg for 8 s, so a 20 MB file of them would hold a decoder
 * thread for a quarter of an hour. Encoders write one scan (baseline) to about twenty (an optimized progressive).
 */
export const MAX_JPEG_SCANS = 100;

/**
 * The scans (SOS segments) of a JPEG, found as libjpeg finds markers: bytes up to the next 0xFF are skipped (the
 * entropy-coded data of a scan, or junk libjpeg only warns about), segments are skipped by their length. Stops
 * once past `stopAfter`: a file of a million scans is walked only that far.
 */
export function jpegScanCount(b: Uint8Array, stopAfter = Number.POSITIVE_INFINITY): number {
  let scans = 0;
  let at = 2;
  for (;;) {
    const ff = b.indexOf(0xff, at);
    if (ff < 0) return scans;
    let m = ff + 1;
    while (b[m] === 0xff) m++; // fill bytes
    if (m >= b.length) return scans;
    const marker = b[m]!;
    if (marker === 0xd9) return scans; // end of image: libjpeg reads no further
    // Stuffed 0x00 and restart markers inside a scan, and the markers without a length.
    if (marker === 0x00 || marker === 0x01 || marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7)) {
      at = m + 1;
      continue;
    }
    if (marker === 0xda && ++scans > stopAfter) return scans;
    if (m + 2 >= b.length) return scans;
    at = m + 1 + be16(b, m + 1);
  }
}

/**
 * Most frames an animated WebP may have. Only the first is decoded, but reading the header visits every frame at a
 * cost that grows with the square of their number: 50 000 tiny frames (2.5 MB) took libvips 14 s, and 20 MB of
 * them would hold a decoder thread for a quarter of an hour. 1000 frames are 40 s of animation at 25 frames a second.
 */
export const MAX_WEBP_FRAMES = 1000;

/** The frames (ANMF chunks) of a WebP, walking its chunks by their sizes; stops once past `stopAfter`. */
export function webpFrameCount(b: Uint8Array, stopAfter = Number.POSITIVE_INFINITY): number {
  let frames = 0;
  // After "RIFF", the size and "WEBP": chunks of a four-letter name, a 32-bit size, the data padded to even.
  for (let at = 12; at + 8 <= b.length; ) {
    if (ascii(b, at, at + 4) === 'ANMF' && ++frames > stopAfter) return frames;
    const size = (b[at + 4]! | (b[at + 5]! << 8) | (b[at + 6]! << 16) | (b[at + 7]! << 24)) >>> 0;
    at += 8 + size + (size & 1);
  }
  return frames;
}

/**
 * Refuses, as `image_frames` (the user is asked for a still image), what the header left to judge, before any
 * decoder runs: a JPEG of more scans or a WebP of more frames than the limits above. Both cost the decoder far more
 * than their size.
 */
export function judgeImageBody(format: AcceptedFormat, bytes: Uint8Array): void {
  if (format === 'jpeg' && jpegScanCount(bytes, MAX_JPEG_SCANS) > MAX_JPEG_SCANS)
    throw new EngineError('image_frames', `the JPEG has over ${MAX_JPEG_SCANS} scans`);
  if (format === 'webp' && webpFrameCount(bytes, MAX_WEBP_FRAMES) > MAX_WEBP_FRAMES)
    throw new EngineError('image_frames', `the WebP has over ${MAX_WEBP_FRAMES} frames`);
}

/** The accepted container by its magic bytes, or undefined. */
export function sniffFormat(bytes: Uint8Array): AcceptedFormat | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes[0] === 0x89 && ascii(bytes, 1, 8) === 'PNG\r\n\x1a\n') return 'png';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp';
  return undefined;
}

/**
 * Format and upright size (EXIF orientation applied, as the decoder applies it) from the header alone. Empty →
 * `image_empty`; anything but PNG, JPEG or WebP (SVG, GIF, HEIC, TIFF, text, …) → `image_unsupported`; an
 * accepted container without a readable size → `image_invalid`.
 */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length === 0) throw new EngineError('image_empty', 'the image is empty');
  const format = sniffFormat(bytes);
  if (!format) {
    const foreign = foreignFormat(bytes);
    throw new EngineError('image_unsupported', `unsupported image format: ${foreign ?? 'unknown'}`);
  }
  const size = sizeOf(format, bytes);
  if (!size || size.width < 1 || size.height < 1) {
    throw new EngineError('image_invalid', `the ${format} header has no readable size`);
  }
  if (turnsQuarter(exifOrientation(format, bytes))) return { format, width: size.height, height: size.width };
  return { format, ...size };
}

/**
 * A pixel count in megapixels, to two significant digits and rounded down (40, 16, 0.05): said as the limit, a
 * figure rounded up (4096², 16.78 MP, as "17") would allow images that are refused. A whole number where the limit
 * is 10 MP or more, so no decimal separator a language writes otherwise ("16.7" in a German line).
 */
export function megapixelsOf(pixels: number): number {
  const megapixels = pixels / 1e6;
  if (megapixels <= 0) return 0;
  const unit = 10 ** (Math.floor(Math.log10(megapixels)) - 1);
  // The small epsilon keeps an exact figure (40) from losing its last digit to floating point.
  return Number((Math.floor(megapixels / unit + 1e-9) * unit).toPrecision(2));
}

/** Refuses a shape the tasks cannot use or that would cost too much to decode: pixels, smallest side, aspect. */
export function judgeImageShape(header: ImageHeader, limits: InputShapeLimits): void {
  const { width, height } = header;
  if (width * height > limits.maxPixels) {
    throw new EngineError('image_too_large', `image is ${width}×${height}, over ${limits.maxPixels} pixels`, {
      // A number, worded by each language's message ("40 megapixels", "40 Megapixel").
      megapixels: megapixelsOf(limits.maxPixels),
      size: `${width}×${height}`,
    });
  }
  if (Math.min(width, height) < limits.minSide) {
    throw new EngineError('image_too_small', `image is ${width}×${height}, under ${limits.minSide} px`, {
      size: `${width}×${height}`,
      min: limits.minSide,
    });
  }
  const aspect = Math.max(width, height) / Math.min(width, height);
  if (aspect > limits.maxAspect) {
    throw new EngineError('image_aspect', `image is ${width}×${height}, beyond ${limits.maxAspect}:1`, {
      size: `${width}×${height}`,
      // The two ends, worded by each language's message ("between 1:8 and 8:1").
      narrowest: `1:${limits.maxAspect}`,
      widest: `${limits.maxAspect}:1`,
    });
  }
}
