// The device memory estimate (engine/memory.ts) and the budget it enforces: a request beyond the configured budget
// is refused with `device_memory` before anything runs, the engine keeps serving smaller ones, and a start whose
// weights alone cannot fit is refused before the weights are read.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createEngine,
  type EngineError,
  type EngineRequest,
  type ImageResult,
  makeTestCheckpoint,
  type TextToImageRequest,
} from '../../engine/index.js';
import {
  fitDeviceMemory,
  gigabytes,
  imageHeadBytes,
  largestSquareSide,
  type MemoryModel,
  requestMemory,
  sessionWeightBytes,
} from '../../engine/memory.js';
import { DIMOO_TOKEN_LAYOUT } from '../../engine/sampling/layout-type.js';
import { t } from '../../src/i18n.js';

const DIMOO_8B: MemoryModel['dims'] = {
  dModel: 4096,
  nLayers: 32,
  nHeads: 32,
  nKvHeads: 32,
  mlpHidden: 12288,
  // The published logit width (dimoo-inference.md §1.2: 126,356 + 8,192), as DIMOO_TOKEN_LAYOUT and the 8b preset.
  vocabSize: DIMOO_TOKEN_LAYOUT.vocabSize,
  codebookSize: 8192,
};
const gpu = (precision: 'fp16' | 'fp32', quant: MemoryModel['quant'] = 'none'): MemoryModel => ({
  dims: DIMOO_8B,
  device: 'cuda',
  precision,
  quant,
});
const square = (side: number, extra: Partial<TextToImageRequest> = {}): TextToImageRequest => ({
  task: 'text_to_image',
  prompt: 'a red fox in the snow',
  width: side,
  height: side,
  steps: 4,
  seed: 3,
  ...extra,
});

describe('memory estimate for the 8B model', () => {
  it('weights per precision match the README table (32 / 17 / 11 / 7.2 GB) within 3%', () => {
    const gb = (m: MemoryModel) => sessionWeightBytes(m) / 1e9;
    const near = (value: number, table: number) => expect(Math.abs(value - table) / table).toBeLessThan(0.03);
    near(gb(gpu('fp32')), 32);
    near(gb(gpu('fp16')), 17);
    near(gb(gpu('fp16', 'int8')), 11);
    near(gb(gpu('fp16', 'int4')), 7.2);
  });

  it('gives the README its largest squares: 24 GB fp16 1552², int8/int4 2048²; 12 GB int8 416², int4 1264²', () => {
    expect(largestSquareSide(gpu('fp16'), 24e9)).toBe(1552);
    expect(largestSquareSide(gpu('fp16', 'int8'), 24e9)).toBe(2048);
    expect(largestSquareSide(gpu('fp16', 'int4'), 24e9)).toBe(2048);
    expect(largestSquareSide(gpu('fp16'), 12e9)).toBeUndefined();
    expect(largestSquareSide(gpu('fp16', 'int8'), 12e9)).toBe(416);
    expect(largestSquareSide(gpu('fp16', 'int4'), 12e9)).toBe(1264);
  });

  it('gives the README one 1024² job: fp32 37 GB (46 with ML-Cache), fp16 21 (25), int8 14 (19), int4 11 (15)', () => {
    const gb = (m: MemoryModel, cache: boolean) =>
      gigabytes(requestMemory(m, [square(1024, { cache })]).total);
    const table = [gpu('fp32'), gpu('fp16'), gpu('fp16', 'int8'), gpu('fp16', 'int4')].map(
      (m) => `${gb(m, false)} (${gb(m, true)})`,
    );
    expect(table).toEqual(['37 (46)', '21 (25)', '14 (19)', '11 (15)']);
  });

  it('prices the image head as its sampling graph holds it: the int64 noise hash beside the branches’ logits', () => {
    const m = gpu('fp16');
    // The head is the only part that grows with the codebook: its share is the difference to a codebook of 0.
    const headOf = (request: EngineRequest) =>
      requestMemory(m, [request]).activations -
      requestMemory({ ...m, dims: { ...DIMOO_8B, codebookSize: 0 } }, [request]).activations;
    const cells = 64 * 64;
    expect(imageHeadBytes(1)).toBe(38);
    expect(imageHeadBytes(2)).toBe(38);
    expect(imageHeadBytes(3)).toBe(42);
    expect(headOf(square(1024))).toBeCloseTo(cells * 8192 * 38, -3);
    expect(headOf(square(1024, { count: 2 }))).toBeCloseTo(2 * cells * 8192 * 38, -3);
    expect(headOf(square(1024, { cfg: 0 }))).toBeCloseTo(cells * 8192 * 38, -3);
    const edit: EngineRequest = {
      task: 'image_to_image',
      editType: 'edit_add',
      prompt: 'a hat',
      image: { width: 512, height: 512, data: new Uint8Array(3) },
    };
    expect(headOf(edit)).toBeCloseTo(32 * 32 * 8192 * 42, -3);
  });

  it('grows with the image, and ML-Cache adds its K/V caches (and weights only in a separate session)', () => {
    const m = gpu('fp16');
    const at512 = requestMemory(m, [square(512)]);
    const at1024 = requestMemory(m, [square(1024)]);
    expect(at1024.activations).toBeGreaterThan(3 * at512.activations);
    expect(at1024.weights).toBe(at512.weights);
    const cached = requestMemory(m, [square(1024, { cache: true })]);
    // The drawing graph's interval branch reads the drawing session's weights; the comparison paths hold a copy.
    expect(cached.weights).toBe(at1024.weights);
    const separate = { ...m, mlCacheWeights: 'separate' as const };
    expect(requestMemory(separate, [square(1024, { cache: true })]).weights).toBe(2 * at1024.weights);
    // 32 layers × 2 rows × ~4.2k tokens × 4096 × (K, V) × fp16 ≈ 4.5 GB, plus the fp32 logit cache (0.1 GB).
    expect(cached.caches / 1e9).toBeGreaterThan(4);
    expect(cached.caches / 1e9).toBeLessThan(5.5);
    // A paint with ML-Cache keeps the same caches for its picture; without the room for them it runs without.
    const retouch: EngineRequest = {
      task: 'paint',
      prompt: 'a hat',
      image: { width: 1024, height: 1024, data: new Uint8Array(3) },
      region: { kind: 'scatter', share: 0.25 },
      cache: true,
    };
    const painted = requestMemory(m, [retouch]);
    expect(painted.caches).toBeCloseTo(cached.caches, -8);
    expect(fitDeviceMemory(m, painted.total - painted.caches / 2, retouch)).toMatchObject({ cache: false });
    // fp32 keeps them in fp32: twice the K/V bytes.
    const cached32 = requestMemory(gpu('fp32'), [square(1024, { cache: true })]);
    expect(cached32.caches / 1e9).toBeGreaterThan(8);
    // A describe runs on the drawing session (one step graph, both heads): no second copy of the weights.
    const describe: EngineRequest = {
      task: 'understand',
      image: { width: 1, height: 1, data: new Uint8Array(3) },
    };
    expect(requestMemory(m, [describe]).weights).toBe(at1024.weights);
    expect(requestMemory(m, [describe], { mlCache: true }).weights).toBe(at512.weights);
    expect(requestMemory(separate, [describe], { mlCache: true }).weights).toBe(2 * at512.weights);
    // Its block cache: every layer's K/V for ~4.2k tokens, twice (carried, and with the block written), in fp16.
    const cachedDescribe = requestMemory(m, [{ ...describe, cache: true }]);
    expect(requestMemory(m, [describe]).caches).toBe(0);
    expect(cachedDescribe.caches / 1e9).toBeGreaterThan(4);
    expect(cachedDescribe.caches / 1e9).toBeLessThan(5);
  });

  it('answers a cached describe that does not fit without its cache instead of refusing it', () => {
    const m = gpu('fp16');
    const describe: EngineRequest = {
      task: 'understand',
      image: { width: 1, height: 1, data: new Uint8Array(3) },
      cache: true,
    };
    const need = requestMemory(m, [describe]);
    const budget = need.total - need.caches / 2;
    expect(fitDeviceMemory(m, budget, describe)).toEqual({ ...describe, cache: false });
    expect(fitDeviceMemory(m, need.total, describe)).toBe(describe);
  });

  it('a batch needs more than one of its jobs; the CPU counts the attention scores CUDA never forms', () => {
    const m = gpu('fp16');
    const one = requestMemory(m, [square(512)]);
    const four = requestMemory(m, [square(512), square(512), square(512), square(512)]);
    expect(four.activations).toBeCloseTo(4 * one.activations, -3);
    expect(four.weights).toBe(one.weights);
    // A grid of four is that batch in one request.
    expect(requestMemory(m, [{ ...square(512), count: 4 }]).activations).toBeCloseTo(four.activations, -3);
    const cpu = requestMemory({ ...m, device: 'cpu' }, [square(1024)]);
    expect(cpu.activations).toBeGreaterThan(requestMemory(m, [square(1024)]).activations + 4e9);
  });

  it('names the largest square that fits a card', () => {
    expect(largestSquareSide(gpu('fp16'), 12e9)).toBeUndefined();
    expect(largestSquareSide(gpu('fp16', 'int4'), 12e9)).toBeGreaterThanOrEqual(1024);
    const at24 = largestSquareSide(gpu('fp16'), 24e9);
    expect(at24).toBeGreaterThanOrEqual(1024);
    expect(at24 as number).toBeLessThan(2048);
  });
});

describe('device memory budget in the engine', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dimoo-memory-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const modelDir = path.join(root, 'model');
  makeTestCheckpoint({ out: modelDir, preset: 'tiny', dtype: 'fp32' });

  it('refuses a request beyond the budget before running it, and still serves one within it', async () => {
    const probe = await createEngine({ modelDir, device: 'cpu' });
    const model: MemoryModel = { dims: probe.info.dims, device: 'cpu', precision: 'fp32', quant: 'none' };
    await probe.close();
    const budget = Math.ceil(requestMemory(model, [square(128)]).total * 1.01);
    expect(requestMemory(model, [square(256)]).total).toBeGreaterThan(budget);

    const engine = await createEngine({ modelDir, device: 'cpu', deviceMemoryBudget: budget });
    const steps: number[] = [];
    const refused = await engine.generate(square(256), { onProgress: (p) => steps.push(p.step) }).then(
      () => undefined,
      (error: EngineError) => error,
    );
    expect(refused?.code).toBe('device_memory');
    expect(Number(refused?.params.needBytes)).toBeGreaterThan(Number(refused?.params.budgetBytes));
    // Each language writes the sizes: German with its decimal comma, no English unit left in the text.
    const de = t('de', 'errors.engine.device_memory', refused?.params);
    expect(de).not.toMatch(/[{}]/);
    expect(de).toMatch(/\d (MB|kB|GB)/);
    expect(refused?.message).toMatch(/device memory/);
    expect(steps).toEqual([]);
    const fits = await engine.generate(square(128));
    expect(fits.kind).toBe('image');
    await engine.close();
  });

  it('runs an ML-Cache image that does not fit without ML-Cache instead of refusing it', async () => {
    const probe = await createEngine({ modelDir, device: 'cpu' });
    const model: MemoryModel = { dims: probe.info.dims, device: 'cpu', precision: 'fp32', quant: 'none' };
    const job = square(128, { seed: 5, steps: 8 });
    const plain = (await probe.generate(job)) as ImageResult;
    await probe.close();
    const budget = Math.ceil(requestMemory(model, [job]).total * 1.01);
    expect(requestMemory(model, [{ ...job, cache: true }]).total).toBeGreaterThan(budget);

    const logged: string[] = [];
    const engine = await createEngine({
      modelDir,
      device: 'cpu',
      deviceMemoryBudget: budget,
      log: (_level, message) => logged.push(message),
    });
    const cached = (await engine.generate({ ...job, cache: true })) as ImageResult;
    await engine.close();
    // The same tokens as the plain run: it ran without the cache (ML-Cache at these settings gives others).
    expect([...cached.tokens.data]).toEqual([...plain.tokens.data]);
    expect(logged).toContain('ML-Cache does not fit the device memory budget: this image runs without it');
    expect(logged).not.toContain('ML-Cache graphs opened');
  });

  it('a batch too big to share a pass runs its jobs one by one instead', async () => {
    const probe = await createEngine({ modelDir, device: 'cpu' });
    const model: MemoryModel = { dims: probe.info.dims, device: 'cpu', precision: 'fp32', quant: 'none' };
    await probe.close();
    const job = square(128, { temperature: 0, seed: 0 });
    const budget = Math.ceil(requestMemory(model, [job]).total * 1.01);
    expect(requestMemory(model, [job, job]).total).toBeGreaterThan(budget);
    // Jobs that shared their passes share one timing; jobs run one by one each have their own.
    const timings = async (deviceMemoryBudget?: number) => {
      const engine = await createEngine({ modelDir, device: 'cpu', deviceMemoryBudget });
      const results = await engine.generateBatch([{ request: job }, { request: job }]);
      await engine.close();
      return results.map((r) => ('kind' in r ? r.timings.total_ms : r.code));
    };
    const [a, b] = await timings(budget);
    expect([typeof a, typeof b]).toEqual(['number', 'number']);
    expect(a).not.toBe(b);
    const [c, d] = await timings();
    expect(c).toBe(d);
  });

  it('refuses to start when the weights alone do not fit, before reading them', async () => {
    const refused = await createEngine({ modelDir, device: 'cpu', deviceMemoryBudget: 1000 }).then(
      () => undefined,
      (error: EngineError) => error,
    );
    expect(refused?.code).toBe('device_memory');
    expect(refused?.message).toMatch(/weights alone/);
  });
});
