// Where a retouch or outpaint applies: boxes typed as fractions, zoom-out factors, pan directions, a square.
import { MAX_EXTEND, type PaintRegion } from '../engine/index.js';
import { UserInputError } from './errors.js';
import { withoutMarks } from './flag-marks.js';
import { CELL, LIMITS } from './limits.js';
import { readNumber } from './options.js';
import { DIRECTIONS } from './outpaint/spec.js';
import { quoted } from './quoted-text.js';

type Box = { x: number; y: number; w: number; h: number };

/**
 * Regions by name, so a chat line can say where without fractions (`--box top-left`): halves, quarters and the
 * middle. English in every language, as the flags are: they are typed, not read.
 */
export const NAMED_REGIONS: Readonly<Record<string, Box>> = {
  top: { x: 0, y: 0, w: 1, h: 0.5 },
  bottom: { x: 0, y: 0.5, w: 1, h: 0.5 },
  left: { x: 0, y: 0, w: 0.5, h: 1 },
  right: { x: 0.5, y: 0, w: 0.5, h: 1 },
  center: { x: 0.25, y: 0.25, w: 0.5, h: 0.5 },
  'top-left': { x: 0, y: 0, w: 0.5, h: 0.5 },
  'top-right': { x: 0.5, y: 0, w: 0.5, h: 0.5 },
  'bottom-left': { x: 0, y: 0.5, w: 0.5, h: 0.5 },
  'bottom-right': { x: 0.5, y: 0.5, w: 0.5, h: 0.5 },
};
const REGION_ALIASES: ReadonlyMap<string, string> = new Map([
  ['centre', 'center'],
  ['middle', 'center'],
]);

/** A region's name in any case, `_` for `-` (`Top_Left`), or undefined; typed words are looked up as own keys only. */
export function namedRegion(part: string): Box | undefined {
  const name = part.toLowerCase().replace(/_/g, '-');
  const key = REGION_ALIASES.get(name) ?? name;
  return Object.hasOwn(NAMED_REGIONS, key) ? NAMED_REGIONS[key] : undefined;
}

/**
 * The boxes of a typed list, each a name or `x,y,w,h` as typed. Names may be listed with commas too (`center,
 * top-left`, `center,0,0,1,0.5`): a comma beside a letter ends a part, and a part's stray leading or trailing comma is
 * dropped; a box's own commas sit between digits. A region holds no invisible mark: one a phone put after `--box top`
 * is nothing. Full-width digits, commas and letters are the plain ones (`０.１，０.１，０.５，０.５`), as an input
 * method types them.
 */
export function boxParts(text: string): string[] {
  return withoutMarks(text)
    .normalize('NFKC')
    .split(/[;\s]+/)
    .flatMap((part) => part.split(/(?<=[a-z]),|,(?=[a-z])/i))
    .map((part) => part.replace(/^,+|,+$/g, ''))
    .filter(Boolean);
}

/**
 * Boxes separated by `;` or spaces, each a region's name (`center`, `top-left`) or `x,y,w,h` fractions inside the
 * image with a positive size; at most ten.
 */
export function parseBoxes(text: string): Box[] {
  const parts = boxParts(text);
  if (parts.length === 0 || parts.length > 10)
    throw new UserInputError('errors.retouch.boxes', { value: quoted(text, 60) });
  return parts.map((part) => {
    const named = namedRegion(part);
    if (named) return { ...named };
    // Decimal fractions only, as every typed number: `Number` would read `0x0`, `1e-1` and an empty field as numbers.
    const n = part.split(',').map((field) => readNumber(field, false) ?? Number.NaN);
    const [x, y, w, h] = n as [number, number, number, number];
    const ok =
      n.length === 4 &&
      n.every((v) => Number.isFinite(v) && v >= 0 && v <= 1) &&
      w > 0 &&
      h > 0 &&
      x + w <= 1.0001 &&
      y + h <= 1.0001;
    if (!ok) throw new UserInputError('errors.retouch.boxes', { value: quoted(part, 60) });
    return { x, y, w, h };
  });
}

/**
 * Zoom-out grows every side by half the extra width; a pan grows one side by half the image; `square` grows the two
 * short sides evenly until they match the long ones (so it needs the source's size). `shown` names the two options
 * as the user gave them (`OptionLabel`: `--zoom` and `--pan` typed, a platform's own option names otherwise).
 */
export function extensionOf(
  zoom: number | undefined,
  direction: string | undefined,
  source: { width: number; height: number },
  shown: { zoom: string; direction: string } = { zoom: '--zoom', direction: '--pan' },
): Extract<PaintRegion, { kind: 'extend' }> {
  if (zoom !== undefined && direction !== undefined) {
    throw new UserInputError('errors.flag.conflict', { a: shown.zoom, b: shown.direction });
  }
  if (direction !== undefined) {
    if (!(DIRECTIONS as readonly string[]).includes(direction)) {
      throw new UserInputError('errors.settings.choice', {
        option: shown.direction,
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
      flag: shown.zoom,
      min: LIMITS.zoom.min,
      max: LIMITS.zoom.max,
      value: String(z),
    });
  }
  const grow = (z - 1) / 2;
  return { kind: 'extend', left: grow, top: grow, right: grow, bottom: grow };
}

/**
 * The short sides grow by whole cells, split evenly (the odd one at the end), until the result is square within half
 * a cell. The engine places a picture at its own size on whole cells and keeps an axis it does not grow at its own
 * length: the short side counts the cells it reaches into (a 300-pixel side takes 19), the long side its length in
 * cells to the nearest (600 pixels: 38), so 17×16 is square already and 31×16 becomes 31×32.
 */
function squareExtension(source: {
  width: number;
  height: number;
}): Extract<PaintRegion, { kind: 'extend' }> {
  const wide = source.width >= source.height;
  const short = Math.ceil(Math.min(source.width, source.height) / CELL);
  const extra = Math.round(Math.max(source.width, source.height) / CELL) - short;
  if (extra <= 0) throw new UserInputError('errors.outpaint.already_square');
  // One outpaint grows a side by at most MAX_EXTEND of the source's: a picture past 5:1 (a long pan) comes out as
  // square as that makes it (1008×112 → 1008×560), and a second press finishes it.
  const most = MAX_EXTEND * short;
  const before = Math.min(Math.floor(extra / 2), most) / short;
  const after = Math.min(extra - Math.floor(extra / 2), most) / short;
  return wide
    ? { kind: 'extend', left: 0, top: before, right: 0, bottom: after }
    : { kind: 'extend', left: before, top: 0, right: after, bottom: 0 };
}
