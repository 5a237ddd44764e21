// Logits that overflow (what fp16 does to real weights with outliers; here an infinite weight in the head's image
// rows, on the CPU) make NaN probabilities: every path that samples (the ML-Cache comparison paths too) fails its
// job with the cause instead of drawing or writing garbage.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensorsHeader } from '../../engine/checkpoint/safetensors.js';
import { createEngine, type Engine, makeTestCheckpoint } from '../../engine/index.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dimoo-overflow-'));
let engine: Engine | undefined;
afterAll(async () => {
  await engine?.close();
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
});
