// Independent float64 reference of diffusers' VQModel encode/decode with naive loops, for parity tests only.
import type { VqArchitecture } from '../../engine/graphs/vq.js';
import type { TestTensor } from '../doubles/random-vq.js';

interface Map3 {
  c: number;
  h: number;
  w: number;
  d: Float64Array;
}

type Params = Map<string, TestTensor>;

function p(params: Params, name: string): Float32Array {
  const t = params.get(name);
  if (!t) throw new Error(`missing ${name}`);
  return t.data;
}

function conv(x: Map3, params: Params, prefix: string, stride = 1, pad?: number): Map3 {
  const weight = params.get(`${prefix}.weight`);
  if (!weight) throw new Error(`missing ${prefix}.weight`);
  const [o, i, k] = weight.shape as [number, number, number];
  const bias = p(params, `${prefix}.bias`);
  const padding = pad ?? (k - 1) / 2;
  const h = Math.floor((x.h + 2 * padding - k) / stride) + 1;
  const w = Math.floor((x.w + 2 * padding - k) / stride) + 1;
  const out = new Float64Array(o * h * w);
  for (let oc = 0; oc < o; oc++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++) {
        let acc = bias[oc] as number;
        for (let ic = 0; ic < i; ic++)
          for (let ky = 0; ky < k; ky++)
            for (let kx = 0; kx < k; kx++) {
              const sy = y * stride + ky - padding;
              const sx = xx * stride + kx - padding;
              if (sy < 0 || sx < 0 || sy >= x.h || sx >= x.w) continue;
              acc +=
                (weight.data[((oc * i + ic) * k + ky) * k + kx] as number) *
                (x.d[(ic * x.h + sy) * x.w + sx] as number);
            }
        out[(oc * h + y) * w + xx] = acc;
      }
  return { c: o, h, w, d: out };
}

function groupNorm(x: Map3, params: Params, prefix: string, groups: number): Map3 {
  const gamma = p(params, `${prefix}.weight`);
  const beta = p(params, `${prefix}.bias`);
  const per = x.c / groups;
  const plane = x.h * x.w;
  const out = new Float64Array(x.d.length);
  for (let g = 0; g < groups; g++) {
    let mean = 0;
    for (let i = g * per * plane; i < (g + 1) * per * plane; i++) mean += x.d[i] as number;
    mean /= per * plane;
    let variance = 0;
    for (let i = g * per * plane; i < (g + 1) * per * plane; i++)
      variance += ((x.d[i] as number) - mean) ** 2;
    variance /= per * plane;
    for (let c = g * per; c < (g + 1) * per; c++)
      for (let i = 0; i < plane; i++) {
        const v = ((x.d[c * plane + i] as number) - mean) / Math.sqrt(variance + 1e-6);
        out[c * plane + i] = v * (gamma[c] as number) + (beta[c] as number);
      }
  }
  return { ...x, d: out };
}

const silu = (x: Map3): Map3 => ({ ...x, d: x.d.map((v) => v / (1 + Math.exp(-v))) });
const add = (a: Map3, b: Map3): Map3 => ({ ...a, d: a.d.map((v, i) => v + (b.d[i] as number)) });

function resnet(x: Map3, params: Params, prefix: string, groups: number): Map3 {
  let h = conv(silu(groupNorm(x, params, `${prefix}.norm1`, groups)), params, `${prefix}.conv1`);
  h = conv(silu(groupNorm(h, params, `${prefix}.norm2`, groups)), params, `${prefix}.conv2`);
  const shortcut = params.has(`${prefix}.conv_shortcut.weight`)
    ? conv(x, params, `${prefix}.conv_shortcut`, 1, 0)
    : x;
  return add(shortcut, h);
}

function padBottomRight(x: Map3): Map3 {
  const h = x.h + 1;
  const w = x.w + 1;
  const d = new Float64Array(x.c * h * w);
  for (let c = 0; c < x.c; c++)
    for (let y = 0; y < x.h; y++)
      for (let xx = 0; xx < x.w; xx++) d[(c * h + y) * w + xx] = x.d[(c * x.h + y) * x.w + xx] as number;
  return { c: x.c, h, w, d };
}

function upsampleNearest(x: Map3): Map3 {
  const h = x.h * 2;
  const w = x.w * 2;
  const d = new Float64Array(x.c * h * w);
  for (let c = 0; c < x.c; c++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++)
        d[(c * h + y) * w + xx] = x.d[(c * x.h + (y >> 1)) * x.w + (xx >> 1)] as number;
  return { c: x.c, h, w, d };
}

/** RGB bytes (HWC) → pre-quantisation latents and codebook indices. */
export function naiveEncode(
  arch: VqArchitecture,
  params: Params,
  rgb: Uint8Array,
  width: number,
  height: number,
) {
  const groups = arch.norm_num_groups;
  const d = new Float64Array(3 * height * width);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++)
        d[(c * height + y) * width + x] = (rgb[(y * width + x) * 3 + c] as number) / 255;
  let h = conv({ c: 3, h: height, w: width, d }, params, 'encoder.conv_in');
  const ch = arch.block_out_channels;
  ch.forEach((_, i) => {
    for (let j = 0; j < arch.layers_per_block; j++)
      h = resnet(h, params, `encoder.down_blocks.${i}.resnets.${j}`, groups);
    if (i < ch.length - 1)
      h = conv(padBottomRight(h), params, `encoder.down_blocks.${i}.downsamplers.0.conv`, 2, 0);
  });
  h = resnet(
    resnet(h, params, 'encoder.mid_block.resnets.0', groups),
    params,
    'encoder.mid_block.resnets.1',
    groups,
  );
  h = conv(silu(groupNorm(h, params, 'encoder.conv_norm_out', groups)), params, 'encoder.conv_out');
  const latents = conv(h, params, 'quant_conv', 1, 0);
  const codebook = p(params, 'quantize.embedding.weight');
  const dim = latents.c;
  const n = codebook.length / dim;
  const indices: number[] = [];
  for (let cell = 0; cell < latents.h * latents.w; cell++) {
    let best = 0;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (let e = 0; e < n; e++) {
      let distance = 0;
      for (let c = 0; c < dim; c++)
        distance +=
          ((latents.d[c * latents.h * latents.w + cell] as number) - (codebook[e * dim + c] as number)) ** 2;
      if (distance < bestDistance) {
        bestDistance = distance;
        best = e;
      }
    }
    indices.push(best);
  }
  return { latents, indices };
}

/** Codebook indices (row-major) → image in [0, 1], CHW float64. */
export function naiveDecode(
  arch: VqArchitecture,
  params: Params,
  indices: number[],
  rows: number,
  cols: number,
): Map3 {
  const groups = arch.norm_num_groups;
  const codebook = p(params, 'quantize.embedding.weight');
  const dim = arch.vq_embed_dim ?? arch.latent_channels;
  const d = new Float64Array(dim * rows * cols);
  indices.forEach((index, cell) => {
    for (let c = 0; c < dim; c++) d[c * rows * cols + cell] = codebook[index * dim + c] as number;
  });
  let h = conv(
    conv({ c: dim, h: rows, w: cols, d }, params, 'post_quant_conv', 1, 0),
    params,
    'decoder.conv_in',
  );
  h = resnet(
    resnet(h, params, 'decoder.mid_block.resnets.0', groups),
    params,
    'decoder.mid_block.resnets.1',
    groups,
  );
  const levels = arch.block_out_channels.length;
  for (let i = 0; i < levels; i++) {
    for (let j = 0; j < arch.layers_per_block + 1; j++)
      h = resnet(h, params, `decoder.up_blocks.${i}.resnets.${j}`, groups);
    if (i < levels - 1) h = conv(upsampleNearest(h), params, `decoder.up_blocks.${i}.upsamplers.0.conv`);
  }
  h = conv(silu(groupNorm(h, params, 'decoder.conv_norm_out', groups)), params, 'decoder.conv_out');
  return { ...h, d: h.d.map((v) => Math.min(1, Math.max(0, v))) };
}
