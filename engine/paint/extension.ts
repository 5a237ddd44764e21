// Canvas extension (zoom-out, pan, make square): ours, as upstream paints only inside its own image (§3.3). The
// source goes onto the canvas at its own size, not floored to whole cells as a painted image is: its pixels can then
// come back as they came, and the model sees its true shape. Only a source shrunk to the pixel budget is resized.
import { EngineError } from '../api.js';
import type { Size } from '../image/crop.js';
import { DEFAULT_MAX_ASPECT } from '../image/header.js';
import type { Rect } from './mask.js';

export interface ExtensionPlan {
  /** The canvas the model paints, multiples of the cell size. */
  canvas: Size;
  /**
   * Where the source goes: at its own size, or shrunk into whole cells when the canvas would pass the pixel budget.
   * Its corner is cell-aligned unless the part of a cell its side leaves over is shared between two grown sides.
   */
  place: Rect;
  /**
   * The part of the canvas that is the result: all of it, less that leftover part on an axis grown neither way (a
   * pan right of a 400×300 picture is 300 high, not the 304 of its cells).
   */
  result: Rect;
}

/** Largest extension per side, as a fraction of the source side. */
export const MAX_EXTEND = 2;
/**
 * The longest source (long side over short) one extension can bring within the 8:1 every image input is held to,
 * growing the short side MAX_EXTEND its length each way: the source shape an extension may take (Make square of a
 * picture past 8:1); anything longer is refused from its header.
 */
export const WIDEST_EXTENDABLE_ASPECT = DEFAULT_MAX_ASPECT * (1 + 2 * MAX_EXTEND);

function badRequest(detail: string): EngineError {
  return new EngineError('bad_request', detail, { detail });
}

/**
 * Canvas growth for zoom-out and pan: each side grows by its fraction of the source side, rounded to whole cells
 * (at least one cell where the fraction is positive). With `maxPixels`, the source is shrunk first so the
 * canvas fits: that is a zoom-out, the picture smaller in the middle of a canvas of about the same size.
 */
export function planExtension(
  source: Size,
  extend: { left: number; top: number; right: number; bottom: number },
  options: { maxPixels?: number; cellSize?: number } = {},
): ExtensionPlan {
  const cell = options.cellSize ?? 16;
  const sides = ['left', 'top', 'right', 'bottom'] as const;
  for (const side of sides) {
    const v = extend[side];
    if (!Number.isFinite(v) || v < 0 || v > MAX_EXTEND) {
      throw badRequest(`the ${side} extension must be a number in [0, ${MAX_EXTEND}], got ${v}`);
    }
  }
  if (sides.every((s) => extend[s] === 0))
    throw badRequest('the extension is empty: extend at least one side');
  const grownW = source.width * (1 + extend.left + extend.right);
  const grownH = source.height * (1 + extend.top + extend.bottom);
  const scale = options.maxPixels ? Math.min(1, Math.sqrt(options.maxPixels / (grownW * grownH))) : 1;
  const shrunk = (side: number) => Math.floor((side * scale) / cell) * cell;
  const width = scale < 1 ? shrunk(source.width) : source.width;
  const height = scale < 1 ? shrunk(source.height) : source.height;
  if (width < cell || height < cell) throw badRequest('the image is too small to extend');
  const x = planAxis(width, extend.left, extend.right, cell);
  const y = planAxis(height, extend.top, extend.bottom, cell);
  return {
    canvas: { width: x.canvas, height: y.canvas },
    place: { left: x.offset, top: y.offset, width, height },
    result: { left: 0, top: 0, width: x.result, height: y.result },
  };
}

/** One axis: the source's side in whole cells (`span`), each grown side's cells, the source's offset. */
function planAxis(side: number, before: number, after: number, cell: number) {
  const span = Math.ceil(side / cell) * cell;
  const pad = (fraction: number) =>
    fraction > 0 ? Math.max(cell, Math.round((fraction * span) / cell) * cell) : 0;
  const head = pad(before);
  const canvas = head + span + pad(after);
  // The leftover part of the last cell is drawn on a grown side (split where both grow, so a zoom stays centred);
  // on an axis grown neither way it lies past the source's end and is cut from the result.
  const leftover = span - side;
  const headPart = before > 0 ? (after > 0 ? Math.floor(leftover / 2) : leftover) : 0;
  return { offset: head + headPart, canvas, result: before > 0 || after > 0 ? canvas : side };
}

/** Cells not wholly inside the placed source: the new canvas and the cells the source only partly covers. */
export function extensionCells(plan: ExtensionPlan, cellSize = 16): Uint8Array {
  const cols = plan.canvas.width / cellSize;
  const rows = plan.canvas.height / cellSize;
  const { left, top, width, height } = plan.place;
  const cells = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x = c * cellSize;
      const y = r * cellSize;
      const inside = x >= left && x + cellSize <= left + width && y >= top && y + cellSize <= top + height;
      cells[r * cols + c] = inside ? 0 : 1;
    }
  }
  return cells;
}

/**
 * The paste-back mask of an extension's `result`: 1 outside the placed source and `inset` pixels into it on each side
 * that borders new canvas, so a feather of `inset` blends only inside the source (the canvas outside it is grey, not
 * a picture to blend with) and the source farther in is its own. A side at the result's edge keeps every pixel.
 */
export function extensionPasteMask(
  plan: Pick<ExtensionPlan, 'place' | 'result'>,
  inset: number,
): { width: number; height: number; data: Float32Array } {
  const { width, height } = plan.result;
  const data = new Float32Array(width * height).fill(1);
  const { left, top } = plan.place;
  const right = left + plan.place.width;
  const bottom = top + plan.place.height;
  const x0 = left > 0 ? left + inset : 0;
  const x1 = right < width ? right - inset : width;
  const y0 = top > 0 ? top + inset : 0;
  const y1 = bottom < height ? bottom - inset : height;
  for (let y = Math.max(0, y0); y < Math.min(height, y1); y++)
    data.fill(0, y * width + Math.max(0, x0), y * width + Math.min(width, x1));
  return { width, height, data };
}
