// `dimoo paint --mask`: the file is read as a mask (transparent = keep), `--image` as a picture (onto white).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readImageFile } from '../src/cli/engine-io.js';

describe('readImageFile', () => {
  it('reads --mask transparency as keep and --image transparency as white', async () => {
    const data = new Uint8Array(32 * 16 * 4).fill(255);
    for (let p = 0; p < 32 * 16; p++) if (p % 32 < 16) data[p * 4 + 3] = 0;
    const path = join(mkdtempSync(join(tmpdir(), 'dimoo-mask-')), 'mask.png');
    writeFileSync(
      path,
      await sharp(data, { raw: { width: 32, height: 16, channels: 4 } })
        .png()
        .toBuffer(),
    );
    const mask = await readImageFile('mask', path);
    expect([0, 16].map((x) => mask.data[x * 3])).toEqual([0, 255]);
    const image = await readImageFile('image', path);
    expect([0, 16].map((x) => image.data[x * 3])).toEqual([255, 255]);
  });
});
