// Paint regions → which latent cells to regenerate (dimoo-inference.md §3.3), and pasting the original pixels
// back outside them. Upstream has only the centred ratio rectangle; boxes, mask images and canvas extension are
// ours, mapped to cells by the same area-average-then-threshold rule.
// @see Alpha-VLLM/Lumina-DiMOO utils/image_utils.py: encode_img_with_paint
import { EngineError, type PaintRegion, type RgbImage } from '../api.js';
import { pyRound, type Size } from '../image/crop.js';
import { NoiseStream, uniformsF64 } from '../sampling/rng.js';
import type { Grid } from '../sequence.js';
import { extensionCells, planExtension } from './extension.js';

export { type ExtensionPlan, extensionCells, MAX_EXTEND, planExtension } from './extension.js';

/** A per-pixel mask in [0, 1]; 1 = regenerate. */
export interface PixelMask {
  width: number;
  height: number;
  data: Float32Array;
}

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

function badRequest(detail: string): EngineError {
  return new EngineError('bad_request', detail, { detail });
}

function emptyMask(width: number, height: number): PixelMask {
  return { width, height, data: new Float32Array(width * height) };
}

function fillRect(
  mask: PixelMask,
  left: number,
  top: number,
  right: number,
  bottom: number,
  value: number,
): void {
  const x0 = Math.max(0, left);
  const x1 = Math.min(mask.width, right);
  const y0 = Math.max(0, top);
  const y1 = Math.min(mask.height, bottom);
  for (let y = y0; y < y1; y++) mask.data.fill(value, y * mask.width + x0, y * mask.width + x1);
}

function checkFraction(name: string, value: number, allowZero: boolean): void {
  if (!Number.isFinite(value) || value > 1 || value < 0 || (!allowZero && value === 0)) {
    throw badRequest(`${name} must be a number in ${allowZero ? '[0, 1]' : '(0, 1]'}, got ${value}`);
  }
}

/**
 * Upstream's centred rectangle: `mh = round(H·hr)`, `mw = round(W·wr)`, `top = (H−mh)//2`, `left = (W−mw)//2` on
 * the source size, mapped to the encode size by rounding. Inpaint regenerates the rectangle, outpaint the rest.
 */
export function ratioMask(
  source: Size,
  encode: Size,
  hRatio: number,
  wRatio: number,
  mode: 'inpaint' | 'outpaint',
): PixelMask {
  checkFraction('the height ratio', hRatio, false);
  checkFraction('the width ratio', wRatio, false);
  const { width: W, height: H } = source;
  const mh = pyRound(H * hRatio);
  const mw = pyRound(W * wRatio);
  const top = Math.floor((H - mh) / 2);
  const left = Math.floor((W - mw) / 2);
  const sy = encode.height / H;
  const sx = encode.width / W;
  const topP = pyRound(top * sy);
  const leftP = pyRound(left * sx);
  const mask = emptyMask(encode.width, encode.height);
  if (mode === 'outpaint') mask.data.fill(1);
  fillRect(mask, leftP, topP, leftP + pyRound(mw * sx), topP + pyRound(mh * sy), mode === 'inpaint' ? 1 : 0);
  return mask;
}

/** Fractions typed with a few digits (`0.333,0,0.667,1`) may sum a hair past 1. */
const BOX_SLACK = 1e-4;

/** The union of boxes given as fractions of width/height, each inside the image. */
export function boxesMask(
  size: Size,
  boxes: ReadonlyArray<{ x: number; y: number; w: number; h: number }>,
): PixelMask {
  if (boxes.length === 0) throw badRequest('no box given');
  const mask = emptyMask(size.width, size.height);
  boxes.forEach((box, i) => {
    const name = `box ${i + 1} (x ${box.x}, y ${box.y}, w ${box.w}, h ${box.h})`;
    if (![box.x, box.y, box.w, box.h].every(Number.isFinite))
      throw badRequest(`${name} has a value that is not a number`);
    if (box.w <= 0 || box.h <= 0) throw badRequest(`${name} is empty: width and height must be positive`);
    const left = Math.max(0, Math.floor(box.x * size.width));
    const top = Math.max(0, Math.floor(box.y * size.height));
    const right = Math.min(size.width, Math.ceil((box.x + box.w) * size.width));
    const bottom = Math.min(size.height, Math.ceil((box.y + box.h) * size.height));
    if (right <= left || bottom <= top) throw badRequest(`${name} lies outside the image`);
    // Clipped without a word, a box half past the edge would redraw less than was asked for (the bot refuses it too).
    if (box.x < 0 || box.y < 0 || box.x + box.w > 1 + BOX_SLACK || box.y + box.h > 1 + BOX_SLACK)
      throw badRequest(`${name} runs past the image: x and y from 0, x + w and y + h at most 1`);
    fillRect(mask, left, top, right, bottom, 1);
  });
  return mask;
}

/**
 * Area average of a [0,1] plane onto an `outW × outH` grid, as torch's `interpolate(mode="area")`
 * (adaptive average pooling: bin i spans `[⌊i·in/out⌋, ⌈(i+1)·in/out⌉)`).
 */
export function areaResize(src: PixelMask, outW: number, outH: number): PixelMask {
  const out = emptyMask(outW, outH);
  for (let oy = 0; oy < outH; oy++) {
    const y0 = Math.floor((oy * src.height) / outH);
    const y1 = Math.ceil(((oy + 1) * src.height) / outH);
    for (let ox = 0; ox < outW; ox++) {
      const x0 = Math.floor((ox * src.width) / outW);
      const x1 = Math.ceil(((ox + 1) * src.width) / outW);
      let sum = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += src.data[y * src.width + x]!;
      out.data[oy * outW + ox] = sum / ((y1 - y0) * (x1 - x0));
    }
  }
  return out;
}

/**
 * A mask image (white = regenerate, grey = partly) as a [0,1] plane at `size`; a mask of another size is
 * area-resized onto the image. An all-black mask is refused.
 */
export function maskImageToPixelMask(image: RgbImage, size: Size): PixelMask {
  const plane = emptyMask(image.width, image.height);
  let any = false;
  for (let i = 0; i < plane.data.length; i++) {
    const d = image.data;
    const v = (0.299 * d[3 * i]! + 0.587 * d[3 * i + 1]! + 0.114 * d[3 * i + 2]!) / 255;
    plane.data[i] = v;
    if (v >= 0.5) any = true;
  }
  if (!any) throw badRequest('the mask is empty: paint the area to change in white');
  if (image.width === size.width && image.height === size.height) return plane;
  return areaResize(plane, size.width, size.height);
}

/** Pixel mask → latent cells: area average per cell, then `> 0.5` (strict), as upstream. */
export function pixelMaskToCells(mask: PixelMask, grid: Grid): Uint8Array {
  const pooled = areaResize(mask, grid.cols, grid.rows);
  return Uint8Array.from(pooled.data, (v) => (v > 0.5 ? 1 : 0));
}

/** Latent dilation by `k` cells in every direction (a (2k+1)² max-pool, upstream's `dilate_latent_k`). */
export function dilateCells(cells: Uint8Array, grid: Grid, k: number): Uint8Array {
  if (!Number.isInteger(k) || k < 0) throw badRequest(`dilation must be a non-negative integer, got ${k}`);
  if (k === 0) return cells;
  const out = new Uint8Array(cells.length);
  for (let r = 0; r < grid.rows; r++) {
    for (let c = 0; c < grid.cols; c++) {
      let hit = 0;
      for (let dr = -k; dr <= k && !hit; dr++) {
        const rr = r + dr;
        if (rr < 0 || rr >= grid.rows) continue;
        for (let dc = -k; dc <= k; dc++) {
          const cc = c + dc;
          if (cc >= 0 && cc < grid.cols && cells[rr * grid.cols + cc]) {
            hit = 1;
            break;
          }
        }
      }
      out[r * grid.cols + c] = hit;
    }
  }
  return out;
}

/** The regenerated cells as pixels (each cell a `cellSize²` block). */
export function cellsToPixelMask(cells: Uint8Array, grid: Grid, cellSize = 16): PixelMask {
  const mask = emptyMask(grid.cols * cellSize, grid.rows * cellSize);
  for (let r = 0; r < grid.rows; r++) {
    for (let c = 0; c < grid.cols; c++) {
      if (cells[r * grid.cols + c]) {
        fillRect(mask, c * cellSize, r * cellSize, (c + 1) * cellSize, (r + 1) * cellSize, 1);
      }
    }
  }
  return mask;
}

function floorTo(value: number, cell: number): number {
  return Math.floor(value / cell) * cell;
}

export interface PaintPlan {
  /** The size the VQ encoder sees: the source floored to multiples of 16, or the extended canvas. */
  canvas: Size;
  /** Where the source is drawn on the canvas (the whole canvas unless extending). */
  place: Rect;
  /** The part of the canvas an extension's result is (`ExtensionPlan.result`); the whole canvas otherwise. */
  result: Rect;
  grid: Grid;
  /** 1 = regenerate, per cell, row-major (after dilation). */
  cells: Uint8Array;
  /** The regenerated area in canvas pixels, for `pasteBack`. */
  regenerated: PixelMask;
}

/**
 * Everything geometric about a paint request: canvas, cells to regenerate, and the pixel area they cover.
 * A region that covers no whole cell is refused.
 */
export function planPaint(
  region: PaintRegion,
  source: Size,
  options: { dilate?: number; maxPixels?: number; cellSize?: number; seed?: number } = {},
): PaintPlan {
  const cell = options.cellSize ?? 16;
  let canvas: Size;
  let place: Rect;
  let result: Rect;
  let cells: Uint8Array;
  let grid: Grid;
  if (region.kind === 'extend') {
    const plan = planExtension(source, region, options);
    canvas = plan.canvas;
    place = plan.place;
    result = plan.result;
    grid = { rows: canvas.height / cell, cols: canvas.width / cell };
    cells = extensionCells(plan, cell);
  } else {
    canvas = { width: floorTo(source.width, cell), height: floorTo(source.height, cell) };
    if (canvas.width < cell || canvas.height < cell) {
      throw badRequest(
        `the image is ${source.width}×${source.height}; both sides must be at least ${cell} pixels`,
      );
    }
    place = { left: 0, top: 0, ...canvas };
    result = place;
    grid = { rows: canvas.height / cell, cols: canvas.width / cell };
    if (region.kind === 'scatter') {
      cells = scatterCells(grid, region.share, options.seed ?? 0);
      return finishPlan(cells, { canvas, place, result, grid }, cell, options.dilate);
    }
    let mask: PixelMask;
    switch (region.kind) {
      case 'inpaint_ratio':
        mask = ratioMask(source, canvas, region.hRatio, region.wRatio, 'inpaint');
        break;
      case 'outpaint_ratio':
        mask = ratioMask(source, canvas, region.hRatio, region.wRatio, 'outpaint');
        break;
      case 'boxes':
        mask = boxesMask(canvas, region.boxes);
        break;
      case 'mask':
        mask = maskImageToPixelMask(region.mask, canvas);
        break;
    }
    cells = pixelMaskToCells(mask, grid);
  }
  return finishPlan(cells, { canvas, place, result, grid }, cell, options.dilate);
}

function finishPlan(
  chosen: Uint8Array,
  shape: Pick<PaintPlan, 'canvas' | 'place' | 'result' | 'grid'>,
  cell: number,
  dilate = 0,
): PaintPlan {
  const cells = dilateCells(chosen, shape.grid, dilate);
  if (!cells.some((v) => v === 1)) {
    throw badRequest(`the region to repaint is too small: it covers no whole ${cell}×${cell} cell`);
  }
  return { ...shape, cells, regenerated: cellsToPixelMask(cells, shape.grid, cell) };
}

/** `round(share × cells)` cells (at least one), those with the smallest of one seeded uniform each. */
export function scatterCells(grid: Grid, share: number, seed: number): Uint8Array {
  if (!(share > 0 && share <= 1))
    throw badRequest(`the share of cells to redraw must be in (0, 1], got ${share}`);
  const n = grid.rows * grid.cols;
  const noise = uniformsF64(seed, 0, NoiseStream.scatter, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => noise[a]! - noise[b]!);
  const cells = new Uint8Array(n);
  for (const i of order.slice(0, Math.max(1, Math.round(share * n)))) cells[i] = 1;
  return cells;
}

// Separable box filter of a 0/1 plane (window 2r+1, clipped at the borders): 0 exactly where no masked pixel
// is within r (Chebyshev), 1 exactly where the whole window is masked. Integer running sums keep it exact.
function featherAlpha(mask: PixelMask, radius: number): Float32Array {
  const { width, height } = mask;
  const counts = new Int32Array(width * height);
  for (let i = 0; i < counts.length; i++) counts[i] = mask.data[i]! > 0.5 ? 1 : 0;
  if (radius === 0) return Float32Array.from(counts);
  const rows = new Int32Array(width * height);
  for (let y = 0; y < height; y++) windowSums(counts, rows, y * width, 1, width, radius);
  const sums = new Int32Array(width * height);
  for (let x = 0; x < width; x++) windowSums(rows, sums, x, width, height, radius);
  const span = (i: number, n: number) => Math.min(i + radius, n - 1) - Math.max(i - radius, 0) + 1;
  const alpha = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy = span(y, height);
    for (let x = 0; x < width; x++) alpha[y * width + x] = sums[y * width + x]! / (sy * span(x, width));
  }
  return alpha;
}

// Sum over the clipped window [i−r, i+r] along one line of `n` samples starting at `start` with `stride`.
function windowSums(src: Int32Array, dst: Int32Array, start: number, stride: number, n: number, r: number) {
  let sum = 0;
  for (let i = 0; i < Math.min(r, n); i++) sum += src[start + i * stride]!;
  for (let i = 0; i < n; i++) {
    if (i + r < n) sum += src[start + (i + r) * stride]!;
    if (i - r - 1 >= 0) sum -= src[start + (i - r - 1) * stride]!;
    dst[start + i * stride] = sum;
  }
}

/**
 * The generated image inside the mask, the original outside, blended over a soft edge `feather` pixels wide on
 * each side of the mask boundary. Pixels farther than `feather` outside the mask are the original's, byte for
 * byte.
 */
export function pasteBack(original: RgbImage, generated: RgbImage, mask: PixelMask, feather = 8): RgbImage {
  if (
    original.width !== generated.width ||
    original.height !== generated.height ||
    mask.width !== original.width ||
    mask.height !== original.height
  ) {
    throw new EngineError(
      'internal',
      `paste-back sizes differ: original ${original.width}×${original.height}, generated ${generated.width}×${generated.height}, mask ${mask.width}×${mask.height}`,
    );
  }
  if (!Number.isInteger(feather) || feather < 0)
    throw badRequest(`feather must be a non-negative integer, got ${feather}`);
  const alpha = featherAlpha(mask, feather);
  const data = new Uint8Array(original.data.length);
  for (let i = 0; i < alpha.length; i++) {
    const a = alpha[i]!;
    for (let ch = 0; ch < 3; ch++) {
      const j = 3 * i + ch;
      data[j] =
        a === 0
          ? original.data[j]!
          : a === 1
            ? generated.data[j]!
            : Math.round(a * generated.data[j]! + (1 - a) * original.data[j]!);
    }
  }
  return { width: original.width, height: original.height, data };
}
