// A picture every pixel of which differs from its neighbours, so a scaled, shifted or cropped copy can be told from
// the original byte for byte.
import type { RgbImage } from '../../engine/index.js';

export function gradient(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = (x * 7 + y * 3 + c * 80) % 256;
  return { width, height, data };
}
