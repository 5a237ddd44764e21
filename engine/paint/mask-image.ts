// An uploaded mask file → the mask image the paint plan reads (white = redraw), with its transparency read as the
// person who made it meant it. Flattening onto white, as pictures are, turned a brush layer's transparent
// background into "redraw everything". Judging the mask alone (is it "photo-like"?) misread dark photos, documents
// and product shots with holes, and coloured brushes; the picture the mask belongs to settles it instead.
import type { RgbImage } from '../api.js';
import { type DecodeOptions, decodeImageWithAlpha, type RgbaImage } from '../image/io.js';

/**
 * How a mask file reads: `luminance` (white = redraw, composited onto black: every mask without transparency, as
 * ever, and a black/white mask with transparent parts), `edit_holes` (OpenAI's edit mask: a copy of the picture
 * whose transparent holes are what to redraw) or `alpha` (strokes of any colour on a transparent layer: the
 * strokes are what to redraw).
 */
export type MaskReading = 'luminance' | 'edit_holes' | 'alpha';

// At or above this alpha a pixel counts as opaque (lossy WebP alpha wobbles a little below 255).
const OPAQUE = 248;
// A mask's two ends: every channel below END_TONE (near black) or above 255 − END_TONE (near white), so a pure
// blue (dark by luminance) is a colour, not black.
const END_TONE = 48;
// Mean absolute difference per channel (of 255) under which the mask's opaque part is the picture itself. A copy
// re-encoded as JPEG differs by a few levels on average, a colour-managed one (P3 ↔ sRGB) by well under 20 on
// saturated colours, a resample to another size a little at edges; a brush or a black/white mask over a photo
// differs by far more (≈100).
const SAME_PICTURE = 24;

/**
 * The rule (the picture is the one the mask is for; any size, resampled to the mask's):
 * - no transparency → `luminance`, as a mask has always been read;
 * - the opaque pixels (alpha ≥ 248) match the picture (mean difference under SAME_PICTURE) → `edit_holes`. Where
 *   the picture under them is itself about one colour (its own spread under SAME_PICTURE: a white brush over a
 *   white wall matches as well as a copy would), the match proves nothing and coverage decides: a copy with holes
 *   keeps most of the picture (over half opaque), strokes mark a part of it;
 * - otherwise a painted layer: with both near-black and near-white opaque pixels it is a black/white mask that
 *   happens to have transparent parts → `luminance`; else strokes of any colour(s) → `alpha`.
 */
export function maskReading(mask: RgbaImage, picture: RgbImage): MaskReading {
  const d = mask.data;
  let opaque = 0;
  let black = false;
  let white = false;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3]! < OPAQUE) continue;
    opaque++;
    const lo = Math.min(d[i]!, d[i + 1]!, d[i + 2]!);
    const hi = Math.max(d[i]!, d[i + 1]!, d[i + 2]!);
    if (hi < END_TONE) black = true;
    if (lo > 255 - END_TONE) white = true;
  }
  const pixels = mask.width * mask.height;
  if (opaque === pixels) return 'luminance';
  if (opaque > 0 && copiesPicture(mask, resampled(picture, mask.width, mask.height), opaque))
    return 'edit_holes';
  return black && white ? 'luminance' : 'alpha';
}

function copiesPicture(mask: RgbaImage, picture: Uint8Array, opaque: number): boolean {
  const d = mask.data;
  const mean = [0, 0, 0];
  let difference = 0;
  for (let p = 0; p < mask.width * mask.height; p++) {
    if (d[p * 4 + 3]! < OPAQUE) continue;
    for (let c = 0; c < 3; c++) {
      mean[c]! += picture[p * 3 + c]!;
      difference += Math.abs(d[p * 4 + c]! - picture[p * 3 + c]!);
    }
  }
  if (difference / (3 * opaque) >= SAME_PICTURE) return false;
  let spread = 0;
  for (let p = 0; p < mask.width * mask.height; p++) {
    if (d[p * 4 + 3]! < OPAQUE) continue;
    for (let c = 0; c < 3; c++) spread += Math.abs(picture[p * 3 + c]! - mean[c]! / opaque);
  }
  return spread / (3 * opaque) >= SAME_PICTURE || opaque * 2 > mask.width * mask.height;
}

/** The picture area-averaged onto `width × height` (each output pixel the mean of the input pixels it covers). */
function resampled(picture: RgbImage, width: number, height: number): Uint8Array {
  if (picture.width === width && picture.height === height) return picture.data;
  const out = new Uint8Array(width * height * 3);
  const span = (i: number, from: number, to: number) => [
    Math.floor((i * from) / to),
    Math.max(Math.floor((i * from) / to) + 1, Math.ceil(((i + 1) * from) / to)),
  ];
  for (let y = 0; y < height; y++) {
    const [y0, y1] = span(y, picture.height, height) as [number, number];
    for (let x = 0; x < width; x++) {
      const [x0, x1] = span(x, picture.width, width) as [number, number];
      const sum = [0, 0, 0];
      for (let yy = y0; yy < y1; yy++)
        for (let xx = x0; xx < x1; xx++)
          for (let c = 0; c < 3; c++) sum[c]! += picture.data[(yy * picture.width + xx) * 3 + c]!;
      const n = (y1 - y0) * (x1 - x0);
      for (let c = 0; c < 3; c++) out[(y * width + x) * 3 + c] = Math.round(sum[c]! / n);
    }
  }
  return out;
}

/**
 * The mask as an RGB image the paint plan reads (white = redraw, grey = partly), by `maskReading`: `luminance`
 * composited onto black (an opaque mask's colours unchanged); `edit_holes` 255 − alpha (a hole white, a soft hole
 * edge grey, the picture black); `alpha` the alpha itself (a stroke white, a soft brush edge grey).
 */
export function readMask(mask: RgbaImage, picture: RgbImage): RgbImage {
  const reading = maskReading(mask, picture);
  const n = mask.width * mask.height;
  const d = mask.data;
  const out = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) {
    const a = d[p * 4 + 3]!;
    for (let c = 0; c < 3; c++) {
      out[p * 3 + c] =
        reading === 'edit_holes' ? 255 - a : reading === 'alpha' ? a : Math.round((d[p * 4 + c]! * a) / 255);
    }
  }
  return { width: mask.width, height: mask.height, data: out };
}

/** Decodes a mask file (as `decodeImage`, same refusals) keeping its transparency, for `readMask`. */
export async function decodeMaskFile(bytes: Uint8Array, options: DecodeOptions): Promise<RgbaImage> {
  return decodeImageWithAlpha(bytes, options);
}

/** Decodes a mask file and reads it against its picture (`readMask`). */
export async function decodeMaskImage(
  bytes: Uint8Array,
  options: DecodeOptions,
  picture: RgbImage,
): Promise<RgbImage> {
  return readMask(await decodeImageWithAlpha(bytes, options), picture);
}

/**
 * Whether a read mask redraws anything: some pixel at least half bright. The same test as the paint plan's
 * (`maskImageToPixelMask` in mask.ts refuses a mask with none), so a mask is refused when it is sent, not when
 * its job runs.
 */
export function maskMarksSomething(mask: RgbImage): boolean {
  const d = mask.data;
  for (let i = 0; i < mask.width * mask.height; i++) {
    if ((0.299 * d[3 * i]! + 0.587 * d[3 * i + 1]! + 0.114 * d[3 * i + 2]!) / 255 >= 0.5) return true;
  }
  return false;
}
