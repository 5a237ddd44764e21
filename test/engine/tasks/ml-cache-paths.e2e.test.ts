// The three ML-Cache paths on a generated tiny checkpoint: the state-in-graph and refresh-interval ('loop') paths
// give the per-step path's tokens for the same seed (cached steps included); previews come with runImageLoop's
// pacing (per interval on the loop path) without changing the result; a cancelled loop stops within one step
// (one interval on the loop path); the engine runs all three, on the GPU too under DIMOO_TEST_DEVICE=cuda.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgressEvent, RgbImage, TextToImageRequest } from '../../../engine/api.js';
import { type Checkpoint, loadCheckpoint } from '../../../engine/checkpoint/load.js';
import { buildDrawingGraph } from '../../../engine/graphs/drawing-graph.js';
import { imageGraphOptions } from '../../../engine/graphs/from-checkpoint.js';
import {
  buildMlCacheFullGraph,
  buildMlCacheStateFullGraph,
  buildMlCacheStateStepGraph,
  buildMlCacheStepGraph,
} from '../../../engine/graphs/transformer.js';
import { createEngine, type ImageResult, makeTestCheckpoint } from '../../../engine/index.js';
import { externalDataSessionOptions } from '../../../engine/runtime/external-data.js';
import { MlCacheIntervalSession } from '../../../engine/runtime/ml-cache-interval-session.js';
import { MlCacheSessions } from '../../../engine/runtime/ml-cache-session.js';
import { MlCacheStateSessions } from '../../../engine/runtime/ml-cache-state-session.js';
import { resolveMlCache } from '../../../engine/sampling/ml-cache.js';
import {
  gridForSize,
  type ImageCodes,
  paintSequence,
  textToImageSequence,
} from '../../../engine/sequence.js';
import { mlCachePathFor, runCachedImageLoop } from '../../../engine/tasks/ml-cache-loop.js';
import type { CachedLoopOptions } from '../../../engine/tasks/ml-cache-options.js';

// DIMOO_TEST_DEVICE=cuda runs the engine test below on a GPU (a host with Node and `npx dimoo gpu-setup` done).
const TEST_DEVICE = process.env.DIMOO_TEST_DEVICE === 'cuda' ? 'cuda' : 'cpu';

let dir: string;
let ckpt: Checkpoint;
let perStep: MlCacheSessions;
let inGraph: MlCacheStateSessions;
let drawing: ort.InferenceSession;
let interval: MlCacheIntervalSession;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dimoo-mlcache-paths-'));
  makeTestCheckpoint({ out: dir, preset: 'tiny', seed: 11 });
  ckpt = await loadCheckpoint(dir);
  const options = imageGraphOptions(ckpt);
  const open = (model: Uint8Array) =>
    ort.InferenceSession.create(model, externalDataSessionOptions(ckpt.dir));
  const kv = ckpt.config.nKvHeads * (ckpt.config.dModel / ckpt.config.nHeads);
  perStep = new MlCacheSessions(
    await open(buildMlCacheFullGraph(options)),
    await open(buildMlCacheStepGraph(options)),
    ckpt.config.nLayers,
    kv,
  );
  inGraph = new MlCacheStateSessions(
    await open(buildMlCacheStateFullGraph(options)),
    await open(buildMlCacheStateStepGraph(options)),
    ckpt.config.nLayers,
  );
  drawing = await open(buildDrawingGraph({ ...options, rows: 2, maskId: ckpt.layout.mask, textHead: true }));
  interval = new MlCacheIntervalSession(drawing, 2);
});
afterAll(async () => {
  await perStep.release();
  await inGraph.release();
  await drawing.release();
});

const STEPS = 16;
// 16 steps: full at 0…4, 9 and 14; steps 5–8, 10–13 and 15 are cached.
const plan = () => resolveMlCache(true, STEPS)!;
const sequence = () => textToImageSequence(ckpt, 'a red fox in the snow', gridForSize(128, 96));
const loopOptions = (seed: number, cfg: number, temperature = 1): CachedLoopOptions => ({
  steps: STEPS,
  temperature,
  seed,
  weights: [1 + cfg, -cfg],
  plan: plan(),
});

describe('ML-Cache paths', () => {
  it('the in-graph and loop paths give the per-step path’s tokens and token counts', async () => {
    expect(plan().full.filter((f) => !f)).toHaveLength(9);
    for (const [seed, cfg, temperature] of [
      [1, 4, 1],
      [7, 2.5, 1],
      [3, 4, 0],
    ] as const) {
      const options = loopOptions(seed, cfg, temperature);
      const a = await runCachedImageLoop(sequence(), ckpt.layout, perStep, options);
      expect(a.tokensRun).toBeLessThan(a.tokensFull);
      for (const other of [inGraph, interval]) {
        const b = await runCachedImageLoop(sequence(), ckpt.layout, other, options);
        expect(Array.from(b.codes.codes), `${other.path} seed ${seed} cfg ${cfg} τ ${temperature}`).toEqual(
          Array.from(a.codes.codes),
        );
        expect([b.stepsRun, b.tokensRun]).toEqual([a.stepsRun, a.tokensRun]);
      }
    }
  });

  it('all three paths agree at the full codebook width (K = 8192, dimoo-ids preset)', async () => {
    const wide = mkdtempSync(join(tmpdir(), 'dimoo-mlcache-k8192-'));
    makeTestCheckpoint({ out: wide, preset: 'dimoo-ids', seed: 3 });
    const c = await loadCheckpoint(wide);
    expect(c.layout.codebookSize).toBe(8192);
    const o = {
      dims: c.config,
      weight: (name: string) => c.weights.get(name)!,
      folder: c.dir,
      imageCodeOffset: c.layout.imageCodeOffset,
      codebookSize: c.layout.codebookSize,
    };
    const open = (model: Uint8Array) => ort.InferenceSession.create(model, externalDataSessionOptions(c.dir));
    const kv = c.config.nKvHeads * (c.config.dModel / c.config.nHeads);
    const backends = [
      new MlCacheSessions(
        await open(buildMlCacheFullGraph(o)),
        await open(buildMlCacheStepGraph(o)),
        c.config.nLayers,
        kv,
      ),
      new MlCacheStateSessions(
        await open(buildMlCacheStateFullGraph(o)),
        await open(buildMlCacheStateStepGraph(o)),
        c.config.nLayers,
      ),
    ];
    const drawingSession = await open(
      buildDrawingGraph({ ...o, rows: 2, maskId: c.layout.mask, textHead: true }),
    );
    try {
      const tokens: string[] = [];
      for (const backend of [...backends, new MlCacheIntervalSession(drawingSession, 2)]) {
        const seq = textToImageSequence(c, 'a red fox in the snow', gridForSize(128, 128));
        const out = await runCachedImageLoop(seq, c.layout, backend, {
          ...loopOptions(4, 4),
          steps: 12,
          plan: resolveMlCache(true, 12)!,
        });
        tokens.push(Array.from(out.codes.codes).join());
      }
      expect(tokens[1]).toBe(tokens[0]);
      expect(tokens[2]).toBe(tokens[0]);
    } finally {
      for (const backend of backends) await backend.release();
      await drawingSession.release();
    }
  });

  for (const path of ['per-step', 'in-graph'] as const) {
    const backend = () => (path === 'per-step' ? perStep : inGraph);

    it(`${path}: previews follow the interval and leave the result unchanged`, async () => {
      const plain = await runCachedImageLoop(sequence(), ckpt.layout, backend(), loopOptions(5, 4));
      const grids: ImageCodes[] = [];
      const events: ProgressEvent[] = [];
      const decode = async (codes: ImageCodes): Promise<RgbImage> => {
        grids.push({ ...codes, codes: Int32Array.from(codes.codes) });
        return { width: codes.cols, height: codes.rows, data: new Uint8Array(codes.cols * codes.rows * 3) };
      };
      const every = await runCachedImageLoop(sequence(), ckpt.layout, backend(), {
        ...loopOptions(5, 4),
        onProgress: (e) => events.push(e),
        preview: { intervalMs: 0, decode },
      });
      expect(Array.from(every.codes.codes)).toEqual(Array.from(plain.codes.codes));
      // Interval 0: a preview with every step that leaves cells masked, i.e. all but the last.
      expect(events.map((e) => e.preview !== undefined)).toEqual([
        ...new Array<boolean>(STEPS - 1).fill(true),
        false,
      ]);
      expect(events[0]?.preview).toMatchObject({ width: 8, height: 6 });
      const { imageCodeOffset, mask } = ckpt.layout;
      for (const grid of grids) {
        expect(grid.codes.length).toBe(48);
        for (const c of grid.codes) expect(c === mask - imageCodeOffset || c < 0).toBe(false);
      }
      // A long interval: only the first step's preview.
      const sparse: ProgressEvent[] = [];
      const once = await runCachedImageLoop(sequence(), ckpt.layout, backend(), {
        ...loopOptions(5, 4),
        onProgress: (e) => sparse.push(e),
        preview: { intervalMs: 60_000, decode },
      });
      expect(sparse.filter((e) => e.preview).map((e) => e.step)).toEqual([1]);
      expect(Array.from(once.codes.codes)).toEqual(Array.from(plain.codes.codes));
    });

    it(`${path}: an aborted signal stops the loop within one step`, async () => {
      for (const at of [2, 6]) {
        const controller = new AbortController();
        const seen: number[] = [];
        const run = runCachedImageLoop(sequence(), ckpt.layout, backend(), {
          ...loopOptions(2, 4),
          signal: controller.signal,
          onProgress: (e) => {
            seen.push(e.step);
            if (e.step === at) controller.abort();
          },
        });
        await expect(run).rejects.toMatchObject({ code: 'cancelled' });
        expect(seen).toEqual(Array.from({ length: at }, (_, i) => i + 1));
      }
      const before = new AbortController();
      before.abort();
      await expect(
        runCachedImageLoop(sequence(), ckpt.layout, backend(), {
          ...loopOptions(2, 4),
          signal: before.signal,
        }),
      ).rejects.toMatchObject({ code: 'cancelled' });
    });
  }

  it('loop: previews and progress come per refresh interval, with the same result', async () => {
    const plain = await runCachedImageLoop(sequence(), ckpt.layout, interval, loopOptions(5, 4));
    const events: ProgressEvent[] = [];
    const decode = async (codes: ImageCodes): Promise<RgbImage> => {
      for (const c of codes.codes) expect(c === ckpt.layout.mask - ckpt.layout.imageCodeOffset).toBe(false);
      return { width: codes.cols, height: codes.rows, data: new Uint8Array(codes.cols * codes.rows * 3) };
    };
    const withPreviews = await runCachedImageLoop(sequence(), ckpt.layout, interval, {
      ...loopOptions(5, 4),
      onProgress: (e) => events.push(e),
      preview: { intervalMs: 0, decode },
    });
    expect(Array.from(withPreviews.codes.codes)).toEqual(Array.from(plain.codes.codes));
    expect(events.map((e) => e.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    // Intervals [0] [1] [2] [3] [4–8] [9–13] [14–15]: a preview at the end of each but the last.
    expect(events.filter((e) => e.preview).map((e) => e.step)).toEqual([1, 2, 3, 4, 9, 14]);
  });

  it('loop: an aborted signal stops at the next step event, within one interval', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    let runsAfterAbort = 0;
    const counting = {
      path: 'loop' as const,
      rows: 2,
      run: (input: Parameters<typeof interval.run>[0]) => {
        if (controller.signal.aborted) runsAfterAbort += 1;
        return interval.run(input);
      },
    };
    const run = runCachedImageLoop(sequence(), ckpt.layout, counting, {
      ...loopOptions(2, 4),
      signal: controller.signal,
      onProgress: (e) => {
        seen.push(e.step);
        if (e.step === 6) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(runsAfterAbort).toBe(0);
  });

  it('a paint of a few cells ends early on every path, its progress counting the steps that run', async () => {
    const grid = gridForSize(128, 96);
    const cells = grid.rows * grid.cols;
    const image = { rows: grid.rows, cols: grid.cols, codes: new Int32Array(cells).fill(3) };
    const regenerate = Uint8Array.from({ length: cells }, (_, i) => (i < 3 ? 1 : 0));
    const seq = paintSequence(ckpt, 'a red fox', image, regenerate);
    for (const backend of [perStep, inGraph, interval]) {
      const events: ProgressEvent[] = [];
      const out = await runCachedImageLoop(seq, ckpt.layout, backend, {
        ...loopOptions(5, 4),
        onProgress: (e) => events.push(e),
      });
      expect(out.stepsRun, backend.path).toBe(3);
      expect(
        events.map((e) => `${e.step}/${e.total}`),
        backend.path,
      ).toEqual(['1/3', '2/3', '3/3']);
    }
  });

  it('picks the loop path unless DIMOO_ML_CACHE_PATH says otherwise', () => {
    expect(mlCachePathFor()).toBe('loop');
    expect(mlCachePathFor('')).toBe('loop');
    expect(mlCachePathFor('in-graph')).toBe('in-graph');
    expect(mlCachePathFor('per-step')).toBe('per-step');
    expect(mlCachePathFor('loop')).toBe('loop');
    expect(() => mlCachePathFor('scan')).toThrow(/DIMOO_ML_CACHE_PATH/);
  });
});

const imageRequest = (r: Omit<TextToImageRequest, 'task'>): TextToImageRequest => ({
  task: 'text_to_image',
  ...r,
});

describe('text-to-image with ML-Cache through the engine', () => {
  it('offers previews with the cache, on every path, with the same image as without them', async () => {
    const tokens: number[][] = [];
    for (const mlCachePath of ['per-step', 'in-graph', 'loop'] as const) {
      const engine = await createEngine({ modelDir: dir, device: TEST_DEVICE, mlCachePath });
      try {
        const request = {
          task: 'text_to_image' as const,
          prompt: 'a fox',
          width: 64,
          height: 48,
          steps: 8,
          seed: 4,
          cache: true,
        };
        const previews: RgbImage[] = [];
        const withPreviews = (await engine.generate(request, {
          previewIntervalMs: 0,
          onProgress: (e) => e.preview && previews.push(e.preview),
        })) as ImageResult;
        const without = (await engine.generate(request)) as ImageResult;
        expect(previews.length).toBeGreaterThan(0);
        expect([previews[0]!.width, previews[0]!.height]).toEqual([64, 48]);
        expect(Array.from(withPreviews.tokens.data)).toEqual(Array.from(without.tokens.data));
        tokens.push(Array.from(without.tokens.data));
      } finally {
        await engine.close();
      }
    }
    expect(tokens[1]).toEqual(tokens[0]);
    expect(tokens[2]).toEqual(tokens[0]);
  });

  it('the default path runs in the drawing session (no second session); an engine made without it draws plainly', async () => {
    const request = imageRequest({ prompt: 'a fox', width: 128, height: 128, steps: 8, seed: 6 });
    const run = async (mlCache: boolean, cache: boolean) => {
      const logged: string[] = [];
      const engine = await createEngine({
        modelDir: dir,
        device: TEST_DEVICE,
        mlCache,
        warm: false,
        log: (_level, message) => logged.push(message),
      });
      try {
        const out = (await engine.generate({ ...request, cache })) as ImageResult;
        return { tokens: Array.from(out.tokens.data), logged };
      } finally {
        await engine.close();
      }
    };
    const plain = await run(true, false);
    const cached = await run(true, true);
    // ML-Cache ran (its cached steps change some cells) without opening ML-Cache graphs of its own.
    expect(cached.tokens).not.toEqual(plain.tokens);
    expect(cached.logged).not.toContain('ML-Cache graphs opened');
    const without = await run(false, true);
    expect(without.tokens).toEqual(plain.tokens);
    expect(without.logged.some((m) => m.startsWith('this engine was made without ML-Cache'))).toBe(true);
    expect((await run(false, false)).tokens).toEqual(plain.tokens);
  });

  it("the fp16 graphs (the GPU's: fp16 K/V caches, key lengths for attention) give one result on every path, close to fp32's", async () => {
    const request = imageRequest({
      prompt: 'a lighthouse',
      width: 128,
      height: 128,
      steps: 12,
      seed: 5,
      temperature: 0,
      cache: true,
    });
    const tokens = async (precision: 'fp16' | 'fp32', mlCachePath: 'loop' | 'in-graph' | 'per-step') => {
      const engine = await createEngine({
        modelDir: dir,
        device: 'cpu',
        precision,
        mlCachePath,
        warm: false,
      });
      try {
        expect(engine.info.precision).toBe(precision);
        return Array.from(((await engine.generate(request)) as ImageResult).tokens.data);
      } finally {
        await engine.close();
      }
    };
    const reference = await tokens('fp32', 'loop');
    const half = await tokens('fp16', 'loop');
    // fp16 rounding may flip a near-tie in the confidence order, which later steps inherit: most cells agree.
    const same = half.filter((t, i) => t === reference[i]).length;
    expect(same / reference.length).toBeGreaterThan(0.5);
    for (const path of ['in-graph', 'per-step'] as const)
      expect(await tokens('fp16', path), path).toEqual(half);
  });
});
