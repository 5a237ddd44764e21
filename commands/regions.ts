// Where a retouch or outpaint applies: boxes typed as fractions, zoom-out factors, pan directions, a square.
import type { PaintRegion } from '../engine/index.js';
import { UserInputError } from './errors.js';
import { CELL, LIMITS } from './limits.js';
import { DIRECTIONS } from './outpaint/spec.js';

/** `x,y,w,h` fractions, boxes separated by `;` or spaces: each inside the image with a positive size. */
export function parseBoxes(text: string): Array<{ x: number; y: number; w: number; h: number }> {
  const parts = text.split(/[;\s]+/).filter(Boolean);
  if (parts.length === 0 || parts.length > 10)
    throw new UserInputError('errors.retouch.boxes', { value: text.slice(0, 60) });
  return parts.map((part) => {
    const n = part.split(',').map(Number);
    const [x, y, w, h] = n as [number, number, number, number];
    const ok =
      n.length === 4 &&
      n.every((v) => Number.isFinite(v) && v >= 0 && v <= 1) &&
      w > 0 &&
      h > 0 &&
      x + w <= 1.0001 &&
      y + h <= 1.0001;
    if (!ok) throw new UserInputError('errors.retouch.boxes', { value: part.slice(0, 60) });
    return { x, y, w, h };
  });
}

/**
 * Zoom-out grows every side by half the extra width; a pan grows one side by half the image; `square` grows the two
 * short sides evenly until they match the long ones (so it needs the source's size).
 */
export function extensionOf(
  zoom: number | undefined,
  direction: string | undefined,
  source: { width: number; height: number },
): Extract<PaintRegion, { kind: 'extend' }> {
  if (zoom !== undefined && direction !== undefined) {
    throw new UserInputError('errors.flag.conflict', { a: 'zoom', b: 'direction' });
  }
  if (direction !== undefined) {
    if (!(DIRECTIONS as readonly string[]).includes(direction)) {
      throw new UserInputError('errors.settings.choice', {
        option: 'direction',
        value: direction,
        choices: DIRECTIONS.join(', '),
      });
    }
    if (direction === 'square') return squareExtension(source);
    const side = { left: 'left', right: 'right', up: 'top', down: 'bottom' }[
      direction as Exclude<(typeof DIRECTIONS)[number], 'square'>
    ];
    return { kind: 'extend', left: 0, top: 0, right: 0, bottom: 0, [side]: 0.5 };
  }
  const z = zoom ?? 1.5;
  if (!(z >= LIMITS.zoom.min && z <= LIMITS.zoom.max)) {
    throw new UserInputError('errors.flag.range_number', {
      flag: 'zoom',
      min: LIMITS.zoom.min,
      max: LIMITS.zoom.max,
      value: String(z),
    });
  }
  const grow = (z - 1) / 2;
  return { kind: 'extend', left: grow, top: grow, right: grow, bottom: grow };
}

/**
 * The short sides grow by whole cells, split evenly (the odd one at the end), so the engine's canvas, which rounds
 * each side to cells, comes out square; an image within a cell of square is already square.
 */
function squareExtension(source: {
  width: number;
  height: number;
}): Extract<PaintRegion, { kind: 'extend' }> {
  const [width, height] = [source.width, source.height].map((side) => Math.floor(side / CELL)) as [
    number,
    number,
  ];
  const short = Math.min(width, height);
  const extra = Math.abs(width - height);
  if (extra === 0) throw new UserInputError('errors.outpaint.already_square');
  const before = Math.floor(extra / 2) / short;
  const after = (extra - Math.floor(extra / 2)) / short;
  return width > height
    ? { kind: 'extend', left: 0, top: before, right: 0, bottom: after }
    : { kind: 'extend', left: before, top: 0, right: after, bottom: 0 };
}
