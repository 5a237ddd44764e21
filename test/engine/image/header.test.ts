// Format and size from the first bytes, and the shape verdict, with no decoder involved: files whose header is
// real and whose body is garbage get the header's verdict (a decoder would call them unreadable).
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/api.js';
import { judgeImageShape, readImageHeader } from '../../../engine/image/header.js';
import { judgeImage } from '../../../engine/image/io.js';
import { t } from '../../../src/i18n.js';

function chunk(type: string, body: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([len, typed, crc]);
}

/** A PNG signature and IHDR claiming `width × height`, then bytes no decoder accepts. */
function pngHeaderOnly(width: number, height: number): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(16))),
    Buffer.from('garbage, not a PNG stream'),
  ]);
}

function codeOf(work: () => unknown): EngineError {
  try {
    work();
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    return err as EngineError;
  }
  throw new Error('expected an EngineError');
}

const raw = (width: number, height: number) =>
  sharp(Buffer.alloc(width * height * 3, 100), { raw: { width, height, channels: 3 } });
const LIMITS = { maxPixels: 40_000_000, minSide: 8, maxAspect: 8 };

describe('readImageHeader', () => {
  it('reads PNG, baseline and progressive JPEG (after an EXIF segment), and the three WebP headers', async () => {
    expect(readImageHeader(await raw(37, 21).png().toBuffer())).toEqual({
      format: 'png',
      width: 37,
      height: 21,
    });
    const exif = await raw(37, 21).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(readImageHeader(exif)).toEqual({ format: 'jpeg', width: 37, height: 21 });
    const progressive = await raw(50, 9).jpeg({ progressive: true }).toBuffer();
    expect(readImageHeader(progressive)).toEqual({ format: 'jpeg', width: 50, height: 9 });
    for (const webp of [
      await raw(37, 21).webp().toBuffer(),
      await raw(37, 21).webp({ lossless: true }).toBuffer(),
      await sharp({ create: { width: 37, height: 21, channels: 4, background: '#0000' } })
        .webp()
        .toBuffer(),
    ]) {
      expect(readImageHeader(webp)).toEqual({ format: 'webp', width: 37, height: 21 });
    }
  });

  it('refuses SVG, GIF, TIFF, HEIC-like and text by their first bytes, and names an empty file', async () => {
    const svg = Buffer.from(
      '  <?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>',
    );
    const gif = await raw(9, 9).gif().toBuffer();
    const tiff = await raw(9, 9).tiff().toBuffer();
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic'), Buffer.alloc(16)]);
    for (const bytes of [svg, gif, tiff, heic, Buffer.from('hello')]) {
      expect(codeOf(() => readImageHeader(bytes)).code).toBe('image_unsupported');
    }
    expect(codeOf(() => readImageHeader(new Uint8Array(0))).code).toBe('image_empty');
    expect(codeOf(() => readImageHeader(Buffer.from([0xff, 0xd8, 0xff, 0xd9]))).code).toBe('image_invalid');
  });
});

describe('judging the shape before decoding', () => {
  it('refuses a 100000² header bomb as too large, with the limit', () => {
    const err = codeOf(() => judgeImage(pngHeaderOnly(100_000, 100_000), { maxPixels: 40_000_000 }));
    expect(err.code).toBe('image_too_large');
    expect(err.params).toMatchObject({ megapixels: 40, size: '100000×100000' });
    // Each language words the unit: no English "pixels" in a German refusal.
    expect(t('de', 'errors.engine.image_too_large', err.params)).toBe(
      'Das Bild ist zu groß (100000×100000, Limit 40 Megapixel).',
    );
  });

  it('refuses 4000×1 and 1×4000 as too small, and 4000×40 as too narrow with the allowed range', () => {
    for (const [w, h] of [
      [4000, 1],
      [1, 4000],
      [1, 1],
    ] as const) {
      expect(codeOf(() => judgeImage(pngHeaderOnly(w, h), { maxPixels: 40_000_000 })).code).toBe(
        'image_too_small',
      );
    }
    const strip = codeOf(() => judgeImage(pngHeaderOnly(4000, 40), { maxPixels: 40_000_000 }));
    expect(strip.code).toBe('image_aspect');
    expect(strip.params).toEqual({ size: '4000×40', range: '1:8 – 8:1' });
  });

  it('passes ordinary shapes, up to the aspect and pixel limits exactly', () => {
    for (const [w, h] of [
      [512, 512],
      [800, 100],
      [8, 64],
    ] as const) {
      expect(() => judgeImageShape({ format: 'png', width: w, height: h }, LIMITS)).not.toThrow();
    }
    expect(() => judgeImageShape({ format: 'png', width: 8000, height: 5000 }, LIMITS)).not.toThrow();
    expect(codeOf(() => judgeImageShape({ format: 'png', width: 8001, height: 5000 }, LIMITS)).code).toBe(
      'image_too_large',
    );
  });
});
