// Logits that overflow (what fp16 does to real weights with outliers; here an infinite weight in the head's image
// rows, on the CPU) make NaN probabilities: every path that samples (the ML-Cache comparison paths too) fails its
// job with the cause instead of drawing or writing garbage. An fp16 engine whose MLP overflowed first runs the
// step again with the MLP scaled down (engine/runtime/overflow-guard.ts), and draws.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensorsHeader } from '../../engine/checkpoint/safetensors.js';
import { createEngine, type Engine, makeTestCheckpoint } from '../../engine/index.js';
import { scaleStoredTensor } from '../doubles/random-llada.js';

// DIMOO_TEST_DEVICE=cuda runs the fp16 outlier test on a GPU (a host with Node and `npx dimoo gpu-setup` done).
const TEST_DEVICE = process.env.DIMOO_TEST_DEVICE === 'cuda' ? 'cuda' : 'cpu';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dimoo-overflow-'));
let engine: Engine | undefined;
let half: Engine | undefined;
afterAll(async () => {
  await engine?.close();
  await half?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('overflowed logits', () => {
  it('fail text-to-image, ML-Cache and describe with the cause', { timeout: 60_000 }, async () => {
    const dir = path.join(root, 'model');
    const { layout } = makeTestCheckpoint({ out: dir, preset: 'tiny', dtype: 'fp32' });
    const file = path.join(dir, 'model.safetensors');
    const head = readSafetensorsHeader(file).get('model.transformer.ff_out.weight');
    if (!head) throw new Error('the tiny checkpoint has no separate head');
    const [, d] = head.shape as [number, number];
    const fd = fs.openSync(file, 'r+');
    const inf = Buffer.alloc(4);
    inf.writeFloatLE(Number.POSITIVE_INFINITY);
    for (let row = layout.imageCodeOffset; row < layout.imageCodeOffset + layout.codebookSize; row++)
      fs.writeSync(fd, inf, 0, 4, head.offset + row * d * 4);
    fs.closeSync(fd);

    engine = await createEngine({ modelDir: dir, device: 'cpu' });
    const draw = { task: 'text_to_image', prompt: 'a red fox', width: 64, height: 64, steps: 8 } as const;
    await expect(engine.generate(draw)).rejects.toThrow(/overflowed.*PRECISION=fp32/);
    await expect(engine.generate({ ...draw, cache: true })).rejects.toThrow(/ML-Cache interval are NaN/);
    const image = { width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(100) };
    await expect(
      engine.generate({ task: 'understand', image, steps: 2, genLength: 8, blockLength: 8 }),
    ).rejects.toThrow(/best_prob.*overflowed/);
    await expect(
      engine.generate({ task: 'understand', image, steps: 2, genLength: 8, blockLength: 8, cache: true }),
    ).rejects.toThrow(/block's probabilities held \d+ NaN.*overflowed/);

    // In fp16 the step runs again on every rung of the MLP's scale, which cannot mend an infinite head, then fails.
    const warnings: string[] = [];
    const fp16 = await createEngine({
      modelDir: dir,
      device: 'cpu',
      precision: 'fp16',
      warm: false,
      log: (level, message) => {
        if (level === 'warn') warnings.push(message);
      },
    });
    try {
      await expect(fp16.generate(draw)).rejects.toThrow(
        /scaled down to 0\.00390625.*overflowed.*PRECISION=fp32/,
      );
      expect(warnings.filter((w) => w.startsWith('fp16 overflowed'))).toHaveLength(2);
    } finally {
      await fp16.close();
    }

    // The comparison paths of ML-Cache, which sample outside the drawing graph's Loop, refuse them too.
    for (const mlCachePath of ['per-step', 'in-graph'] as const) {
      const other = await createEngine({ modelDir: dir, device: 'cpu', mlCachePath, warm: false });
      try {
        await expect(other.generate({ ...draw, cache: true })).rejects.toThrow(/probs holds NaN.*overflowed/);
      } finally {
        await other.close();
      }
    }
  });

  it('in fp16, an MLP outlier is scaled down once and every task runs', { timeout: 60_000 }, async () => {
    const dir = path.join(root, 'outlier');
    makeTestCheckpoint({ out: dir, preset: 'tiny', dtype: 'fp32' });
    // The last block's gate and up ×200: SiLU(gate)·up passes fp16's 65504 for some tokens; fp32 holds it.
    const file = path.join(dir, 'model.safetensors');
    for (const name of ['ff_proj', 'up_proj'])
      scaleStoredTensor(file, `model.transformer.blocks.1.${name}.weight`, 200);
    const warnings: Array<{ message: string; fields?: Record<string, unknown> }> = [];
    half = await createEngine({
      modelDir: dir,
      device: TEST_DEVICE,
      precision: 'fp16',
      log: (level, message, fields) => {
        if (level === 'warn') warnings.push({ message, fields });
      },
    });
    const draw = {
      task: 'text_to_image',
      prompt: 'a red fox',
      width: 64,
      height: 64,
      steps: 8,
      seed: 3,
    } as const;
    // ML-Cache from the first step: its interval overflows and runs again on the next rung.
    const cache = { cacheRatio: 0.5, warmupRatio: 0, refreshInterval: 4 };
    const cached = await half.generate({ ...draw, cache });
    if (cached.kind !== 'image') throw new Error('text_to_image gave no image');
    expect(cached.image.width).toBe(64);
    expect(warnings).toEqual([
      {
        message: expect.stringMatching(/^fp16 overflowed: the MLP runs scaled down/),
        fields: { scale: 2 ** -4, cause: expect.stringMatching(/ML-Cache interval are NaN/) },
      },
    ]);
    // The engine stays on that rung: the image step and describing run without overflowing.
    const first = await half.generate(draw);
    if (first.kind !== 'image') throw new Error('text_to_image gave no image');
    const image = { width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(100) };
    await half.generate({ task: 'understand', image, steps: 2, genLength: 8, blockLength: 8 });
    const answer = await half.generate({
      task: 'understand',
      image,
      steps: 4,
      genLength: 8,
      blockLength: 8,
      cache: true,
    });
    expect(answer.kind).toBe('text');
    expect(warnings).toHaveLength(1);
    // Same seed, same rung: the same image.
    const again = await half.generate(draw);
    expect(again.kind === 'image' && Array.from(again.tokens.data)).toEqual(Array.from(first.tokens.data));
  });
});
