// A checkpoint as huggingface-cli and diffusers leave it loads and draws exactly as the plain folder does: a cache
// snapshot whose files are symlinks into ../../blobs/ (onnxruntime refuses external data that leaves its folder
// through a symlink, so the engine hands it the blobs' real folder), and VQ weights split into shards with an index.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createEngine,
  type ImageResult,
  inspectCheckpoint,
  makeTestCheckpoint,
} from '../../../engine/index.js';
import { hubSnapshot, shardVq } from './hub-layouts.js';

const base = mkdtempSync(join(tmpdir(), 'dimoo-hub-layouts-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** The same tiny checkpoint every time (seeded), written to `name` under the test folder. */
function tiny(name: string): string {
  const dir = join(base, name);
  makeTestCheckpoint({ out: dir, preset: 'tiny', seed: 5, dtype: 'bf16' });
  return dir;
}

/** Tokens of one small seeded image from the folder, through the whole engine (VQ encoder and decoder opened). */
async function draw(modelDir: string): Promise<number[]> {
  const engine = await createEngine({ modelDir, device: 'cpu' });
  try {
    const request = {
      task: 'text_to_image',
      prompt: 'a fox',
      width: 32,
      height: 32,
      steps: 2,
      seed: 9,
    } as const;
    const result = (await engine.generate(request)) as ImageResult;
    expect([result.image.width, result.image.height]).toEqual([32, 32]);
    return Array.from(result.tokens.data);
  } finally {
    await engine.close();
  }
}

describe('checkpoint folders as the Hub and diffusers lay them out', () => {
  it('a Hugging Face cache snapshot of symlinks is checked and draws as the plain folder', async () => {
    const plain = await draw(tiny('plain'));
    const snapshot = hubSnapshot(tiny('hub-source'), join(base, 'models--Alpha-VLLM--Lumina-DiMOO'));
    // check-model's path: every header read and every graph built (each weight's external-data location).
    const report = await inspectCheckpoint(snapshot);
    expect(report.files.map((f) => f.file).sort()).toEqual([
      'model.safetensors',
      join('vqvae', 'diffusion_pytorch_model.safetensors'),
    ]);
    expect(report.files.every((f) => f.bytes > 1000)).toBe(true);
    expect(await draw(snapshot)).toEqual(plain);
  });

  it('sharded VQ weights (diffusers’ index and shards) are read through the index, also in a snapshot', async () => {
    const plain = await draw(tiny('plain-2'));
    const sharded = tiny('sharded-vq');
    shardVq(sharded);
    const report = await inspectCheckpoint(sharded);
    expect(report.files.map((f) => f.file).sort()).toEqual([
      'model.safetensors',
      join('vqvae', 'diffusion_pytorch_model-00001-of-00002.safetensors'),
      join('vqvae', 'diffusion_pytorch_model-00002-of-00002.safetensors'),
    ]);
    expect(await draw(sharded)).toEqual(plain);
    const source = tiny('sharded-source');
    shardVq(source);
    const snapshot = hubSnapshot(source, join(base, 'models--sharded'));
    expect(await draw(snapshot)).toEqual(plain);
  });
});
