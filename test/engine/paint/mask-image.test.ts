// Reading an uploaded mask file against its picture: an OpenAI-style edit mask (a copy of the picture) redraws its
// transparent holes, strokes of any colour on a transparent layer redraw the strokes, a black/white mask with
// transparent parts reads white = redraw, and an opaque mask reads as it always did.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { EngineError, type RgbImage } from '../../../engine/api.js';
import { decodeImage } from '../../../engine/image/io.js';
import { planPaint } from '../../../engine/paint/mask.js';
import {
  decodeMaskImage,
  maskMarksSomething,
  maskReading,
  readMask,
} from '../../../engine/paint/mask-image.js';

const MAX = 4096 * 4096;
const PICTURE = { width: 320, height: 240 };

interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

function rgba(width: number, height: number, pixel: (x: number, y: number) => number[]): Rgba {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 4);
  return { width, height, data };
}

async function png(img: Rgba, channels: 3 | 4 = 4): Promise<Uint8Array> {
  let raw = img.data;
  if (channels === 3) raw = Uint8Array.from(raw.filter((_, i) => i % 4 !== 3));
  const out = await sharp(raw, { raw: { width: img.width, height: img.height, channels } })
    .png()
    .toBuffer();
  return new Uint8Array(out);
}

const inRect = (x: number, y: number, r: { x: number; y: number; w: number; h: number }) =>
  x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h;

// Cell-aligned so the expected cells are exact: columns 4..15, rows 3..11 of the 20×15 grid (192×144 px).
const RECT = { x: 64, y: 48, w: 192, h: 144 };

function cellsOf(plan: { cells: Uint8Array; grid: { cols: number } }): string[] {
  const out: string[] = [];
  plan.cells.forEach((v, i) => {
    if (v) out.push(`${Math.floor(i / plan.grid.cols)},${i % plan.grid.cols}`);
  });
  return out;
}

function rectCells(r: typeof RECT): string[] {
  const out: string[] = [];
  for (let row = r.y / 16; row < (r.y + r.h) / 16; row++)
    for (let col = r.x / 16; col < (r.x + r.w) / 16; col++) out.push(`${row},${col}`);
  return out;
}

// A photo-like picture: smooth colour gradients, as a picture's copy would be.
function photoPixel(x: number, y: number): number[] {
  return [(x * 7) % 256, (y * 5 + 40) % 256, (x + y) % 256, 255];
}

function emptyMaskRefusal(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('bad_request');
    return (err as EngineError).message;
  }
  throw new Error('expected a refusal');
}

function rgb(img: Rgba): RgbImage {
  return {
    width: img.width,
    height: img.height,
    data: Uint8Array.from(img.data.filter((_, i) => i % 4 !== 3)),
  };
}

// The review's probes: a 200² picture, an edit mask of it with an 80² hole in the middle.
const SIDE = 200;
const HOLE = { x: 60, y: 60, w: 80, h: 80 };
const picture = (pixel: (x: number, y: number) => number[]) =>
  rgba(SIDE, SIDE, (x, y) => [...pixel(x, y).slice(0, 3), 255]);
const withHole = (pic: Rgba) =>
  rgba(pic.width, pic.height, (x, y) =>
    inRect(x, y, HOLE)
      ? [0, 0, 0, 0]
      : Array.from(pic.data.subarray((y * pic.width + x) * 4, (y * pic.width + x) * 4 + 4)),
  );
// What a read mask redraws (a pixel at least half bright), as the rectangle it spans and its pixel count.
function redrawn(mask: RgbImage): { box: typeof HOLE | null; count: number } {
  let [x0, y0, x1, y1, count] = [Infinity, Infinity, -1, -1, 0];
  for (let y = 0; y < mask.height; y++)
    for (let x = 0; x < mask.width; x++) {
      if (mask.data[(y * mask.width + x) * 3]! < 128) continue;
      count++;
      [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
  return { box: count ? { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 } : null, count };
}
const HOLE_ONLY = { box: HOLE, count: HOLE.w * HOLE.h };

const darkPhoto = picture((x, y) => [(x + y) % 30, (2 * y) % 28, (3 * x) % 25]);
// A white page with lines of black "text" across it.
const documentPage = picture((x, y) =>
  x >= 16 && x < 184 && y % 16 < 6 && x % 5 < 3 ? [20, 20, 20] : [246, 246, 244],
);
// A product shot: the subject, about 5 % of the picture, on white.
const SUBJECT = { x: 10, y: 10, w: 45, h: 45 };
const productShot = picture((x, y) => (inRect(x, y, SUBJECT) ? photoPixel(x, y) : [255, 255, 255]));
const colourPhoto = picture(photoPixel);

describe('edit masks: a copy of the picture, its transparent holes redrawn', () => {
  it.each([
    ['a dark photo', darkPhoto],
    ['a document page with black text', documentPage],
    ['a product shot on white', productShot],
    ['a colour photo', colourPhoto],
  ])('%s with a hole redraws the hole only', (_, pic) => {
    expect(maskReading(withHole(pic), rgb(pic))).toBe('edit_holes');
    expect(redrawn(readMask(withHole(pic), rgb(pic)))).toEqual(HOLE_ONLY);
  });

  it('a copy re-encoded with noise (JPEG, colour management) of up to ±15 per channel is still the picture', () => {
    const edit = withHole(colourPhoto);
    const noisy = rgba(SIDE, SIDE, (x, y) => {
      const p = Array.from(edit.data.subarray((y * SIDE + x) * 4, (y * SIDE + x) * 4 + 4));
      const wobble = ((x * 7 + y * 13) % 31) - 15;
      return p[3] ? [...p.slice(0, 3).map((v) => Math.min(255, Math.max(0, v + wobble))), 255] : p;
    });
    expect(redrawn(readMask(noisy, rgb(colourPhoto)))).toEqual(HOLE_ONLY);
  });

  it("an edit mask at half the picture's size reads against the picture resampled to it", async () => {
    const big = picture((x, y) => photoPixel(x, y));
    const bigger = await sharp(rgb(big).data, { raw: { width: SIDE, height: SIDE, channels: 3 } })
      .resize(2 * SIDE, 2 * SIDE, { kernel: 'lanczos3' })
      .raw()
      .toBuffer();
    const pic = { width: 2 * SIDE, height: 2 * SIDE, data: new Uint8Array(bigger) };
    expect(redrawn(readMask(withHole(big), pic))).toEqual(HOLE_ONLY);
  });

  it("an edit mask's soft hole edge is partly redrawn", async () => {
    const edit = rgba(64, 16, (x, y) => (x < 16 ? [0, 0, 0, 0] : x < 32 ? [9, 9, 9, 64] : photoPixel(x, y)));
    const pic = rgb(rgba(64, 16, (x, y) => photoPixel(x, y)));
    const mask = await decodeMaskImage(await png(edit), { maxPixels: MAX }, pic);
    expect(Array.from(mask.data.subarray(0, 3))).toEqual([255, 255, 255]); // the hole
    expect(Array.from(mask.data.subarray(16 * 3, 16 * 3 + 3))).toEqual([191, 191, 191]); // 255 − 64
    expect(mask.data[40 * 3]).toBe(0); // the photo: kept
  });
});

describe('painted layers: strokes on a transparent layer redrawn', () => {
  const STROKE = { x: 20, y: 120, w: 120, h: 24 };
  const STROKE2 = { x: 150, y: 20, w: 24, h: 150 };
  const strokes = (...paint: Array<[typeof HOLE, number[]]>) =>
    rgba(SIDE, SIDE, (x, y) => {
      const hit = paint.find(([r]) => inRect(x, y, r));
      return hit ? [...hit[1], 255] : [0, 0, 0, 0];
    });
  const count = STROKE.w * STROKE.h;

  it.each([
    ['red', [[STROKE, [220, 30, 30]]]],
    ['white', [[STROKE, [255, 255, 255]]]],
    ['black', [[STROKE, [0, 0, 0]]]],
    [
      'red and green',
      [
        [STROKE, [220, 30, 30]],
        [STROKE2, [30, 200, 40]],
      ],
    ],
  ] as Array<[string, Array<[typeof HOLE, number[]]>]>)(
    'a %s brush over a photo redraws its strokes',
    (_, paint) => {
      const layer = strokes(...paint);
      expect(maskReading(layer, rgb(colourPhoto))).toBe('alpha');
      const covered = paint.length === 1 ? count : count + STROKE2.w * STROKE2.h;
      expect(redrawn(readMask(layer, rgb(colourPhoto))).count).toBe(covered);
    },
  );

  it('a white brush over a white part of the picture is a stroke, not a copy of the picture', () => {
    const page = picture(() => [250, 250, 250]);
    const layer = strokes([STROKE, [255, 255, 255]]);
    expect(maskReading(layer, rgb(page))).toBe('alpha');
    expect(redrawn(readMask(layer, rgb(page))).box).toEqual(STROKE);
  });

  it('a brush layer (white under the transparent part too) redraws the rectangle only', async () => {
    const layer = rgba(PICTURE.width, PICTURE.height, (x, y) =>
      inRect(x, y, RECT) ? [255, 255, 255, 255] : [255, 255, 255, 0],
    );
    const pic = rgb(rgba(PICTURE.width, PICTURE.height, photoPixel));
    const mask = await decodeMaskImage(await png(layer), { maxPixels: MAX }, pic);
    expect(cellsOf(planPaint({ kind: 'mask', mask }, PICTURE))).toEqual(rectCells(RECT));
  });

  it('a black/white mask with soft grey edges and a transparent margin reads white = redraw', () => {
    // Opaque black left of x = 272 with a white rectangle whose 3-pixel rim is graded grey; transparent beyond.
    const rim = (x: number, y: number) =>
      Math.min(x - RECT.x, RECT.x + RECT.w - 1 - x, y - RECT.y, RECT.y + RECT.h - 1 - y);
    const layer = rgba(PICTURE.width, PICTURE.height, (x, y) => {
      if (x >= 272) return [0, 0, 0, 0];
      if (!inRect(x, y, RECT)) return [0, 0, 0, 255];
      const v = Math.min(255, 64 * (rim(x, y) + 1));
      return [v, v, v, 255];
    });
    const pic = rgb(rgba(PICTURE.width, PICTURE.height, photoPixel));
    expect(maskReading(layer, pic)).toBe('luminance');
    const mask = readMask(layer, pic);
    expect(cellsOf(planPaint({ kind: 'mask', mask }, PICTURE))).toEqual(rectCells(RECT));
    expect(mask.data[(100 * PICTURE.width + RECT.x + 1) * 3]).toBe(128); // the grey rim, as drawn
  });

  it('a half-transparent brush edge is half redrawn; the transparent rest is kept', async () => {
    const stroke = rgba(48, 16, (x) =>
      x < 16 ? [255, 255, 255, 255] : x < 32 ? [255, 255, 255, 128] : [255, 255, 255, 0],
    );
    const pic = rgb(rgba(48, 16, photoPixel));
    const mask = await decodeMaskImage(await png(stroke), { maxPixels: MAX }, pic);
    expect([0, 16, 32].map((x) => mask.data[x * 3])).toEqual([255, 128, 0]);
    // Cells: the opaque one (1.0), the edge one (128/255 ≈ 0.502 > 0.5), not the transparent one.
    expect(Array.from(planPaint({ kind: 'mask', mask }, { width: 48, height: 16 }).cells)).toEqual([1, 1, 0]);
  });

  it('a 16-bit PNG and a lossy WebP brush layer read alike', async () => {
    const stroke = rgba(48, 16, (x) =>
      x < 16 ? [255, 255, 255, 255] : x < 32 ? [255, 255, 255, 128] : [255, 255, 255, 0],
    );
    const pic = rgb(rgba(48, 16, photoPixel));
    const raw = sharp(stroke.data, { raw: { width: 48, height: 16, channels: 4 } });
    const png16 = await raw.clone().toColourspace('rgb16').png().toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const webp = await raw.clone().webp({ quality: 50 }).toBuffer();
    for (const bytes of [png16, webp]) {
      const mask = await decodeMaskImage(new Uint8Array(bytes), { maxPixels: MAX }, pic);
      const at = (x: number) => mask.data[(8 * 48 + x) * 3]!;
      expect(at(4)).toBeGreaterThanOrEqual(250); // opaque
      expect(Math.abs(at(24) - 128)).toBeLessThanOrEqual(4); // the half-transparent edge
      expect(at(44)).toBe(0); // transparent
    }
  });

  it('a grey-and-alpha PNG reads as a brush layer too', async () => {
    const layer = rgba(32, 16, (x) => (x < 16 ? [255, 255, 255, 255] : [255, 255, 255, 0]));
    const greyAlpha = await sharp(await png(layer))
      .toColourspace('b-w')
      .png()
      .toBuffer();
    expect((await sharp(greyAlpha).metadata()).channels).toBe(2);
    const pic = rgb(rgba(32, 16, photoPixel));
    const mask = await decodeMaskImage(new Uint8Array(greyAlpha), { maxPixels: MAX }, pic);
    expect([0, 16].map((x) => mask.data[x * 3])).toEqual([255, 0]);
  });

  it('an all-transparent mask marks nothing, and the paint plan refuses it the same way', async () => {
    const nothing = rgba(PICTURE.width, PICTURE.height, () => [255, 255, 255, 0]);
    const pic = rgb(rgba(PICTURE.width, PICTURE.height, photoPixel));
    const mask = await decodeMaskImage(await png(nothing), { maxPixels: MAX }, pic);
    expect(maskMarksSomething(mask)).toBe(false);
    expect(emptyMaskRefusal(() => planPaint({ kind: 'mask', mask }, PICTURE))).toMatch(/mask is empty/);
  });

  it('maskMarksSomething draws the line where the paint plan does (half bright)', () => {
    for (const v of [127, 128]) {
      const mask = { width: 16, height: 16, data: new Uint8Array(16 * 16 * 3).fill(v) };
      const planned = (() => {
        try {
          planPaint({ kind: 'mask', mask }, { width: 16, height: 16 });
          return true;
        } catch {
          return false;
        }
      })();
      expect(maskMarksSomething(mask)).toBe(planned);
    }
  });
});

describe('mask files without transparency (unchanged)', () => {
  it('a black/white mask decodes exactly as any image does', async () => {
    const bw = rgba(PICTURE.width, PICTURE.height, (x, y) =>
      inRect(x, y, RECT) ? [255, 255, 255, 255] : [0, 0, 0, 255],
    );
    const bytes = await png(bw, 3);
    const mask = await decodeMaskImage(bytes, { maxPixels: MAX }, rgb(colourPhoto));
    const image = await decodeImage(bytes, { maxPixels: MAX });
    expect([mask.width, mask.height]).toEqual([image.width, image.height]);
    expect(Buffer.from(mask.data).equals(Buffer.from(image.data))).toBe(true);
    expect(cellsOf(planPaint({ kind: 'mask', mask }, PICTURE))).toEqual(rectCells(RECT));
  });

  it('a JPEG mask (greys from compression) decodes exactly as any image does', async () => {
    const bw = rgba(64, 64, (x, y) => (x < 32 && y < 32 ? [255, 255, 255, 255] : [0, 0, 0, 255]));
    const raw = Uint8Array.from(bw.data.filter((_, i) => i % 4 !== 3));
    const jpeg = new Uint8Array(
      await sharp(raw, { raw: { width: 64, height: 64, channels: 3 } })
        .jpeg({ quality: 70 })
        .toBuffer(),
    );
    expect(await decodeMaskImage(jpeg, { maxPixels: MAX }, rgb(colourPhoto))).toEqual(
      await decodeImage(jpeg, { maxPixels: MAX }),
    );
  });

  it('refuses what decodeImage refuses', async () => {
    await expect(
      decodeMaskImage(new Uint8Array([1, 2, 3]), { maxPixels: MAX }, rgb(colourPhoto)),
    ).rejects.toBeInstanceOf(EngineError);
  });
});
