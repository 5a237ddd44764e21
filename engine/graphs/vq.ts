// The aMUSEd VQ image tokenizer (diffusers VQModel) as two ONNX graphs, built from vqvae/config.json and the
// weights by their diffusers names. Encoder: pixels → Encoder → quant_conv → nearest codebook entry.
// Decoder: codebook lookup → post_quant_conv → Decoder → clip to [0, 1] → 8-bit pixels (dimoo-inference.md §2).
import { EngineError } from '../api.js';
import { encodeModel, GraphBuilder } from '../onnx/graph.js';
import { type ExternalTensorSource, externalTensor } from '../runtime/external-data.js';

/** The vqvae/config.json fields the graphs depend on (diffusers' own names). */
export interface VqArchitecture {
  block_out_channels: number[];
  layers_per_block: number;
  latent_channels: number;
  vq_embed_dim?: number | null;
  num_vq_embeddings: number;
  norm_num_groups: number;
  norm_type?: string;
  mid_block_add_attention?: boolean;
  in_channels?: number;
  out_channels?: number;
  act_fn?: string;
}

export interface VqWeights {
  /** Absolute checkpoint folder: external data locations are relative to it. */
  checkpointDir: string;
  weight(name: string): ExternalTensorSource;
}

// diffusers builds every ResnetBlock2D and GroupNorm of the VQ model with this epsilon.
const NORM_EPS = 1e-6;

export function vqScaleFactor(arch: VqArchitecture): number {
  return 2 ** (arch.block_out_channels.length - 1);
}

export function embedDim(arch: VqArchitecture): number {
  return arch.vq_embed_dim ?? arch.latent_channels;
}

/** Throws checkpoint_invalid for a configuration these graphs do not implement. */
export function checkVqArchitecture(arch: VqArchitecture): void {
  const bad = (key: string, expected: string) => {
    throw new EngineError(
      'checkpoint_invalid',
      `vqvae/config.json: "${key}" must be ${expected} for this engine (found ${JSON.stringify((arch as unknown as Record<string, unknown>)[key])})`,
      { detail: `vqvae/config.json ${key}` },
    );
  };
  if (arch.norm_type !== undefined && arch.norm_type !== 'group') bad('norm_type', '"group"');
  if (arch.mid_block_add_attention === true) bad('mid_block_add_attention', 'false');
  if (arch.act_fn !== undefined && arch.act_fn !== 'silu') bad('act_fn', '"silu"');
  if ((arch.in_channels ?? 3) !== 3) bad('in_channels', '3');
  if ((arch.out_channels ?? 3) !== 3) bad('out_channels', '3');
  for (const c of arch.block_out_channels)
    if (c % arch.norm_num_groups !== 0) bad('norm_num_groups', 'a divisor of every block_out_channels entry');
}

/** Shared layer vocabulary for both graphs. */
class VqGraph {
  readonly g: GraphBuilder;

  constructor(
    name: string,
    private readonly weights: VqWeights,
    private readonly arch: VqArchitecture,
  ) {
    this.g = new GraphBuilder(name);
  }

  /** A float32 view of a checkpoint tensor (bf16/fp16 weights get a Cast that onnxruntime folds at load). */
  param(name: string): string {
    const source = this.weights.weight(name);
    const init = externalTensor(source, this.weights.checkpointDir);
    const raw = this.g.initializer(name, init);
    return init.dtype === 'float32' ? raw : this.g.op('Cast', [raw], { to: 1 });
  }

  conv(x: string, prefix: string, options: { stride?: number; pad?: number } = {}): string {
    const weight = this.weights.weight(`${prefix}.weight`);
    const kernel = weight.shape[2] ?? 1;
    const pad = options.pad ?? (kernel - 1) / 2;
    return this.g.op('Conv', [x, this.param(`${prefix}.weight`), this.param(`${prefix}.bias`)], {
      kernel_shape: [kernel, kernel],
      strides: [options.stride ?? 1, options.stride ?? 1],
      pads: [pad, pad, pad, pad],
    });
  }

  /** GroupNorm as InstanceNormalization over [N, groups, rest], then the per-channel affine. */
  groupNorm(x: string, prefix: string, channels: number): string {
    const g = this.g;
    const groups = this.arch.norm_num_groups;
    const grouped = g.op('Reshape', [x, g.ints([0, groups, -1])]);
    const ones = g.constant('float32', [groups], new Array(groups).fill(1));
    const zeros = g.constant('float32', [groups], new Array(groups).fill(0));
    const normed = g.op('InstanceNormalization', [grouped, ones, zeros], { epsilon: { float: NORM_EPS } });
    const back = g.op('Reshape', [normed, g.op('Shape', [x])]);
    const gamma = g.op('Reshape', [this.param(`${prefix}.weight`), g.ints([channels, 1, 1])]);
    const beta = g.op('Reshape', [this.param(`${prefix}.bias`), g.ints([channels, 1, 1])]);
    return g.op('Add', [g.op('Mul', [back, gamma]), beta]);
  }

  silu(x: string): string {
    return this.g.op('Mul', [x, this.g.op('Sigmoid', [x])]);
  }

  /** diffusers ResnetBlock2D without time embedding: x + conv2(silu(norm2(conv1(silu(norm1(x)))))). */
  resnet(x: string, prefix: string, inChannels: number, outChannels: number): string {
    let h = this.silu(this.groupNorm(x, `${prefix}.norm1`, inChannels));
    h = this.conv(h, `${prefix}.conv1`);
    h = this.silu(this.groupNorm(h, `${prefix}.norm2`, outChannels));
    h = this.conv(h, `${prefix}.conv2`);
    const shortcut = inChannels === outChannels ? x : this.conv(x, `${prefix}.conv_shortcut`, { pad: 0 });
    return this.g.op('Add', [shortcut, h]);
  }

  midBlock(x: string, prefix: string, channels: number): string {
    const h = this.resnet(x, `${prefix}.resnets.0`, channels, channels);
    return this.resnet(h, `${prefix}.resnets.1`, channels, channels);
  }

  /** Downsample2D with padding 0: pad one row/column at the bottom/right, then a stride-2 3×3 conv. */
  downsample(x: string, prefix: string): string {
    const padded = this.g.op('Pad', [x, this.g.ints([0, 0, 0, 0, 0, 0, 1, 1])], { mode: 'constant' });
    return this.conv(padded, prefix, { stride: 2, pad: 0 });
  }

  /** Upsample2D: nearest-neighbour ×2, then a 3×3 conv. */
  upsample(x: string, prefix: string): string {
    const scales = this.g.constant('float32', [4], [1, 1, 2, 2]);
    const up = this.g.op('Resize', [x, '', scales], {
      mode: 'nearest',
      coordinate_transformation_mode: 'asymmetric',
      nearest_mode: 'floor',
    });
    return this.conv(up, prefix);
  }

  encode(options: VqModelOptions): Uint8Array {
    return encodeModel(this.g, { opset: 18, producer: options.producer });
  }
}

export interface VqModelOptions {
  producer?: string;
}

/** Encoder graph: `pixels [1, H, W, 3] uint8` → `indices [1, H/16 · W/16] int64` in row-major cell order. */
export function buildVqEncoder(
  arch: VqArchitecture,
  weights: VqWeights,
  options: VqModelOptions = {},
): Uint8Array {
  checkVqArchitecture(arch);
  const m = new VqGraph('vq_encoder', weights, arch);
  const g = m.g;
  const channels = arch.block_out_channels;
  const pixels = g.input('pixels', 'uint8', [1, 'height', 'width', 3]);
  // Upstream feeds RGB / 255 in [0, 1] (do_normalize=False), NCHW.
  const scaled = g.op('Div', [g.op('Cast', [pixels], { to: 1 }), g.scalar(255)]);
  let h = m.conv(g.op('Transpose', [scaled], { perm: [0, 3, 1, 2] }), 'encoder.conv_in');
  let inChannels = channels[0] as number;
  channels.forEach((outChannels, i) => {
    for (let j = 0; j < arch.layers_per_block; j++) {
      h = m.resnet(
        h,
        `encoder.down_blocks.${i}.resnets.${j}`,
        j === 0 ? inChannels : outChannels,
        outChannels,
      );
    }
    if (i < channels.length - 1) h = m.downsample(h, `encoder.down_blocks.${i}.downsamplers.0.conv`);
    inChannels = outChannels;
  });
  const top = channels[channels.length - 1] as number;
  h = m.midBlock(h, 'encoder.mid_block', top);
  h = m.conv(m.silu(m.groupNorm(h, 'encoder.conv_norm_out', top)), 'encoder.conv_out');
  const latents = m.conv(h, 'quant_conv', { pad: 0 });
  g.output(latents, 'latents', 'float32', [1, embedDim(arch), 'rows', 'cols']);

  // Nearest codebook entry: argmin ||z − e||² = argmin (||e||² − 2 z·e); ||z||² is the same for every e.
  const codebook = m.param('quantize.embedding.weight');
  const flat = g.op('Reshape', [
    g.op('Transpose', [latents], { perm: [0, 2, 3, 1] }),
    g.ints([-1, embedDim(arch)]),
  ]);
  const dots = g.op('MatMul', [flat, g.op('Transpose', [codebook], { perm: [1, 0] })]);
  const norms = g.op('ReduceSum', [g.op('Mul', [codebook, codebook]), g.ints([1])], { keepdims: 0 });
  const distance = g.op('Sub', [norms, g.op('Mul', [dots, g.scalar(2)])]);
  const indices = g.op('ArgMin', [distance], { axis: 1, keepdims: 0 });
  g.output(g.op('Unsqueeze', [indices, g.ints([0])]), 'indices', 'int64', [1, 'cells']);
  return m.encode(options);
}

/**
 * Decoder graph: `indices [1, rows, cols] int64` → `pixels [1, H, W, 3] uint8` (round(clip(x, 0, 1) · 255), as
 * upstream's postprocess) and, with `floatOutput`, also `image [1, 3, H, W]` float in [0, 1].
 */
export function buildVqDecoder(
  arch: VqArchitecture,
  weights: VqWeights,
  options: VqModelOptions & { floatOutput?: boolean } = {},
): Uint8Array {
  checkVqArchitecture(arch);
  const m = new VqGraph('vq_decoder', weights, arch);
  const g = m.g;
  const channels = arch.block_out_channels;
  const indices = g.input('indices', 'int64', [1, 'rows', 'cols']);
  const quant = g.op('Transpose', [g.op('Gather', [m.param('quantize.embedding.weight'), indices])], {
    perm: [0, 3, 1, 2],
  });
  let h = m.conv(m.conv(quant, 'post_quant_conv', { pad: 0 }), 'decoder.conv_in');
  const reversed = [...channels].reverse();
  h = m.midBlock(h, 'decoder.mid_block', reversed[0] as number);
  let inChannels = reversed[0] as number;
  reversed.forEach((outChannels, i) => {
    for (let j = 0; j < arch.layers_per_block + 1; j++) {
      h = m.resnet(h, `decoder.up_blocks.${i}.resnets.${j}`, j === 0 ? inChannels : outChannels, outChannels);
    }
    if (i < reversed.length - 1) h = m.upsample(h, `decoder.up_blocks.${i}.upsamplers.0.conv`);
    inChannels = outChannels;
  });
  h = m.conv(m.silu(m.groupNorm(h, 'decoder.conv_norm_out', channels[0] as number)), 'decoder.conv_out');
  const image = g.op('Clip', [h, g.scalar(0), g.scalar(1)]);
  if (options.floatOutput) g.output(image, 'image', 'float32', [1, 3, 'height', 'width']);
  const bytes = g.op('Cast', [g.op('Round', [g.op('Mul', [image, g.scalar(255)])])], { to: 2 });
  g.output(g.op('Transpose', [bytes], { perm: [0, 2, 3, 1] }), 'pixels', 'uint8', [1, 'height', 'width', 3]);
  return m.encode(options);
}
