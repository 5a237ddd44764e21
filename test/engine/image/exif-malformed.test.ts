// A malformed EXIF block (orientation.ts) is read as no orientation: readImageHeader must neither throw past it nor
// loop on it, whatever its offsets and counts say. Hand-built JPEGs: the EXIF block is all that varies.
import { describe, expect, it } from 'vitest';
import { readImageHeader } from '../../../engine/image/header.js';
import { exifOrientation } from '../../../engine/image/orientation.js';

/** A 20×10 baseline JPEG's header, its APP1 holding "Exif\0\0" and `tiff`; `declared` overrides the APP1 length. */
function jpegWithExif(tiff: number[], declared = tiff.length + 8): Uint8Array {
  const app1 = [0xff, 0xe1, declared >> 8, declared & 0xff, ...Buffer.from('Exif\0\0'), ...tiff];
  const sof = [0xff, 0xc0, 0, 17, 8, 0, 10, 0, 20, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
  return Uint8Array.from([0xff, 0xd8, ...app1, ...sof, 0xff, 0xda]);
}

/** A TIFF block with IFD0 right after its header, holding `entries` 12-byte entries of (tag, SHORT, 1, value). */
function tiff(order: 'II' | 'MM', entries: Array<[number, number]>, count = entries.length): number[] {
  const u16 = (v: number) => (order === 'II' ? [v & 0xff, v >> 8] : [v >> 8, v & 0xff]);
  const u32 = (v: number) =>
    order === 'II' ? [...u16(v & 0xffff), ...u16(v >>> 16)] : [...u16(v >>> 16), ...u16(v & 0xffff)];
  const body = entries.flatMap(([tag, value]) => [...u16(tag), ...u16(3), ...u32(1), ...u16(value), 0, 0]);
  return [...Buffer.from(order), ...u16(42), ...u32(8), ...u16(count), ...body, ...u32(0)];
}

const ORIENTATION = 0x0112;

describe('EXIF orientation of a malformed block', () => {
  it('reads orientation 6 in either byte order (the well-formed case the others break)', () => {
    for (const order of ['II', 'MM'] as const) {
      const bytes = jpegWithExif(tiff(order, [[ORIENTATION, 6]]));
      expect(exifOrientation('jpeg', bytes)).toBe(6);
      expect(readImageHeader(bytes)).toEqual({ format: 'jpeg', width: 10, height: 20 });
    }
  });

  it.each([
    [
      'an APP1 cut short by the end of the file',
      () => jpegWithExif(tiff('MM', [[ORIENTATION, 6]])).subarray(0, 30),
    ],
    ['an APP1 longer than the file', () => jpegWithExif(tiff('II', [[ORIENTATION, 6]]), 0xfff0)],
    ['an APP1 shorter than its IFD', () => jpegWithExif(tiff('II', [[ORIENTATION, 6]]), 8 + 12)],
    [
      'an IFD offset past the end',
      () => {
        const block = tiff('MM', [[ORIENTATION, 6]]);
        block.splice(4, 4, 0xff, 0xff, 0xff, 0xf0);
        return jpegWithExif(block);
      },
    ],
    [
      'an entry count of 65535 with one entry, not the orientation',
      () => jpegWithExif(tiff('II', [[0x0100, 6]], 0xffff)),
    ],
    [
      'a byte order that is neither II nor MM',
      () => {
        const block = tiff('II', [[ORIENTATION, 6]]);
        block.splice(0, 2, 0x58, 0x58);
        return jpegWithExif(block);
      },
    ],
    ['an orientation out of range', () => jpegWithExif(tiff('MM', [[ORIENTATION, 9]]))],
  ])('%s: no orientation, and no throw', (_, make) => {
    const bytes = make();
    expect(exifOrientation('jpeg', bytes)).toBe(1);
    // The header's own reading decides: a size where the frame header is whole, `image_invalid` where it is not.
    try {
      expect(readImageHeader(bytes)).toEqual({ format: 'jpeg', width: 20, height: 10 });
    } catch (error) {
      expect((error as { code?: string }).code).toBe('image_invalid');
    }
  });

  it('reads one entry in a count of 65535 when it is the orientation, and stops at the block’s end', () => {
    const bytes = jpegWithExif(tiff('MM', [[ORIENTATION, 8]], 0xffff));
    expect(exifOrientation('jpeg', bytes)).toBe(8);
  });
});
