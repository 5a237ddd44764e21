// Progress previews go to every page and chat every second or two: a small JPEG, never the full-size PNG.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../../../engine/index.js';
import { encodePng, encodePreview, PREVIEW_MAX_SIDE } from '../../../engine/index.js';

/** A noisy picture, as a half-finished random-model image is: a PNG of it is large. */
function noise(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let x = 12345;
  for (let i = 0; i < data.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    data[i] = x >>> 24;
  }
  return { width, height, data };
}

describe('encodePreview', () => {
  it('shrinks a 1024×768 preview to a JPEG within PREVIEW_MAX_SIDE, keeping the aspect, far smaller than its PNG', async () => {
    const image = noise(1024, 768);
    const preview = await encodePreview(image);
    const meta = await sharp(preview).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', PREVIEW_MAX_SIDE, 384]);
    expect(preview.byteLength * 10).toBeLessThan((await encodePng(image)).byteLength);
  });

  it('never enlarges a small preview', async () => {
    const meta = await sharp(await encodePreview(noise(256, 160))).metadata();
    expect([meta.width, meta.height]).toEqual([256, 160]);
  });
});
