// Writes a random checkpoint in exactly the published Lumina-DiMOO layout (config.json, model safetensors,
// tokenizer.json + tokenizer_config.json, vqvae/config.json + vqvae/diffusion_pytorch_model.safetensors), so the
// real loading and generation paths run without the 16 GB weights. It produces noise, by design.
//   tiny      — a compact layout (dimoo_layout.json), d_model 64, 2 layers: fast tests.
//   small     — compact layout, d_model 512, 8 layers, 8 heads: meaningful timings.
//   dimoo-ids — DiMOO's real special-token ids and 134,548-wide head, d_model 64: the hard-coded-id paths.
//   8b        — the real model's shapes (d_model 4096, 32 layers, 134,548-wide head, the aMUSEd VQ): ~16 GB in
//               bf16, for GPU timings and memory (bench/gpu.ts). Large tensors tile a block of random values, so
//               writing it costs about what the disk takes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIMOO_TOKEN_LAYOUT, LAYOUT_FILE, type TokenLayout } from '../checkpoint/layout.js';
import { type TensorToWrite, toBf16Bytes, writeSafetensors } from '../checkpoint/safetensors.js';
import { makeFolders } from '../folders.js';
import { buildByteLevelBpe } from './bpe-tokenizer.js';
import { mulberry32 } from './mulberry32.js';
import { prepareOutFolder } from './out-folder.js';

export { isGeneratedCheckpoint } from './out-folder.js';

export type Preset = 'tiny' | 'small' | 'dimoo-ids' | '8b';
export const PRESETS: readonly Preset[] = ['tiny', 'small', 'dimoo-ids', '8b'];

export interface MakeTestCheckpointOptions {
  out: string;
  preset: Preset;
  seed?: number;
  dtype?: 'bf16' | 'fp32';
  /**
   * Split the transformer weights over this many shards with an index (default 1: model.safetensors); more than
   * the transformer has tensors gives one shard per tensor.
   */
  shards?: number;
  /**
   * Write into a non-empty folder that holds no earlier generated checkpoint (its weight files are removed
   * first). Without it such a folder is refused (engine/testing/out-folder.ts).
   */
  force?: boolean;
}

interface PresetSpec {
  dModel: number;
  nLayers: number;
  nHeads: number;
  mlpHidden: number;
  merges: number;
  vq: {
    blockOutChannels: number[];
    layersPerBlock: number;
    latent: number;
    codebook: number;
    groups: number;
  };
  dimooIds: boolean;
}

const SPECS: Record<Preset, PresetSpec> = {
  tiny: {
    dModel: 64,
    nLayers: 2,
    nHeads: 4,
    mlpHidden: 160,
    merges: 48,
    vq: { blockOutChannels: [16, 16, 16, 16, 32], layersPerBlock: 1, latent: 8, codebook: 64, groups: 8 },
    dimooIds: false,
  },
  small: {
    dModel: 512,
    nLayers: 8,
    nHeads: 8,
    mlpHidden: 1536,
    merges: 200,
    vq: { blockOutChannels: [32, 32, 64, 64, 64], layersPerBlock: 1, latent: 16, codebook: 256, groups: 16 },
    dimooIds: false,
  },
  'dimoo-ids': {
    dModel: 64,
    nLayers: 2,
    nHeads: 4,
    mlpHidden: 160,
    merges: 48,
    vq: { blockOutChannels: [16, 16, 16, 16, 32], layersPerBlock: 1, latent: 8, codebook: 8192, groups: 8 },
    dimooIds: true,
  },
  '8b': {
    dModel: 4096,
    nLayers: 32,
    nHeads: 32,
    mlpHidden: 12288,
    merges: 200,
    vq: {
      blockOutChannels: [128, 256, 256, 512, 768],
      layersPerBlock: 2,
      latent: 64,
      codebook: 8192,
      groups: 32,
    },
    dimooIds: true,
  },
};

/** Tensors above this many values tile one random block instead of drawing every value (the 8b preset). */
const TILED_ABOVE = 1 << 22;
const TILE = 1 << 20;

/** Chat tags have no fixed ids upstream (the tokenizer assigns them); these are free LLaDA reserved slots. */
const DIMOO_CHAT_TAG_IDS = { '<system>': 126085, '</system>': 126086, '<user>': 126087, '</user>': 126088 };

function compactLayout(
  vocabEnd: number,
  codebook: number,
): { layout: TokenLayout; tags: Record<string, number> } {
  const base = vocabEnd;
  const tags = { '<system>': base, '</system>': base + 1, '<user>': base + 2, '</user>': base + 3 };
  const layout: TokenLayout = {
    mask: base + 4,
    newline: base + 5,
    boi: base + 6,
    eoi: base + 7,
    boa: base + 8,
    eoa: base + 9,
    uncondition: base + 10,
    answerPad: base + 11,
    eos: base + 12,
    bos: base + 13,
    imageCodeOffset: base + 16,
    codebookSize: codebook,
    vocabSize: base + 16 + codebook,
  };
  return { layout, tags };
}

function specialTokens(layout: TokenLayout, tags: Record<string, number>) {
  return [
    ...Object.entries(tags).map(([content, id]) => ({ id, content })),
    { id: layout.mask, content: '<|mdm_mask|>' },
    { id: layout.newline, content: '<|reserved_token_0|>' },
    { id: layout.boi, content: '<IMAGE>' },
    { id: layout.eoi, content: '</IMAGE>' },
    { id: layout.boa, content: '<answer>' },
    { id: layout.eoa, content: '</answer>' },
    { id: layout.uncondition, content: '<uncondition>' },
    { id: layout.answerPad, content: '<|reserved_token_255|>' },
    { id: layout.eos, content: '<|endoftext|>' },
    { id: layout.bos, content: '<|startoftext|>' },
  ];
}

/** Deterministic normal(0, 1) numbers from a seed (mulberry32 + Box–Muller). */
function normals(seed: number): () => number {
  const next = mulberry32(seed);
  // Shifted half a step off 0 so log() never sees it (exact: both terms are multiples of 2^-33).
  const uniform = () => next() + 2 ** -33;
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/**
 * A tensor of `fill(i)` values. A large one (over TILED_ABOVE values) draws one block of TILE values and repeats
 * it from an offset that depends on the name, so 8B-shaped checkpoints are written at disk speed.
 */
function tensor(
  name: string,
  shape: number[],
  fill: (i: number) => number,
  dtype: 'bf16' | 'fp32',
): TensorToWrite {
  const count = shape.reduce((a, b) => a * b, 1);
  const tiled = count > TILED_ABOVE;
  const values = new Float32Array(tiled ? TILE : count);
  for (let i = 0; i < values.length; i++) values[i] = fill(i);
  const unit = dtype === 'bf16' ? toBf16Bytes(values) : new Uint8Array(values.buffer);
  const stored = dtype === 'bf16' ? 'BF16' : 'F32';
  if (!tiled) return { name, dtype: stored, shape, data: unit };
  const width = dtype === 'bf16' ? 2 : 4;
  const data = new Uint8Array(count * width);
  let start = [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % TILE, 7);
  for (let at = 0; at < count; ) {
    const n = Math.min(TILE - start, count - at);
    data.set(unit.subarray(start * width, (start + n) * width), at * width);
    at += n;
    start = (start + 4099) % TILE;
  }
  return { name, dtype: stored, shape, data };
}

function transformerTensors(
  spec: PresetSpec,
  vocab: number,
  random: () => number,
  dtype: 'bf16' | 'fp32',
): TensorToWrite[] {
  const { dModel: d, mlpHidden: h } = spec;
  const p = 'model.transformer';
  const weight = (name: string, shape: number[], std = 0.02) =>
    tensor(name, shape, () => random() * std, dtype);
  const norm = (name: string) => tensor(name, [d], () => 1, dtype);
  const out: TensorToWrite[] = [weight(`${p}.wte.weight`, [vocab, d], 1)];
  for (let i = 0; i < spec.nLayers; i++) {
    const b = `${p}.blocks.${i}`;
    out.push(
      norm(`${b}.attn_norm.weight`),
      weight(`${b}.q_proj.weight`, [d, d], 1 / Math.sqrt(d)),
      weight(`${b}.k_proj.weight`, [d, d], 1 / Math.sqrt(d)),
      weight(`${b}.v_proj.weight`, [d, d], 1 / Math.sqrt(d)),
      weight(`${b}.attn_out.weight`, [d, d], 0.5 / Math.sqrt(d)),
      norm(`${b}.ff_norm.weight`),
      weight(`${b}.ff_proj.weight`, [h, d], 1 / Math.sqrt(d)),
      weight(`${b}.up_proj.weight`, [h, d], 1 / Math.sqrt(d)),
      weight(`${b}.ff_out.weight`, [d, h], 0.5 / Math.sqrt(h)),
    );
  }
  out.push(norm(`${p}.ln_f.weight`), weight(`${p}.ff_out.weight`, [vocab, d], 2 / Math.sqrt(d)));
  return out;
}

/** diffusers VQModel parameters (names and shapes) for a configuration. */
export function vqParameterShapes(vq: PresetSpec['vq']): Array<[string, number[]]> {
  const out: Array<[string, number[]]> = [];
  const conv = (name: string, cout: number, cin: number, k: number) =>
    out.push([`${name}.weight`, [cout, cin, k, k]], [`${name}.bias`, [cout]]);
  const norm = (name: string, c: number) => out.push([`${name}.weight`, [c]], [`${name}.bias`, [c]]);
  const resnet = (name: string, cin: number, cout: number) => {
    norm(`${name}.norm1`, cin);
    conv(`${name}.conv1`, cout, cin, 3);
    norm(`${name}.norm2`, cout);
    conv(`${name}.conv2`, cout, cout, 3);
    if (cin !== cout) conv(`${name}.conv_shortcut`, cout, cin, 1);
  };
  const ch = vq.blockOutChannels;
  const top = ch[ch.length - 1] as number;
  conv('encoder.conv_in', ch[0] as number, 3, 3);
  let prev = ch[0] as number;
  ch.forEach((c, i) => {
    for (let j = 0; j < vq.layersPerBlock; j++)
      resnet(`encoder.down_blocks.${i}.resnets.${j}`, j === 0 ? prev : c, c);
    if (i < ch.length - 1) conv(`encoder.down_blocks.${i}.downsamplers.0.conv`, c, c, 3);
    prev = c;
  });
  resnet('encoder.mid_block.resnets.0', top, top);
  resnet('encoder.mid_block.resnets.1', top, top);
  norm('encoder.conv_norm_out', top);
  conv('encoder.conv_out', vq.latent, top, 3);
  conv('quant_conv', vq.latent, vq.latent, 1);
  out.push(['quantize.embedding.weight', [vq.codebook, vq.latent]]);
  conv('post_quant_conv', vq.latent, vq.latent, 1);
  conv('decoder.conv_in', top, vq.latent, 3);
  resnet('decoder.mid_block.resnets.0', top, top);
  resnet('decoder.mid_block.resnets.1', top, top);
  const reversed = [...ch].reverse();
  prev = reversed[0] as number;
  reversed.forEach((c, i) => {
    for (let j = 0; j < vq.layersPerBlock + 1; j++)
      resnet(`decoder.up_blocks.${i}.resnets.${j}`, j === 0 ? prev : c, c);
    if (i < reversed.length - 1) conv(`decoder.up_blocks.${i}.upsamplers.0.conv`, c, c, 3);
    prev = c;
  });
  norm('decoder.conv_norm_out', ch[0] as number);
  conv('decoder.conv_out', 3, ch[0] as number, 3);
  return out;
}

function vqTensors(vq: PresetSpec['vq'], random: () => number): TensorToWrite[] {
  return vqParameterShapes(vq).map(([name, shape]) => {
    const fanIn = shape.length === 4 ? (shape[1] as number) * (shape[2] as number) * (shape[3] as number) : 1;
    const isNorm = /norm[^.]*\.weight$/.test(name);
    // The last conv is centred on mid-grey so the random decoder's output is an image, not mostly clipped.
    const outBias = name === 'decoder.conv_out.bias' ? 0.5 : 0;
    const scale = name.startsWith('decoder.conv_out') ? 0.5 : 1;
    const fill = name.startsWith('quantize')
      ? () => random()
      : isNorm
        ? () => 1
        : name.endsWith('.bias')
          ? () => outBias + 0.02 * random()
          : () => (scale * random()) / Math.sqrt(fanIn);
    return tensor(name, shape, fill, 'fp32');
  });
}

function vqConfigJson(vq: PresetSpec['vq']) {
  const levels = vq.blockOutChannels.length;
  return {
    _class_name: 'VQModel',
    _diffusers_version: '0.30.0',
    act_fn: 'silu',
    block_out_channels: vq.blockOutChannels,
    down_block_types: new Array(levels).fill('DownEncoderBlock2D'),
    force_upcast: true,
    in_channels: 3,
    latent_channels: vq.latent,
    layers_per_block: vq.layersPerBlock,
    lookup_from_codebook: true,
    mid_block_add_attention: false,
    norm_num_groups: vq.groups,
    norm_type: 'group',
    num_vq_embeddings: vq.codebook,
    out_channels: 3,
    sample_size: 32,
    scaling_factor: 0.18215,
    up_block_types: new Array(levels).fill('UpDecoderBlock2D'),
    vq_embed_dim: null,
  };
}

/**
 * The transformer's weights in `shards` files with an index, or one `model.safetensors`; returns the files written.
 * No shard is empty: there are at most as many as tensors, and the tensors are spread evenly (a ceiling share each
 * left the last shards empty, 20 shards of 21 tensors nine empty files).
 */
function writeModelWeights(out: string, tensors: TensorToWrite[], shards: number): number {
  const count = Math.min(shards, tensors.length);
  if (count <= 1) {
    writeSafetensors(join(out, 'model.safetensors'), tensors);
    return 1;
  }
  const weightMap: Record<string, string> = {};
  const start = (s: number) => Math.floor((s * tensors.length) / count);
  for (let s = 0; s < count; s++) {
    const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(count).padStart(5, '0')}.safetensors`;
    const part = tensors.slice(start(s), start(s + 1));
    for (const t of part) weightMap[t.name] = file;
    writeSafetensors(join(out, file), part);
  }
  const totalSize = tensors.reduce((sum, t) => sum + t.data.byteLength, 0);
  writeFileSync(
    join(out, 'model.safetensors.index.json'),
    JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 2),
  );
  return count;
}

/**
 * Writes the checkpoint and returns its token layout and the transformer's weight files (`shards`, at most its
 * tensor count).
 */
export function makeTestCheckpoint(options: MakeTestCheckpointOptions): {
  dir: string;
  layout: TokenLayout;
  shards: number;
} {
  const spec = SPECS[options.preset];
  const dtype = options.dtype ?? 'fp32';
  const random = normals(options.seed ?? 1);
  prepareOutFolder(options.out, options.force === true);
  makeFolders(join(options.out, 'vqvae'));

  const compact = compactLayout(256 + spec.merges, spec.vq.codebook);
  const { layout, tags } = spec.dimooIds
    ? { layout: { ...DIMOO_TOKEN_LAYOUT }, tags: DIMOO_CHAT_TAG_IDS }
    : compact;
  // config.json first: a run stopped halfway leaves a folder the next run recognises as its own and replaces.
  writeFileSync(
    join(options.out, 'config.json'),
    JSON.stringify(modelConfigJson(spec, layout, dtype, options), null, 2),
  );
  const { json: tokenizer } = buildByteLevelBpe(spec.merges, specialTokens(layout, tags));
  writeFileSync(join(options.out, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(
    join(options.out, 'tokenizer_config.json'),
    JSON.stringify(
      {
        add_bos_token: false,
        add_eos_token: false,
        bos_token: '<|startoftext|>',
        eos_token: '<|endoftext|>',
        pad_token: '<|endoftext|>',
        model_max_length: 1000000,
        tokenizer_class: 'PreTrainedTokenizerFast',
      },
      null,
      2,
    ),
  );
  if (!spec.dimooIds) writeFileSync(join(options.out, LAYOUT_FILE), JSON.stringify(layout, null, 2));
  const shards = writeModelWeights(
    options.out,
    transformerTensors(spec, layout.vocabSize, random, dtype),
    // One shard is one buffer: the 8b preset's 16 GB go in eight (a Node Buffer stops at 4 GiB).
    options.shards ?? (options.preset === '8b' ? 8 : 1),
  );
  writeFileSync(join(options.out, 'vqvae', 'config.json'), JSON.stringify(vqConfigJson(spec.vq), null, 2));
  writeSafetensors(
    join(options.out, 'vqvae', 'diffusion_pytorch_model.safetensors'),
    vqTensors(spec.vq, random),
  );
  return { dir: options.out, layout, shards };
}

function modelConfigJson(
  spec: PresetSpec,
  layout: TokenLayout,
  dtype: 'bf16' | 'fp32',
  options: MakeTestCheckpointOptions,
) {
  return {
    architectures: ['LLaDAForMultiModalGeneration'],
    model_type: 'llada',
    activation_type: 'silu',
    block_type: 'llama',
    layer_norm_type: 'rms',
    include_bias: false,
    include_qkv_bias: false,
    rope: true,
    rope_full_precision: true,
    alibi: false,
    attention_layer_norm: false,
    scale_logits: false,
    input_emb_norm: false,
    weight_tying: false,
    d_model: spec.dModel,
    n_layers: spec.nLayers,
    n_heads: spec.nHeads,
    n_kv_heads: spec.nHeads,
    mlp_hidden_size: spec.mlpHidden,
    mlp_ratio: 4,
    embedding_size: layout.vocabSize,
    vocab_size: layout.vocabSize,
    rope_theta: 500000,
    rms_norm_eps: 1e-5,
    max_sequence_length: 4096,
    mask_token_id: layout.mask,
    eos_token_id: layout.eos,
    pad_token_id: layout.eos,
    torch_dtype: dtype === 'bf16' ? 'bfloat16' : 'float32',
    dimoo_test_checkpoint: { preset: options.preset, seed: options.seed ?? 1 },
  };
}
