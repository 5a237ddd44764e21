// An uploaded mask file → the mask image the paint plan reads (white = redraw), with its transparency read as the
// person who made it meant it. Flattening onto white, as pictures are, turned a brush layer's transparent
// background into "redraw everything".
import type { RgbImage } from '../api.js';
import { type DecodeOptions, decodeImageWithAlpha, type RgbaImage } from '../image/io.js';

/**
 * How a mask file's transparency reads: `painted` (white = redraw; transparent = nothing painted = keep, as a brush
 * layer exported on its own, and a mask without transparency reads as it always did) or `edit_holes` (OpenAI's
 * edit mask: a copy of the picture whose transparent holes are what to redraw).
 */
export type MaskConvention = 'painted' | 'edit_holes';

// At or above this alpha a pixel counts as opaque (lossy WebP alpha wobbles a little below 255).
const OPAQUE = 248;
// A mask's two ends: a grey (channels within GREY_SPREAD of each other) within END_TONE of black or of white.
const END_TONE = 48;
const GREY_SPREAD = 48;
// The share of opaque pixels away from black and white that makes them a picture rather than a mask: low enough
// for a product shot on white (its subject), high enough that a mask's soft grey edges stay a mask's.
const PHOTO_SHARE = 0.1;

function isEndTone(r: number, g: number, b: number): boolean {
  const spread = Math.max(r, g, b) - Math.min(r, g, b);
  const lum = 0.299 * r + 0.587 * g + 0.114 * b;
  return spread <= GREY_SPREAD && (lum < END_TONE || lum > 255 - END_TONE);
}

/**
 * The rule, on the mask alone (an edit mask's photo can be of any size, so the picture is not needed):
 * `edit_holes` when some pixels are fully transparent and the opaque ones look like a photo, i.e. at least a
 * tenth of them are mid-tones or colours (a mask's are black or white) and they are not one flat colour (a brush
 * painted in one colour on a transparent layer stays `painted`: read by that colour's brightness, refused as empty
 * if dark, never silently turned inside out); `painted` otherwise.
 */
export function maskConvention(image: RgbaImage): MaskConvention {
  const d = image.data;
  let transparent = 0;
  let opaque = 0;
  let photoLike = 0;
  const low = [255, 255, 255];
  const high = [0, 0, 0];
  for (let i = 0; i < d.length; i += 4) {
    const a = d[i + 3]!;
    if (a === 0) transparent++;
    if (a < OPAQUE) continue;
    opaque++;
    if (isEndTone(d[i]!, d[i + 1]!, d[i + 2]!)) continue;
    photoLike++;
    for (let c = 0; c < 3; c++) {
      low[c] = Math.min(low[c]!, d[i + c]!);
      high[c] = Math.max(high[c]!, d[i + c]!);
    }
  }
  const flat = [0, 1, 2].every((c) => high[c]! - low[c]! <= GREY_SPREAD);
  const photo = photoLike > 0 && photoLike >= PHOTO_SHARE * opaque && !flat;
  return transparent > 0 && photo ? 'edit_holes' : 'painted';
}

/**
 * The mask as an RGB image the paint plan reads (white = redraw, grey = partly): a painted mask composited onto
 * black (an opaque one's colours unchanged, a half-transparent white brush edge half redrawn); an edit mask's
 * transparency itself (a hole white, a half-transparent hole edge grey, the photo black).
 */
export function maskFromRgba(image: RgbaImage): RgbImage {
  const convention = maskConvention(image);
  const n = image.width * image.height;
  const d = image.data;
  const out = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) {
    const a = d[p * 4 + 3]!;
    for (let c = 0; c < 3; c++) {
      const v = d[p * 4 + c]!;
      out[p * 3 + c] = convention === 'edit_holes' ? 255 - a : Math.round((v * a) / 255);
    }
  }
  return { width: image.width, height: image.height, data: out };
}

/** Decodes a mask file (as `decodeImage`, same refusals) and reads its transparency by `maskConvention`. */
export async function decodeMaskImage(bytes: Uint8Array, options: DecodeOptions): Promise<RgbImage> {
  return maskFromRgba(await decodeImageWithAlpha(bytes, options));
}
