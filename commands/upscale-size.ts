// How large an Upscale draws a result (`upscale.ts`), apart from it so the result's buttons can ask without the
// job-making side.
import { CELL, MAX_SIDE } from './limits.js';

/** Less growth than this per side would cost a whole job for a picture that barely changes. */
const MIN_GROWTH = 1.25;

/**
 * The size an upscale draws: the same shape with its long side at MAX_SIDE, in whole cells; undefined for a picture
 * already near that size (or larger), which gets no Upscale.
 */
export function upscaledSize(size: {
  width: number;
  height: number;
}): { width: number; height: number } | undefined {
  const scale = MAX_SIDE / Math.max(size.width, size.height);
  if (!(scale >= MIN_GROWTH)) return undefined;
  const side = (x: number) => Math.min(MAX_SIDE, Math.max(CELL, Math.round((x * scale) / CELL) * CELL));
  return { width: side(size.width), height: side(size.height) };
}
