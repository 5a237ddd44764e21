import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fitImage } from '../../commands/fit-image.js';

/** Seeded noise compresses badly, as a random model's results do: the PNG is large. */
async function noisePng(width: number, height: number): Promise<Uint8Array> {
  const pixels = Buffer.alloc(width * height * 3);
  let state = 12345;
  for (let i = 0; i < pixels.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    pixels[i] = state >>> 24;
  }
  return new Uint8Array(
    await sharp(pixels, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

const asImage = (data: Uint8Array) => ({ data, filename: 'dimoo-7.png', mime: 'image/png' as const });

describe('fitImage', () => {
  it('leaves an image that fits untouched', async () => {
    const png = await noisePng(32, 32);
    const fitted = await fitImage(asImage(png), png.byteLength);
    expect(fitted?.converted).toBe(false);
    expect(fitted?.data).toBe(png);
    expect(fitted?.filename).toBe('dimoo-7.png');
  });

  it('falls back to WebP when the PNG is over the limit, keeping the size', async () => {
    const png = await noisePng(128, 128);
    const limit = Math.floor(png.byteLength * 0.9);
    const fitted = await fitImage(asImage(png), limit);
    expect(fitted?.format).toBe('webp');
    expect(fitted?.mime).toBe('image/webp');
    expect(fitted?.filename).toBe('dimoo-7.webp');
    expect(fitted?.data.byteLength).toBeLessThanOrEqual(limit);
    const meta = await sharp(fitted?.data).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 128, 128]);
  });

  it('steps down to JPEG, then scales down, and gives up only below a thumbnail', async () => {
    const png = await noisePng(256, 256);
    const webpFloor = (await sharp(png).webp({ quality: 50, effort: 4 }).toBuffer()).byteLength;
    const jpegFloor = (await sharp(png).jpeg({ quality: 40, mozjpeg: true }).toBuffer()).byteLength;
    // Noise: WebP's floor is above JPEG's, so a limit between them leaves only JPEG.
    expect(jpegFloor).toBeLessThan(webpFloor);
    const limit = Math.floor((jpegFloor + webpFloor) / 2);
    const fitted = await fitImage(asImage(png), limit);
    expect(fitted?.format).toBe('jpeg');
    expect(fitted?.filename).toBe('dimoo-7.jpg');
    expect(fitted?.data.byteLength).toBeLessThanOrEqual(limit);
    const small = Math.floor(Math.min(jpegFloor, webpFloor) / 3);
    const scaled = await fitImage(asImage(png), small);
    expect(scaled?.format).toBe('jpeg');
    expect(scaled?.data.byteLength).toBeLessThanOrEqual(small);
    const meta = await sharp(scaled?.data).metadata();
    expect(meta.width).toBeLessThan(256);
    expect(await fitImage(asImage(png), 200)).toBeUndefined();
  });
});
