// Small pixel operations on RgbImage in plain TypeScript, where sharp has no matching filter.
import type { RgbImage } from '../api.js';

// PIL's fixed-point resampling keeps 22 fractional bits for 8-bit images and rounds after each pass.
const PRECISION_BITS = 22;

// PIL's coefficient selection for the BOX filter: an input pixel counts when its centre falls in the output
// pixel's span (i·scale, (i+1)·scale]; weights are normalised to sum to 1.
function boxCoefficients(inSize: number, outSize: number): Array<{ start: number; weights: number[] }> {
  const scale = inSize / outSize;
  const support = 0.5 * scale;
  const out: Array<{ start: number; weights: number[] }> = [];
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize);
    const raw: number[] = [];
    for (let x = xmin; x < xmax; x++) {
      const t = (x - center + 0.5) / scale;
      raw.push(t > -0.5 && t <= 0.5 ? 1 : 0);
    }
    const total = raw.reduce((a, b) => a + b, 0);
    out.push({
      start: xmin,
      weights: raw.map((v) => Math.trunc((total ? v / total : 0) * 2 ** PRECISION_BITS + 0.5)),
    });
  }
  return out;
}

function clip8(acc: number): number {
  const v = Math.floor((acc + 2 ** (PRECISION_BITS - 1)) / 2 ** PRECISION_BITS);
  return Math.min(Math.max(v, 0), 255);
}

/** Box-filter downscale to `(⌊w/2⌋, ⌊h/2⌋)`, two passes with 8-bit rounding as PIL's `Image.BOX` does. */
export function boxHalve(img: RgbImage): RgbImage {
  const width = Math.floor(img.width / 2);
  const height = Math.floor(img.height / 2);
  if (width < 1 || height < 1) throw new RangeError(`cannot halve a ${img.width}×${img.height} image`);
  const cx = boxCoefficients(img.width, width);
  const cy = boxCoefficients(img.height, height);
  const mid = new Uint8Array(width * img.height * 3);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < width; x++) {
      const { start, weights } = cx[x]!;
      for (let ch = 0; ch < 3; ch++) {
        let acc = 0;
        for (let k = 0; k < weights.length; k++)
          acc += weights[k]! * img.data[(y * img.width + start + k) * 3 + ch]!;
        mid[(y * width + x) * 3 + ch] = clip8(acc);
      }
    }
  }
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const { start, weights } = cy[y]!;
    for (let x = 0; x < width; x++) {
      for (let ch = 0; ch < 3; ch++) {
        let acc = 0;
        for (let k = 0; k < weights.length; k++)
          acc += weights[k]! * mid[((start + k) * width + x) * 3 + ch]!;
        data[(y * width + x) * 3 + ch] = clip8(acc);
      }
    }
  }
  return { width, height, data };
}

/** A new image of `width × height` filled with one grey level. */
export function solidImage(width: number, height: number, grey: number): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3).fill(grey) };
}

/** Copies `src` into `dst` with its top-left corner at (left, top); both must fit. */
export function paste(dst: RgbImage, src: RgbImage, left: number, top: number): void {
  if (left < 0 || top < 0 || left + src.width > dst.width || top + src.height > dst.height) {
    throw new RangeError(`a ${src.width}×${src.height} image does not fit at (${left}, ${top})`);
  }
  for (let y = 0; y < src.height; y++) {
    const from = y * src.width * 3;
    dst.data.set(src.data.subarray(from, from + src.width * 3), ((top + y) * dst.width + left) * 3);
  }
}

/** The `rect` of `img` as an image of its own; `img` itself where the rect is all of it. */
export function cropImage(
  img: RgbImage,
  rect: { left: number; top: number; width: number; height: number },
): RgbImage {
  const { left, top, width, height } = rect;
  if (left === 0 && top === 0 && width === img.width && height === img.height) return img;
  if (left < 0 || top < 0 || left + width > img.width || top + height > img.height)
    throw new RangeError(
      `a ${width}×${height} crop at (${left}, ${top}) is not inside ${img.width}×${img.height}`,
    );
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * img.width + left) * 3;
    data.set(img.data.subarray(from, from + width * 3), y * width * 3);
  }
  return { width, height, data };
}
