import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { EngineError, type RgbImage } from '../../../engine/api.js';
import { megapixelsOf } from '../../../engine/image/header.js';
import {
  composeCanvas,
  cropToBucket,
  decodeImage,
  encodePng,
  resizeToMultipleOf,
} from '../../../engine/image/io.js';
import { pngClaiming } from './png-bytes.js';

const MAX = 4096 * 4096;

function gradient(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 255) / Math.max(1, width - 1);
      data[i + 1] = (y * 255) / Math.max(1, height - 1);
      data[i + 2] = 128;
    }
  }
  return { width, height, data };
}

/** A valid-looking PNG whose header claims `width × height` pixels (a decompression bomb's shape). */
const pngOfSize = (width: number, height: number) => pngClaiming(width, height, Buffer.alloc(1024));

async function codeOf(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    return err as EngineError;
  }
  throw new Error('expected an EngineError');
}

describe('decodeImage', () => {
  it('decodes PNG, JPEG and WebP to RGB of the right size', async () => {
    const img = gradient(40, 24);
    const raw = sharp(img.data, { raw: { width: 40, height: 24, channels: 3 } });
    for (const bytes of [
      await encodePng(img),
      await raw.clone().jpeg().toBuffer(),
      await raw.clone().webp({ lossless: true }).toBuffer(),
    ]) {
      const out = await decodeImage(bytes, { maxPixels: MAX });
      expect([out.width, out.height, out.data.length]).toEqual([40, 24, 40 * 24 * 3]);
    }
    const png = await decodeImage(await encodePng(img), { maxPixels: MAX });
    expect(Buffer.from(png.data).equals(Buffer.from(img.data))).toBe(true);
  });

  it('flattens transparency onto white and expands grey to RGB', async () => {
    const rgba = await sharp({
      create: { width: 8, height: 8, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const out = await decodeImage(rgba, { maxPixels: MAX });
    expect(Array.from(out.data.subarray(0, 3))).toEqual([255, 255, 255]);
    const grey = await sharp(Buffer.alloc(64, 90), { raw: { width: 8, height: 8, channels: 1 } })
      .png()
      .toBuffer();
    const g = await decodeImage(grey, { maxPixels: MAX });
    expect(Array.from(g.data.subarray(0, 3))).toEqual([90, 90, 90]);
  });

  it('applies EXIF orientation', async () => {
    const img = gradient(30, 10);
    const jpeg = await sharp(img.data, { raw: { width: 30, height: 10, channels: 3 } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const out = await decodeImage(jpeg, { maxPixels: MAX });
    expect([out.width, out.height]).toEqual([10, 30]);
  });

  it('refuses a PNG header claiming 100000×100000 (bomb) as image_too_large, fast', async () => {
    const t = performance.now();
    const err = await codeOf(decodeImage(pngOfSize(100_000, 100_000), { maxPixels: MAX }));
    expect(err.code).toBe('image_too_large');
    expect(err.params.megapixels).toBe(megapixelsOf(MAX));
    expect(performance.now() - t).toBeLessThan(500);
  });

  it('refuses a real image over a small limit as image_too_large', async () => {
    const err = await codeOf(decodeImage(await encodePng(gradient(64, 64)), { maxPixels: 1000 }));
    expect(err.code).toBe('image_too_large');
  });

  it('refuses corrupt and truncated bytes as image_invalid', async () => {
    const png = await encodePng(gradient(64, 64));
    expect((await codeOf(decodeImage(png.subarray(0, png.length - 40), { maxPixels: MAX }))).code).toBe(
      'image_invalid',
    );
    expect((await codeOf(decodeImage(new Uint8Array(0), { maxPixels: MAX }))).code).toBe('image_empty');
    const mangled = Uint8Array.from(png);
    mangled.fill(0, 60, 200);
    expect((await codeOf(decodeImage(mangled, { maxPixels: MAX }))).code).toBe('image_invalid');
  });

  it('refuses text, SVG, GIF and TIFF as image_unsupported', async () => {
    const gif = await sharp(gradient(8, 8).data, { raw: { width: 8, height: 8, channels: 3 } })
      .gif()
      .toBuffer();
    const tiff = await sharp(gradient(8, 8).data, { raw: { width: 8, height: 8, channels: 3 } })
      .tiff()
      .toBuffer();
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>',
    );
    for (const bytes of [Buffer.from('hello, this is not an image'), svg, gif, tiff]) {
      expect((await codeOf(decodeImage(bytes, { maxPixels: MAX }))).code).toBe('image_unsupported');
    }
  });
});

describe('image operations', () => {
  it('encodes the same pixels to the same PNG bytes', async () => {
    const img = gradient(33, 17);
    expect(Buffer.from(await encodePng(img)).equals(Buffer.from(await encodePng(img)))).toBe(true);
  });

  it('crops a 4:3 photo to the 576×448 bucket, centred', async () => {
    const { image, bucket } = await cropToBucket(gradient(1600, 1200), 512);
    expect(bucket).toEqual({ width: 576, height: 448 });
    expect([image.width, image.height, image.data.length]).toEqual([576, 448, 576 * 448 * 3]);
    // centred: the middle column of the crop sits near the middle of the source gradient
    const mid = image.data[(224 * 576 + 288) * 3]!;
    expect(Math.abs(mid - 127.5)).toBeLessThan(4);
  });

  it('crops a tall image for understanding to a 1024-class bucket', async () => {
    const { image, bucket } = await cropToBucket(gradient(300, 900), 1024);
    expect(bucket.height).toBeGreaterThan(bucket.width);
    expect([image.width, image.height]).toEqual([bucket.width, bucket.height]);
  });

  it('floors painting inputs to multiples of 16 and refuses tiny ones', async () => {
    const out = await resizeToMultipleOf(gradient(100, 70));
    expect([out.width, out.height]).toEqual([96, 64]);
    const same = gradient(64, 32);
    expect(await resizeToMultipleOf(same)).toBe(same);
    expect((await codeOf(resizeToMultipleOf(gradient(10, 40)))).code).toBe('bad_request');
  });

  it('places the image into a grey canvas', async () => {
    const out = await composeCanvas(
      gradient(32, 32),
      { width: 64, height: 48 },
      { left: 16, top: 0, width: 32, height: 32 },
    );
    expect([out.width, out.height]).toEqual([64, 48]);
    expect(out.data[0]).toBe(127);
    expect(out.data[(0 * 64 + 16) * 3 + 2]).toBe(128);
    expect(out.data[(40 * 64 + 20) * 3]).toBe(127);
  });
});
