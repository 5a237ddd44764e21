import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { encodeModel, GraphBuilder } from '../../../engine/onnx/graph.js';
import { externalDataOptions, externalTensor } from '../../../engine/runtime/external-data.js';

function weightFile(dir: string, values: Float32Array, headerBytes = 24) {
  const bytes = new Uint8Array(headerBytes + values.byteLength);
  bytes.set(new Uint8Array(values.buffer), headerBytes);
  mkdirSync(join(dir, 'vqvae'), { recursive: true });
  const file = join(dir, 'vqvae', 'w.safetensors');
  writeFileSync(file, bytes);
  return { name: 'w', dtype: 'F32', shape: [2, 2], file, offset: headerBytes, length: values.byteLength };
}

describe('weights as external data inside the checkpoint folder', () => {
  it('runs a model given as bytes whose initializer points into a file in a subfolder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-ext-'));
    const source = weightFile(dir, Float32Array.of(1, 2, 3, 4));
    const g = new GraphBuilder('t');
    const x = g.input('x', 'float32', [2, 2]);
    const w = g.initializer('w', externalTensor(source, dir));
    g.output(g.op('MatMul', [x, w]), 'y', 'float32', [2, 2]);
    const session = await ort.InferenceSession.create(encodeModel(g), externalDataOptions(dir));
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 0, 0, 1), [2, 2]) });
    expect(Array.from(out.y?.data as Float32Array)).toEqual([1, 2, 3, 4]);
  });

  it('refuses a weight file outside the checkpoint folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-ext-'));
    const other = mkdtempSync(join(tmpdir(), 'dimoo-ext-other-'));
    const source = weightFile(other, Float32Array.of(1, 2, 3, 4));
    expect(() => externalTensor(source, dir)).toThrow(/outside the checkpoint folder/);
  });

  it('refuses a dtype it cannot read', () => {
    expect(() =>
      externalTensor({ name: 'q', dtype: 'F8_E4M3', shape: [1], file: '/x/a', offset: 0, length: 1 }, '/x'),
    ).toThrow(/F8_E4M3/);
  });
});
