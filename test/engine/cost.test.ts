import { describe, expect, it } from 'vitest';
import type { PaintRegion } from '../../engine/api.js';
import { estimateCost, forwardUnits } from '../../engine/cost.js';

const image = { width: 512, height: 512, data: new Uint8Array(512 * 512 * 3) };

describe('engine cost model', () => {
  it('grows faster than linearly with sequence length because of attention', () => {
    const dims = { dModel: 64, mlpHidden: 128 };
    expect(forwardUnits(2000, dims) / forwardUnits(1000, dims)).toBeGreaterThan(2);
  });

  it('prices a 1024² text-to-image far above a 256² one and halves it with ML-Cache', () => {
    const big = estimateCost({ task: 'text_to_image', prompt: 'a cat', width: 1024, height: 1024 });
    const small = estimateCost({ task: 'text_to_image', prompt: 'a cat', width: 256, height: 256 });
    const cached = estimateCost({
      task: 'text_to_image',
      prompt: 'a cat',
      width: 1024,
      height: 1024,
      cache: true,
    });
    expect(big / small).toBeGreaterThan(10);
    expect(cached).toBeCloseTo(big / 2);
    // A paint over the same template halves with it too.
    const paint = { task: 'paint', prompt: 'a hat', image, region: { kind: 'scatter', share: 0.3 } } as const;
    expect(estimateCost({ ...paint, cache: true })).toBeCloseTo(estimateCost(paint) / 2);
  });

  it('pads the rows to the longer of the prompt and a negative prompt', () => {
    const base = { task: 'text_to_image', prompt: 'x', width: 256, height: 256 } as const;
    expect(estimateCost({ ...base, negativePrompt: 'y' })).toBe(estimateCost(base));
    expect(estimateCost({ ...base, negativePrompt: 'y'.repeat(600) })).toBeGreaterThan(estimateCost(base));
  });

  it('counts guidance branches: no CFG is half the price of CFG', () => {
    const guided = estimateCost({ task: 'text_to_image', prompt: 'x', width: 256, height: 256, cfg: 4 });
    const plain = estimateCost({ task: 'text_to_image', prompt: 'x', width: 256, height: 256, cfg: 0 });
    expect(guided).toBeCloseTo(2 * plain);
  });

  it('prices understanding by its step count', () => {
    const short = estimateCost({ task: 'understand', image, steps: 32, genLength: 32, blockLength: 32 });
    const long = estimateCost({ task: 'understand', image, steps: 128, genLength: 32, blockLength: 32 });
    expect(long).toBeCloseTo(4 * short);
  });

  it('prices the block cache as one whole pass per block and cheap steps over the block', () => {
    const asked = { task: 'understand', image, steps: 128, genLength: 128, blockLength: 32 } as const;
    const exact = estimateCost(asked);
    const cached = estimateCost({ ...asked, cache: true });
    // Four whole passes of 128, plus 124 steps over 32 rows each reading the caches.
    expect(cached).toBeLessThan(exact / 10);
    expect(cached).toBeGreaterThan((4 / 128) * exact);
    // A block of one step is the uncached price.
    const oneStep = { ...asked, steps: 4 };
    expect(estimateCost({ ...oneStep, cache: true })).toBeCloseTo(estimateCost(oneStep));
    // A sampled answer runs uncached, and is priced so.
    expect(estimateCost({ ...asked, temperature: 1, cache: true })).toBe(
      estimateCost({ ...asked, temperature: 1 }),
    );
  });

  it('prices a canvas extension at the canvas it paints, not at its source', () => {
    const sized = (width: number, height: number) => ({ width, height, data: new Uint8Array(0) });
    const paint = (source: { width: number; height: number }, region: PaintRegion) =>
      estimateCost({ task: 'paint', prompt: 'more sky', image: sized(source.width, source.height), region });
    const scatter = { kind: 'scatter', share: 0.3 } as const;
    const zoom2 = { kind: 'extend', left: 0.5, top: 0.5, right: 0.5, bottom: 0.5 } as const;
    // Zoom out 2× of 512² encodes, samples and decodes a 1024² canvas: a 1024² repaint's price.
    expect(paint({ width: 512, height: 512 }, zoom2)).toBe(paint({ width: 1024, height: 1024 }, scatter));
    // A pan of 1024×576 to the left paints 1536×576.
    expect(
      paint({ width: 1024, height: 576 }, { kind: 'extend', left: 0.5, top: 0, right: 0, bottom: 0 }),
    ).toBe(paint({ width: 1536, height: 576 }, scatter));
    // A source the pixel limit shrinks is priced at the canvas the task shrinks it to.
    expect(paint({ width: 4096, height: 4096 }, zoom2)).toBe(paint({ width: 2048, height: 2048 }, scatter));
    // An extension the task refuses is priced at its source (the job fails at its start).
    const refused = { kind: 'extend', left: 5, top: 0, right: 0, bottom: 0 } as const;
    expect(paint({ width: 512, height: 512 }, refused)).toBe(paint({ width: 512, height: 512 }, scatter));
  });
});
