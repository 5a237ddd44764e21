// Test double: a small random diffusers VQModel written as vqvae/config.json + safetensors, with the parameter
// names and shapes the published checkpoint uses (only the sizes are small).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VqArchitecture, VqWeights } from '../../engine/graphs/vq.js';

export interface TestTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Writes F32 tensors in the safetensors format and returns their header entries as weight sources. */
export function writeTestSafetensors(file: string, tensors: TestTensor[]) {
  const header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> = {};
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  const base = 8 + headerBytes.length;
  for (const t of tensors)
    out.set(new Uint8Array(t.data.buffer), base + (header[t.name]?.data_offsets[0] ?? 0));
  writeFileSync(file, out);
  return new Map(
    tensors.map((t) => {
      const [start, end] = header[t.name]?.data_offsets ?? [0, 0];
      return [
        t.name,
        { name: t.name, dtype: 'F32', shape: t.shape, file, offset: base + start, length: end - start },
      ];
    }),
  );
}

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 4294967296) * 2 - 1;
  };
}

export const TINY_VQ: VqArchitecture = {
  block_out_channels: [8, 8, 8, 8, 16],
  layers_per_block: 1,
  latent_channels: 4,
  vq_embed_dim: null,
  num_vq_embeddings: 16,
  norm_num_groups: 4,
  norm_type: 'group',
  mid_block_add_attention: false,
  in_channels: 3,
  out_channels: 3,
  act_fn: 'silu',
};

/** Every VQModel parameter for an architecture, with diffusers' names and shapes. */
export function vqParameterShapes(arch: VqArchitecture): Array<[string, number[]]> {
  const out: Array<[string, number[]]> = [];
  const conv = (name: string, o: number, i: number, k: number) =>
    out.push([`${name}.weight`, [o, i, k, k]], [`${name}.bias`, [o]]);
  const norm = (name: string, c: number) => out.push([`${name}.weight`, [c]], [`${name}.bias`, [c]]);
  const resnet = (name: string, i: number, o: number) => {
    norm(`${name}.norm1`, i);
    conv(`${name}.conv1`, o, i, 3);
    norm(`${name}.norm2`, o);
    conv(`${name}.conv2`, o, o, 3);
    if (i !== o) conv(`${name}.conv_shortcut`, o, i, 1);
  };
  const ch = arch.block_out_channels;
  const top = ch[ch.length - 1] as number;
  const latent = arch.latent_channels;
  const dim = arch.vq_embed_dim ?? latent;
  conv('encoder.conv_in', ch[0] as number, 3, 3);
  let prev = ch[0] as number;
  ch.forEach((c, i) => {
    for (let j = 0; j < arch.layers_per_block; j++)
      resnet(`encoder.down_blocks.${i}.resnets.${j}`, j === 0 ? prev : c, c);
    if (i < ch.length - 1) conv(`encoder.down_blocks.${i}.downsamplers.0.conv`, c, c, 3);
    prev = c;
  });
  resnet('encoder.mid_block.resnets.0', top, top);
  resnet('encoder.mid_block.resnets.1', top, top);
  norm('encoder.conv_norm_out', top);
  conv('encoder.conv_out', latent, top, 3);
  conv('quant_conv', dim, latent, 1);
  out.push(['quantize.embedding.weight', [arch.num_vq_embeddings, dim]]);
  conv('post_quant_conv', latent, dim, 1);
  conv('decoder.conv_in', top, latent, 3);
  resnet('decoder.mid_block.resnets.0', top, top);
  resnet('decoder.mid_block.resnets.1', top, top);
  const rev = [...ch].reverse();
  prev = rev[0] as number;
  rev.forEach((c, i) => {
    for (let j = 0; j < arch.layers_per_block + 1; j++)
      resnet(`decoder.up_blocks.${i}.resnets.${j}`, j === 0 ? prev : c, c);
    if (i < rev.length - 1) conv(`decoder.up_blocks.${i}.upsamplers.0.conv`, c, c, 3);
    prev = c;
  });
  norm('decoder.conv_norm_out', ch[0] as number);
  conv('decoder.conv_out', 3, ch[0] as number, 3);
  return out;
}

/** Writes `dir/vqvae/{config.json, diffusion_pytorch_model.safetensors}` with random weights. */
export function writeRandomVq(
  dir: string,
  arch: VqArchitecture = TINY_VQ,
  seed = 1,
): VqWeights & { tensors: Map<string, TestTensor> } {
  const random = rng(seed);
  const tensors = vqParameterShapes(arch).map(([name, shape]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    const fanIn = shape.length === 4 ? (shape[1] as number) * (shape[2] as number) * (shape[3] as number) : 1;
    const isNormWeight = /norm.*\.weight$/.test(name);
    // Centre the decoded image in [0, 1] so few pixels are clipped and parity compares real values.
    const outputScale = name.startsWith('decoder.conv_out') ? 0.6 : 1;
    const outputBias = name === 'decoder.conv_out.bias' ? 0.5 : 0;
    for (let i = 0; i < size; i++) {
      data[i] =
        outputBias +
        outputScale *
          (name.startsWith('quantize')
            ? random()
            : isNormWeight
              ? 1 + 0.1 * random()
              : name.endsWith('.bias')
                ? 0.05 * random()
                : (random() * Math.sqrt(3)) / Math.sqrt(fanIn));
    }
    return { name, shape, data };
  });
  mkdirSync(join(dir, 'vqvae'), { recursive: true });
  writeFileSync(
    join(dir, 'vqvae', 'config.json'),
    JSON.stringify({ _class_name: 'VQModel', ...arch }, null, 2),
  );
  const sources = writeTestSafetensors(join(dir, 'vqvae', 'diffusion_pytorch_model.safetensors'), tensors);
  return {
    checkpointDir: dir,
    weight(name) {
      const s = sources.get(name);
      if (!s) throw new Error(`no tensor ${name}`);
      return s;
    },
    tensors: new Map(tensors.map((t) => [t.name, t])),
  };
}
