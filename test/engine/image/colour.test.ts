// decodeImage brings every colour layout to 8-bit sRGB. Expected values come from formulas (test/reference) and
// from how the fixtures were made with ImageMagick (test/fixtures/make-colour-fixtures.ts), not from sharp.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../../engine/image/io.js';
import { naiveCmykToRgb, overWhite } from '../../reference/naive-cmyk.js';

const MAX = 4096 * 4096;
const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../../fixtures/colour', name));

async function pixelAt(bytes: Uint8Array, x: number, y: number) {
  const img = await decodeImage(bytes, { maxPixels: MAX });
  const i = (y * img.width + x) * 3;
  return { img, rgb: Array.from(img.data.subarray(i, i + 3)) };
}

function expectNear(actual: number[], expected: readonly number[], tolerance: number) {
  for (const [i, v] of actual.entries()) {
    expect(Math.abs(v - expected[i]!), `channel ${i}: ${actual} vs ${expected}`).toBeLessThanOrEqual(
      tolerance,
    );
  }
}

describe('decodeImage colours', () => {
  it('reads an untagged CMYK JPEG as device CMYK (the plain formula), not through a press profile', async () => {
    const { rgb } = await pixelAt(fixture('cmyk-untagged.jpg'), 5, 5);
    const expected = naiveCmykToRgb(0.8, 0.55, 0, 0.2157);
    expect(expected).toEqual([40, 90, 200]);
    expectNear(rgb, expected, 2);
  });

  it('converts a CMYK JPEG tagged with an ICC profile through that profile back to the sRGB it was made from', async () => {
    const solid = Buffer.alloc(16 * 16 * 3);
    for (let i = 0; i < 256; i++) solid.set([150, 110, 90], i * 3);
    const tagged = await sharp(solid, { raw: { width: 16, height: 16, channels: 3 } })
      .toColourspace('cmyk')
      .withIccProfile('cmyk')
      .jpeg({ quality: 100 })
      .toBuffer();
    const { rgb } = await pixelAt(tagged, 5, 5);
    // A colour inside the press profile's gamut comes back within JPEG and profile rounding.
    expectNear(rgb, [150, 110, 90], 6);
  });

  it('reduces 16-bit RGB to 8 bits', async () => {
    const { img, rgb } = await pixelAt(fixture('rgb16.png'), 3, 3);
    expect(img.data.length).toBe(16 * 16 * 3);
    expect(rgb).toEqual([40, 90, 200]);
  });

  it('expands grey and palette images to RGB', async () => {
    expect((await pixelAt(fixture('grey.png'), 0, 0)).rgb).toEqual([120, 120, 120]);
    expect((await pixelAt(fixture('palette.png'), 7, 7)).rgb).toEqual([40, 90, 200]);
  });

  it('flattens half-transparent pixels onto white', async () => {
    expectNear((await pixelAt(fixture('alpha.png'), 2, 2)).rgb, overWhite([40, 90, 200], 128 / 255), 1);
  });

  it('turns an EXIF-rotated JPEG upright (orientation 6: red left half becomes the top)', async () => {
    const bytes = fixture('rotated.jpg');
    const { img, rgb: top } = await pixelAt(bytes, 8, 2);
    expect([img.width, img.height]).toEqual([16, 32]);
    const { rgb: bottom } = await pixelAt(bytes, 8, 29);
    expectNear(top, [255, 0, 0], 8);
    expectNear(bottom, [0, 0, 255], 8);
  });
});
