// Images of one size tiled into one picture (a text-to-image request's candidates), so a chat shows them as one
// message to pick from, as Midjourney's grid does.
import type { RgbImage } from '../api.js';

/** Pixels between neighbouring images, and the colour of the gaps and of an empty cell. */
export const GRID_GAP = 8;
const GRID_BACKGROUND = 24;

/** Where each image lies in the grid: 2 side by side (stacked when wide), 3–4 as 2 × 2. */
export function gridLayout(count: number, width: number, height: number): { columns: number; rows: number } {
  if (count <= 1) return { columns: 1, rows: 1 };
  if (count === 2) return width > height ? { columns: 1, rows: 2 } : { columns: 2, rows: 1 };
  const columns = 2;
  return { columns, rows: Math.ceil(count / columns) };
}

/** Tiles images of equal size left to right, top to bottom; reading order is the candidates' order. */
export function tileImages(images: readonly RgbImage[]): RgbImage {
  const first = images[0];
  if (!first) throw new RangeError('no images to tile');
  if (images.length === 1) return first;
  const { width, height } = first;
  if (images.some((image) => image.width !== width || image.height !== height))
    throw new RangeError('grid images must share one size');
  const { columns, rows } = gridLayout(images.length, width, height);
  const outWidth = columns * width + (columns - 1) * GRID_GAP;
  const outHeight = rows * height + (rows - 1) * GRID_GAP;
  const data = new Uint8Array(outWidth * outHeight * 3).fill(GRID_BACKGROUND);
  for (const [i, image] of images.entries()) {
    const left = (i % columns) * (width + GRID_GAP);
    const top = Math.floor(i / columns) * (height + GRID_GAP);
    for (let y = 0; y < height; y++) {
      const from = y * width * 3;
      data.set(image.data.subarray(from, from + width * 3), ((top + y) * outWidth + left) * 3);
    }
  }
  return { width: outWidth, height: outHeight, data };
}
