import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeModel, GraphBuilder } from '../../../engine/onnx/graph.js';
import {
  externalDataFor,
  externalDataRoot,
  externalDataSessionOptions,
  type WeightRef,
} from '../../../engine/runtime/external-data.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'external-data-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('external data straight from a weights file', () => {
  // 13 unrelated bytes, then a 2×3 float32 matrix: the tensor does not start at an aligned offset.
  const file = path.join(root, 'model', 'vqvae', 'w.safetensors');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    Buffer.concat([Buffer.alloc(13, 7), Buffer.from(Float32Array.of(1, 2, 3, 4, 5, 6).buffer)]),
  );
  const ref: WeightRef = { name: 'W', dtype: 'F32', shape: [2, 3], file, offset: 13, length: 24 };

  function model(folder: string): Uint8Array {
    const g = new GraphBuilder('t');
    const x = g.input('x', 'float32', [1, 2]);
    const w = g.initializer('W', { dtype: 'float32', dims: [2, 3], external: externalDataFor(ref, folder) });
    g.output(g.op('MatMul', [x, w]), 'y', 'float32', [1, 3]);
    return encodeModel(g);
  }

  it('a model given as bytes reads its weights in place from a file in a subfolder of the folder option', async () => {
    const folder = path.join(root, 'model');
    expect(externalDataFor(ref, folder).location).toBe('vqvae/w.safetensors');
    const session = await ort.InferenceSession.create(model(folder), externalDataSessionOptions(folder));
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 1), [1, 2]) });
    expect(Array.from(out.y?.data as Float32Array)).toEqual([5, 7, 9]);
    await session.release();
  });

  it('follows a Hugging Face cache snapshot (files are symlinks into ../../blobs) to the real folder', async () => {
    const hub = path.join(root, 'models--x');
    fs.mkdirSync(path.join(hub, 'blobs'), { recursive: true });
    fs.mkdirSync(path.join(hub, 'snapshots', 'rev', 'vqvae'), { recursive: true });
    fs.copyFileSync(file, path.join(hub, 'blobs', '0f3a'));
    const linked = path.join(hub, 'snapshots', 'rev', 'vqvae', 'w.safetensors');
    fs.symlinkSync('../../../blobs/0f3a', linked);
    const linkedRef = { ...ref, file: linked };
    // onnxruntime resolves the symlink and refuses it under the snapshot folder; so does externalDataFor.
    expect(() => externalDataFor(linkedRef, path.join(hub, 'snapshots', 'rev'))).toThrow(/externalDataRoot/);
    const folder = externalDataRoot([linked]);
    expect(folder).toBe(fs.realpathSync(path.join(hub, 'blobs')));
    const g = new GraphBuilder('t');
    const x = g.input('x', 'float32', [1, 2]);
    const w = g.initializer('W', {
      dtype: 'float32',
      dims: [2, 3],
      external: externalDataFor(linkedRef, folder),
    });
    g.output(g.op('MatMul', [x, w]), 'y', 'float32', [1, 3]);
    const session = await ort.InferenceSession.create(encodeModel(g), externalDataSessionOptions(folder));
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 0), [1, 2]) });
    expect(Array.from(out.y?.data as Float32Array)).toEqual([1, 2, 3]);
    await session.release();
  });

  it('externalDataRoot is the deepest folder holding every file', () => {
    const a = path.join(root, 'model', 'a', 'x.safetensors');
    const b = path.join(root, 'model', 'b', 'c', 'y.safetensors');
    expect(externalDataRoot([a, b])).toBe(path.join(fs.realpathSync(root), 'model'));
    expect(externalDataRoot([a])).toBe(path.join(fs.realpathSync(root), 'model', 'a'));
  });

  it('refuses a weight file outside the folder rather than building a model ORT would reject', () => {
    expect(() => externalDataFor(ref, path.join(root, 'other'))).toThrow(/does not lie under/);
  });

  it("keeps the caller's other options and session config entries", () => {
    const options = externalDataSessionOptions('/m', {
      graphOptimizationLevel: 'all',
      extra: { session: { disable_prepacking: '1' }, optimization: { x: '1' } },
    });
    expect(options).toEqual({
      graphOptimizationLevel: 'all',
      extra: {
        session: { disable_prepacking: '1', model_external_initializers_file_folder_path: '/m' },
        optimization: { x: '1' },
      },
    });
  });
});
