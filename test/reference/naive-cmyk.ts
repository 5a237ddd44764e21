// Device CMYK to RGB by the textbook formula, independent of any colour library: R = 255·(1−C)(1−K), and so on.

/** `c, m, y, k` in 0..1; returns 8-bit RGB. */
export function naiveCmykToRgb(c: number, m: number, y: number, k: number): [number, number, number] {
  return [c, m, y].map((v) => Math.round(255 * (1 - v) * (1 - k))) as [number, number, number];
}

/** Alpha `a` (0..1) over white, per channel. */
export function overWhite(rgb: readonly number[], a: number): number[] {
  return rgb.map((v) => Math.round(v * a + 255 * (1 - a)));
}
