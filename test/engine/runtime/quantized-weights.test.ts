// The quantization workers write one file together: any number of them give the same bytes as one, and a
// failure reaches the caller: a weight a worker cannot read rejects the promise with the reader's message instead
// of leaving engine creation waiting, and no cache file is left to be trusted later.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../../engine/checkpoint/load.js';
import { quantizedWeights } from '../../../engine/runtime/quantized-weights.js';
import { makeTestCheckpoint } from '../../../engine/testing/make-test-checkpoint.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dimoo-quant-worker-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('quantizedWeights', () => {
  it('rejects with the worker’s error when a weight cannot be read, and writes no cache file', async () => {
    makeTestCheckpoint({ out: path.join(root, 'model'), preset: 'tiny', dtype: 'bf16' });
    const checkpoint = await loadCheckpoint(path.join(root, 'model'));
    const ref = checkpoint.weights.get('model.transformer.blocks.0.q_proj.weight')!;
    const size = fs.statSync(ref.file).size;
    const pastTheEnd = { ...ref, offset: size - 2 }; // a tensor the file ends inside
    const cacheDir = path.join(root, 'cache');
    await expect(quantizedWeights([pastTheEnd], { bits: 8, blockSize: 32, cacheDir })).rejects.toThrow(
      /ends early/,
    );
    const left = fs.existsSync(path.join(cacheDir, 'quantized'))
      ? fs.readdirSync(path.join(cacheDir, 'quantized'))
      : [];
    expect(left.filter((f) => f.endsWith('.bin') || f.endsWith('.json'))).toEqual([]);
  });

  it('writes the same file and index on three threads as on one, and reports every tensor once', async () => {
    const modelDir = path.join(root, 'model-2');
    makeTestCheckpoint({ out: modelDir, preset: 'tiny', dtype: 'bf16' });
    const checkpoint = await loadCheckpoint(modelDir);
    const refs = [...checkpoint.weights.values()].filter(
      (r) => r.shape.length === 2 && r.name.includes('.blocks.') && r.name.endsWith('_proj.weight'),
    );
    expect(refs.length).toBeGreaterThan(6);
    const made = async (workers: number) => {
      const progress: number[] = [];
      const q = await quantizedWeights(refs, {
        bits: 4,
        blockSize: 32,
        cacheDir: path.join(root, `cache-${workers}`),
        workers,
        onProgress: (done, total) => {
          expect(total).toBe(refs.length);
          progress.push(done);
        },
      });
      return { bytes: fs.readFileSync(q.file), index: fs.readFileSync(`${q.file}.json`, 'utf8'), progress };
    };
    const one = await made(1);
    const three = await made(3);
    expect(three.bytes.equals(one.bytes)).toBe(true);
    expect(three.index).toBe(one.index);
    expect(three.progress).toEqual(refs.map((_, i) => i + 1));
    expect(one.bytes.some((b) => b !== 0x88)).toBe(true); // real codes, not only the zero point
  });
});
