import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/api.js';
import { encodeModel, GraphBuilder } from '../../../engine/onnx/graph.js';
import {
  createSession,
  openSession,
  ortLibraryFolder,
  releaseSession,
  runSession,
  Tensor,
} from '../../../engine/runtime/ort.js';

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

/** y = x + b: two inputs, so a feed can be missing, extra or misshapen. */
function addModel(): Uint8Array {
  const g = new GraphBuilder('t');
  g.output(g.op('Add', [g.input('x', 'float32', [2]), g.input('b', 'float32', [2])]), 'y', 'float32', [2]);
  return encodeModel(g);
}

describe('runSession', () => {
  const f32 = (...v: number[]) => new Tensor('float32', Float32Array.from(v), [v.length]);

  it('runs when the feeds are exactly the inputs', async () => {
    const session = await openSession(addModel());
    const out = await runSession(session, { x: f32(1, 2), b: f32(10, 20) });
    expect(Array.from(out.y?.data as Float32Array)).toEqual([11, 22]);
    await releaseSession(session);
  });

  it('names every missing and every extra feed, and the inputs the graph takes', async () => {
    const session = await openSession(addModel());
    const attempt = runSession(session, { x: f32(1, 2), bias: f32(1, 1), scale: f32(2, 2) });
    await expect(attempt).rejects.toBeInstanceOf(EngineError);
    await expect(attempt).rejects.toMatchObject({ code: 'internal' });
    await expect(attempt).rejects.toThrow(
      'graph feeds do not match its inputs (missing b; not inputs of the graph: bias, scale); the graph takes x, b',
    );
    await releaseSession(session);
  });

  it('a failed run keeps onnxruntime’s message first and lists each feed’s name, type and dims', async () => {
    const session = await openSession(addModel());
    const wrongShape = new Tensor('float32', Float32Array.of(1, 2, 3), [3]);
    const failure = await runSession(session, { x: wrongShape, b: f32(1, 2) }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure).toBeInstanceOf(Error);
    const cause = failure?.cause as Error;
    expect(cause).toBeInstanceOf(Error);
    expect(failure?.message.startsWith(cause.message.trimEnd())).toBe(true);
    expect(failure?.message).toContain('inputs: x float32[3], b float32[2]');
    await releaseSession(session);
  });
});

describe('ortLibraryFolder', () => {
  it('is the folder of the binding that onnxruntime-node loads', () => {
    expect(fs.existsSync(path.join(ortLibraryFolder(), 'onnxruntime_binding.node'))).toBe(true);
  });
});
