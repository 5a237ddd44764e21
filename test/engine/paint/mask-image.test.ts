// Reading an uploaded mask file: a brush layer's transparency is "keep", an OpenAI-style edit mask's transparent
// holes are "redraw", an opaque mask reads as it always did.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/api.js';
import { decodeImage } from '../../../engine/image/io.js';
import { planPaint } from '../../../engine/paint/mask.js';
import { decodeMaskImage, maskConvention } from '../../../engine/paint/mask-image.js';

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

describe('mask files with transparency', () => {
  it('a brush layer (transparent, one opaque white rectangle) redraws the rectangle only', async () => {
    // White under the transparent pixels too: what a flatten onto white would turn into "redraw everything".
    const layer = rgba(PICTURE.width, PICTURE.height, (x, y) =>
      inRect(x, y, RECT) ? [255, 255, 255, 255] : [255, 255, 255, 0],
    );
    expect(maskConvention(layer)).toBe('painted');
    const mask = await decodeMaskImage(await png(layer), { maxPixels: MAX });
    const plan = planPaint({ kind: 'mask', mask }, PICTURE);
    expect(cellsOf(plan)).toEqual(rectCells(RECT));
  });

  it('an all-transparent mask is refused as empty', async () => {
    const nothing = rgba(PICTURE.width, PICTURE.height, () => [255, 255, 255, 0]);
    const mask = await decodeMaskImage(await png(nothing), { maxPixels: MAX });
    expect(emptyMaskRefusal(() => planPaint({ kind: 'mask', mask }, PICTURE))).toMatch(/mask is empty/);
  });

  it("OpenAI's edit mask (the photo with a transparent hole) redraws the hole only", async () => {
    const edit = rgba(PICTURE.width, PICTURE.height, (x, y) =>
      inRect(x, y, RECT) ? [0, 0, 0, 0] : photoPixel(x, y),
    );
    expect(maskConvention(edit)).toBe('edit_holes');
    const mask = await decodeMaskImage(await png(edit), { maxPixels: MAX });
    expect(cellsOf(planPaint({ kind: 'mask', mask }, PICTURE))).toEqual(rectCells(RECT));
  });

  it("an edit mask's half-transparent hole edge is partly redrawn", async () => {
    const edit = rgba(64, 16, (x, y) => (x < 16 ? [0, 0, 0, 0] : x < 32 ? [9, 9, 9, 64] : photoPixel(x, y)));
    const mask = await decodeMaskImage(await png(edit), { maxPixels: MAX });
    expect(Array.from(mask.data.subarray(0, 3))).toEqual([255, 255, 255]); // the hole
    expect(Array.from(mask.data.subarray(16 * 3, 16 * 3 + 3))).toEqual([191, 191, 191]); // 255 − 64
    expect(mask.data[40 * 3]).toBe(0); // the photo: kept
  });

  it('an edit mask of a product shot on white (the subject a small share) is still an edit mask', async () => {
    const subject = { x: 0, y: 0, w: 80, h: 72 }; // 11 % of the opaque pixels are its mid-tones and colours
    const edit = rgba(PICTURE.width, PICTURE.height, (x, y) =>
      inRect(x, y, RECT) ? [0, 0, 0, 0] : inRect(x, y, subject) ? photoPixel(x, y) : [250, 250, 250, 255],
    );
    expect(maskConvention(edit)).toBe('edit_holes');
  });

  it('a black/white mask with soft grey edges and a transparent margin stays a painted mask', async () => {
    // Opaque black left of x = 240 with a white rectangle whose 3-pixel rim is graded grey; transparent beyond.
    const rim = (x: number, y: number) =>
      Math.min(x - RECT.x, RECT.x + RECT.w - 1 - x, y - RECT.y, RECT.y + RECT.h - 1 - y);
    const layer = rgba(PICTURE.width, PICTURE.height, (x, y) => {
      if (x >= 240) return [0, 0, 0, 0];
      if (!inRect(x, y, RECT)) return [0, 0, 0, 255];
      const v = Math.min(255, 64 * (rim(x, y) + 1));
      return [v, v, v, 255];
    });
    expect(maskConvention(layer)).toBe('painted');
  });

  it('a half-transparent brush edge is half redrawn; the transparent rest is kept', async () => {
    const stroke = rgba(48, 16, (x) =>
      x < 16 ? [255, 255, 255, 255] : x < 32 ? [255, 255, 255, 128] : [255, 255, 255, 0],
    );
    const mask = await decodeMaskImage(await png(stroke), { maxPixels: MAX });
    expect([0, 16, 32].map((x) => mask.data[x * 3])).toEqual([255, 128, 0]);
    // Cells: the opaque one (1.0), the edge one (128/255 ≈ 0.502 > 0.5), not the transparent one.
    expect(Array.from(planPaint({ kind: 'mask', mask }, { width: 48, height: 16 }).cells)).toEqual([1, 1, 0]);
  });

  it('a 16-bit PNG and a lossy WebP brush layer read alike', async () => {
    const stroke = rgba(48, 16, (x) =>
      x < 16 ? [255, 255, 255, 255] : x < 32 ? [255, 255, 255, 128] : [255, 255, 255, 0],
    );
    const raw = sharp(stroke.data, { raw: { width: 48, height: 16, channels: 4 } });
    const png16 = await raw.clone().toColourspace('rgb16').png().toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const webp = await raw.clone().webp({ quality: 50 }).toBuffer();
    for (const bytes of [png16, webp]) {
      const mask = await decodeMaskImage(new Uint8Array(bytes), { maxPixels: MAX });
      const at = (x: number) => mask.data[(8 * 48 + x) * 3]!;
      expect(at(4)).toBeGreaterThanOrEqual(250); // opaque
      expect(Math.abs(at(24) - 128)).toBeLessThanOrEqual(4); // the half-transparent edge
      expect(at(44)).toBe(0); // transparent
    }
  });

  it('a brush of one flat colour on a transparent layer is never read inside out', async () => {
    const red = rgba(PICTURE.width, PICTURE.height, (x, y) =>
      inRect(x, y, RECT) ? [220, 30, 30, 255] : [0, 0, 0, 0],
    );
    expect(maskConvention(red)).toBe('painted');
    const mask = await decodeMaskImage(await png(red), { maxPixels: MAX });
    // Dark as a mask (brightness ≈ 0.3): the same refusal as any dark mask, not a redraw of everything else.
    expect(emptyMaskRefusal(() => planPaint({ kind: 'mask', mask }, PICTURE))).toMatch(/mask is empty/);
  });

  it('a grey-and-alpha PNG reads as a brush layer too', async () => {
    const layer = rgba(32, 16, (x) => (x < 16 ? [255, 255, 255, 255] : [255, 255, 255, 0]));
    const greyAlpha = await sharp(await png(layer))
      .toColourspace('b-w')
      .png()
      .toBuffer();
    expect((await sharp(greyAlpha).metadata()).channels).toBe(2);
    const mask = await decodeMaskImage(new Uint8Array(greyAlpha), { maxPixels: MAX });
    expect([0, 16].map((x) => mask.data[x * 3])).toEqual([255, 0]);
  });
});

describe('mask files without transparency (unchanged)', () => {
  it('a black/white mask decodes exactly as any image does', async () => {
    const bw = rgba(PICTURE.width, PICTURE.height, (x, y) =>
      inRect(x, y, RECT) ? [255, 255, 255, 255] : [0, 0, 0, 255],
    );
    const bytes = await png(bw, 3);
    const mask = await decodeMaskImage(bytes, { maxPixels: MAX });
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
    expect(await decodeMaskImage(jpeg, { maxPixels: MAX })).toEqual(
      await decodeImage(jpeg, { maxPixels: MAX }),
    );
  });

  it('refuses what decodeImage refuses', async () => {
    await expect(decodeMaskImage(new Uint8Array([1, 2, 3]), { maxPixels: MAX })).rejects.toBeInstanceOf(
      EngineError,
    );
  });
});
