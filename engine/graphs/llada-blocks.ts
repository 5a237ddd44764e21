// The transformer's blocks on top of its weights: RMSNorm, rotary embeddings, attention (plain with grouped K/V
// heads, or onnxruntime's fused MultiHeadAttention), the SwiGLU MLP, the ML-Cache block over selected rows, and
// the trunk from token ids to the final normed hidden states.
import { LladaWeights } from './llada-weights.js';
import {
  KEY_MASK_BIAS,
  KEY_MASK_DIMS,
  MASKED_SCORE,
  MLP_SCALE_INPUT,
  PREFIX,
  type RopeTables,
} from './transformer-options.js';

/** How one graph's attention keeps padded keys out, in the form its attention takes (LladaBlocks.keyMask). */
export type KeyMask =
  /** Plain attention: the additive bias [N, 1, 1, L]. */
  | { form: 'bias'; bias: string }
  /** MultiHeadAttention's key_padding_mask [N, L] int32. */
  | { form: 'input'; maskI32: string }
  /** MultiHeadAttention's key lengths [N] int32 (rows are right-padded). */
  | { form: 'lengths'; lengths: string }
  /** The keys' extra head dims [N, L, 1, KEY_MASK_DIMS]: the bias in the first, zeros after. */
  | { form: 'heads'; keyExtra: string };

interface BlockContext {
  tables: RopeTables;
  keys: KeyMask;
}

export class LladaBlocks extends LladaWeights {
  /**
   * Each block's keys after RoPE and values, in layer order, in the activation type: what the ML-Cache graphs
   * cache (kvCaches). Rotated keys depend only on their own position, so a cached step rotates
   * just the rows it recomputes (upstream caches keys before RoPE and rotates all L every step: the same values).
   */
  private readonly rotatedKeys: Array<{ k4: string; v: string }> = [];

  /** The additive key-padding bias [N, 1, 1, L] from `mask [N, L]` (1 = real token). */
  keyPaddingBias(mask: string): string {
    const { g } = this;
    const missing = g.op('Sub', [g.scalar(1), g.op('Cast', [mask], { to: 1 })]);
    return g.op('Unsqueeze', [g.op('Mul', [missing, g.scalar(MASKED_SCORE)]), g.ints([1, 2])]);
  }

  /** Every block's rotated keys [N, L, kv] and values, in the activation type (the ML-Cache graphs' caches). */
  kvCaches(): Array<{ k: string; v: string }> {
    const { g } = this;
    const flat = (k4: string) => {
      const k = g.op('Reshape', [k4, g.ints([0, 0, -1])]);
      return this.isHalf(k4) ? this.halfValue(k) : k;
    };
    return this.rotatedKeys.map(({ k4, v }) => ({ k: flat(k4), v }));
  }

  /** The key mask of `mask [N, L]` (1 = real token) in the form this graph's attention takes. */
  keyMask(mask: string): KeyMask {
    const { g } = this;
    if (!this.contrib.attention) return { form: 'bias', bias: this.keyPaddingBias(mask) };
    if (this.contrib.attentionMask !== 'heads')
      return { form: 'input', maskI32: g.op('Cast', [mask], { to: 6 }) };
    const missing = g.op('Sub', [g.scalar(1), g.op('Cast', [mask], { to: 1 })]);
    const bias = g.op('Mul', [missing, g.scalar(KEY_MASK_BIAS)]);
    const first = Array.from({ length: KEY_MASK_DIMS }, (_, i) => (i === 0 ? 1 : 0));
    const extra = g.op('Mul', [
      g.op('Unsqueeze', [bias, g.ints([2, 3])]),
      g.constant('float32', [1, 1, 1, KEY_MASK_DIMS], first),
    ]);
    return { form: 'heads', keyExtra: this.options.half ? this.toHalf(extra) : extra };
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

  /**
   * NeoX rotate-half RoPE on x [N, L, heads·hs]: x·cos + cat(−x₂, x₁)·sin per head; → [N, L, heads, hs], in x's
   * type (an fp16 activation rotates against fp16 copies of the tables, as upstream rotates its bf16 q and k).
   */
  rope(flat: string, heads: number, tables: RopeTables): string {
    const { g } = this;
    const shape = g.ints([0, 0, heads, this.headSize]);
    const half = this.isHalf(flat);
    const typed = (x: string) => (half ? this.toHalf(x) : x);
    const keep = (x: string) => (half ? this.halfValue(x) : x);
    const cos = typed(tables.cos);
    const sin = typed(tables.sin);
    if (this.contrib.rope) {
      const rotated = g.op(
        'RotaryEmbedding',
        [flat, g.constant('int64', [1], [0n]), cos, sin],
        { interleaved: 0, num_heads: heads },
        { domain: 'com.microsoft' },
      );
      return keep(g.op('Reshape', [rotated, shape]));
    }
    const x = g.op('Reshape', [flat, shape]);
    const halfSize = this.headSize / 2;
    const [x1, x2] = g.node('Split', [x, g.ints([halfSize, halfSize])], { axis: -1 }, { outputs: 2 }) as [
      string,
      string,
    ];
    const rotated = g.op('Concat', [g.op('Neg', [x2]), x1], { axis: -1 });
    return keep(g.op('Add', [g.op('Mul', [x, cos]), g.op('Mul', [rotated, sin])]));
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

  /**
   * Attention of roped queries `q [N, S, H, hs]` over roped keys `k [N, L, Hkv, hs]` and values `v [N, L, kv]`
   * → [N, S, D], in the form `keys` was made for: plain fp32 ops, or MultiHeadAttention in the activation type
   * (fp16 under `half`, and so is the result).
   */
  attend(q: string, k: string, v: string, keys: KeyMask): string {
    const { g } = this;
    const { dModel: D, nHeads, nKvHeads } = this.d;
    const hs = this.headSize;
    if (keys.form === 'bias') {
      const plain = (x: string) => this.toFloat(x);
      const v4 = g.op('Reshape', [plain(v), g.ints([0, 0, nKvHeads, hs])]);
      return this.attention(plain(q), plain(k), v4, keys.bias);
    }
    const half = this.options.half === true;
    const typed = (x: string) => this.act(x);
    const mha = (inputs: string[], headSize: number) =>
      g.op(
        'MultiHeadAttention',
        inputs,
        { num_heads: nHeads, scale: { float: 1 / Math.sqrt(headSize) } },
        { domain: 'com.microsoft' },
      );
    let att: string;
    if (keys.form !== 'heads') {
      const flat = (x: string) => g.op('Reshape', [typed(x), g.ints([0, 0, D])]);
      const mask = keys.form === 'input' ? keys.maskI32 : keys.lengths;
      att = mha([flat(q), flat(k), typed(v), '', mask], hs);
    } else {
      // q·k over hs + KEY_MASK_DIMS dims is q·k + 1·bias: the padded keys' scores drop by 60000/√hs.
      const at = (values: number[]) => typed(g.constant('float32', [1, 1, 1, KEY_MASK_DIMS], values));
      const zeros = Array<number>(KEY_MASK_DIMS).fill(0);
      const extend = (x4: string, extra: string) => {
        const shape = g.op(
          'Concat',
          [g.op('Slice', [g.op('Shape', [x4]), g.ints([0]), g.ints([3])]), g.ints([KEY_MASK_DIMS])],
          { axis: 0 },
        );
        const wide = g.op('Concat', [x4, g.op('Expand', [extra, shape])], { axis: 3 });
        return g.op('Reshape', [wide, g.ints([0, 0, -1])]);
      };
      const wide = mha(
        [
          extend(typed(q), at(zeros.map((_, i) => (i === 0 ? 1 : 0)))),
          extend(typed(k), keys.keyExtra),
          extend(g.op('Reshape', [typed(v), g.ints([0, 0, nHeads, hs])]), at(zeros)),
        ],
        hs,
      );
      const heads = g.op('Reshape', [wide, g.ints([0, 0, nHeads, hs + KEY_MASK_DIMS])]);
      const kept = g.op('Slice', [heads, g.ints([0]), g.ints([hs]), g.ints([3])]);
      att = g.op('Reshape', [kept, g.ints([0, 0, D])]);
    }
    return half ? this.halfValue(att) : att;
  }

  /** Block i's attention inputs on RMSNorm(x): q [.., D], k and v [.., kv] (before RoPE), in the activation type. */
  private projectQkv(x: string, i: number): { q: string; k: string; v: string } {
    const { dModel: D, nKvHeads } = this.d;
    const p = `${PREFIX}.blocks.${i}`;
    const kvWidth = nKvHeads * this.headSize;
    const h = this.act(this.rmsNorm(x, `${p}.attn_norm.weight`));
    return {
      q: this.project(h, this.layerMatrix(`${p}.q_proj.weight`, [D, D]), D, D),
      k: this.project(h, this.layerMatrix(`${p}.k_proj.weight`, [kvWidth, D]), kvWidth, D),
      v: this.project(h, this.layerMatrix(`${p}.v_proj.weight`, [kvWidth, D]), kvWidth, D),
    };
  }

  block(x: string, i: number, ctx: BlockContext): string {
    const { nHeads, nKvHeads } = this.d;
    const { q, k, v } = this.projectQkv(x, i);
    const kr = this.rope(k, nKvHeads, ctx.tables);
    this.rotatedKeys.push({ k4: kr, v });
    return this.blockTail(x, this.attend(this.rope(q, nHeads, ctx.tables), kr, v, ctx.keys), i);
  }

  /**
   * An ML-Cache block on the selected rows only (dimoo-inference.md §4.4): their keys, rotated at their absolute
   * positions `pos`, and values are written into the caches (rotated keys, values: [N, L, kv] in the activation
   * type), and their queries, rotated likewise, attend to every cached key.
   */
  cachedBlock(
    x: string,
    i: number,
    c: { pos: string; tables: RopeTables; keys: KeyMask; kCache: string; vCache: string },
  ): { x: string; k: string; v: string; kAll: string; vAll: string } {
    const { g } = this;
    const { nHeads, nKvHeads } = this.d;
    const { q, k, v } = this.projectQkv(x, i);
    const cached = (value: string) => (this.isHalf(v) ? this.halfValue(value) : value);
    const kr = cached(g.op('Reshape', [this.rope(k, nKvHeads, c.tables), g.ints([0, 0, -1])]));
    const at = g.op('Expand', [g.op('Unsqueeze', [c.pos, g.ints([-1])]), g.op('Shape', [v])]);
    const kAll = cached(g.op('ScatterElements', [c.kCache, at, kr], { axis: 1 }));
    const vAll = cached(g.op('ScatterElements', [c.vCache, at, v], { axis: 1 }));
    const kAll4 = cached(g.op('Reshape', [kAll, g.ints([0, 0, nKvHeads, this.headSize])]));
    const att = this.attend(this.rope(q, nHeads, c.tables), kAll4, vAll, c.keys);
    return { x: this.blockTail(x, att, i), k: kr, v, kAll, vAll };
  }

  /**
   * Attention output projection, residual, and the SwiGLU MLP with its residual. The residual stream and the
   * norms stay fp32; under `half` the MLP's products and its SiLU·up run in fp16 between the two casts, with the
   * up projection's input multiplied by `mlp_scale` and the down projection's result divided by it in fp32
   * (engine/runtime/overflow-guard.ts: what keeps an outlier's SiLU·up inside fp16 when a step overflowed).
   */
  private blockTail(x: string, att: string, i: number): string {
    const { g } = this;
    const { dModel: D, mlpHidden } = this.d;
    const p = `${PREFIX}.blocks.${i}`;
    const out = this.project(att, this.layerMatrix(`${p}.attn_out.weight`, [D, D]), D, D);
    const x1 = g.op('Add', [x, this.toFloat(out)]);
    const h2 = this.act(this.rmsNorm(x1, `${p}.ff_norm.weight`));
    const scale = this.options.half ? this.mlpScale() : undefined;
    // Named, so a profile can sum what the scale costs (bench/gpu-probe.ts `mlp_scale_ms`).
    const named = (what: string) => ({ name: g.fresh(`n_${MLP_SCALE_INPUT}_${what}`) });
    const upInput = scale ? this.halfValue(g.op('Mul', [h2, scale.half], {}, named('up'))) : h2;
    const gate = this.project(h2, this.layerMatrix(`${p}.ff_proj.weight`, [mlpHidden, D]), mlpHidden, D);
    const up = this.project(upInput, this.layerMatrix(`${p}.up_proj.weight`, [mlpHidden, D]), mlpHidden, D);
    let act = g.op('Mul', [g.op('Mul', [gate, g.op('Sigmoid', [gate])]), up]);
    if (this.isHalf(gate)) act = this.halfValue(act);
    const down = this.toFloat(
      this.project(act, this.layerMatrix(`${p}.ff_out.weight`, [D, mlpHidden]), D, mlpHidden),
    );
    return g.op('Add', [x1, scale ? g.op('Mul', [down, scale.inverse], {}, named('down')) : down]);
  }

  /** Inputs `ids [N, L]`, `attn_mask [N, L]`; returns the final normed hidden states [N, L, D]. */
  trunk(): string {
    const { g } = this;
    const { dModel: D, vocabSize: V, nLayers } = this.d;
    const ids = g.input('ids', 'int64', ['N', 'L']);
    const mask = g.input('attn_mask', 'int64', ['N', 'L']);
    const length = g.op('Slice', [g.op('Shape', [ids]), g.ints([1]), g.ints([2])]);
    const tables = this.ropeTables(g.op('Squeeze', [length, g.ints([0])]));
    const ctx: BlockContext = { tables, keys: this.keyMask(mask) };
    let x = g.op('Gather', [this.param(`${PREFIX}.wte.weight`, [V, D]), ids], { axis: 0 });
    for (let i = 0; i < nLayers; i++) x = this.block(x, i, ctx);
    return this.rmsNorm(x, `${PREFIX}.ln_f.weight`);
  }
}
