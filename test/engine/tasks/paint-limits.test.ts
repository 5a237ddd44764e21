// The engine's last guard on a paint canvas, for a request that never passed through a command (which keeps an
// outpaint within MAX_SIDE): refused with a bad_request that names the canvas, before any model work.
import { describe, expect, it } from 'vitest';
import { EngineError, planPaintRegion, REQUEST_LIMITS } from '../../../engine/index.js';

const options = { dilate: 0, seed: 0, cellSize: 16 };
const extend = (left: number, top: number, right: number, bottom: number) =>
  ({ kind: 'extend', left, top, right, bottom }) as const;

function refusal(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (err) {
    if (err instanceof EngineError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('not refused');
}

describe('planPaintRegion limits', () => {
  it('shrinks a zoom-out into the pixel limit and never paints past it', () => {
    // 2048² zoomed out 2×: the source is placed at 1024², so the canvas is the limit itself.
    const plan = planPaintRegion(extend(0.5, 0.5, 0.5, 0.5), { width: 2048, height: 2048 }, options);
    expect(plan.canvas).toEqual({ width: 2048, height: 2048 });
    expect(plan.canvas.width * plan.canvas.height).toBeLessThanOrEqual(REQUEST_LIMITS.maxPixels);
    // Each side rounded up to a whole cell, a shrunk 1500×2500 would overshoot it: refused, naming the canvas.
    const over = refusal(() =>
      planPaintRegion(extend(0.05, 0.05, 0.05, 0.05), { width: 1500, height: 2500 }, options),
    );
    expect(over).toEqual({
      code: 'bad_request',
      message: expect.stringMatching(/canvas 1600×2656 is over 4194304 pixels/),
    });
  });

  it('refuses an extended canvas with a side over the side limit, though its pixels are few', () => {
    // A 2× zoom-out of a 4000×3000 picture, shrunk to the pixel limit, is still 2352 pixels wide.
    expect(
      refusal(() => planPaintRegion(extend(0.5, 0.5, 0.5, 0.5), { width: 4000, height: 3000 }, options))
        .message,
    ).toMatch(/extended canvas 2352×1776 has a side over 2048 pixels/);
    const long = refusal(() => planPaintRegion(extend(0, 0, 0.5, 0), { width: 2048, height: 512 }, options));
    expect(long).toEqual({
      code: 'bad_request',
      message: expect.stringMatching(/extended canvas 3072×512 has a side over 2048 pixels/),
    });
    // Up to the limit it plans as before.
    expect(planPaintRegion(extend(0, 0, 0.5, 0), { width: 1024, height: 512 }, options).canvas).toEqual({
      width: 1536,
      height: 512,
    });
  });

  it('refuses an extension past the largest growth per side', () => {
    const far = refusal(() => planPaintRegion(extend(3, 0, 0, 0), { width: 256, height: 256 }, options));
    expect(far.code).toBe('bad_request');
    expect(far.message).toMatch(/left extension must be a number in \[0, 2\]/);
  });
});
