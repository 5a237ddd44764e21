// A picture whose sides are not multiples of 16 through retouch and outpaint on the real engine (tiny checkpoint):
// the result is the user's own size (an outpaint's: its own plus the extension), and every pixel outside the
// painted region and its soft edge is the user's, byte for byte.
import { describe, expect, it } from 'vitest';
import type { ImageResult, PaintRegion, RgbImage } from '../../../engine/index.js';
import { areaResize, type PixelMask, planPaint } from '../../../engine/paint/mask.js';
import { gradient } from '../gradient.js';
import { useTinyEngine } from '../tiny-engine.js';

const FEATHER = 8;

function pixel(img: RgbImage, x: number, y: number): number[] {
  const i = (y * img.width + x) * 3;
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
}

/** Whether any pixel of `mask` within `r` (Chebyshev) of (x, y) is painted. */
function near(mask: PixelMask, x: number, y: number, r: number): boolean {
  for (let yy = Math.max(0, y - r); yy <= Math.min(mask.height - 1, y + r); yy++)
    for (let xx = Math.max(0, x - r); xx <= Math.min(mask.width - 1, x + r); xx++)
      if (mask.data[yy * mask.width + xx]! > 0.5) return true;
  return false;
}

describe('painting a picture whose sides are not multiples of 16', () => {
  const tiny = useTinyEngine('dimoo-paint-odd-', 4);
  const source = gradient(140, 100); // the model takes 128×96 (retouch) or whole cells around it (outpaint)
  const paint = (region: PaintRegion, extra = {}) =>
    tiny.engine.generate({
      task: 'paint',
      prompt: 'a boat',
      image: source,
      region,
      steps: 3,
      seed: 5,
      ...extra,
    }) as Promise<ImageResult>;

  it('a retouch through a mask comes back at its own size, every pixel away from the region its own', async () => {
    const mask = { width: 140, height: 100, data: new Uint8Array(140 * 100 * 3) };
    for (let y = 10; y < 60; y++) mask.data.fill(255, 3 * (y * 140 + 20), 3 * (y * 140 + 90));
    const region: PaintRegion = { kind: 'mask', mask };
    const result = await paint(region);
    expect([result.image.width, result.image.height]).toEqual([140, 100]);
    // The cells the model redrew, on the picture's own size; past them and the soft edge, the user's pixels.
    const redrawn = areaResize(planPaint(region, source).regenerated, 140, 100);
    let kept = 0;
    let changed = 0;
    for (let y = 0; y < 100; y++)
      for (let x = 0; x < 140; x++) {
        if (near(redrawn, x, y, FEATHER)) continue;
        kept++;
        if (pixel(result.image, x, y).join() !== pixel(source, x, y).join()) changed++;
      }
    expect(kept).toBeGreaterThan(5000);
    expect(changed).toBe(0);
  });

  it('a zoom-out is the picture at its own size with the new border around it', async () => {
    const region: PaintRegion = { kind: 'extend', left: 0.25, top: 0.25, right: 0.25, bottom: 0.25 };
    const result = await paint(region);
    const plain = await paint(region, { pasteBack: false });
    const { place } = planPaint(region, source);
    // 140×100 is 9×7 cells; two more each side, the last cell's spare pixels split between the two sides.
    expect([result.image.width, result.image.height]).toEqual([32 + 144 + 32, 32 + 112 + 32]);
    expect(place).toEqual({ left: 32 + 2, top: 32 + 6, width: 140, height: 100 });
    let inside = 0;
    let changed = 0;
    let border = 0;
    let notDrawn = 0;
    for (let y = 0; y < result.image.height; y++)
      for (let x = 0; x < result.image.width; x++) {
        const sx = x - place.left;
        const sy = y - place.top;
        const onSource = sx >= 0 && sy >= 0 && sx < 140 && sy < 100;
        if (!onSource) {
          // The new canvas is the drawing itself, no grey from the canvas it was drawn on blended in.
          border++;
          if (pixel(result.image, x, y).join() !== pixel(plain.image, x, y).join()) notDrawn++;
        } else if (Math.min(sx, sy, 139 - sx, 99 - sy) >= FEATHER) {
          inside++;
          if (pixel(result.image, x, y).join() !== pixel(source, sx, sy).join()) changed++;
        }
      }
    expect(inside).toBe((140 - 2 * FEATHER) * (100 - 2 * FEATHER));
    expect(changed).toBe(0);
    expect(border).toBeGreaterThan(10000);
    expect(notDrawn).toBe(0);
  });

  it('a pan keeps the picture its own height and every pixel of it away from the new side', async () => {
    const result = await paint({ kind: 'extend', left: 0, top: 0, right: 0.5, bottom: 0 });
    // Right by half its 9 cells, rounded to 5, after the spare pixels of its last; no row added below its 100.
    expect([result.image.width, result.image.height]).toEqual([144 + 80, 100]);
    let changed = 0;
    for (let y = 0; y < 100; y++)
      for (let x = 0; x < 140 - FEATHER; x++)
        if (pixel(result.image, x, y).join() !== pixel(source, x, y).join()) changed++;
    expect(changed).toBe(0);
  });
});
