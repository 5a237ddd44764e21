import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/api.js';
import { encodeModel, GraphBuilder } from '../../../engine/onnx/graph.js';
import { createSession } from '../../../engine/runtime/session.js';

function negModel(): Uint8Array {
  const g = new GraphBuilder('t');
  g.output(g.op('Neg', [g.input('x', 'float32', [1])]), 'y', 'float32', [1]);
  return encodeModel(g);
}

const cudaBundled = fs.existsSync(
  path.join(
    path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node')),
    '..',
    'bin',
    'napi-v6',
    'linux',
    process.arch,
    'libonnxruntime_providers_cuda.so',
  ),
);

describe('createSession', () => {
  it('cpu opens on the CPU and runs', async () => {
    const { session, provider, note } = await createSession(negModel(), { device: 'cpu' });
    expect(provider).toBe('cpu');
    expect(note).toBeUndefined();
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.of(2), [1]) });
    expect(Array.from(out.y?.data as Float32Array)).toEqual([-2]);
  });

  it.skipIf(cudaBundled)(
    'auto falls back to the CPU with a one-line reason when CUDA is missing',
    async () => {
      const { provider, note } = await createSession(negModel(), { device: 'auto' });
      expect(provider).toBe('cpu');
      expect(note).toMatch(/^CUDA unavailable, running on the CPU \(.+\)$/);
      expect(note).not.toContain('\n');
    },
  );

  it.skipIf(cudaBundled)('cuda fails with device_unavailable instead of silently using the CPU', async () => {
    const attempt = createSession(negModel(), { device: 'cuda' });
    await expect(attempt).rejects.toBeInstanceOf(EngineError);
    await expect(attempt).rejects.toMatchObject({ code: 'device_unavailable' });
  });

  it('a broken model fails under auto with the CPU error, not a CUDA story', async () => {
    await expect(createSession(Uint8Array.of(1, 2, 3), { device: 'auto' })).rejects.toThrow();
    await expect(createSession(Uint8Array.of(1, 2, 3), { device: 'auto' })).rejects.not.toBeInstanceOf(
      EngineError,
    );
  });
});
