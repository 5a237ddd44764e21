// Batching through the real engine: requests of one shape share forward passes and give exactly what each gives
// alone; a cancelled or invalid member fails on its own.
import { describe, expect, it } from 'vitest';
import {
  batchKey,
  EngineError,
  estimateCost,
  type ImageResult,
  type TextToImageRequest,
} from '../../engine/index.js';
import { useTinyEngine } from './tiny-engine.js';

const request = (
  prompt: string,
  seed: number,
  extra: Partial<TextToImageRequest> = {},
): TextToImageRequest => ({
  task: 'text_to_image',
  prompt,
  width: 64,
  height: 64,
  steps: 6,
  seed,
  ...extra,
});

describe('batched text-to-image on a generated tiny checkpoint', () => {
  const tiny = useTinyEngine('dimoo-batch-', 8);

  const tokens = (r: unknown) => Array.from((r as ImageResult).tokens.data);

  it('keys requests by task, size, steps and guidance; ML-Cache and other tasks run alone', () => {
    expect(batchKey(request('a', 1))).toBe(batchKey(request('something longer', 2, { cfg: 7 })));
    expect(batchKey(request('a', 1))).not.toBe(batchKey(request('a', 1, { width: 128 })));
    expect(batchKey(request('a', 1))).not.toBe(batchKey(request('a', 1, { steps: 8 })));
    expect(batchKey(request('a', 1))).not.toBe(batchKey(request('a', 1, { cfg: 0 })));
    expect(batchKey(request('a', 1, { cache: true }))).toBeUndefined();
    expect(
      batchKey({ task: 'understand', image: { width: 1, height: 1, data: new Uint8Array(3) } }),
    ).toBeUndefined();
  });

  it('gives every member exactly the tokens it gets alone, prompts of different lengths included', async () => {
    const requests = [
      request('a red fox', 1),
      request('一只在雪地里奔跑的狐狸，夜晚，月光', 2, { cfg: 6 }),
      request('fox', 3, { temperature: 0 }),
      // A negative prompt longer than its prompt: the guidance row is the batch's longest.
      request('fox', 5, { negativePrompt: 'snow, trees, people, buildings, any text or watermark' }),
      request('a red fox', 4, { cfg: 0 }), // another key: runs on its own
    ];
    const progress = requests.map(() => [] as number[]);
    const batched = await tiny.engine.generateBatch(
      requests.map((r, i) => ({
        request: r,
        options: { onProgress: (p) => p.phase || progress[i]!.push(p.step) },
      })),
    );
    for (const [i, r] of requests.entries()) {
      const alone = await tiny.engine.generate(r);
      expect(batched[i]).not.toBeInstanceOf(EngineError);
      expect(tokens(batched[i])).toEqual(tokens(alone));
      expect((batched[i] as ImageResult).seed).toBe(r.seed);
      expect(progress[i]).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it('drops a cancelled member at the next step and an invalid one at once; the others finish', async () => {
    const controller = new AbortController();
    const requests = [request('a red fox', 11), request('a blue bird', 12), request('', 13)];
    const batched = await tiny.engine.generateBatch([
      { request: requests[0]! },
      {
        request: requests[1]!,
        options: { signal: controller.signal, onProgress: (p) => p.step === 2 && controller.abort() },
      },
      { request: requests[2]! },
    ]);
    expect(tokens(batched[0])).toEqual(tokens(await tiny.engine.generate(requests[0]!)));
    expect(batched[1]).toMatchObject({ code: 'cancelled' });
    expect(batched[2]).toMatchObject({ code: 'bad_request' });
    // The engine stays usable.
    expect(tokens(await tiny.engine.generate(requests[1]!))).toHaveLength(16);
  });

  it('draws count images from seed, seed + 1, … exactly as each seed alone, tiled into one grid', async () => {
    const progress: number[] = [];
    const grid = (await tiny.engine.generate(request('a red fox', 0xffffffff, { count: 3 }), {
      onProgress: (p) => p.phase || progress.push(p.step),
    })) as ImageResult;
    expect(grid.seed).toBe(0xffffffff);
    expect(grid.candidates?.map((c) => c.seed)).toEqual([0xffffffff, 0, 1]);
    for (const candidate of grid.candidates ?? []) {
      const alone = (await tiny.engine.generate(request('a red fox', candidate.seed))) as ImageResult;
      expect(Array.from(candidate.image.data)).toEqual(Array.from(alone.image.data));
    }
    // 2 × 2 with an 8-pixel gap; the fourth cell is empty.
    expect([grid.image.width, grid.image.height]).toEqual([64 * 2 + 8, 64 * 2 + 8]);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
    // Previews show the grid forming: every member's picture, tiled, at the steps the pacing picks.
    const previews: Array<[number, number, number]> = [];
    const again = (await tiny.engine.generate(request('a red fox', 0xffffffff, { count: 3 }), {
      previewIntervalMs: 0,
      onProgress: (p) => p.preview && previews.push([p.step, p.preview.width, p.preview.height]),
    })) as ImageResult;
    expect(Array.from(again.image.data)).toEqual(Array.from(grid.image.data));
    expect(previews.map(([step]) => step)).toEqual([1, 2, 3, 4, 5]);
    for (const [, width, height] of previews) expect([width, height]).toEqual([136, 136]);
    // Paced as one image: the first step's, then none within the interval; every step still reported.
    const paced: number[] = [];
    const steps: number[] = [];
    await tiny.engine.generate(request('a red fox', 5, { count: 2 }), {
      previewIntervalMs: 60_000,
      onProgress: (p) => {
        if (!p.phase) steps.push(p.step);
        if (p.preview) paced.push(p.step);
      },
    });
    expect([paced, steps]).toEqual([[1], [1, 2, 3, 4, 5, 6]]);
    expect(batchKey(request('a', 1, { count: 2 }))).toBeUndefined();
    expect(estimateCost(request('a', 1, { count: 4 }))).toBeCloseTo(4 * estimateCost(request('a', 1)));
  });

  it("counts every image's steps with ML-Cache, where they run one after another", async () => {
    const progress: number[] = [];
    const cached = { cacheRatio: 0.5, warmupRatio: 0.2, refreshInterval: 2 };
    const grid = (await tiny.engine.generate(request('fox', 7, { count: 2, steps: 8, cache: cached }), {
      onProgress: (p) => p.phase || progress.push(p.step / p.total),
    })) as ImageResult;
    const alone = (await tiny.engine.generate(request('fox', 8, { steps: 8, cache: cached }))) as ImageResult;
    expect(Array.from(grid.candidates?.[1]?.image.data ?? [])).toEqual(Array.from(alone.image.data));
    expect(progress).toHaveLength(16);
    expect(progress.at(7)).toBe(0.5);
    expect(progress.at(-1)).toBe(1);
  });

  it('refuses a count out of range, and several images at temperature 0 (all would be one)', async () => {
    await expect(tiny.engine.generate(request('a', 1, { count: 5 }))).rejects.toMatchObject({
      code: 'bad_request',
    });
    await expect(tiny.engine.generate(request('a', 1, { count: 2, temperature: 0 }))).rejects.toMatchObject({
      code: 'bad_request',
    });
  });
});
