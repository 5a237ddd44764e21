// An outpaint's result stays within MAX_SIDE on both sides, as Midjourney's zoom and pan do: a source too large for
// its growth is scaled down first, its shape kept in whole cells. Past MAX_SIDE DiMOO was never trained, a 2048²
// canvas takes minutes and gigabytes on a CPU, and a result that large gets no Upscale.
import sharp from 'sharp';
import {
  DEFAULT_MAX_ASPECT,
  decodeImage,
  EngineError,
  type PaintRegion,
  planPaintRegion,
  type RgbImage,
  readImageHeader,
  WIDEST_EXTENDABLE_ASPECT,
} from '../../engine/index.js';
import type { StoredRequest } from '../../src/jobs/index.js';
import { UserInputError } from '../errors.js';
import { CELL, MAX_SIDE } from '../limits.js';
import { extensionOf } from '../regions.js';
import type { Direction } from './spec.js';

type Size = { width: number; height: number };
type Extension = Extract<PaintRegion, { kind: 'extend' }>;

export interface FittedOutpaint {
  region: Extension;
  /** The canvas the engine paints (whole cells): what MAX_SIDE and the price are judged on. */
  canvas: Size;
  /** The result's size: the canvas, less the part of a cell an axis grown neither way does not fill. */
  result: Size;
  /** Whole cells the source is scaled down to before it is placed; absent when it goes as it came. */
  scaledTo?: Size;
}

/**
 * The extension `extensionOf` reads from the options, fitted within MAX_SIDE (`fitExtension`); a source under one
 * cell is refused, as the engine would.
 */
export function fitOutpaint(
  zoom: number | undefined,
  direction: string | undefined,
  source: Size,
  shown?: { zoom: string; direction: string },
): FittedOutpaint {
  refuseUnderACell(source);
  // Read before any scaling, so a refused option is refused however large the source.
  extensionOf(zoom, direction, source, shown);
  const fitted = fitExtension((size) => extensionOf(zoom, direction, size, shown), source);
  refuseBeyondInputShape(fitted.result);
  return fitted;
}

/**
 * Whether a pan toward `direction` (or Make square) of a `size` picture makes a result the bot could take again: its
 * arrow is offered only then.
 */
export function panFits(direction: Direction, size: Size): boolean {
  // A picture already past 8:1 (an older version's pan) is refused as the input of every growth but Make square.
  if (direction !== 'square' && aspectOf(size) > DEFAULT_MAX_ASPECT) return false;
  try {
    fitOutpaint(undefined, direction, size);
    return true;
  } catch (error) {
    if (error instanceof UserInputError || error instanceof EngineError) return false;
    throw error;
  }
}

/**
 * A pan of a long picture toward its long side makes it longer still, and the cap scales it down: past the shape
 * every image input is held to (8:1) the result would be one no button could take, so it is refused before it runs.
 */
function refuseBeyondInputShape(canvas: Size): void {
  if (aspectOf(canvas) <= DEFAULT_MAX_ASPECT) return;
  throw new UserInputError('errors.outpaint.too_elongated', {
    size: `${canvas.width}×${canvas.height}`,
    max: DEFAULT_MAX_ASPECT,
  });
}

function aspectOf({ width, height }: Size): number {
  return Math.max(width, height) / Math.min(width, height);
}

/**
 * A stored request made again (Re-roll, `..`, Remix) with its stored files: an outpaint stored before results were
 * kept within MAX_SIDE may grow past it, so its source is scaled down as a new one's is (`refitStoredOutpaint`).
 * Any other request, and an outpaint that fits, goes as it came.
 */
export async function refitIfGrown<R extends StoredRequest>(
  request: R,
  files: Readonly<Record<string, Uint8Array>>,
  maxPixels: number,
): Promise<{ request: R; files: Record<string, Uint8Array> }> {
  const stored: StoredRequest = request;
  if (stored.task !== 'paint' || stored.region.kind !== 'extend') return { request, files: { ...files } };
  const refitted = await refitStoredOutpaint(stored.image, stored.region, files, maxPixels);
  return { request: { ...request, image: refitted.image }, files: refitted.files };
}

/**
 * An outpaint's region's fractions on its stored source, that source scaled down as a new one would be. Returns the
 * request's image and files as they go, unchanged where the canvas fits; refused where the canvas is past 8:1.
 */
async function refitStoredOutpaint(
  image: { file: string },
  region: Extension,
  files: Readonly<Record<string, Uint8Array>>,
  maxPixels: number,
): Promise<{ image: { file: string }; files: Record<string, Uint8Array> }> {
  const bytes = files[image.file];
  if (!bytes) throw new Error(`the stored outpaint has no ${image.file}`);
  const header = readImageHeader(bytes);
  const source = { width: header.width, height: header.height };
  refuseUnderACell(source);
  const { scaledTo, result } = fitExtension(() => region, source);
  // A pan an older version ran past 8:1 would make that picture again.
  refuseBeyondInputShape(result);
  if (!scaledTo) return { image, files: { ...files } };
  const { [image.file]: _placedAsItCame, ...others } = files;
  // Its source may be past 8:1 (Make square of such a picture); its canvas was judged above.
  const decoded = await decodeImage(bytes, { maxPixels, maxAspect: WIDEST_EXTENDABLE_ASPECT });
  const png = await scaledSource(decoded, scaledTo);
  return { image: { file: 'input.png' }, files: { ...others, 'input.png': png } };
}

/**
 * `regionAt`'s extension on the source as it is where the canvas fits MAX_SIDE, else on the largest copy of the
 * source, in whole cells and of its shape, whose canvas does. The canvas is the engine's own plan of the region
 * (`planPaintRegion`), so the rounding of each side to cells is the one the job will do.
 */
function fitExtension(regionAt: (size: Size) => Extension, source: Size): FittedOutpaint {
  const planned = (size: Size) => {
    const region = regionAt(size);
    const plan = planPaintRegion(region, size, { dilate: 0, seed: 0, cellSize: CELL });
    return { region, canvas: plan.canvas, result: { width: plan.result.width, height: plan.result.height } };
  };
  const fits = ({ canvas }: { canvas: Size }) => canvas.width <= MAX_SIDE && canvas.height <= MAX_SIDE;
  // A source within MAX_SIDE grows to at most twice that, inside the engine's own limits; a larger one is never
  // planned as it is (the engine could refuse it).
  const growth = regionAt(source);
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

/**
 * The engine places whole cells and refuses a source under one (in English); a square's growth counts cells, so
 * under one it reads as none. An upload may be as small as 8 pixels a side: refused here in the user's language.
 */
function refuseUnderACell(source: Size): void {
  if (Math.min(source.width, source.height) >= CELL) return;
  throw new EngineError(
    'image_too_small',
    `image is ${source.width}×${source.height}, under a ${CELL} px cell`,
    {
      size: `${source.width}×${source.height}`,
      min: CELL,
    },
  );
}

/** The source at `size` (Lanczos), as a PNG: what the job places on its canvas. */
export async function scaledSource(image: RgbImage, size: Size): Promise<Uint8Array> {
  const png = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' })
    .png()
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
