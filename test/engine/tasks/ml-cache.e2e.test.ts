// ML-Cache on a generated tiny checkpoint: the cached-step graph reproduces the full forward on the rows it
// recomputes (fresh caches), and text-to-image with the cache runs, reproduces its seed and cancels.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Checkpoint, loadCheckpoint } from '../../../engine/checkpoint/load.js';
import { imageGraphOptions } from '../../../engine/graphs/from-checkpoint.js';
import {
  buildImageStepGraph,
  buildMlCacheFullGraph,
  buildMlCacheStepGraph,
} from '../../../engine/graphs/transformer.js';
import {
  createEngine,
  type Engine,
  type ImageResult,
  makeTestCheckpoint,
  type PaintRequest,
} from '../../../engine/index.js';
import { externalDataSessionOptions } from '../../../engine/runtime/external-data.js';
import { ImageStepRunner } from '../../../engine/runtime/image-step.js';
import { ImageStepSession } from '../../../engine/runtime/image-step-session.js';
import { type MlCacheBackend, MlCacheSessions } from '../../../engine/runtime/ml-cache-session.js';
import { sampleCellsBf16 } from '../../../engine/sampling/bf16-gumbel.js';
import { resolveMlCache } from '../../../engine/sampling/ml-cache.js';
import { gridForSize, paintSequence, textToImageSequence } from '../../../engine/sequence.js';
import type { TaskContext } from '../../../engine/tasks/context.js';
import { runImageLoop } from '../../../engine/tasks/image-loop.js';
import { sampleImageCells } from '../../../engine/tasks/ml-cache-host-step.js';
import { runCachedImageLoop } from '../../../engine/tasks/ml-cache-loop.js';
import { paint } from '../../../engine/tasks/paint.js';
import { checkpointVq } from './checkpoint-vq.js';

// DIMOO_TEST_DEVICE=cuda runs these on a GPU (a host with Node and `npx dimoo gpu-setup` done).
const TEST_DEVICE = process.env.DIMOO_TEST_DEVICE === 'cuda' ? 'cuda' : 'cpu';

let dir: string;
let ckpt: Checkpoint;
let sessions: MlCacheSessions;
let imageStep: ImageStepSession;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dimoo-mlcache-'));
  makeTestCheckpoint({ out: dir, preset: 'tiny', seed: 6 });
  ckpt = await loadCheckpoint(dir);
  const options = imageGraphOptions(ckpt);
  const open = (model: Uint8Array) =>
    ort.InferenceSession.create(model, externalDataSessionOptions(ckpt.dir));
  const kv = ckpt.config.nKvHeads * (ckpt.config.dModel / ckpt.config.nHeads);
  sessions = new MlCacheSessions(
    await open(buildMlCacheFullGraph(options)),
    await open(buildMlCacheStepGraph(options)),
    ckpt.config.nLayers,
    kv,
  );
  imageStep = new ImageStepSession(new ImageStepRunner(await open(buildImageStepGraph(options))));
});
afterAll(async () => sessions.release());

describe('ML-Cache graphs', () => {
  it('the cached step on fresh caches equals the full forward at the recomputed rows (two padded branches)', async () => {
    const seq = textToImageSequence(ckpt, 'a fox', gridForSize(64, 32));
    const uncond = [...seq.branches[0]!.prefix, ...seq.ids.subarray(seq.answerStart)];
    const rows = [Array.from(seq.ids), uncond];
    const L = Math.max(...rows.map((r) => r.length));
    const ids = new BigInt64Array(2 * L);
    const mask = new BigInt64Array(2 * L);
    for (const [n, r] of rows.entries()) {
      for (const [p, id] of r.entries()) {
        ids[n * L + p] = BigInt(id);
        mask[n * L + p] = 1n;
      }
    }
    const full = await sessions.full(ids, mask, 2, L);
    const K = ckpt.layout.codebookSize;
    const picks = [
      [0, 3, 17, rows[0]!.length - 1],
      [1, 2, 9, rows[1]!.length - 1],
    ];
    const S = 4;
    const pos = BigInt64Array.from(picks.flat(), BigInt);
    const sel = BigInt64Array.from(picks.flatMap((ps, n) => ps.map((p) => BigInt(rows[n]![p]!))));
    const out = await sessions.cached(sel, pos, mask, { k: full.k, v: full.v }, 2, S, L);
    let worst = 0;
    for (const [n, ps] of picks.entries()) {
      for (const [i, p] of ps.entries()) {
        for (let c = 0; c < K; c++) {
          const a = out.logits[(n * S + i) * K + c]!;
          const b = full.logits[(n * L + p) * K + c]!;
          worst = Math.max(worst, Math.abs(a - b) / Math.max(1, Math.abs(b)));
        }
      }
    }
    expect(worst).toBeLessThan(1e-4);
    // The new K rows are the full forward's rows at those positions.
    const kv = sessions.kvWidth;
    const fresh = out.k[1]!.subarray(kv, 2 * kv);
    const stored = full.k[1]!.subarray(3 * kv, 4 * kv);
    expect(Math.max(...fresh.map((v, i) => Math.abs(v - stored[i]!)))).toBeLessThan(1e-4);
  });

  it('with every step full, the cached loop gives the image-step graph loop’s tokens', async () => {
    const seq = textToImageSequence(ckpt, 'a red fox', gridForSize(64, 48));
    const steps = 6;
    const plan = { ...resolveMlCache(true, 64)!, steps, full: new Array<boolean>(steps).fill(true) };
    for (const temperature of [0, 1]) {
      const options = { steps, temperature, seed: 9, weights: [5, -4] };
      const graph = await runImageLoop(seq, ckpt.layout, imageStep, options);
      const cached = await runCachedImageLoop(seq, ckpt.layout, sessions, { ...options, plan });
      expect(Array.from(cached.codes.codes)).toEqual(Array.from(graph.codes.codes));
      expect(cached.tokensRun).toBe(cached.tokensFull);
    }
  });

  it('a paint sequence (kept cells among masked ones) runs through the cached loop as through the step loop', async () => {
    const grid = gridForSize(128, 128);
    const cells = grid.rows * grid.cols;
    const image = {
      rows: grid.rows,
      cols: grid.cols,
      codes: Int32Array.from({ length: cells }, (_, i) => (i * 37) % ckpt.layout.codebookSize),
    };
    const regenerate = Uint8Array.from({ length: cells }, (_, i) => (i % 3 === 0 ? 0 : 1));
    const seq = paintSequence(ckpt, 'a red fox', image, regenerate);
    const steps = 6;
    const plan = { ...resolveMlCache(true, 64)!, steps, full: new Array<boolean>(steps).fill(true) };
    const options = { steps, temperature: 1, seed: 4, weights: [5, -4] };
    const graph = await runImageLoop(seq, ckpt.layout, imageStep, options);
    const cached = await runCachedImageLoop(seq, ckpt.layout, sessions, { ...options, plan });
    expect(Array.from(cached.codes.codes)).toEqual(Array.from(graph.codes.codes));
    // Kept cells keep their codes.
    expect(regenerate.every((r, i) => r === 1 || cached.codes.codes[i] === image.codes[i])).toBe(true);
    // With cached steps, fewer positions run than the full steps would.
    const sparse = await runCachedImageLoop(seq, ckpt.layout, sessions, {
      ...options,
      steps: 16,
      plan: resolveMlCache(true, 16)!,
    });
    expect(sparse.tokensRun).toBeLessThan(sparse.tokensFull);
    expect(regenerate.every((r, i) => r === 1 || sparse.codes.codes[i] === image.codes[i])).toBe(true);
  });

  it('a paint request with cache runs the ML-Cache loop; without, the step loop', async () => {
    const vq = checkpointVq(ckpt);
    const runs = { full: 0, cached: 0 };
    const counting: MlCacheBackend = {
      path: sessions.path,
      layers: sessions.layers,
      kvWidth: sessions.kvWidth,
      full: (...args) => {
        runs.full++;
        return sessions.full(...args);
      },
      cached: (...args) => {
        runs.cached++;
        return sessions.cached(...args);
      },
    };
    const ctx: TaskContext = {
      layout: ckpt.layout,
      tokenizer: ckpt.tokenizer,
      vq,
      imageStep,
      textStep: () => Promise.reject(new Error('not used by paint')),
      mlCache: async () => counting,
    };
    try {
      const data = new Uint8Array(128 * 128 * 3).map((_, i) => (i * 5) % 256);
      const request: PaintRequest = {
        task: 'paint',
        prompt: 'a lighthouse',
        image: { width: 128, height: 128, data },
        region: { kind: 'scatter', share: 0.5 },
        steps: 16,
        seed: 2,
      };
      await paint(ctx, { ...request, cache: true });
      expect(runs.full).toBeGreaterThan(0);
      expect(runs.cached).toBeGreaterThan(0);
      const before = { ...runs };
      await paint(ctx, request);
      expect(runs).toEqual(before);
    } finally {
      await vq.close();
    }
  });

  it('host sampling is the first argmax at τ = 0 and the graph’s bf16 Gumbel-max at τ > 0', () => {
    const logits = Float32Array.from([0, 2, 1, 5, 5, 0]);
    const greedy = sampleImageCells(logits, 3, 0, new Float32Array(2));
    expect(Array.from(greedy.codes)).toEqual([1, 0]);
    expect(greedy.probs[0]).toBeCloseTo(Math.exp(2) / (1 + Math.exp(2) + Math.exp(1)), 2);
    const noise = Float32Array.from([0.001, 0.999]);
    const sampled = sampleImageCells(logits, 3, 1, noise);
    expect(Array.from(sampled.codes)).toEqual(Array.from(sampleCellsBf16(logits, 3, 1, noise).codes));
    expect(Array.from(sampled.best)).toEqual([1, 0]);
  });
});

describe('text-to-image with ML-Cache', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ modelDir: dir, device: TEST_DEVICE });
  });
  afterAll(async () => engine.close());
  const run = (seed: number, steps = 8) =>
    engine.generate({
      task: 'text_to_image',
      prompt: 'a fox',
      width: 64,
      height: 48,
      steps,
      seed,
      cache: true,
    }) as Promise<ImageResult>;

  it('runs with cached steps, reproduces a seed and refuses invalid ranges', async () => {
    expect(resolveMlCache(true, 8)?.full).toEqual([true, true, true, false, false, false, false, true]);
    const progress: number[] = [];
    const a = (await engine.generate(
      { task: 'text_to_image', prompt: 'a fox', width: 64, height: 48, steps: 8, seed: 3, cache: true },
      { onProgress: (p) => p.phase || progress.push(p.step) },
    )) as ImageResult;
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([a.image.width, a.image.height, a.tokens.data.length]).toEqual([64, 48, 12]);
    const b = await run(3);
    expect(Array.from(b.tokens.data)).toEqual(Array.from(a.tokens.data));
    await expect(
      engine.generate({
        task: 'text_to_image',
        prompt: 'x',
        width: 64,
        height: 64,
        steps: 8,
        cache: { cacheRatio: 1, warmupRatio: 0.3, refreshInterval: 5 },
      }),
    ).rejects.toMatchObject({ code: 'bad_request', message: /cache_ratio/ });
  });

  it('paints with ML-Cache through the engine: a retouch keeps the pixels outside its box and its seed', async () => {
    const data = new Uint8Array(64 * 48 * 3).map((_, i) => (i * 7) % 256);
    const request: PaintRequest = {
      task: 'paint',
      prompt: 'a hat',
      image: { width: 64, height: 48, data },
      region: { kind: 'boxes', boxes: [{ x: 0.5, y: 0, w: 0.5, h: 0.5 }] },
      steps: 16,
      seed: 5,
      cache: true,
    };
    const progress: number[] = [];
    const a = (await engine.generate(request, { onProgress: (p) => progress.push(p.step) })) as ImageResult;
    expect(progress[0]).toBe(1);
    expect([a.image.width, a.image.height]).toEqual([64, 48]);
    // The left half is outside the box and its soft edge: the input's own pixels.
    const row = 40 * 64 * 3;
    expect(Array.from(a.image.data.subarray(row, row + 8 * 3))).toEqual(
      Array.from(data.subarray(row, row + 8 * 3)),
    );
    const b = (await engine.generate(request)) as ImageResult;
    expect(Array.from(b.tokens.data)).toEqual(Array.from(a.tokens.data));
  });

  it('stops when cancelled and stays usable', async () => {
    const controller = new AbortController();
    const cancelled = engine.generate(
      { task: 'text_to_image', prompt: 'x', width: 64, height: 64, steps: 20, seed: 1, cache: true },
      { signal: controller.signal, onProgress: (p) => p.step === 5 && controller.abort() },
    );
    await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' });
    expect((await run(2)).kind).toBe('image');
  });
});
