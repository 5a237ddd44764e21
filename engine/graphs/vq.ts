// The image tokenizer (diffusers VQModel, as aMUSEd/DiMOO use it) as two ONNX graphs built from the config and
// the checkpoint's tensor names:
//   encoder: image [1,3,H,W] in [0,1] → Encoder → quant_conv → nearest codebook entry → indices [1, H/s·W/s]
//   decoder: indices [1,h,w] → codebook rows → post_quant_conv → Decoder → clip to [0,1] → image
// Layer structure follows diffusers' Encoder/Decoder with DownEncoderBlock2D/UpDecoderBlock2D, UNetMidBlock2D
// (resnet, optional single-head self-attention, resnet) and ResnetBlock2D without a time embedding (GroupNorm
// eps 1e-6, output scale 1).
// Weights are fp32 math whatever the checkpoint stores (upstream keeps the VQ in fp32): f16/bf16 tensors are
// cast once, which onnxruntime folds at session start.
import { EngineError } from '../api.js';
import { type DType, encodeModel, GraphBuilder } from '../onnx/graph.js';
import { externalDataFor, type WeightRef } from '../runtime/external-data.js';
import type { VqConfig } from './vq-config.js';

export const VQ_OPSET = 21;
const NORM_EPS = 1e-6;

/** How GroupNorm is expressed; 'instance' measured fastest on onnxruntime-node 1.30 CPU (see bench/vq.ts). */
export type GroupNormMode = 'instance' | 'group' | 'reduce';

export interface VqGraphOptions {
  /** Looks a tensor up by its diffusers parameter name (e.g. `encoder.conv_in.weight`). */
  weight: (name: string) => WeightRef;
  /** The folder external-data locations are relative to (see engine/runtime/external-data.ts). */
  folder: string;
  groupNorm?: GroupNormMode;
}

export interface VqEncoderOptions extends VqGraphOptions {
  /** Also return the pre-quantisation latents [1, embedDim, h, w] (for parity checks). */
  latentsOutput?: boolean;
}

export interface VqDecoderOptions extends VqGraphOptions {
  /** 'float': image [1,3,H,W] float32 in [0,1]; 'rgb8': image [1,H,W,3] uint8 = round(x·255), as upstream. */
  output?: 'float' | 'rgb8';
}

const STORED_DTYPE: Record<WeightRef['dtype'], DType> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };

/** Graph-building helpers for the convolutional layers; every weight is checked against its expected shape. */
class ConvNet {
  private readonly mode: GroupNormMode;

  constructor(
    readonly g: GraphBuilder,
    private readonly options: VqGraphOptions,
    private readonly groups: number,
  ) {
    this.mode = options.groupNorm ?? 'instance';
  }

  /** The first of `names` the checkpoint has (diffusers renames old attention weights on load). */
  paramAny(names: readonly string[], shape: readonly number[]): string {
    for (const name of names.slice(1)) {
      try {
        this.options.weight(name);
      } catch {
        continue;
      }
      return this.param(name, shape);
    }
    return this.param(names[0] as string, shape);
  }

  param(name: string, shape: readonly number[]): string {
    const ref = this.options.weight(name);
    if (ref.shape.length !== shape.length || ref.shape.some((d, i) => d !== shape[i])) {
      const message = `${ref.file}: tensor "${name}" has shape [${ref.shape.join(', ')}], expected [${shape.join(', ')}] from vqvae/config.json`;
      throw new EngineError('checkpoint_invalid', message, { detail: message, file: ref.file, tensor: name });
    }
    // A safetensors header may declare any dtype (I32, F64, …); the graph can cast only the float ones.
    const stored = (STORED_DTYPE as Partial<Record<string, DType>>)[ref.dtype];
    if (stored === undefined) {
      const message = `${ref.file}: tensor "${name}" is ${ref.dtype}; the VQ graphs read F32, F16 and BF16`;
      throw new EngineError('checkpoint_invalid', message, { detail: message, file: ref.file, tensor: name });
    }
    const init = this.g.initializer(name, {
      dtype: stored,
      dims: shape,
      external: externalDataFor(ref, this.options.folder),
    });
    return stored === 'float32' ? init : this.g.op('Cast', [init], { to: 1 });
  }

  conv(x: string, name: string, cin: number, cout: number, k: number, stride = 1, pads?: number[]): string {
    const w = this.param(`${name}.weight`, [cout, cin, k, k]);
    const b = this.param(`${name}.bias`, [cout]);
    const p = (k - 1) / 2;
    return this.g.op('Conv', [x, w, b], {
      kernel_shape: [k, k],
      strides: [stride, stride],
      pads: pads ?? [p, p, p, p],
    });
  }

  silu(x: string): string {
    return this.g.op('Mul', [x, this.g.op('Sigmoid', [x])]);
  }

  groupNorm(x: string, name: string, channels: number): string {
    const { g } = this;
    const gamma = this.param(`${name}.weight`, [channels]);
    const beta = this.param(`${name}.bias`, [channels]);
    if (this.mode === 'group') {
      return g.op('GroupNormalization', [x, gamma, beta], {
        epsilon: { float: NORM_EPS },
        num_groups: this.groups,
      });
    }
    const grouped = g.op('Reshape', [x, g.ints([0, this.groups, -1])]);
    let normed: string;
    if (this.mode === 'instance') {
      normed = g.op(
        'InstanceNormalization',
        [
          grouped,
          g.constant('float32', [this.groups], new Array(this.groups).fill(1)),
          g.constant('float32', [this.groups], new Array(this.groups).fill(0)),
        ],
        { epsilon: { float: NORM_EPS } },
      );
    } else {
      const mean = g.op('ReduceMean', [grouped, g.ints([2])], { keepdims: 1 });
      const centred = g.op('Sub', [grouped, mean]);
      const variance = g.op('ReduceMean', [g.op('Mul', [centred, centred]), g.ints([2])], { keepdims: 1 });
      normed = g.op('Div', [centred, g.op('Sqrt', [g.op('Add', [variance, g.scalar(NORM_EPS)])])]);
    }
    const restored = g.op('Reshape', [normed, g.op('Shape', [x])]);
    const perChannel = g.ints([channels, 1, 1]);
    return g.op('Add', [
      g.op('Mul', [restored, g.op('Reshape', [gamma, perChannel])]),
      g.op('Reshape', [beta, perChannel]),
    ]);
  }

  resnet(x: string, name: string, cin: number, cout: number): string {
    let h = this.silu(this.groupNorm(x, `${name}.norm1`, cin));
    h = this.conv(h, `${name}.conv1`, cin, cout, 3);
    h = this.silu(this.groupNorm(h, `${name}.norm2`, cout));
    h = this.conv(h, `${name}.conv2`, cout, cout, 3);
    const shortcut = cin === cout ? x : this.conv(x, `${name}.conv_shortcut`, cin, cout, 1);
    return this.g.op('Add', [shortcut, h]);
  }

  /** diffusers' Attention as UNetMidBlock2D builds it: one head of width C over the h·w cells, residual added. */
  attention(x: string, name: string, channels: number): string {
    const { g } = this;
    const linear = (h: string, current: string, legacy: string) => {
      const w = this.paramAny(
        [`${name}.${current}.weight`, `${name}.${legacy}.weight`],
        [channels, channels],
      );
      const b = this.paramAny([`${name}.${current}.bias`, `${name}.${legacy}.bias`], [channels]);
      return g.op('Gemm', [h, w, b], { transB: 1 });
    };
    const normed = this.groupNorm(x, `${name}.group_norm`, channels);
    const tokens = g.op('Transpose', [g.op('Reshape', [normed, g.ints([channels, -1])])], { perm: [1, 0] });
    const q = linear(tokens, 'to_q', 'query');
    const k = linear(tokens, 'to_k', 'key');
    const v = linear(tokens, 'to_v', 'value');
    const scores = g.op('Mul', [
      g.op('MatMul', [q, g.op('Transpose', [k], { perm: [1, 0] })]),
      g.scalar(1 / Math.sqrt(channels)),
    ]);
    const mixed = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]);
    const out = g.op('Transpose', [linear(mixed, 'to_out.0', 'proj_attn')], { perm: [1, 0] });
    return g.op('Add', [g.op('Reshape', [out, g.op('Shape', [x])]), x]);
  }

  midBlock(x: string, name: string, channels: number, attention: boolean): string {
    let h = this.resnet(x, `${name}.resnets.0`, channels, channels);
    if (attention) h = this.attention(h, `${name}.attentions.0`, channels);
    return this.resnet(h, `${name}.resnets.1`, channels, channels);
  }

  /** conv_norm_out → SiLU → conv_out */
  head(x: string, name: string, cin: number, cout: number): string {
    return this.conv(
      this.silu(this.groupNorm(x, `${name}.conv_norm_out`, cin)),
      `${name}.conv_out`,
      cin,
      cout,
      3,
    );
  }
}

function encoder(net: ConvNet, image: string, config: VqConfig): string {
  const channels = config.blockOutChannels;
  const levels = channels.length;
  let x = net.conv(image, 'encoder.conv_in', config.inChannels, channels[0] as number, 3);
  let cin = channels[0] as number;
  for (let i = 0; i < levels; i++) {
    const cout = channels[i] as number;
    for (let j = 0; j < config.layersPerBlock; j++) {
      x = net.resnet(x, `encoder.down_blocks.${i}.resnets.${j}`, j === 0 ? cin : cout, cout);
    }
    // Downsample2D with padding=0: zero-pad right and bottom by one, then a 3×3 stride-2 conv.
    if (i < levels - 1)
      x = net.conv(x, `encoder.down_blocks.${i}.downsamplers.0.conv`, cout, cout, 3, 2, [0, 0, 1, 1]);
    cin = cout;
  }
  x = net.midBlock(x, 'encoder.mid_block', cin, config.midBlockAttention);
  return net.head(x, 'encoder', cin, config.latentChannels);
}

function decoder(net: ConvNet, latents: string, config: VqConfig): string {
  const { g } = net;
  const reversed = [...config.blockOutChannels].reverse();
  const levels = reversed.length;
  let cin = reversed[0] as number;
  let x = net.conv(latents, 'decoder.conv_in', config.latentChannels, cin, 3);
  x = net.midBlock(x, 'decoder.mid_block', cin, config.midBlockAttention);
  for (let i = 0; i < levels; i++) {
    const cout = reversed[i] as number;
    for (let j = 0; j <= config.layersPerBlock; j++) {
      x = net.resnet(x, `decoder.up_blocks.${i}.resnets.${j}`, j === 0 ? cin : cout, cout);
    }
    if (i < levels - 1) {
      // Upsample2D: nearest ×2 (torch's floor(dst/2) source pixel), then a 3×3 conv.
      x = g.op('Resize', [x, '', g.constant('float32', [4], [1, 1, 2, 2])], {
        mode: 'nearest',
        coordinate_transformation_mode: 'asymmetric',
        nearest_mode: 'floor',
      });
      x = net.conv(x, `decoder.up_blocks.${i}.upsamplers.0.conv`, cout, cout, 3);
    }
    cin = cout;
  }
  return net.head(x, 'decoder', cin, config.outChannels);
}

/** The encoder graph: `image` [1,3,H,W] float32 in [0,1] → `indices` [1, (H/s)·(W/s)] int64, row-major cells. */
export function buildVqEncoder(config: VqConfig, options: VqEncoderOptions): Uint8Array {
  const g = new GraphBuilder('vq_encoder');
  const net = new ConvNet(g, options, config.normGroups);
  const image = g.input('image', 'float32', [1, config.inChannels, 'height', 'width']);
  const d = config.embedDim;
  const latents = net.conv(encoder(net, image, config), 'quant_conv', config.latentChannels, d, 1);

  // Nearest codebook entry by squared Euclidean distance ||z||² − 2 z·e + ||e||², first index on ties.
  const codebook = net.param('quantize.embedding.weight', [config.codebookSize, d]);
  const z = g.op('Transpose', [g.op('Reshape', [latents, g.ints([d, -1])])], { perm: [1, 0] });
  const dot = g.op('MatMul', [z, g.op('Transpose', [codebook], { perm: [1, 0] })]);
  const zz = g.op('ReduceSumSquare', [z, g.ints([1])], { keepdims: 1 });
  const ee = g.op('ReduceSumSquare', [codebook, g.ints([1])], { keepdims: 0 });
  const dist = g.op('Add', [g.op('Sub', [zz, g.op('Mul', [dot, g.scalar(2)])]), ee]);
  const indices = g.op('ArgMin', [dist], { axis: 1, keepdims: 0 });
  g.output(g.op('Unsqueeze', [indices, g.ints([0])]), 'indices', 'int64', [1, 'cells']);
  if (options.latentsOutput) g.output(latents, 'latents', 'float32', [1, d, 'rows', 'cols']);
  return encodeModel(g, { opset: VQ_OPSET });
}

/** The decoder graph: `indices` [1,h,w] int64 → `image` (see VqDecoderOptions.output). */
export function buildVqDecoder(config: VqConfig, options: VqDecoderOptions): Uint8Array {
  const g = new GraphBuilder('vq_decoder');
  const net = new ConvNet(g, options, config.normGroups);
  const indices = g.input('indices', 'int64', [1, 'rows', 'cols']);
  const codebook = net.param('quantize.embedding.weight', [config.codebookSize, config.embedDim]);
  const quant = g.op('Transpose', [g.op('Gather', [codebook, indices], { axis: 0 })], { perm: [0, 3, 1, 2] });
  const latents = net.conv(quant, 'post_quant_conv', config.embedDim, config.latentChannels, 1);
  const image = g.op('Clip', [decoder(net, latents, config), g.scalar(0), g.scalar(1)]);
  if (options.output === 'rgb8') {
    // ONNX Round is half-to-even, like numpy's round in diffusers' postprocess.
    const bytes = g.op('Cast', [g.op('Round', [g.op('Mul', [image, g.scalar(255)])])], { to: 2 });
    g.output(g.op('Transpose', [bytes], { perm: [0, 2, 3, 1] }), 'image', 'uint8', [1, 'height', 'width', 3]);
  } else {
    g.output(image, 'image', 'float32', [1, config.outChannels, 'height', 'width']);
  }
  return encodeModel(g, { opset: VQ_OPSET });
}
