import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { readVqCheckpoint } from '../../../engine/checkpoint/vqvae.js';
import { buildVqDecoder } from '../../../engine/graphs/vq.js';
import { VqCodec } from '../../../engine/runtime/vq-codec.js';
import { TINY_VQ_CONFIG, writeRandomVq } from '../../doubles/random-vq.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vqvae-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const create = (model: Uint8Array | string, options: ort.InferenceSession.SessionOptions) =>
  typeof model === 'string'
    ? ort.InferenceSession.create(model, options)
    : ort.InferenceSession.create(model, options);

function model(name: string): string {
  const dir = path.join(root, name);
  writeRandomVq(path.join(dir, 'vqvae'), { seed: 2 });
  return dir;
}

describe('readVqCheckpoint', () => {
  it('reads config and weight headers of a diffusers vqvae/ folder; the codec decodes from it', async () => {
    const dir = model('plain');
    const ck = readVqCheckpoint(dir);
    expect(ck.config.codebookSize).toBe(64);
    expect(ck.folder).toBe(fs.realpathSync(path.join(dir, 'vqvae')));
    expect(ck.weight('quantize.embedding.weight').shape).toEqual([64, 8]);
    const codec = new VqCodec({ ...ck, createSession: create });
    const image = await codec.decode(2, 1, [5, 9]);
    expect([image.width, image.height, image.data.length]).toEqual([16, 32, 16 * 32 * 3]);
    await codec.close();
  });

  it('works from a Hugging Face cache snapshot whose files are symlinks into blobs/', async () => {
    const source = model('hub-source');
    const hub = path.join(root, 'models--Alpha-VLLM--Lumina-DiMOO');
    const snapshot = path.join(hub, 'snapshots', 'abc123');
    fs.mkdirSync(path.join(hub, 'blobs'), { recursive: true });
    fs.mkdirSync(path.join(snapshot, 'vqvae'), { recursive: true });
    for (const [file, blob] of [
      ['config.json', 'c0ffee'],
      ['diffusion_pytorch_model.safetensors', 'beef42'],
    ] as const) {
      fs.renameSync(path.join(source, 'vqvae', file), path.join(hub, 'blobs', blob));
      fs.symlinkSync(`../../../blobs/${blob}`, path.join(snapshot, 'vqvae', file));
    }
    const ck = readVqCheckpoint(snapshot);
    expect(ck.folder).toBe(fs.realpathSync(path.join(hub, 'blobs')));
    const codec = new VqCodec({ ...ck, createSession: create });
    expect((await codec.decode(1, 1, [0])).data.length).toBe(16 * 16 * 3);
    await codec.close();
  });

  it('takes the fp16 variant file when it is the only weights file', () => {
    const dir = model('fp16');
    fs.renameSync(
      path.join(dir, 'vqvae', 'diffusion_pytorch_model.safetensors'),
      path.join(dir, 'vqvae', 'diffusion_pytorch_model.fp16.safetensors'),
    );
    expect(readVqCheckpoint(dir).weight('decoder.conv_in.weight').file).toMatch(/fp16\.safetensors$/);
  });

  it('names what is missing or broken', () => {
    const dir = model('broken');
    fs.rmSync(path.join(dir, 'vqvae', 'diffusion_pytorch_model.safetensors'));
    expect(() => readVqCheckpoint(dir)).toThrow(
      expect.objectContaining({
        code: 'checkpoint_missing',
        params: { detail: 'vqvae/diffusion_pytorch_model.safetensors is missing' },
      }),
    );
    fs.writeFileSync(path.join(dir, 'vqvae', 'a.safetensors'), '');
    fs.writeFileSync(path.join(dir, 'vqvae', 'b.safetensors'), '');
    expect(() => readVqCheckpoint(dir)).toThrow(/several weight files \(a\.safetensors, b\.safetensors\)/);
    fs.writeFileSync(path.join(dir, 'vqvae', 'config.json'), '{"block_out_channels": [');
    expect(() => readVqCheckpoint(dir)).toThrow(
      expect.objectContaining({
        code: 'checkpoint_invalid',
        message: expect.stringMatching(/^vqvae\/config\.json is not valid JSON/),
      }),
    );
    fs.rmSync(path.join(dir, 'vqvae', 'config.json'));
    expect(() => readVqCheckpoint(dir)).toThrow(
      expect.objectContaining({
        code: 'checkpoint_missing',
        params: { detail: 'vqvae/config.json is missing' },
      }),
    );
  });

  it('a tensor the config implies but the file lacks is named when the graph is built', () => {
    const dir = model('attention');
    // The config asks for mid-block attention; the weights (written without it) have none.
    fs.writeFileSync(
      path.join(dir, 'vqvae', 'config.json'),
      JSON.stringify({ ...TINY_VQ_CONFIG, mid_block_add_attention: true }),
    );
    const ck = readVqCheckpoint(dir);
    expect(() => buildVqDecoder(ck.config, ck)).toThrow(
      expect.objectContaining({
        code: 'checkpoint_invalid',
        message:
          'vqvae/diffusion_pytorch_model.safetensors has no tensor "decoder.mid_block.attentions.0.group_norm.weight", which vqvae/config.json implies',
      }),
    );
  });
});
