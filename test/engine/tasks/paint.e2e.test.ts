// Painting through the real engine on a generated tiny checkpoint: kept cells keep their VQ codes, pixels away
// from the regenerated area are the input's own, every region kind runs, seeds reproduce, bad regions are refused.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../../engine/checkpoint/load.js';
import {
  createEngine,
  type Engine,
  type ImageResult,
  makeTestCheckpoint,
  type PaintRegion,
  type RgbImage,
} from '../../../engine/index.js';
import { planPaint } from '../../../engine/paint/mask.js';
import type { VqCodec } from '../../../engine/runtime/vq-codec.js';
import { checkpointVq } from './checkpoint-vq.js';

// DIMOO_TEST_DEVICE=cuda runs these on a GPU (a host with Node and `npx dimoo gpu-setup` done).
const TEST_DEVICE = process.env.DIMOO_TEST_DEVICE === 'cuda' ? 'cuda' : 'cpu';

function gradient(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = (x * 9 + y * 4 + c * 70) % 256;
  return { width, height, data };
}

describe('painting on a generated tiny checkpoint', () => {
  let engine: Engine;
  let vq: VqCodec;
  const image = gradient(128, 96); // an 8×6 grid, already multiples of 16: the canvas is the input itself
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-paint-'));
    makeTestCheckpoint({ out: dir, preset: 'tiny', seed: 4, dtype: 'bf16' });
    engine = await createEngine({ modelDir: dir, device: TEST_DEVICE });
    const ckpt = await loadCheckpoint(dir);
    vq = checkpointVq(ckpt);
  });
  afterAll(async () => {
    await engine.close();
    await vq.close();
  });

  const run = (region: PaintRegion, extra = {}) =>
    engine.generate({
      task: 'paint',
      prompt: 'a boat',
      image,
      region,
      steps: 3,
      seed: 5,
      ...extra,
    }) as Promise<ImageResult>;

  it('never changes kept cells and keeps the input pixels outside the feathered mask', async () => {
    const region: PaintRegion = { kind: 'inpaint_ratio', hRatio: 0.5, wRatio: 0.5 };
    const plan = planPaint(region, image);
    const result = await run(region);
    const input = await vq.encode(image);
    expect([result.image.width, result.image.height]).toEqual([128, 96]);
    expect([result.tokens.rows, result.tokens.cols]).toEqual([6, 8]);
    const kept = [...plan.cells.keys()].filter((c) => plan.cells[c] === 0);
    expect(kept.length).toBeGreaterThan(0);
    for (const c of kept) expect(result.tokens.data[c]).toBe(input.indices[c]);
    // Outside the regenerated cells by more than the 8-pixel feather: the input, byte for byte.
    let checked = 0;
    for (let y = 0; y < 96; y++)
      for (let x = 0; x < 128; x++) {
        let near = false;
        for (let dy = -8; dy <= 8 && !near; dy++)
          for (let dx = -8; dx <= 8 && !near; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy >= 0 && yy < 96 && xx >= 0 && xx < 128 && plan.regenerated.data[yy * 128 + xx]! > 0.5)
              near = true;
          }
        if (near) continue;
        checked++;
        for (let ch = 0; ch < 3; ch++) {
          const i = 3 * (y * 128 + x) + ch;
          if (result.image.data[i] !== image.data[i]) throw new Error(`pixel ${x},${y} changed`);
        }
      }
    expect(checked).toBeGreaterThan(1000);
  });

  it('a source whose sides are not multiples of 16 comes back at its own size, its pixels away from the region its own', async () => {
    // Upstream encodes it floored to 128×96 (a little squeezed); the pasted result is the source's own 140×100.
    const odd = gradient(140, 100);
    const region: PaintRegion = { kind: 'boxes', boxes: [{ x: 0.5, y: 0.5, w: 0.5, h: 0.5 }] };
    const result = await run(region, { image: odd });
    expect([result.image.width, result.image.height]).toEqual([140, 100]);
    // The box starts at (70, 50); its cells reach at most one cell (16 px, scaled) and the feather (8 px) before it.
    let same = 0;
    let far = 0;
    for (let y = 0; y < 100; y++)
      for (let x = 0; x < 140; x++) {
        if (x >= 70 - 30 && y >= 50 - 30) continue;
        far++;
        const i = (y * 140 + x) * 3;
        if ([0, 1, 2].every((c) => result.image.data[i + c] === odd.data[i + c])) same++;
      }
    expect(same).toBe(far);
    // Without paste-back it is the drawing at the size the model took.
    const plain = await run(region, { image: odd, pasteBack: false });
    expect([plain.image.width, plain.image.height]).toEqual([128, 96]);
  });

  it('returns the plain VQ decode with pasteBack off', async () => {
    const result = await run({ kind: 'inpaint_ratio', hRatio: 0.5, wRatio: 0.5 }, { pasteBack: false });
    const decoded = await vq.decode(result.tokens.rows, result.tokens.cols, result.tokens.data);
    expect(Buffer.from(result.image.data).equals(Buffer.from(decoded.data))).toBe(true);
  });

  it('runs outpainting, boxes, a mask image and canvas extension', async () => {
    const out = await run({ kind: 'outpaint_ratio', hRatio: 1, wRatio: 0.5 });
    expect(out.image.width).toBe(128);
    const boxes = await run({ kind: 'boxes', boxes: [{ x: 0, y: 0, w: 0.25, h: 0.34 }] });
    const input = await vq.encode(image);
    expect(boxes.tokens.data[5 * 8 + 7]).toBe(input.indices[5 * 8 + 7]);
    const mask = { width: 128, height: 96, data: new Uint8Array(128 * 96 * 3) };
    for (let y = 48; y < 96; y++) mask.data.fill(255, 3 * y * 128, 3 * (y * 128 + 64));
    const masked = await run({ kind: 'mask', mask });
    expect(masked.tokens.data[0]).toBe(input.indices[0]);
    const extended = await run({ kind: 'extend', left: 0.25, top: 0, right: 0.25, bottom: 0 });
    expect([extended.image.width, extended.image.height]).toEqual([192, 96]);
    expect([extended.tokens.rows, extended.tokens.cols]).toEqual([6, 12]);
  });

  it("scatter redraws the seed's share of cells anywhere, keeps the others' codes, and pastes nothing back", async () => {
    const region: PaintRegion = { kind: 'scatter', share: 0.25 };
    const plan = planPaint(region, image, { seed: 5 });
    const chosen = [...plan.cells.keys()].filter((c) => plan.cells[c] === 1);
    expect(chosen).toHaveLength(12); // a quarter of 48
    // Another seed picks other cells; the same seed the same ones.
    expect(planPaint(region, image, { seed: 6 }).cells).not.toEqual(plan.cells);
    expect(planPaint(region, image, { seed: 5 }).cells).toEqual(plan.cells);
    const result = await run(region);
    const input = await vq.encode(image);
    for (const [c, redraw] of plan.cells.entries())
      if (redraw === 0) expect(result.tokens.data[c]).toBe(input.indices[c]);
    const decoded = await vq.decode(result.tokens.rows, result.tokens.cols, result.tokens.data);
    expect(Buffer.from(result.image.data).equals(Buffer.from(decoded.data))).toBe(true);
    await expect(run({ kind: 'scatter', share: 0 })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(run({ kind: 'scatter', share: 1.5 })).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('count draws its images one after another, each as its seed alone, progress over all of them', async () => {
    const region: PaintRegion = { kind: 'scatter', share: 0.5 };
    const steps: number[] = [];
    const grid = (await engine.generate(
      { task: 'paint', prompt: 'a boat', image, region, steps: 3, seed: 9, count: 2 },
      { onProgress: (p) => p.phase || steps.push(p.step / p.total) },
    )) as ImageResult;
    expect(grid.candidates?.map((c) => c.seed)).toEqual([9, 10]);
    const second = await run(region, { seed: 10 });
    expect(Buffer.from(grid.candidates?.[1]?.image.data ?? []).equals(Buffer.from(second.image.data))).toBe(
      true,
    );
    expect([grid.image.width, grid.image.height]).toEqual([128, 96 * 2 + 8]); // wide: stacked
    expect(steps.map((v) => Math.round(v * 6))).toEqual([1, 2, 3, 4, 5, 6]);
    await expect(run(region, { count: 2, temperature: 0 })).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('is deterministic for a seed', async () => {
    const region: PaintRegion = { kind: 'inpaint_ratio', hRatio: 1, wRatio: 0.5 };
    const [a, b, c] = [await run(region), await run(region), await run(region, { seed: 6 })];
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    expect(Array.from(a.tokens.data)).not.toEqual(Array.from(c.tokens.data));
    // A negative prompt steers the same seed elsewhere; the same one again repeats it.
    const [d, e] = [
      await run(region, { negativePrompt: 'waves' }),
      await run(region, { negativePrompt: 'waves' }),
    ];
    expect(Array.from(d.tokens.data)).not.toEqual(Array.from(a.tokens.data));
    expect(Array.from(d.tokens.data)).toEqual(Array.from(e.tokens.data));
  });

  it('refuses empty masks, boxes outside the image and tiny regions; cancels within a step', async () => {
    const black = { width: 128, height: 96, data: new Uint8Array(128 * 96 * 3) };
    await expect(run({ kind: 'mask', mask: black })).rejects.toMatchObject({
      code: 'bad_request',
      message: /mask is empty/,
    });
    await expect(run({ kind: 'boxes', boxes: [{ x: 1.2, y: 0, w: 0.3, h: 0.3 }] })).rejects.toMatchObject({
      code: 'bad_request',
      message: /outside the image/,
    });
    await expect(run({ kind: 'boxes', boxes: [{ x: 0, y: 0, w: 0.05, h: 0.05 }] })).rejects.toMatchObject({
      code: 'bad_request',
      message: /covers no whole/,
    });
    await expect(run({ kind: 'circle' } as unknown as PaintRegion)).rejects.toMatchObject({
      code: 'bad_request',
      message: /say where to paint/,
    });
    const controller = new AbortController();
    const cancelled = engine.generate(
      {
        task: 'paint',
        prompt: 'x',
        image,
        region: { kind: 'outpaint_ratio', hRatio: 0.5, wRatio: 0.5 },
        steps: 20,
        seed: 1,
      },
      { signal: controller.signal, onProgress: (p) => p.step === 2 && controller.abort() },
    );
    await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' });
    expect((await run({ kind: 'inpaint_ratio', hRatio: 0.5, wRatio: 0.5 })).kind).toBe('image');
  });
});
