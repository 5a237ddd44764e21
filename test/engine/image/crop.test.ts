import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  bucketList,
  generateCropSizeList,
  pickBucket,
  planCenterCrop,
  pyRound,
} from '../../../engine/image/crop.js';
import { boxHalve } from '../../../engine/image/pixels.js';

interface PilFixture {
  l512: Array<[number, number]>;
  l1024: Array<[number, number]>;
  picks512: Array<[number, number, number, number, Array<[number, number]>, [number, number]]>;
  picks1024: Array<[number, number, number, number]>;
  halves: Array<{ w: number; h: number; in: number[]; out: number[] }>;
}
const pil = JSON.parse(
  readFileSync(new URL('../../fixtures/engine/crop-pil.json', import.meta.url), 'utf8'),
) as PilFixture;

describe('crop buckets (§2.3)', () => {
  it('512-class: 49 sizes from 1024×256 to 256×1024, with 512×512', () => {
    const list = bucketList(512);
    expect(list).toHaveLength(49);
    expect(list[0]).toEqual({ width: 1024, height: 256 });
    expect(list.at(-1)).toEqual({ width: 256, height: 1024 });
    expect(list).toContainEqual({ width: 512, height: 512 });
    for (const s of list) {
      expect(s.width % 32).toBe(0);
      expect(s.width * s.height).toBeLessThanOrEqual(512 * 512);
      expect(Math.max(s.width, s.height) / Math.min(s.width, s.height)).toBeLessThanOrEqual(4);
    }
  });

  it('1024-class: 97 sizes from 2048×512 to 512×2048', () => {
    const list = bucketList(1024);
    expect(list).toHaveLength(97);
    expect(list[0]).toEqual({ width: 2048, height: 512 });
    expect(list.at(-1)).toEqual({ width: 512, height: 2048 });
  });

  it('equals the lists upstream’s Python prints, in order', () => {
    expect(generateCropSizeList(256).map((s) => [s.width, s.height])).toEqual(pil.l512);
    expect(generateCropSizeList(1024, 32, 4).map((s) => [s.width, s.height])).toEqual(pil.l1024);
  });

  it.each(pil.picks512)(
    '512-class pick and crop plan for %i×%i as upstream',
    (w, h, bw, bh, halvings, resize) => {
      expect(pickBucket(w, h, bucketList(512))).toEqual({ width: bw, height: bh });
      const plan = planCenterCrop(w, h, { width: bw, height: bh });
      expect(plan.halvings.map((s) => [s.width, s.height])).toEqual(halvings);
      expect([plan.resize.width, plan.resize.height]).toEqual(resize);
      expect(plan.crop.width).toBe(bw);
      expect(plan.crop.left).toBe(Math.floor((resize[0] - bw) / 2));
      expect(plan.crop.top).toBe(Math.floor((resize[1] - bh) / 2));
    },
  );

  it.each(pil.picks1024)('1024-class pick for %i×%i as upstream', (w, h, bw, bh) => {
    expect(pickBucket(w, h, bucketList(1024))).toEqual({ width: bw, height: bh });
  });

  it('rounds like Python (half to even)', () => {
    expect([0.5, 1.5, 2.5, -0.5, 2.4, 2.6, 597.3333].map(pyRound)).toEqual([0, 2, 2, -0, 2, 3, 597]);
  });
});

describe('box halving', () => {
  it.each(pil.halves)('matches Pillow’s Image.BOX for a $w×$h image', ({ w, h, in: input, out }) => {
    const half = boxHalve({ width: w, height: h, data: Uint8Array.from(input) });
    expect([half.width, half.height]).toEqual([Math.floor(w / 2), Math.floor(h / 2)]);
    expect(Array.from(half.data)).toEqual(out);
  });
});
