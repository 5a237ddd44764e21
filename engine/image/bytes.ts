// Reading an image container's header fields from its bytes, and walking a JPEG's segments before its first scan:
// what image/header.ts (the size) and image/orientation.ts (EXIF) both read, without any image parser.

export const ascii = (b: Uint8Array, from: number, to: number) =>
  String.fromCharCode(...b.subarray(from, Math.min(to, b.length)));
export const be16 = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
export const be32 = (b: Uint8Array, i: number) =>
  ((b[i]! << 24) >>> 0) + (b[i + 1]! << 16) + (b[i + 2]! << 8) + b[i + 3]!;
export const le16 = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8);
export const le24 = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
export const le32 = (b: Uint8Array, i: number) =>
  (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;

/**
 * The segments of a JPEG before its first scan, each marker with where it stands and its declared length: fill bytes
 * and the markers without a length are stepped over, and the walk ends at a byte that is no marker, at the first scan
 * (SOS) or at the end of the image (EOI).
 */
export function* jpegSegments(b: Uint8Array): Generator<{ marker: number; at: number; length: number }> {
  for (let i = 2; i + 4 <= b.length; ) {
    if (b[i] !== 0xff) return;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return;
    const length = be16(b, i + 2);
    yield { marker, at: i, length };
    i += 2 + length;
  }
}
