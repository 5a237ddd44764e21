// The quantization worker's failures reach the caller: a weight the worker cannot read rejects the promise with
// the reader's message instead of leaving engine creation waiting, and no cache file is left to be trusted later.
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
});
