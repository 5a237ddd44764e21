// Test double: a random diffusers VQModel folder (config.json + diffusion_pytorch_model.safetensors) with the
// parameter names and shapes diffusers gives VQModel (Encoder/Decoder without mid-block attention). Written from
// the diffusers module structure, independently of engine/graphs/vq.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mulberry32 } from '../../engine/testing/mulberry32.js';
import {
  floatToBf16,
  floatToHalf,
  type StoredDType,
  type TensorSpec,
  writeSafetensorsDouble,
} from './safetensors-double.js';

export interface VqConfigJson {
  block_out_channels: number[];
  layers_per_block: number;
  latent_channels: number;
  vq_embed_dim: number | null;
  num_vq_embeddings: number;
  norm_num_groups: number;
  [key: string]: unknown;
}

function base(channels: number[]): Record<string, unknown> {
  return {
    _class_name: 'VQModel',
    act_fn: 'silu',
    in_channels: 3,
    out_channels: 3,
    down_block_types: channels.map(() => 'DownEncoderBlock2D'),
    up_block_types: channels.map(() => 'UpDecoderBlock2D'),
    norm_type: 'group',
    mid_block_add_attention: false,
    lookup_from_codebook: true,
    force_upcast: true,
    scaling_factor: 0.18215,
    sample_size: 32,
  };
}

/** amused-512's vqvae/config.json values (dimoo-inference.md §2). */
export const AMUSED_VQ_CONFIG: VqConfigJson = {
  ...base([128, 256, 256, 512, 768]),
  block_out_channels: [128, 256, 256, 512, 768],
  layers_per_block: 2,
  latent_channels: 64,
  vq_embed_dim: null,
  num_vq_embeddings: 8192,
  norm_num_groups: 32,
};

/** The same structure with tiny widths: scale factor 16, 8 latent channels, 64 codes. */
export const TINY_VQ_CONFIG: VqConfigJson = {
  ...base([16, 16, 16, 16, 32]),
  block_out_channels: [16, 16, 16, 16, 32],
  layers_per_block: 2,
  latent_channels: 8,
  vq_embed_dim: null,
  num_vq_embeddings: 64,
  norm_num_groups: 8,
};

type Kind = 'conv' | 'bias' | 'norm_weight' | 'norm_bias' | 'codebook';
interface Param {
  name: string;
  shape: number[];
  kind: Kind;
}

function conv(params: Param[], name: string, cin: number, cout: number, k: number): void {
  params.push({ name: `${name}.weight`, shape: [cout, cin, k, k], kind: 'conv' });
  params.push({ name: `${name}.bias`, shape: [cout], kind: 'bias' });
}
function norm(params: Param[], name: string, c: number): void {
  params.push({ name: `${name}.weight`, shape: [c], kind: 'norm_weight' });
  params.push({ name: `${name}.bias`, shape: [c], kind: 'norm_bias' });
}
function resnet(params: Param[], name: string, cin: number, cout: number): void {
  norm(params, `${name}.norm1`, cin);
  conv(params, `${name}.conv1`, cin, cout, 3);
  norm(params, `${name}.norm2`, cout);
  conv(params, `${name}.conv2`, cout, cout, 3);
  if (cin !== cout) conv(params, `${name}.conv_shortcut`, cin, cout, 1);
}

function midBlock(params: Param[], name: string, c: number, config: VqConfigJson, legacy: boolean): void {
  resnet(params, `${name}.resnets.0`, c, c);
  if (config.mid_block_add_attention !== false) {
    const attn = `${name}.attentions.0`;
    norm(params, `${attn}.group_norm`, c);
    // Checkpoints saved before diffusers 0.14 name the projections query/key/value/proj_attn.
    const names = legacy ? ['query', 'key', 'value', 'proj_attn'] : ['to_q', 'to_k', 'to_v', 'to_out.0'];
    for (const n of names) {
      params.push({ name: `${attn}.${n}.weight`, shape: [c, c], kind: 'conv' });
      params.push({ name: `${attn}.${n}.bias`, shape: [c], kind: 'bias' });
    }
  }
  resnet(params, `${name}.resnets.1`, c, c);
}

/** Every VQModel parameter with its shape, in diffusers' naming (`legacy`: pre-0.14 attention names). */
export function vqParameters(config: VqConfigJson, legacy = false): Param[] {
  const p: Param[] = [];
  const ch = config.block_out_channels;
  const top = ch[ch.length - 1] as number;
  const embed = config.vq_embed_dim ?? config.latent_channels;
  conv(p, 'encoder.conv_in', 3, ch[0] as number, 3);
  let prev = ch[0] as number;
  ch.forEach((c, i) => {
    for (let j = 0; j < config.layers_per_block; j++)
      resnet(p, `encoder.down_blocks.${i}.resnets.${j}`, j ? c : prev, c);
    if (i < ch.length - 1) conv(p, `encoder.down_blocks.${i}.downsamplers.0.conv`, c, c, 3);
    prev = c;
  });
  midBlock(p, 'encoder.mid_block', top, config, legacy);
  norm(p, 'encoder.conv_norm_out', top);
  conv(p, 'encoder.conv_out', top, config.latent_channels, 3);
  conv(p, 'quant_conv', config.latent_channels, embed, 1);
  p.push({ name: 'quantize.embedding.weight', shape: [config.num_vq_embeddings, embed], kind: 'codebook' });
  conv(p, 'post_quant_conv', embed, config.latent_channels, 1);
  conv(p, 'decoder.conv_in', config.latent_channels, top, 3);
  midBlock(p, 'decoder.mid_block', top, config, legacy);
  const rev = [...ch].reverse();
  prev = top;
  rev.forEach((c, i) => {
    for (let j = 0; j <= config.layers_per_block; j++)
      resnet(p, `decoder.up_blocks.${i}.resnets.${j}`, j ? c : prev, c);
    if (i < rev.length - 1) conv(p, `decoder.up_blocks.${i}.upsamplers.0.conv`, c, c, 3);
    prev = c;
  });
  norm(p, 'decoder.conv_norm_out', ch[0] as number);
  conv(p, 'decoder.conv_out', ch[0] as number, 3, 3);
  return p;
}

function values(param: Param, random: () => number): Float32Array {
  const count = param.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(count);
  const fanIn = param.shape.slice(1).reduce((a, b) => a * b, 1);
  // Variance-preserving convs keep activations O(1) through many layers; norms near identity.
  const [scale, offset] =
    param.kind === 'conv'
      ? [Math.sqrt(3 / fanIn), 0]
      : param.kind === 'norm_weight'
        ? [0.2, 1]
        : param.kind === 'codebook'
          ? [1, 0]
          : [0.1, 0];
  for (let i = 0; i < count; i++) out[i] = offset + scale * (2 * random() - 1);
  return out;
}

function encode(v: Float32Array, dtype: StoredDType): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  const out = new Uint16Array(v.length);
  for (let i = 0; i < v.length; i++)
    out[i] = dtype === 'BF16' ? floatToBf16(v[i] as number) : floatToHalf(v[i] as number);
  return new Uint8Array(out.buffer);
}

export interface RandomVqOptions {
  config?: VqConfigJson;
  seed?: number;
  dtype?: StoredDType;
  /** Name the mid-block attention weights as old checkpoints do (query/key/value/proj_attn). */
  legacyAttentionNames?: boolean;
}

/** Writes `dir/config.json` and `dir/diffusion_pytorch_model.safetensors`; returns the weights file's path. */
export function writeRandomVq(dir: string, options: RandomVqOptions = {}): string {
  const config = options.config ?? TINY_VQ_CONFIG;
  const dtype = options.dtype ?? 'F32';
  const random = mulberry32(options.seed ?? 1);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  const params = vqParameters(config, options.legacyAttentionNames ?? false);
  const byName = new Map(params.map((p) => [p.name, p]));
  const file = path.join(dir, 'diffusion_pytorch_model.safetensors');
  const specs: TensorSpec[] = params.map((p) => ({ name: p.name, dtype, shape: p.shape }));
  writeSafetensorsDouble(file, specs, (spec) =>
    encode(values(byName.get(spec.name) as Param, random), dtype),
  );
  return file;
}
