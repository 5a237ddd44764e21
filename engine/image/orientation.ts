// The EXIF orientation of a PNG, JPEG or WebP, read from its bytes as its header is: a phone's portrait photo is
// often stored landscape with orientation 6, and the decoder turns it upright (sharp's `rotate()`), so a size read
// from the header alone was the wrong way round: a described portrait photo drew its /imagine in landscape.
import { ascii, be16, be32, jpegSegments, le32 } from './bytes.js';
import type { AcceptedFormat } from './header.js';

const ORIENTATION_TAG = 0x0112;

/** The orientation tag of IFD0 of the TIFF structure in `b` from `start` to `end`; 1 where there is none. */
function tiffOrientation(b: Uint8Array, start: number, end: number): number {
  const order = ascii(b, start, start + 2);
  if (end > b.length || end - start < 8 || (order !== 'II' && order !== 'MM')) return 1;
  const little = order === 'II';
  const u16 = (at: number) => (little ? b[at]! | (b[at + 1]! << 8) : be16(b, at));
  const u32 = (at: number) => (little ? le32(b, at) : be32(b, at));
  const ifd = start + u32(start + 4);
  if (ifd + 2 > end) return 1;
  const entries = u16(ifd);
  for (let e = 0; e < entries; e++) {
    const at = ifd + 2 + e * 12;
    if (at + 12 > end) return 1;
    if (u16(at) === ORIENTATION_TAG) {
      const value = u16(at + 8);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

const EXIF_PREFIX = 'Exif\0\0';

/** The first APP1 Exif segment before the frame, as libjpeg hands it to the decoder. */
function jpegOrientation(b: Uint8Array): number {
  for (const { marker, at, length } of jpegSegments(b))
    if (marker === 0xe1 && ascii(b, at + 4, at + 10) === EXIF_PREFIX)
      return tiffOrientation(b, at + 10, at + 2 + length);
  return 1;
}

/** An eXIf chunk before the image data (where the decoder reads it). */
function pngOrientation(b: Uint8Array): number {
  for (let at = 8; at + 8 <= b.length; ) {
    const length = be32(b, at);
    const type = ascii(b, at + 4, at + 8);
    if (type === 'IDAT' || type === 'IEND') return 1;
    if (type === 'eXIf') return tiffOrientation(b, at + 8, at + 8 + length);
    at += 12 + length;
  }
  return 1;
}

/** The EXIF chunk of an extended WebP (some writers start it with "Exif\0\0", as in a JPEG). */
function webpOrientation(b: Uint8Array): number {
  for (let at = 12; at + 8 <= b.length; ) {
    const size = le32(b, at + 4);
    if (ascii(b, at, at + 4) === 'EXIF') {
      const data = ascii(b, at + 8, at + 14) === EXIF_PREFIX ? at + 14 : at + 8;
      return tiffOrientation(b, data, at + 8 + size);
    }
    at += 8 + size + (size & 1);
  }
  return 1;
}

/** The EXIF orientation (1–8; 1 where the file has none or a value out of range). */
export function exifOrientation(format: AcceptedFormat, bytes: Uint8Array): number {
  switch (format) {
    case 'jpeg':
      return jpegOrientation(bytes);
    case 'png':
      return pngOrientation(bytes);
    case 'webp':
      return webpOrientation(bytes);
  }
}

/** Orientations 5–8 turn the picture a quarter: its upright width is the stored height. */
export function turnsQuarter(orientation: number): boolean {
  return orientation >= 5 && orientation <= 8;
}
