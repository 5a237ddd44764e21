// decodeImageWithAlpha (what a mask is decoded with) keeps the transparency and changes nothing else: every colour
// layout's RGB is decodeImage's where the pixel is opaque.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage, decodeImageWithAlpha } from '../../../engine/image/io.js';

const MAX = 4096 * 4096;
const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../../fixtures/colour', name));

describe('decodeImageWithAlpha', () => {
  it.each(['cmyk-untagged.jpg', 'grey.png', 'palette.png', 'rgb16.png', 'rotated.jpg'])(
    '%s: opaque, the same size and colours as decodeImage',
    async (name) => {
      const rgb = await decodeImage(fixture(name), { maxPixels: MAX });
      const rgba = await decodeImageWithAlpha(fixture(name), { maxPixels: MAX });
      expect([rgba.width, rgba.height]).toEqual([rgb.width, rgb.height]);
      const alpha = rgba.data.filter((_, i) => i % 4 === 3);
      expect(alpha.every((a) => a === 255)).toBe(true);
      expect(Buffer.from(rgba.data.filter((_, i) => i % 4 !== 3)).equals(Buffer.from(rgb.data))).toBe(true);
    },
  );

  it('alpha.png: the transparency kept; over white it is what decodeImage flattens', async () => {
    const rgb = await decodeImage(fixture('alpha.png'), { maxPixels: MAX });
    const rgba = await decodeImageWithAlpha(fixture('alpha.png'), { maxPixels: MAX });
    expect(rgba.data.length).toBe(rgb.width * rgb.height * 4);
    expect(rgba.data.some((a, i) => i % 4 === 3 && a < 255)).toBe(true);
    for (let p = 0; p < rgb.width * rgb.height; p++) {
      const a = rgba.data[p * 4 + 3]! / 255;
      for (let c = 0; c < 3; c++) {
        const overWhite = rgba.data[p * 4 + c]! * a + 255 * (1 - a);
        expect(Math.abs(overWhite - rgb.data[p * 3 + c]!)).toBeLessThanOrEqual(1);
      }
    }
  });
});
