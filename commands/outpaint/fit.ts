// An outpaint's result stays within MAX_SIDE on both sides, as Midjourney's zoom and pan do: a source too large for
// its growth is scaled down first, its shape kept in whole cells. Past MAX_SIDE DiMOO was never trained, a 2048²
// canvas takes minutes and gigabytes on a CPU, and a result that large gets no Upscale.
import sharp from 'sharp';
import { type PaintRegion, planPaintRegion, type RgbImage } from '../../engine/index.js';
import { CELL, MAX_SIDE } from '../limits.js';
import { extensionOf } from '../regions.js';

type Size = { width: number; height: number };
type Extension = Extract<PaintRegion, { kind: 'extend' }>;

export interface FittedOutpaint {
  region: Extension;
  /** The canvas the engine paints: the result's size. */
  canvas: Size;
  /** Whole cells the source is scaled down to before it is placed; absent when it goes as it came. */
  scaledTo?: Size;
}

/**
 * The extension `extensionOf` reads from the options, on the source as it is where the canvas fits MAX_SIDE, else
 * on the largest copy of the source, in whole cells and of its shape, whose canvas does. The canvas is the engine's
 * own plan of the region (`planPaintRegion`), so the rounding of each side to cells is the one the job will do.
 */
export function fitOutpaint(
  zoom: number | undefined,
  direction: string | undefined,
  source: Size,
  shown?: { zoom: string; direction: string },
): FittedOutpaint {
  const planned = (size: Size) => {
    const region = extensionOf(zoom, direction, size, shown);
    const { canvas } = planPaintRegion(region, size, { dilate: 0, seed: 0, cellSize: CELL });
    return { region, canvas };
  };
  const fits = ({ canvas }: { canvas: Size }) => canvas.width <= MAX_SIDE && canvas.height <= MAX_SIDE;
  // Read first, so a refused option is refused whatever the size. A source within MAX_SIDE grows to at most twice
  // that, inside the engine's own limits; a larger one is never planned as it is (the engine could refuse it).
  const growth = extensionOf(zoom, direction, source, shown);
  if (Math.max(source.width, source.height) <= MAX_SIDE) {
    const asItIs = planned(source);
    if (fits(asItIs)) return asItIs;
  }
  const long = Math.max(source.width, source.height);
  const short = Math.min(source.width, source.height);
  const over = Math.max(
    (source.width * (1 + growth.left + growth.right)) / MAX_SIDE,
    (source.height * (1 + growth.top + growth.bottom)) / MAX_SIDE,
  );
  // From a little above a guess from the growth, a cell less at a time: each side rounds to whole cells, so the
  // guess can be a cell or two off either way.
  const guess = Math.floor(long / CELL / over) + 2;
  for (let cells = Math.min(guess, Math.floor(long / CELL)); cells >= 1; cells--) {
    const shortSide = Math.max(1, Math.round((short * cells) / long)) * CELL;
    const scaledTo =
      source.width >= source.height
        ? { width: cells * CELL, height: shortSide }
        : { width: shortSide, height: cells * CELL };
    const fitted = planned(scaledTo);
    if (fits(fitted)) return { ...fitted, scaledTo };
  }
  // Not reached: one cell of source, grown as the options allow, is a few cells wide.
  throw new Error(`no scale of ${source.width}×${source.height} fits ${MAX_SIDE} pixels once extended`);
}

/** The source at `size` (Lanczos), as a PNG: what the job places on its canvas. */
export async function scaledSource(image: RgbImage, size: Size): Promise<Uint8Array> {
  const png = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' })
    .png()
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
