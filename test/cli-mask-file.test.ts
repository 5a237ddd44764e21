// `dimoo paint --mask`: the file is read as a mask against the `--image` picture (transparent = keep around
// strokes, a hole in a copy of the picture = redraw), `--image` as a picture (onto white).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readImageFile, readMaskFile } from '../src/cli/engine-io.js';

// 32×16, the left half transparent, the right half opaque `colour`.
async function layerFile(colour: number[]): Promise<string> {
  const data = new Uint8Array(32 * 16 * 4);
  for (let p = 0; p < 32 * 16; p++) if (p % 32 >= 16) data.set([...colour, 255], p * 4);
  const path = join(mkdtempSync(join(tmpdir(), 'dimoo-mask-')), 'mask.png');
  writeFileSync(
    path,
    await sharp(data, { raw: { width: 32, height: 16, channels: 4 } })
      .png()
      .toBuffer(),
  );
  return path;
}

// The --image picture, at twice the mask's size: a colour gradient.
const picture = {
  width: 64,
  height: 32,
  data: Uint8Array.from({ length: 64 * 32 * 3 }, (_, i) => (Math.floor(i / 3) * (i % 3 ? 5 : 3)) % 256),
};

describe('readMaskFile', () => {
  it('reads --mask transparency as keep around the strokes and --image transparency as white', async () => {
    const path = await layerFile([255, 255, 255]);
    const mask = await readMaskFile(path, picture);
    expect([0, 16].map((x) => mask.data[x * 3])).toEqual([0, 255]);
    const image = await readImageFile('image', path);
    expect([0, 16].map((x) => image.data[x * 3])).toEqual([255, 255]);
  });

  it('redraws a red brush stroke (read by its brightness, it was an empty mask)', async () => {
    const mask = await readMaskFile(await layerFile([220, 30, 30]), picture);
    expect([0, 16].map((x) => mask.data[x * 3])).toEqual([0, 255]);
  });

  it('names the flag and the file when the mask is not an image', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'dimoo-mask-')), 'mask.png');
    writeFileSync(path, 'not an image');
    await expect(readMaskFile(path, picture)).rejects.toThrow(/--mask .*mask\.png/);
  });
});
