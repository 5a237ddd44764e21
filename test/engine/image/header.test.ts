// Format and size from the first bytes, and the shape verdict, with no decoder involved: files whose header is
// real and whose body is garbage get the header's verdict (a decoder would call them unreadable). A JPEG of more
// scans than any encoder writes (each a full pass for the decoder) and a WebP of thousands of frames (whose header
// costs the decoder the square of their number) are refused before decoding, with their own message asking for a
// still image.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/api.js';
import {
  jpegScanCount,
  judgeImageShape,
  MAX_JPEG_SCANS,
  MAX_WEBP_FRAMES,
  readImageHeader,
  webpFrameCount,
} from '../../../engine/image/header.js';
import { decodeImage, judgeImage } from '../../../engine/image/io.js';
import { t } from '../../../src/i18n.js';
import { manyFrames, manyScans } from './image-bombs.js';
import { pngClaiming } from './png-bytes.js';

/** A PNG signature and IHDR claiming `width × height`, then bytes no decoder accepts. */
const pngHeaderOnly = (width: number, height: number) =>
  pngClaiming(width, height, Buffer.alloc(16), Buffer.from('garbage, not a PNG stream'));

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
    const exif = await raw(37, 21).jpeg().withMetadata({ orientation: 1 }).toBuffer();
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

  it('gives the upright size the decoder gives, for every EXIF orientation of a JPEG, PNG and WebP', async () => {
    // A phone's portrait photo is stored landscape with orientation 6: its header's size read the wrong way round.
    for (const format of ['jpeg', 'png', 'webp'] as const) {
      for (let orientation = 1; orientation <= 8; orientation++) {
        const bytes = await raw(37, 21).toFormat(format).withMetadata({ orientation }).toBuffer();
        const decoded = await decodeImage(bytes, { maxPixels: LIMITS.maxPixels });
        const upright = orientation >= 5 ? { width: 21, height: 37 } : { width: 37, height: 21 };
        expect([format, orientation, decoded.width, decoded.height]).toEqual([
          format,
          orientation,
          upright.width,
          upright.height,
        ]);
        expect(readImageHeader(bytes)).toEqual({ format, ...upright });
      }
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
    // 4096² is 16.78 MP: said rounded down, so an image the refusal allows is never refused.
    const limit = codeOf(() => judgeImage(pngHeaderOnly(4097, 4096), { maxPixels: 4096 * 4096 }));
    expect(limit.params).toMatchObject({ megapixels: 16 });
    expect(t('en', 'errors.engine.image_too_large', limit.params)).toBe(
      'That image is too large (4097×4096, limit 16 megapixels).',
    );
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
    expect(strip.params).toEqual({ size: '4000×40', narrowest: '1:8', widest: '8:1' });
    expect(t('en', 'errors.engine.image_aspect', strip.params)).toBe(
      'That image is too narrow or too wide (4000×40); the side ratio must be between 1:8 and 8:1.',
    );
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

describe('a JPEG of many scans', () => {
  it('counts the scans encoders write, past the 0xFF bytes inside scan data and junk before a marker', async () => {
    const noise = (w: number, h: number) =>
      sharp(Buffer.from(Array.from({ length: w * h * 3 }, (_, i) => (i * 7919) % 256)), {
        raw: { width: w, height: h, channels: 3 },
      });
    expect(jpegScanCount(await noise(300, 200).jpeg().toBuffer())).toBe(1);
    const progressive = await noise(300, 200).jpeg({ progressive: true }).toBuffer();
    // The noise puts stuffed 0xFF 0x00 pairs in the scan data, which are not markers.
    expect(progressive.indexOf(Buffer.from([0xff, 0x00]))).toBeGreaterThan(0);
    expect(jpegScanCount(progressive)).toBe(10);
    expect(jpegScanCount(manyScans(7, 64))).toBe(7);
    // libjpeg skips stray bytes before a marker with a warning and reads on, so the count does too.
    const bomb = manyScans(5, 64);
    const lastScan = bomb.lastIndexOf(Buffer.from([0xff, 0xda]));
    const junked = Buffer.concat([bomb.subarray(0, lastScan), Buffer.from('junk'), bomb.subarray(lastScan)]);
    expect(jpegScanCount(junked)).toBe(5);
    expect(jpegScanCount(manyScans(5000, 64), MAX_JPEG_SCANS)).toBe(MAX_JPEG_SCANS + 1);
  });

  it(`refuses one of more than ${MAX_JPEG_SCANS} scans before decoding, asking for a still image`, async () => {
    // 20 000 scans of a 4096² frame are 0.8 MB, and would hold a decoder thread for about half a minute.
    const bomb = manyScans(20_000, 4096);
    const started = performance.now();
    expect(codeOf(() => judgeImage(bomb, { maxPixels: 40_000_000 })).code).toBe('image_frames');
    const refused = await decodeImage(bomb, { maxPixels: 40_000_000 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(EngineError);
    expect((refused as EngineError).code).toBe('image_frames');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it(`decodes one of exactly ${MAX_JPEG_SCANS} scans (the crafted file is a JPEG libjpeg reads)`, async () => {
    const image = await decodeImage(manyScans(MAX_JPEG_SCANS, 64), { maxPixels: 40_000_000 });
    expect([image.width, image.height]).toEqual([64, 64]);
  });
});

describe('an animated WebP of many frames', () => {
  it('counts the frames an encoder writes, and none in a still', async () => {
    const stills = await Promise.all(
      [0, 80, 160].map((r) =>
        sharp({ create: { width: 16, height: 16, channels: 3, background: { r, g: 90, b: 90 } } })
          .png()
          .toBuffer(),
      ),
    );
    const animated = await sharp(stills, { join: { animated: true } })
      .webp({ loop: 0 })
      .toBuffer();
    expect(webpFrameCount(animated)).toBe(3);
    expect(webpFrameCount(await raw(37, 21).webp().toBuffer())).toBe(0);
    expect(webpFrameCount(await manyFrames(7))).toBe(7);
    expect(webpFrameCount(await manyFrames(5000), MAX_WEBP_FRAMES)).toBe(MAX_WEBP_FRAMES + 1);
  });

  it(`refuses one of more than ${MAX_WEBP_FRAMES} frames before decoding, asking for a still image`, async () => {
    // 40 000 frames are 2 MB, and would hold a decoder thread for several seconds.
    const bomb = await manyFrames(40_000);
    const started = performance.now();
    const judged = codeOf(() => judgeImage(bomb, { maxPixels: 40_000_000 }));
    expect(judged.code).toBe('image_frames');
    // Its own words, not "could not be read": the image is fine, only not a still one.
    expect(t('en', `errors.engine.${judged.code}`)).toMatch(/too many frames.*still image/);
    expect(t('ja', `errors.engine.${judged.code}`)).not.toBe(t('en', `errors.engine.${judged.code}`));
    const refused = await decodeImage(bomb, { maxPixels: 40_000_000 }).catch((e: unknown) => e);
    expect((refused as EngineError).code).toBe('image_frames');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it(`decodes the first frame of one of exactly ${MAX_WEBP_FRAMES} frames`, async () => {
    const image = await decodeImage(await manyFrames(MAX_WEBP_FRAMES), { maxPixels: 40_000_000 });
    expect([image.width, image.height]).toEqual([16, 16]);
  });
});
