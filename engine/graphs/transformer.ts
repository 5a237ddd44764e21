// The LLaDA transformer (dimoo-inference.md §1.1) as ONNX graphs, built from the config's dimensions and the
// checkpoint's tensor names, with the per-step work the host must not do folded in (engine-design §2):
//   trunk:  wte → n × [x += attn_out(attn(rope(q), rope(k), v; key-padding mask)) on RMSNorm(x);
//                      x += ff_out(silu(ff_proj(h)) · up_proj(h)) on RMSNorm(x)] → ln_f
//   image step: hidden gathered at the sampled cells → image rows of the head only → guidance weights over the
//               branches → inverse-CDF sample at temperature τ from one host uniform per cell → code, confidence
//   text step:  hidden gathered at the block's positions → full-vocabulary logits, guidance-combined
// Every computation is fp32 (upstream keeps RMSNorm and RoPE in fp32; bf16/fp16 weights are cast once and
// onnxruntime folds the cast at session start), except with `half`: the linear layers' weights are then held in
// fp16 and their matrix products (and the fused attention) run in fp16, while the residual stream, RMSNorm, RoPE,
// guidance, softmax and sampling stay fp32, so the confidence ranking sees fp32 logits. Branches of one batch may have different lengths: they are
// right-padded and a real key-padding mask keeps padded keys out of every softmax, so a padded batch equals
// separate unpadded runs (upstream ignores its mask, but it also never batches).
// @see ML-GSAI/LLaDA modeling_llada.py: LLaDALlamaBlock, RotaryEmbedding, RMSLayerNorm
import { EngineError } from '../api.js';
import { type DType, encodeModel, GraphBuilder } from '../onnx/graph.js';
import { externalDataFor, type WeightRef } from '../runtime/external-data.js';
import type { QuantizedRef } from '../runtime/quantized-weights.js';

export const TRANSFORMER_OPSET = 21;

/** The transformer's shape, from the checkpoint's config.json (LLaDA keys in brackets). */
export interface TransformerDims {
  dModel: number; // d_model
  nLayers: number; // n_layers
  nHeads: number; // n_heads
  nKvHeads: number; // n_kv_heads
  mlpHidden: number; // mlp_hidden_size
  vocabSize: number; // rows of wte and of the head (embedding_size, else vocab_size)
  ropeTheta: number; // rope_theta
  rmsNormEps: number; // rms_norm_eps
  weightTying: boolean; // weight_tying: the head is wte
}

/**
 * How `x · Wᵀ` is expressed for nn.Linear weights stored [out, in] (default 'gemm': same speed as the others on
 * CPU, and no transposed copy of the weights held next to the originals; bench/transformer.ts):
 * 'transpose': MatMul against a Transpose of the initializer (onnxruntime folds it at load, one extra copy);
 * 'gemm': Gemm with transB on the rows flattened to 2-D; 'fused': com.microsoft FusedMatMul with transB.
 */
export type LinearForm = 'transpose' | 'gemm' | 'fused';

/**
 * onnxruntime's fused forms: `norm` SimplifiedLayerNormalization (RMSNorm), `rope` com.microsoft RotaryEmbedding,
 * `attention` com.microsoft MultiHeadAttention with a key-padding mask (plain MHA only: grouped K/V heads keep the
 * plain form). All on by default: parity-tested like the plain ops, 2–9% faster on CPU (bench/transformer.ts),
 * and on CUDA MultiHeadAttention runs fused kernels instead of materialising [N, H, L, L] scores per layer.
 * Pass `{}` for plain ONNX ops only.
 */
export interface ContribOps {
  norm?: boolean;
  rope?: boolean;
  attention?: boolean;
}

export interface TransformerGraphOptions {
  dims: TransformerDims;
  /** Looks a tensor up by its published name, e.g. `model.transformer.blocks.0.q_proj.weight`. */
  weight: (name: string) => WeightRef;
  /** The folder external-data locations are relative to (engine/runtime/external-data.ts). */
  folder: string;
  linear?: LinearForm;
  contrib?: ContribOps;
  /** fp16 weights and fp16 products for the linear layers and fused attention (the GPU's precision). */
  half?: boolean;
  /**
   * Weight-only quantized blocks: each layer's seven linear weights found here run as com.microsoft MatMulNBits
   * (engine/graphs/quantize.ts); embeddings, norms and the head keep their precision. `accuracyLevel` 4 lets the
   * CPU multiply in int8 (MatMulNBits' accuracy_level).
   */
  quant?: { weights: (name: string) => QuantizedRef | undefined; accuracyLevel?: number };
}

export interface ImageStepGraphOptions extends TransformerGraphOptions {
  /** Head row of VQ code 0 (DiMOO: 126356) and the codebook size K (8192). */
  imageCodeOffset: number;
  codebookSize: number;
  /** Extra output `max_logit [N, L]`: the largest image-slice logit at every position (ML-Cache selection). */
  maxLogitOutput?: boolean;
  /** Extra output `logits [J, M, K]`: the guidance-combined image-slice logits (parity checks only). */
  logitsOutput?: boolean;
}

export interface TextStepGraphOptions extends TransformerGraphOptions {
  /** Return `logits [J, B, V]` (needed to sample at τ > 0); false keeps only best/best_prob (greedy decoding). */
  logitsOutput?: boolean;
}

const PREFIX = 'model.transformer';
const STORED_DTYPE: Record<WeightRef['dtype'], DType> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };
const BYTES: Record<WeightRef['dtype'], number> = { F32: 4, F16: 2, BF16: 2 };
/** Added to the scores of padded keys: exp(−1e9 + s − max) is exactly 0 in float32. */
const MASKED_SCORE = -1e9;

function invalid(detail: string, params: Record<string, string | number> = {}): EngineError {
  return new EngineError('checkpoint_invalid', detail, { detail, ...params });
}

/** Checks the dimensions a graph can be built from; one clear error for the first thing wrong. */
export function validateDims(dims: TransformerDims): void {
  const positive = ['dModel', 'nLayers', 'nHeads', 'nKvHeads', 'mlpHidden', 'vocabSize'] as const;
  for (const key of positive) {
    const v = dims[key];
    if (!Number.isInteger(v) || v <= 0) throw invalid(`config: ${key} must be a positive integer, got ${v}`);
  }
  if (dims.dModel % dims.nHeads !== 0)
    throw invalid(`config: d_model ${dims.dModel} is not a multiple of n_heads ${dims.nHeads}`);
  if ((dims.dModel / dims.nHeads) % 2 !== 0)
    throw invalid(`config: head size ${dims.dModel / dims.nHeads} must be even for rotary embeddings`);
  if (dims.nHeads % dims.nKvHeads !== 0)
    throw invalid(`config: n_heads ${dims.nHeads} is not a multiple of n_kv_heads ${dims.nKvHeads}`);
  if (!(dims.ropeTheta > 0)) throw invalid(`config: rope_theta must be positive, got ${dims.ropeTheta}`);
  if (!(dims.rmsNormEps > 0)) throw invalid(`config: rms_norm_eps must be positive, got ${dims.rmsNormEps}`);
}

export interface RopeTables {
  cos: string;
  sin: string;
}

interface BlockContext {
  tables: RopeTables;
  /** Additive key-padding bias [N, 1, 1, L] (plain attention). */
  bias: string;
  /** Key-padding mask [N, L] int32 (MultiHeadAttention). */
  maskI32: string;
}

/**
 * The graph of the shared trunk; image and text graphs add their heads on top. A graph made with `parent` writes
 * its ops into `g` (a subgraph, e.g. an ONNX Loop body) but takes every weight from the parent's scope.
 */
export class LladaGraph {
  readonly g: GraphBuilder;
  private readonly d: TransformerDims;
  private readonly headSize: number;
  private readonly form: LinearForm;
  private readonly transposed = new Map<string, string>();
  private readonly params = new Map<string, string>();
  private readonly initializers = new Map<string, string>();
  /** Values held in fp16 (`half` matrices), and each fp32 activation's fp16 copy (one Cast per input, not per use). */
  private readonly halfValues = new Set<string>();
  private readonly halfCopies = new Map<string, string>();
  /** Quantized layer weights by the handle `layerMatrix` returned: MatMulNBits' B and scales initializers. */
  private readonly quantized = new Map<string, { b: string; scales: string; ref: QuantizedRef }>();
  private readonly contrib: ContribOps;
  /** Each block's K and V projections before RoPE, in layer order (ML-Cache stores them). */
  readonly kvTaps: Array<{ k: string; v: string }> = [];

  constructor(
    private readonly options: TransformerGraphOptions,
    private readonly parent?: LladaGraph,
    g?: GraphBuilder,
  ) {
    this.g = g ?? new GraphBuilder('llada');
    validateDims(options.dims);
    this.d = options.dims;
    this.headSize = this.d.dModel / this.d.nHeads;
    this.form = options.linear ?? 'gemm';
    this.contrib = { ...(options.contrib ?? { norm: true, rope: true, attention: true }) };
    if (this.d.nKvHeads !== this.d.nHeads) this.contrib.attention = false;
  }

  private ref(name: string, shape: readonly number[]): WeightRef {
    const ref = this.options.weight(name) as WeightRef | undefined;
    if (!ref) throw invalid(`the checkpoint has no tensor "${name}"`, { tensor: name });
    if (ref.shape.length !== shape.length || ref.shape.some((d, i) => d !== shape[i])) {
      throw invalid(
        `${ref.file}: tensor "${name}" has shape [${ref.shape.join(', ')}], expected [${shape.join(', ')}] from config.json`,
        { file: ref.file, tensor: name },
      );
    }
    return ref;
  }

  /** The checkpoint tensor `name` (or some of its rows) as an external initializer in its stored type. */
  private stored(
    name: string,
    shape: readonly number[],
    rows?: { from: number; count: number },
  ): { init: string; dtype: DType } {
    const ref = this.ref(name, shape);
    const external = externalDataFor(ref, this.options.folder);
    let dims = shape;
    let initName = name;
    if (rows) {
      // Rows of a row-major [V, D] matrix are one contiguous byte range: point at the slice only.
      const rowBytes = (shape[1] as number) * BYTES[ref.dtype];
      external.offset += rows.from * rowBytes;
      external.length = rows.count * rowBytes;
      dims = [rows.count, shape[1] as number];
      initName = `${name}[${rows.from}:${rows.from + rows.count}]`;
    }
    const dtype = STORED_DTYPE[ref.dtype];
    // A tied head reads wte again, perhaps in another type: still one initializer.
    let init = this.initializers.get(initName);
    if (!init) {
      init = this.g.initializer(initName, { dtype, dims, external });
      this.initializers.set(initName, init);
    }
    return { init, dtype };
  }

  /** A weight in `want` (fp32 or fp16): one initializer and one cast per tensor and type, however often read. */
  private weightAs(
    want: 'float32' | 'float16',
    name: string,
    shape: readonly number[],
    rows?: { from: number; count: number },
  ): string {
    const key = `${name}|${rows ? `${rows.from}:${rows.count}` : ''}|${want}`;
    const known = this.params.get(key);
    if (known) return known;
    const { init, dtype } = this.stored(name, shape, rows);
    const value = dtype === want ? init : this.g.op('Cast', [init], { to: want === 'float32' ? 1 : 10 });
    this.params.set(key, value);
    if (want === 'float16') this.halfValues.add(value);
    return value;
  }

  /** A weight as an fp32 value: an external initializer, cast when stored as bf16/fp16. */
  param(name: string, shape: readonly number[], rows?: { from: number; count: number }): string {
    if (this.parent) return this.parent.param(name, shape, rows);
    return this.weightAs('float32', name, shape, rows);
  }

  /**
   * A linear layer's weight [out, in]: fp16 under `half` (cast once from what the checkpoint stores, folded at
   * session start), else the fp32 value of `param`.
   */
  matrix(name: string, shape: readonly number[], rows?: { from: number; count: number }): string {
    if (this.parent) return this.parent.matrix(name, shape, rows);
    return this.weightAs(this.options.half ? 'float16' : 'float32', name, shape, rows);
  }

  /** A block's linear weight: quantized when the options hold it, else as `matrix`. */
  layerMatrix(name: string, shape: readonly number[]): string {
    if (this.parent) return this.parent.layerMatrix(name, shape);
    const ref = this.options.quant?.weights(name);
    if (!ref) return this.matrix(name, shape);
    const handle = `quantized:${name}`;
    if (this.quantized.has(handle)) return handle;
    if (ref.n !== shape[0] || ref.k !== shape[1])
      throw invalid(`quantized ${name} is [${ref.n}, ${ref.k}], expected [${shape.join(', ')}]`);
    const { folder } = this.options;
    const b = this.g.initializer(ref.packed.name, {
      dtype: 'uint8',
      dims: ref.packed.shape,
      external: externalDataFor(ref.packed, folder),
    });
    const scales32 = this.g.initializer(ref.scales.name, {
      dtype: 'float32',
      dims: ref.scales.shape,
      external: externalDataFor(ref.scales, folder),
    });
    // MatMulNBits takes its scales in the activations' type.
    const scales = this.options.half ? this.g.op('Cast', [scales32], { to: 10 }) : scales32;
    this.quantized.set(handle, { b, scales, ref });
    return handle;
  }

  private isHalf(value: string): boolean {
    return (this.parent ?? this).halfValues.has(value);
  }

  /** The fp16 copy of an fp32 activation, cast once however many layers read it. */
  toHalf(x: string): string {
    let copy = this.halfCopies.get(x);
    if (!copy) {
      copy = this.g.op('Cast', [x], { to: 10 });
      this.halfCopies.set(x, copy);
    }
    return copy;
  }

  /** `x · Wᵀ` for a weight stored [out, in]; x is [..., in] fp32, and so is the result. */
  linear(x: string, w: string, out: number, inFeatures: number): string {
    const q = (this.parent ?? this).quantized.get(w);
    if (q) {
      const half = this.options.half === true;
      const y = this.g.op(
        'MatMulNBits',
        [half ? this.toHalf(x) : x, q.b, q.scales],
        {
          K: inFeatures,
          N: out,
          bits: q.ref.bits,
          block_size: q.ref.blockSize,
          accuracy_level: this.options.quant?.accuracyLevel ?? 4,
        },
        { domain: 'com.microsoft' },
      );
      return half ? this.g.op('Cast', [y], { to: 1 }) : y;
    }
    if (!this.isHalf(w)) return this.product(x, w, out, inFeatures);
    return this.g.op('Cast', [this.product(this.toHalf(x), w, out, inFeatures)], { to: 1 });
  }

  private product(x: string, w: string, out: number, inFeatures: number): string {
    const { g } = this;
    switch (this.form) {
      case 'transpose': {
        const root = this.parent ?? this;
        let wt = root.transposed.get(w);
        if (!wt) {
          wt = root.g.op('Transpose', [w], { perm: [1, 0] });
          root.transposed.set(w, wt);
        }
        return g.op('MatMul', [x, wt]);
      }
      case 'fused':
        return g.op('FusedMatMul', [x, w], { transB: 1, alpha: { float: 1 } }, { domain: 'com.microsoft' });
      case 'gemm': {
        const flat = g.op('Reshape', [x, g.ints([-1, inFeatures])]);
        const y = g.op('Gemm', [flat, w], { transB: 1 });
        const lead = g.op('Slice', [g.op('Shape', [x]), g.ints([0]), g.ints([-1])]);
        return g.op('Reshape', [y, g.op('Concat', [lead, g.ints([out])], { axis: 0 })]);
      }
    }
  }

  rmsNorm(x: string, weightName: string): string {
    const { g } = this;
    const w = this.param(weightName, [this.d.dModel]);
    if (this.contrib.norm) {
      return g.op('SimplifiedLayerNormalization', [x, w], {
        axis: -1,
        epsilon: { float: this.d.rmsNormEps },
      });
    }
    const variance = g.op('ReduceMean', [g.op('Mul', [x, x]), g.ints([-1])], { keepdims: 1 });
    const inv = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [variance, g.scalar(this.d.rmsNormEps)])])]);
    const norm = g.op('Mul', [x, inv]);
    return g.op('Mul', [norm, w]);
  }

  /**
   * cos and sin for positions 0..L−1 with inv_freq = θ^(−2i/hs): [L, 1, hs] (duplicated over both halves) for the
   * plain form, [L, hs/2] caches for RotaryEmbedding.
   */
  private invFreq(): number[] {
    const hs = this.headSize;
    // float32 at every step, as torch computes 1 / θ^(arange(0, hs, 2).float() / hs).
    const f = Math.fround;
    return Array.from({ length: hs / 2 }, (_, i) => f(1 / f(this.d.ropeTheta ** f((2 * i) / hs))));
  }

  /** Plain-form tables [N, S, 1, hs] for the absolute positions `pos [N, S]` (ML-Cache's selected rows). */
  ropeAt(pos: string): RopeTables {
    const { g } = this;
    const invFreq = this.invFreq();
    const inv = g.constant('float32', [1, 1, this.headSize], [...invFreq, ...invFreq]);
    const at = g.op('Unsqueeze', [
      g.op('Mul', [g.op('Unsqueeze', [g.op('Cast', [pos], { to: 1 }), g.ints([-1])]), inv]),
      g.ints([2]),
    ]);
    return { cos: g.op('Cos', [at]), sin: g.op('Sin', [at]) };
  }

  ropeTables(length: string): RopeTables {
    const { g } = this;
    const hs = this.headSize;
    const invFreq = this.invFreq();
    const pos = g.op('Unsqueeze', [
      g.op('Range', [g.scalar(0), g.op('Cast', [length], { to: 1 }), g.scalar(1)]),
      g.ints([1]),
    ]);
    if (this.contrib.rope) {
      const angles = g.op('Mul', [pos, g.constant('float32', [1, hs / 2], invFreq)]); // [L, hs/2]
      return { cos: g.op('Cos', [angles]), sin: g.op('Sin', [angles]) };
    }
    const inv = g.constant('float32', [1, hs], [...invFreq, ...invFreq]);
    const at = g.op('Unsqueeze', [g.op('Mul', [pos, inv]), g.ints([1])]); // [L, 1, hs]
    return { cos: g.op('Cos', [at]), sin: g.op('Sin', [at]) };
  }

  /** NeoX rotate-half RoPE on x [N, L, heads·hs]: x·cos + cat(−x₂, x₁)·sin per head; → [N, L, heads, hs]. */
  rope(flat: string, heads: number, tables: RopeTables): string {
    const { g } = this;
    const shape = g.ints([0, 0, heads, this.headSize]);
    if (this.contrib.rope) {
      const rotated = g.op(
        'RotaryEmbedding',
        [flat, g.constant('int64', [1], [0n]), tables.cos, tables.sin],
        { interleaved: 0, num_heads: heads },
        { domain: 'com.microsoft' },
      );
      return g.op('Reshape', [rotated, shape]);
    }
    const x = g.op('Reshape', [flat, shape]);
    const half = this.headSize / 2;
    const [x1, x2] = g.node('Split', [x, g.ints([half, half])], { axis: -1 }, { outputs: 2 }) as [
      string,
      string,
    ];
    const rotated = g.op('Concat', [g.op('Neg', [x2]), x1], { axis: -1 });
    return g.op('Add', [g.op('Mul', [x, tables.cos]), g.op('Mul', [rotated, tables.sin])]);
  }

  /** Bidirectional multi-head attention with grouped K/V heads and an additive key-padding bias. */
  attention(q: string, k: string, v: string, bias: string): string {
    const { g } = this;
    const { nHeads, nKvHeads, dModel } = this.d;
    const hs = this.headSize;
    const rep = nHeads / nKvHeads;
    const scale = g.scalar(1 / Math.sqrt(hs));
    let qh = g.op('Transpose', [q], { perm: [0, 2, 1, 3] }); // [N, H, L, hs]
    let kh = g.op('Transpose', [k], { perm: [0, 2, 3, 1] }); // [N, Hkv, hs, L]
    let vh = g.op('Transpose', [v], { perm: [0, 2, 1, 3] }); // [N, Hkv, L, hs]
    let maskBias = bias; // [N, 1, 1, L]
    if (rep > 1) {
      // Query head h uses K/V head ⌊h / rep⌋ (upstream repeat_interleave): group the queries, broadcast K/V.
      qh = g.op('Reshape', [qh, g.ints([0, nKvHeads, rep, -1, hs])]);
      kh = g.op('Unsqueeze', [kh, g.ints([2])]);
      vh = g.op('Unsqueeze', [vh, g.ints([2])]);
      maskBias = g.op('Unsqueeze', [bias, g.ints([1])]);
    }
    const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [qh, kh]), scale]), maskBias]);
    let att = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), vh]);
    if (rep > 1) att = g.op('Reshape', [att, g.ints([0, nHeads, -1, hs])]);
    const merged = g.op('Transpose', [att], { perm: [0, 2, 1, 3] });
    return g.op('Reshape', [merged, g.ints([0, 0, dModel])]);
  }

  /** MultiHeadAttention on [N, L, D] rows with the int32 key-padding mask [N, L]. */
  fusedAttention(q: string, k: string, v: string, mask: string): string {
    const half = this.options.half === true;
    const input = (x: string) => (half ? this.toHalf(x) : x);
    const att = this.g.op(
      'MultiHeadAttention',
      [input(q), input(k), input(v), '', mask],
      { num_heads: this.d.nHeads, scale: { float: 1 / Math.sqrt(this.headSize) } },
      { domain: 'com.microsoft' },
    );
    return half ? this.g.op('Cast', [att], { to: 1 }) : att;
  }

  /** Block i's attention inputs on RMSNorm(x): q [.., D], k and v [.., kv] (before RoPE). */
  private projectQkv(x: string, i: number): { q: string; k: string; v: string } {
    const { dModel: D, nKvHeads } = this.d;
    const p = `${PREFIX}.blocks.${i}`;
    const kvWidth = nKvHeads * this.headSize;
    const h = this.rmsNorm(x, `${p}.attn_norm.weight`);
    return {
      q: this.linear(h, this.layerMatrix(`${p}.q_proj.weight`, [D, D]), D, D),
      k: this.linear(h, this.layerMatrix(`${p}.k_proj.weight`, [kvWidth, D]), kvWidth, D),
      v: this.linear(h, this.layerMatrix(`${p}.v_proj.weight`, [kvWidth, D]), kvWidth, D),
    };
  }

  block(x: string, i: number, ctx: BlockContext): string {
    const { g } = this;
    const { dModel: D, nHeads, nKvHeads } = this.d;
    const hs = this.headSize;
    const { q, k, v } = this.projectQkv(x, i);
    this.kvTaps.push({ k, v });
    const qr = this.rope(q, nHeads, ctx.tables);
    const kr = this.rope(k, nKvHeads, ctx.tables);
    const att = this.contrib.attention
      ? this.fusedAttention(
          g.op('Reshape', [qr, g.ints([0, 0, D])]),
          g.op('Reshape', [kr, g.ints([0, 0, D])]),
          v,
          ctx.maskI32,
        )
      : this.attention(qr, kr, g.op('Reshape', [v, g.ints([0, 0, nKvHeads, hs])]), ctx.bias);
    return this.blockTail(x, att, i);
  }

  /**
   * An ML-Cache block on the selected rows only (dimoo-inference.md §4.4): their K/V are written into the
   * caches at `pos`, queries get RoPE at their absolute positions and attend to every cached key.
   */
  cachedBlock(
    x: string,
    i: number,
    c: {
      pos: string;
      qTables: RopeTables;
      kTables: RopeTables;
      bias: string;
      kCache: string;
      vCache: string;
    },
  ): { x: string; k: string; v: string; kAll: string; vAll: string } {
    const { g } = this;
    const { nHeads, nKvHeads } = this.d;
    const hs = this.headSize;
    const { q, k, v } = this.projectQkv(x, i);
    const at = g.op('Expand', [g.op('Unsqueeze', [c.pos, g.ints([-1])]), g.op('Shape', [k])]);
    const kAll = g.op('ScatterElements', [c.kCache, at, k], { axis: 1 });
    const vAll = g.op('ScatterElements', [c.vCache, at, v], { axis: 1 });
    const att = this.attention(
      this.rope(q, nHeads, c.qTables),
      this.rope(kAll, nKvHeads, c.kTables),
      g.op('Reshape', [vAll, g.ints([0, 0, nKvHeads, hs])]),
      c.bias,
    );
    return { x: this.blockTail(x, att, i), k, v, kAll, vAll };
  }

  /** Attention output projection, residual, and the SwiGLU MLP with its residual. */
  private blockTail(x: string, att: string, i: number): string {
    const { g } = this;
    const { dModel: D, mlpHidden } = this.d;
    const p = `${PREFIX}.blocks.${i}`;
    const x1 = g.op('Add', [x, this.linear(att, this.layerMatrix(`${p}.attn_out.weight`, [D, D]), D, D)]);
    const h2 = this.rmsNorm(x1, `${p}.ff_norm.weight`);
    const gate = this.linear(h2, this.layerMatrix(`${p}.ff_proj.weight`, [mlpHidden, D]), mlpHidden, D);
    const up = this.linear(h2, this.layerMatrix(`${p}.up_proj.weight`, [mlpHidden, D]), mlpHidden, D);
    const act = g.op('Mul', [g.op('Mul', [gate, g.op('Sigmoid', [gate])]), up]);
    const down = this.linear(act, this.layerMatrix(`${p}.ff_out.weight`, [D, mlpHidden]), D, mlpHidden);
    return g.op('Add', [x1, down]);
  }

  /** Inputs `ids [N, L]`, `attn_mask [N, L]`; returns the final normed hidden states [N, L, D]. */
  trunk(): string {
    const { g } = this;
    const { dModel: D, vocabSize: V, nLayers } = this.d;
    const ids = g.input('ids', 'int64', ['N', 'L']);
    const mask = g.input('attn_mask', 'int64', ['N', 'L']);
    const length = g.op('Slice', [g.op('Shape', [ids]), g.ints([1]), g.ints([2])]);
    const tables = this.ropeTables(g.op('Squeeze', [length, g.ints([0])]));
    const missing = g.op('Sub', [g.scalar(1), g.op('Cast', [mask], { to: 1 })]);
    const bias = g.op('Unsqueeze', [g.op('Mul', [missing, g.scalar(MASKED_SCORE)]), g.ints([1, 2])]);
    const ctx: BlockContext = { tables, bias, maskI32: g.op('Cast', [mask], { to: 6 }) };
    let x = g.op('Gather', [this.param(`${PREFIX}.wte.weight`, [V, D]), ids], { axis: 0 });
    for (let i = 0; i < nLayers; i++) x = this.block(x, i, ctx);
    return this.rmsNorm(x, `${PREFIX}.ln_f.weight`);
  }

  headName(): string {
    return this.d.weightTying ? `${PREFIX}.wte.weight` : `${PREFIX}.ff_out.weight`;
  }

  /** hidden [N, L, D] at `pos [N, P]` → [N, P, D]. */
  gatherRows(hidden: string, pos: string): string {
    const { g } = this;
    return g.op('GatherND', [hidden, g.op('Unsqueeze', [pos, g.ints([-1])])], { batch_dims: 1 });
  }

  /** Σ_g w[j, g] · x[j·G + g] for x [N, P, C] and `w [J, G]` → [J, P, C]. */
  combineBranches(x: string, branchW: string, width: number): string {
    const { g } = this;
    const grouped = g.op('Reshape', [
      x,
      g.op('Concat', [g.op('Shape', [branchW]), g.ints([-1, width])], { axis: 0 }),
    ]);
    const w = g.op('Unsqueeze', [branchW, g.ints([2, 3])]);
    return g.op('ReduceSum', [g.op('Mul', [grouped, w]), g.ints([1])], { keepdims: 0 });
  }

  /** softmax(logits)[index] along the last axis, for logits [J, P, C] and index [J, P] int64 → [J, P]. */
  softmaxAt(logits: string, index: string): string {
    const { g } = this;
    const p = g.op('Softmax', [logits], { axis: -1 });
    const at = g.op('GatherElements', [p, g.op('Unsqueeze', [index, g.ints([-1])])], { axis: -1 });
    return g.op('Squeeze', [at, g.ints([-1])]);
  }

  /**
   * Guidance and sampling of the image cells: the branches' image-slice logits `cells [N, M, K]` combined with
   * `branchW [J, G]`, then an inverse-CDF sample of softmax(logits/τ) from one uniform per cell (`noise [J, M]`,
   * argmax at τ = 0) → `codes`, `probs` = softmax(logits)[code] (no temperature, as upstream), `best` = argmax.
   */
  sampleCells(
    cells: string,
    branchW: string,
    temperature: string,
    noise: string,
    K: number,
  ): { logits: string; codes: string; probs: string; best: string } {
    const { g } = this;
    const logits = this.combineBranches(cells, branchW, K); // [J, M, K]
    const best = g.op('ArgMax', [logits], { axis: -1, keepdims: 0 });
    // Inverse CDF: the first code whose cumulative mass exceeds u·total (comparing against the row's own total
    // keeps a pick even when float rounding leaves the sum a hair below 1).
    const tau = g.op('Unsqueeze', [temperature, g.ints([1, 2])]); // [J, 1, 1]
    const greedy = g.op('Equal', [tau, g.scalar(0)]);
    const safeTau = g.op('Where', [greedy, g.scalar(1), tau]);
    const tempered = g.op('Softmax', [g.op('Div', [logits, safeTau])], { axis: -1 });
    const cdf = g.op('CumSum', [tempered, g.constant('int32', [], [-1])]);
    const total = g.op('Slice', [cdf, g.ints([-1]), g.ints([2 ** 31 - 1]), g.ints([-1])]); // [J, M, 1]
    const target = g.op('Mul', [g.op('Unsqueeze', [noise, g.ints([-1])]), total]);
    const crossed = g.op('Cast', [g.op('Greater', [cdf, target])], { to: 6 });
    const sampled = g.op('ArgMax', [crossed], { axis: -1, keepdims: 0 }); // first crossing
    const codes = g.op('Where', [g.op('Squeeze', [greedy, g.ints([2])]), best, sampled]);
    return { logits, codes, probs: this.softmaxAt(logits, codes), best };
  }
}

/**
 * One image sampling step for J jobs × G guidance branches (N = J·G rows, branch g of job j at row j·G + g).
 * Inputs: `ids [N, L] int64`, `attn_mask [N, L] int64` (1 = real token, right padding), `gather_pos [N, M] int64`
 * (the sampled cells of each branch), `branch_w [J, G] float` (T2I CFG [1+s, −s]; I2I [1+a+b, −a, −b]; none [1]),
 * `temperature [J] float`, `noise [J, M] float` uniforms in (0, 1).
 * Outputs: `codes [J, M] int64` (inverse-CDF sample of softmax(logits/τ), argmax at τ = 0), `probs [J, M]`
 * (softmax(logits)[code], no temperature, as upstream), `best [J, M] int64` (argmax, for previews), and the
 * optional `max_logit [N, L]` / `logits [J, M, K]`.
 */
export function buildImageStepGraph(options: ImageStepGraphOptions): Uint8Array {
  const m = new LladaGraph(options);
  const { g } = m;
  const { dModel: D, vocabSize: V } = options.dims;
  const { imageCodeOffset: offset, codebookSize: K } = options;
  if (!Number.isInteger(offset) || !Number.isInteger(K) || offset < 0 || K <= 0 || offset + K > V) {
    throw invalid(`image codes [${offset}, ${offset + K}) do not fit in the head's ${V} rows`);
  }
  const hidden = m.trunk();
  const gatherPos = g.input('gather_pos', 'int64', ['N', 'M']);
  const branchW = g.input('branch_w', 'float32', ['J', 'G']);
  const temperature = g.input('temperature', 'float32', ['J']);
  const noise = g.input('noise', 'float32', ['J', 'M']);

  const head = m.matrix(m.headName(), [V, D], { from: offset, count: K });
  const cellLogits = m.linear(m.gatherRows(hidden, gatherPos), head, K, D); // [N, M, K]
  const { logits, codes, probs, best } = m.sampleCells(cellLogits, branchW, temperature, noise, K);

  g.output(codes, 'codes', 'int64', ['J', 'M']);
  g.output(probs, 'probs', 'float32', ['J', 'M']);
  g.output(best, 'best', 'int64', ['J', 'M']);
  if (options.maxLogitOutput) {
    const all = m.linear(hidden, head, K, D); // [N, L, K]
    g.output(g.op('ReduceMax', [all, g.ints([-1])], { keepdims: 0 }), 'max_logit', 'float32', ['N', 'L']);
  }
  if (options.logitsOutput) g.output(logits, 'logits', 'float32', ['J', 'M', K]);
  return encodeModel(g, { opset: TRANSFORMER_OPSET, domains: { 'com.microsoft': 1 } });
}

/**
 * One understanding step: `ids`, `attn_mask` as above, `gather_pos [N, B] int64` (the block's positions),
 * `branch_w [J, G]`. Outputs `logits [J, B, V]` (full vocabulary, guidance-combined; the host samples at τ > 0;
 * left out with `logitsOutput: false`), and `best [J, B] int64` with `best_prob [J, B]` = softmax(logits)[best]
 * (float32 here; upstream takes this softmax in float64), which is all the host needs at τ = 0.
 */
export function buildTextStepGraph(options: TextStepGraphOptions): Uint8Array {
  const m = new LladaGraph(options);
  const { g } = m;
  const { dModel: D, vocabSize: V } = options.dims;
  const hidden = m.trunk();
  const gatherPos = g.input('gather_pos', 'int64', ['N', 'B']);
  const branchW = g.input('branch_w', 'float32', ['J', 'G']);
  const head = m.matrix(m.headName(), [V, D]);
  const logits = m.combineBranches(m.linear(m.gatherRows(hidden, gatherPos), head, V, D), branchW, V);
  const best = g.op('ArgMax', [logits], { axis: -1, keepdims: 0 });
  const prob = m.softmaxAt(logits, best);
  if (options.logitsOutput ?? true) g.output(logits, 'logits', 'float32', ['J', 'B', V]);
  g.output(best, 'best', 'int64', ['J', 'B']);
  g.output(prob, 'best_prob', 'float32', ['J', 'B']);
  return encodeModel(g, { opset: TRANSFORMER_OPSET, domains: { 'com.microsoft': 1 } });
}

export function imageHead(m: LladaGraph, options: ImageStepGraphOptions): string {
  const { dModel: D, vocabSize: V } = options.dims;
  const { imageCodeOffset: offset, codebookSize: K } = options;
  if (!Number.isInteger(offset) || !Number.isInteger(K) || offset < 0 || K <= 0 || offset + K > V) {
    throw invalid(`image codes [${offset}, ${offset + K}) do not fit in the head's ${V} rows`);
  }
  return m.matrix(m.headName(), [V, D], { from: offset, count: K });
}

/**
 * ML-Cache full step (dimoo-inference.md §4.4): a normal forward over `ids [N, L]`, `attn_mask [N, L]` returning
 * what the caches hold: `image_logits [N, L, K]` at every position and each layer's pre-RoPE `k_<i>`, `v_<i>`
 * `[N, L, kv]`. Guidance, sampling and the max-logit selection run on the host over the (partly stale) logits.
 */
export function buildMlCacheFullGraph(options: ImageStepGraphOptions): Uint8Array {
  const m = new LladaGraph({ ...options, contrib: {} });
  const { g } = m;
  const { dModel: D } = options.dims;
  const K = options.codebookSize;
  const head = imageHead(m, options);
  const hidden = m.trunk();
  g.output(m.linear(hidden, head, K, D), 'image_logits', 'float32', ['N', 'L', K]);
  const kv = options.dims.nKvHeads * (D / options.dims.nHeads);
  m.kvTaps.forEach(({ k, v }, i) => {
    g.output(k, `k_${i}`, 'float32', ['N', 'L', kv]);
    g.output(v, `v_${i}`, 'float32', ['N', 'L', kv]);
  });
  return encodeModel(g, { opset: TRANSFORMER_OPSET, domains: { 'com.microsoft': 1 } });
}

/** The additive key-padding bias [N, 1, 1, L] from `mask [N, L]` (1 = real token). */
export function keyPaddingBias(m: LladaGraph, mask: string): string {
  const { g } = m;
  const missing = g.op('Sub', [g.scalar(1), g.op('Cast', [mask], { to: 1 })]);
  return g.op('Unsqueeze', [g.op('Mul', [missing, g.scalar(MASKED_SCORE)]), g.ints([1, 2])]);
}

/**
 * ML-Cache's cached forward (dimoo-inference.md §4.4): the rows `ids [N, S]` at positions `pos [N, S]` through
 * every layer against `caches` (pre-RoPE K/V [N, L, kv] per layer; `kTables` RoPE for positions 0…L−1) →
 * their image-slice logits [N, S, K] and, per layer, their new K/V rows and the caches with those rows written.
 */
export function cachedRows(
  m: LladaGraph,
  options: ImageStepGraphOptions,
  v: {
    ids: string;
    pos: string;
    kTables: RopeTables;
    bias: string;
    caches: ReadonlyArray<{ k: string; v: string }>;
  },
) {
  const { g } = m;
  const { dModel: D, vocabSize: V, nLayers } = options.dims;
  const K = options.codebookSize;
  const head = imageHead(m, options);
  const qTables = m.ropeAt(v.pos);
  let x = g.op('Gather', [m.param(`${PREFIX}.wte.weight`, [V, D]), v.ids], { axis: 0 });
  const layers: Array<{ k: string; v: string; kAll: string; vAll: string }> = [];
  for (let i = 0; i < nLayers; i++) {
    const cache = v.caches[i]!;
    const out = m.cachedBlock(x, i, {
      pos: v.pos,
      qTables,
      kTables: v.kTables,
      bias: v.bias,
      kCache: cache.k,
      vCache: cache.v,
    });
    x = out.x;
    layers.push(out);
  }
  const hidden = m.rmsNorm(x, `${PREFIX}.ln_f.weight`);
  return { logits: m.linear(hidden, head, K, D), layers };
}

/** The cached forward shared by both ML-Cache step graphs, over graph inputs. */
function cachedForward(m: LladaGraph, options: ImageStepGraphOptions) {
  const { g } = m;
  const { dModel: D, nLayers, nKvHeads, nHeads } = options.dims;
  const K = options.codebookSize;
  const kv = nKvHeads * (D / nHeads);
  const ids = g.input('ids', 'int64', ['N', 'S']);
  const pos = g.input('pos', 'int64', ['N', 'S']);
  const mask = g.input('attn_mask', 'int64', ['N', 'L']);
  const length = g.op('Squeeze', [
    g.op('Slice', [g.op('Shape', [mask]), g.ints([1]), g.ints([2])]),
    g.ints([0]),
  ]);
  const caches = Array.from({ length: nLayers }, (_, i) => ({
    k: g.input(`k_cache_${i}`, 'float32', ['N', 'L', kv]),
    v: g.input(`v_cache_${i}`, 'float32', ['N', 'L', kv]),
  }));
  const { logits, layers } = cachedRows(m, options, {
    ids,
    pos,
    kTables: m.ropeTables(length),
    bias: keyPaddingBias(m, mask),
    caches,
  });
  return { logits, layers, pos, kv, K };
}

/**
 * ML-Cache cached step: only the selected rows `ids [N, S]` at absolute positions `pos [N, S]` run through the
 * network; per layer their K/V are written into `k_cache_<i>`, `v_cache_<i>` `[N, L, kv]` (pre-RoPE) and their
 * queries attend to all L keys (`attn_mask [N, L]`). Outputs `image_logits [N, S, K]` and the rows' new
 * `k_<i>`, `v_<i>` `[N, S, kv]` for the host to write into its caches.
 */
export function buildMlCacheStepGraph(options: ImageStepGraphOptions): Uint8Array {
  const m = new LladaGraph({ ...options, contrib: {} });
  const { g } = m;
  const { logits, layers, kv, K } = cachedForward(m, options);
  layers.forEach(({ k, v }, i) => {
    g.output(k, `k_${i}`, 'float32', ['N', 'S', kv]);
    g.output(v, `v_${i}`, 'float32', ['N', 'S', kv]);
  });
  g.output(logits, 'image_logits', 'float32', ['N', 'S', K]);
  return encodeModel(g, { opset: TRANSFORMER_OPSET, domains: { 'com.microsoft': 1 } });
}

/**
 * The state-in-graph head shared by both in-graph ML-Cache graphs: from the updated logit cache `cache [N, L, K]`
 * it gathers the masked cells (`gather_pos [N, M]`), combines the branches (`branch_w [J, G]`) and samples
 * (`temperature [J]`, `noise [J, M]`) exactly as the image-step graph → `codes`, `probs`, `best` `[J, M]`, plus
 * `max_logit [N, L]` for the host's quantile selection, and hands every cache back as `new_<input name>`.
 */
function stateOutputs(
  m: LladaGraph,
  K: number,
  kv: number,
  cache: string,
  layers: ReadonlyArray<{ k: string; v: string }>,
): Uint8Array {
  const { g } = m;
  const gatherPos = g.input('gather_pos', 'int64', ['N', 'M']);
  const branchW = g.input('branch_w', 'float32', ['J', 'G']);
  const temperature = g.input('temperature', 'float32', ['J']);
  const noise = g.input('noise', 'float32', ['J', 'M']);
  const sampled = m.sampleCells(m.gatherRows(cache, gatherPos), branchW, temperature, noise, K);
  g.output(sampled.codes, 'codes', 'int64', ['J', 'M']);
  g.output(sampled.probs, 'probs', 'float32', ['J', 'M']);
  g.output(sampled.best, 'best', 'int64', ['J', 'M']);
  g.output(g.op('ReduceMax', [cache, g.ints([-1])], { keepdims: 0 }), 'max_logit', 'float32', ['N', 'L']);
  g.output(cache, 'new_logit_cache', 'float32', ['N', 'L', K]);
  layers.forEach(({ k, v }, i) => {
    g.output(k, `new_k_cache_${i}`, 'float32', ['N', 'L', kv]);
    g.output(v, `new_v_cache_${i}`, 'float32', ['N', 'L', kv]);
  });
  return encodeModel(g, { opset: TRANSFORMER_OPSET, domains: { 'com.microsoft': 1 } });
}

/**
 * ML-Cache full step with the state kept in the graph's hands (engine-design §3): the full forward of
 * `buildMlCacheFullGraph`, plus the in-graph head of `stateOutputs`. The host feeds the `new_*` outputs back
 * unread as the cached step's `logit_cache`, `k_cache_<i>`, `v_cache_<i>`.
 */
export function buildMlCacheStateFullGraph(options: ImageStepGraphOptions): Uint8Array {
  const m = new LladaGraph({ ...options, contrib: {} });
  const { dModel: D, nKvHeads, nHeads } = options.dims;
  const K = options.codebookSize;
  const head = imageHead(m, options);
  const hidden = m.trunk();
  return stateOutputs(m, K, nKvHeads * (D / nHeads), m.linear(hidden, head, K, D), m.kvTaps);
}

/**
 * ML-Cache cached step with the state in the graph: the cached forward of `buildMlCacheStepGraph`, whose
 * scattered K/V caches and the logit cache `logit_cache [N, L, K]` with the selected rows' new logits scattered
 * in become outputs, plus the in-graph head of `stateOutputs`.
 */
export function buildMlCacheStateStepGraph(options: ImageStepGraphOptions): Uint8Array {
  const m = new LladaGraph({ ...options, contrib: {} });
  const { g } = m;
  const { logits, layers, pos, kv, K } = cachedForward(m, options);
  const logitCache = g.input('logit_cache', 'float32', ['N', 'L', K]);
  const at = g.op('Expand', [g.op('Unsqueeze', [pos, g.ints([-1])]), g.op('Shape', [logits])]);
  const cache = g.op('ScatterElements', [logitCache, at, logits], { axis: 1 });
  return stateOutputs(
    m,
    K,
    kv,
    cache,
    layers.map(({ kAll, vAll }) => ({ k: kAll, v: vAll })),
  );
}
