// Telegram's limits for photos (sendPhoto): up to 10 MB, width + height ≤ 10000, side ratio ≤ 20. Anything past
// them goes as a document, which Telegram also leaves uncompressed.

export const PHOTO_MAX_BYTES = 10 * 1024 * 1024;
export const PHOTO_MAX_SIDE_SUM = 10_000;
export const PHOTO_MAX_RATIO = 20;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from a PNG's IHDR chunk; undefined when the bytes are not a PNG. */
export function pngDimensions(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 24 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return undefined;
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** True when Telegram would take these bytes as a photo; unknown formats are left to Telegram to judge. */
export function fitsAsPhoto(bytes: Uint8Array): boolean {
  if (bytes.length > PHOTO_MAX_BYTES) return false;
  const size = pngDimensions(bytes);
  if (!size) return true;
  const { width, height } = size;
  if (width === 0 || height === 0) return false;
  return (
    width + height <= PHOTO_MAX_SIDE_SUM &&
    Math.max(width, height) / Math.min(width, height) <= PHOTO_MAX_RATIO
  );
}
