import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/api.js';
import { buildVqDecoder } from '../../../engine/graphs/vq.js';
import { parseVqConfig } from '../../../engine/graphs/vq-config.js';
import type { WeightRef } from '../../../engine/runtime/external-data.js';
import { AMUSED_VQ_CONFIG, TINY_VQ_CONFIG, writeRandomVq } from '../../doubles/random-vq.js';
import { readWeightRefs } from '../../doubles/safetensors-double.js';

function rejection(json: unknown): EngineError {
  try {
    parseVqConfig(json);
  } catch (error) {
    expect(error).toBeInstanceOf(EngineError);
    return error as EngineError;
  }
  throw new Error('config was accepted');
}

describe('vqvae/config.json', () => {
  it("reads amused-512's values: scale 16, 64-wide codes, 8192 of them", () => {
    expect(parseVqConfig(AMUSED_VQ_CONFIG)).toEqual({
      inChannels: 3,
      outChannels: 3,
      blockOutChannels: [128, 256, 256, 512, 768],
      layersPerBlock: 2,
      latentChannels: 64,
      embedDim: 64,
      codebookSize: 8192,
      normGroups: 32,
      scaleFactor: 16,
      midBlockAttention: false,
    });
  });

  it('takes an explicit vq_embed_dim and VQModel defaults for absent keys', () => {
    const config = parseVqConfig({
      mid_block_add_attention: false,
      vq_embed_dim: 4,
      block_out_channels: [32],
    });
    expect(config).toMatchObject({
      embedDim: 4,
      latentChannels: 3,
      codebookSize: 256,
      layersPerBlock: 1,
      scaleFactor: 1,
    });
  });

  it.each([
    ['norm_type', { norm_type: 'spatial' }, /"norm_type" is "spatial"; supported: "group"/],
    ['mid_block_add_attention', { mid_block_add_attention: 'yes' }, /"mid_block_add_attention" is "yes"/],
    ['act_fn', { act_fn: 'gelu' }, /"act_fn" is "gelu"/],
    [
      'down_block_types',
      { down_block_types: ['AttnDownEncoderBlock2D'] },
      /"down_block_types" has 1 entries/,
    ],
    [
      'up_block_types',
      {
        up_block_types: new Array(5).fill('AttnUpDecoderBlock2D'),
      },
      /only "UpDecoderBlock2D"/,
    ],
    ['norm_num_groups', { norm_num_groups: 6 }, /\(6\) does not divide block_out_channels entry 16/],
    ['block_out_channels', { block_out_channels: [] }, /non-empty list/],
    ['in_channels', { in_channels: 4 }, /RGB input needs 3/],
    ['num_vq_embeddings', { num_vq_embeddings: 0 }, /positive integer/],
  ])('refuses %s, naming the file and the key', (key, change, message) => {
    const error = rejection({ ...TINY_VQ_CONFIG, ...change });
    expect(error.code).toBe('checkpoint_invalid');
    expect(error.message).toMatch(/^vqvae\/config\.json: /);
    expect(error.message).toMatch(message);
    expect(error.params).toMatchObject({ file: 'vqvae/config.json', key });
  });

  it('builds the mid-block attention when mid_block_add_attention is absent (VQModel defaults it to true)', () => {
    const { mid_block_add_attention: _, ...rest } = TINY_VQ_CONFIG;
    expect(parseVqConfig(rest).midBlockAttention).toBe(true);
  });

  it('refuses block type lists whose length differs from block_out_channels (VQModel would build a broken model)', () => {
    const error = rejection({ mid_block_add_attention: false, block_out_channels: [32, 64] });
    expect(error.message).toMatch(/"down_block_types" has 1 entries, block_out_channels 2/);
  });

  it('refuses a non-object', () => {
    expect(rejection([1, 2]).message).toMatch(/must hold a JSON object/);
  });
});

describe('VQ graph weights', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vq-weights-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const refs = readWeightRefs(writeRandomVq(path.join(root, 'vqvae')));
  const config = parseVqConfig(TINY_VQ_CONFIG);

  it('refuses a tensor whose shape disagrees with the config, naming the tensor and file', () => {
    const weight = (name: string): WeightRef => {
      const ref = refs.get(name) as WeightRef;
      return name === 'decoder.conv_in.weight' ? { ...ref, shape: [32, 8, 1, 1] } : ref;
    };
    expect(() => buildVqDecoder(config, { weight, folder: root })).toThrow(
      /diffusion_pytorch_model\.safetensors: tensor "decoder\.conv_in\.weight" has shape \[32, 8, 1, 1\], expected \[32, 8, 3, 3\]/,
    );
  });

  it('refuses a weight file outside the external-data folder', () => {
    const weight = (name: string) => refs.get(name) as WeightRef;
    expect(() => buildVqDecoder(config, { weight, folder: path.join(root, 'elsewhere') })).toThrow(
      /does not lie under/,
    );
  });
});
