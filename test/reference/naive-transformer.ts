// Independent float64 reference of the LLaDA forward pass (dimoo-inference.md §1.1), naive loops over the
// safetensors weights, for parity tests of the ONNX graphs. One unpadded sequence at a time, no mask needed.
import type { TransformerDims } from '../../engine/graphs/transformer.js';
import type { WeightRef } from '../../engine/runtime/external-data.js';
import { readTensorFloat64 } from '../doubles/safetensors-double.js';

type Matrix = Float64Array; // row-major

export class NaiveLlada {
  private readonly cache = new Map<string, Float64Array>();

  constructor(
    readonly dims: TransformerDims,
    private readonly weight: (name: string) => WeightRef,
  ) {}

  private w(name: string): Float64Array {
    let t = this.cache.get(name);
    if (!t) {
      t = readTensorFloat64(this.weight(name));
      this.cache.set(name, t);
    }
    return t;
  }

  /** y[L, out] = x[L, in] · Wᵀ with W stored [out, in]. */
  private linear(x: Matrix, rows: number, name: string, out: number, inF: number): Matrix {
    const W = this.w(name);
    const y = new Float64Array(rows * out);
    for (let r = 0; r < rows; r++)
      for (let o = 0; o < out; o++) {
        let s = 0;
        for (let i = 0; i < inF; i++) s += x[r * inF + i]! * W[o * inF + i]!;
        y[r * out + o] = s;
      }
    return y;
  }

  private rmsNorm(x: Matrix, rows: number, name: string): Matrix {
    const D = this.dims.dModel;
    const w = this.w(name);
    const y = new Float64Array(x.length);
    for (let r = 0; r < rows; r++) {
      let ss = 0;
      for (let i = 0; i < D; i++) ss += x[r * D + i]! ** 2;
      const inv = 1 / Math.sqrt(ss / D + this.dims.rmsNormEps);
      for (let i = 0; i < D; i++) y[r * D + i] = x[r * D + i]! * inv * w[i]!;
    }
    return y;
  }

  /** Rotate-half RoPE in place on x[rows, heads·hs], row t at absolute position `at[t]`. */
  private rope(x: Matrix, rows: number, heads: number, at: readonly number[]): void {
    const hs = this.dims.dModel / this.dims.nHeads;
    const half = hs / 2;
    for (let t = 0; t < rows; t++)
      for (let h = 0; h < heads; h++) {
        const base = t * heads * hs + h * hs;
        for (let i = 0; i < half; i++) {
          const angle = at[t]! / this.dims.ropeTheta ** ((2 * i) / hs);
          const c = Math.cos(angle);
          const s = Math.sin(angle);
          const a = x[base + i]!;
          const b = x[base + half + i]!;
          x[base + i] = a * c - b * s;
          x[base + half + i] = b * c + a * s;
        }
      }
  }

  /** Final normed hidden states [L, D] for one sequence. */
  hidden(ids: readonly number[]): Matrix {
    return this.cachedHidden(ids, [...ids.keys()], this.emptyCache(ids.length));
  }

  /** Per layer, rotated keys and values [L, kv] of every position (what cachedHidden reads and writes). */
  emptyCache(length: number): { k: Matrix[]; v: Matrix[] } {
    const { dModel: D, nHeads, nKvHeads, nLayers } = this.dims;
    const kvW = nKvHeads * (D / nHeads);
    const layers = () => Array.from({ length: nLayers }, () => new Float64Array(length * kvW));
    return { k: layers(), v: layers() };
  }

  /**
   * The hidden states [rows.length, D] of only `rows` of `ids`: their keys and values are written into `cache`
   * and their queries attend to every cached key (a forward of every row fills the cache).
   */
  cachedHidden(ids: readonly number[], rows: readonly number[], cache: { k: Matrix[]; v: Matrix[] }): Matrix {
    const { dModel: D, nHeads, nKvHeads, mlpHidden: H, nLayers } = this.dims;
    const L = ids.length;
    const R = rows.length;
    const hs = D / nHeads;
    const kvW = nKvHeads * hs;
    const rep = nHeads / nKvHeads;
    const wte = this.w('model.transformer.wte.weight');
    let x = new Float64Array(R * D);
    rows.forEach((row, r) => {
      for (let i = 0; i < D; i++) x[r * D + i] = wte[ids[row]! * D + i]!;
    });
    for (let layer = 0; layer < nLayers; layer++) {
      const p = `model.transformer.blocks.${layer}`;
      const h = this.rmsNorm(x, R, `${p}.attn_norm.weight`);
      const q = this.linear(h, R, `${p}.q_proj.weight`, D, D);
      const kRows = this.linear(h, R, `${p}.k_proj.weight`, kvW, D);
      const vRows = this.linear(h, R, `${p}.v_proj.weight`, kvW, D);
      this.rope(q, R, nHeads, rows);
      this.rope(kRows, R, nKvHeads, rows);
      const k = cache.k[layer]!;
      const v = cache.v[layer]!;
      rows.forEach((row, r) => {
        k.set(kRows.subarray(r * kvW, (r + 1) * kvW), row * kvW);
        v.set(vRows.subarray(r * kvW, (r + 1) * kvW), row * kvW);
      });
      const att = new Float64Array(R * D);
      const scores = new Float64Array(L);
      for (let head = 0; head < nHeads; head++) {
        const kvHead = Math.floor(head / rep);
        for (let t = 0; t < R; t++) {
          let max = Number.NEGATIVE_INFINITY;
          for (let s = 0; s < L; s++) {
            let dot = 0;
            for (let i = 0; i < hs; i++) dot += q[t * D + head * hs + i]! * k[s * kvW + kvHead * hs + i]!;
            scores[s] = dot / Math.sqrt(hs);
            max = Math.max(max, scores[s]!);
          }
          let sum = 0;
          for (let s = 0; s < L; s++) {
            scores[s] = Math.exp(scores[s]! - max);
            sum += scores[s]!;
          }
          for (let i = 0; i < hs; i++) {
            let acc = 0;
            for (let s = 0; s < L; s++) acc += scores[s]! * v[s * kvW + kvHead * hs + i]!;
            att[t * D + head * hs + i] = acc / sum;
          }
        }
      }
      const o = this.linear(att, R, `${p}.attn_out.weight`, D, D);
      x = x.map((value, i) => value + o[i]!);
      const h2 = this.rmsNorm(x, R, `${p}.ff_norm.weight`);
      const gate = this.linear(h2, R, `${p}.ff_proj.weight`, H, D);
      const up = this.linear(h2, R, `${p}.up_proj.weight`, H, D);
      const act = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]!);
      const down = this.linear(act, R, `${p}.ff_out.weight`, D, H);
      x = x.map((value, i) => value + down[i]!);
    }
    return this.rmsNorm(x, R, 'model.transformer.ln_f.weight');
  }

  /** Logits at `positions` over head rows [from, from+count) → [positions.length, count]. */
  logits(hidden: Matrix, positions: readonly number[], from: number, count: number): Matrix {
    const D = this.dims.dModel;
    const head = this.w(
      this.dims.weightTying ? 'model.transformer.wte.weight' : 'model.transformer.ff_out.weight',
    );
    const out = new Float64Array(positions.length * count);
    positions.forEach((pos, r) => {
      for (let c = 0; c < count; c++) {
        let s = 0;
        for (let i = 0; i < D; i++) s += hidden[pos * D + i]! * head[(from + c) * D + i]!;
        out[r * count + c] = s;
      }
    });
    return out;
  }
}
